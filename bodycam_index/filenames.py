"""Camera file-name conventions (formats.md §6) as a last-resort source of time, camera position, event type,
serial and officer, plus incident-number hints from the file name and its parent folders.

Every time here is the camera's local wall clock unless the convention says UTC (Axis `…Z`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .model import Extraction, Identity, InputError, TimeCandidate

#: Default incident-number pattern: `2023-045871` (year, separator, 4-8 digits), `FTN2021-0378` (letters,
#: digits, dash, digits) or `P151941002` (1-4 capitals then 6-12 digits); never glued to other digits.
DEFAULT_INCIDENT_PATTERN = (
    r"(?<![A-Za-z0-9])(?<!\d[-_])"
    r"(?:(?:19|20)\d\d[-_]\d{4,8}|[A-Z]{1,4}\d{2,4}-\d{3,8}|[A-Z]{1,4}\d{6,12})"
    r"(?![A-Za-z0-9])(?![-_]\d)"
)
#: How many parent folders are searched for incident numbers.
MAX_FOLDERS = 6

_BLACKVUE_EVENTS = {
    "N": "normal",
    "E": "event",
    "P": "parking",
    "M": "manual",
    "I": "impact",
    "O": "overspeed",
    "A": "acceleration",
    "T": "cornering",
    "B": "braking",
    "R": "geofence-enter",
    "X": "geofence-exit",
    "G": "geofence-pass",
    "D": "dms",
    "L": "dms",
    "Y": "dms",
    "F": "dms",
}
_POSITIONS = {"F": "front", "R": "rear", "I": "interior", "O": "optional", "B": "rear"}
_EVENTS = {"N": "normal", "E": "event", "P": "parking", "NO": "normal", "EV": "event", "PA": "parking"}
_FOLDER_EVENTS = {
    "cont_rec": "normal",
    "evt_rec": "event",
    "parking_rec": "parking",
    "manual_rec": "manual",
    "motion_timelapse_rec": "timelapse",
    "ro": "event",
    "parking": "parking",
    "event": "event",
    "recentclips": "recent",
    "savedclips": "saved",
    "sentryclips": "sentry",
}

_STAMP_Z = r"(?P<Y>\d{4})-?(?P<mo>\d\d)-?(?P<d>\d\d)T(?P<H>\d\d)[-_:]?(?P<Mi>\d\d)[-_:]?(?P<S>\d\d)Z"
#: Camera names are ASCII: `re.ASCII` keeps `\d` to 0-9 and case folding to A-Z, and compiles 3× faster than
#: Unicode case folding (every scan compiles these patterns).
_NAME_FLAGS = re.IGNORECASE | re.ASCII
_AXIS_CONTAINER = re.compile(rf"^(?P<user>.+?)_(?P<serial>[A-Za-z0-9-]+)_{_STAMP_Z}$", _NAME_FLAGS)
_AXIS_FOLDER_CLIP = re.compile(
    r"^(?P<Y>\d{4})(?P<mo>\d\d)(?P<d>\d\d)_(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_(?P<id>[A-Za-z0-9]+)\.(?:mkv|mp4)$",
    _NAME_FLAGS,
)


@dataclass(frozen=True)
class Convention:
    """One row of the naming table: a camera, its file-name pattern and what its groups mean."""

    camera: str
    pattern: re.Pattern[str]
    fill: Callable[[re.Match[str], Extraction], None]
    zone: str = "local"


def _stamp(match: re.Match[str]) -> datetime | None:
    """The wall-clock time in a match's Y/y, mo, d, H, Mi, S groups, or None when absent or impossible."""
    groups = match.groupdict()
    year = groups.get("Y") or (f"20{groups['y']}" if groups.get("y") else None)
    if year is None or groups.get("H") is None:
        return None
    try:
        return datetime(
            int(year),
            int(groups["mo"]),
            int(groups["d"]),
            int(groups["H"]),
            int(groups["Mi"]),
            int(groups["S"]),
        )
    except ValueError:
        return None


def _tags(*groups: str, events: dict[str, str] = _EVENTS) -> Callable[[re.Match[str], Extraction], None]:
    """A filler recording `groups` as `filename.<camera>.<group>` tags, naming position and event codes."""
    tables = {"position": _POSITIONS, "event": events}

    def fill(match: re.Match[str], extraction: Extraction) -> None:
        camera = extraction.tags["filename.convention"]
        for group in groups:
            value = match.group(group)
            if value:
                extraction.tags[f"filename.{camera}.{group}"] = tables.get(group, {}).get(
                    value.upper(), value
                )

    return fill


def _axis_clip(match: re.Match[str], extraction: Extraction) -> None:
    extraction.tags["filename.axis.recording_id"] = match.group("id")


def _row(
    camera: str, pattern: str, fill: Callable[[re.Match[str], Extraction], None], zone: str = "local"
) -> Convention:
    return Convention(camera, re.compile(pattern, _NAME_FLAGS), fill, zone)


_EXT = r"\.(?:mp4|mov|lrv|thm|mkv|ts|avi)$"
CONVENTIONS: list[Convention] = [
    _row(
        "gopro",
        rf"^G[HXS](?P<chapter>\d\d)(?P<number>\d{{4}}){_EXT}",
        _tags("chapter", "number"),
    ),
    _row("gopro", rf"^GP(?P<chapter>\d\d)(?P<number>\d{{4}}){_EXT}", _tags("chapter", "number")),
    _row("gopro", rf"^GOPR(?P<number>\d{{4}}){_EXT}", _tags("number")),
    _row(
        "dji",
        r"^DJI_(?P<Y>\d{4})(?P<mo>\d\d)(?P<d>\d\d)(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_(?P<number>\d{4})"
        rf"(?:_(?P<kind>[A-Z]))?{_EXT}",
        _tags("number", "kind"),
    ),
    _row("dji", rf"^DJI_(?P<number>\d{{4}}){_EXT}", _tags("number")),
    _row(
        "blackvue",
        r"^(?P<Y>\d{4})(?P<mo>\d\d)(?P<d>\d\d)_(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_"
        rf"(?P<event>[NEPMIOATBRXGDLYF])(?P<position>[FRIO])(?P<quality>[LS])?{_EXT}",
        _tags("event", "position", events=_BLACKVUE_EVENTS),
    ),
    _row(
        "viofo",
        r"^(?P<Y>\d{4})_(?P<mo>\d\d)(?P<d>\d\d)_(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_(?P<number>\d{3,6})"
        rf"(?P<event>[PE])?(?P<position>[FRT])?{_EXT}",
        _tags("number", "event", "position"),
    ),
    _row(
        "nextbase",
        r"^(?P<y>\d\d)(?P<mo>\d\d)(?P<d>\d\d)_(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_(?P<number>\d{3})_"
        rf"(?P<position>[FRB])(?P<quality>[HL]){_EXT}",
        _tags("number", "position"),
    ),
    _row(
        "70mai",
        r"^(?P<event>NO|EV|PA)(?P<Y>\d{4})(?P<mo>\d\d)(?P<d>\d\d)-(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)-"
        rf"(?P<number>\d{{6}})(?P<position>[FB])?{_EXT}",
        _tags("event", "number", "position"),
    ),
    _row(
        "vantrue",
        r"^(?P<Y>\d{4})(?P<mo>\d\d)(?P<d>\d\d)_(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_(?P<number>\d{4})_"
        rf"(?P<event>[NEP])_(?P<position>[AB]){_EXT}",
        _tags("number", "event", "position"),
    ),
    _row(
        "wolfbox",
        r"^(?P<Y>\d{4})_(?P<mo>\d\d)_(?P<d>\d\d)_(?P<H>\d\d)(?P<Mi>\d\d)(?P<S>\d\d)_(?P<code>[A-Z0-9]{2})_"
        rf"(?P<position>[FRI]){_EXT}",
        _tags("code", "position"),
    ),
    _row(
        "thinkware",
        r"^REC_(?P<Y>\d{4})_(?P<mo>\d\d)_(?P<d>\d\d)_(?P<H>\d\d)_(?P<Mi>\d\d)_(?P<S>\d\d)_"
        rf"(?P<position>[FR]){_EXT}",
        _tags("position"),
    ),
    _row("garmin", rf"^GRMN(?P<number>\d{{4}}){_EXT}", _tags("number")),
    _row(
        "tesla",
        r"^(?P<Y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)_(?P<H>\d\d)-(?P<Mi>\d\d)-(?P<S>\d\d)-"
        rf"(?P<position>front|back|left_repeater|right_repeater|left_pillar|right_pillar){_EXT}",
        _tags("position"),
    ),
    _row("axis", rf"^{_STAMP_Z}_(?P<id>[A-Za-z0-9]+)\.(?:mkv|mp4)$", _axis_clip, zone="utc"),
]


def _apply_convention(path: Path, extraction: Extraction) -> bool:
    """Fill time and tags from the first naming row that matches the file name; True when one did."""
    for row in CONVENTIONS:
        match = row.pattern.match(path.name)
        if match is None:
            continue
        extraction.tags["filename.convention"] = row.camera
        extraction.tags[f"filename.{row.camera}"] = path.name
        row.fill(match, extraction)
        _add_time(extraction, f"filename.{row.camera}", match, row.zone)
        return True
    return False


def _add_time(extraction: Extraction, source: str, match: re.Match[str], zone: str, note: str = "") -> None:
    stamp = _stamp(match)
    if stamp is None:
        if match.groupdict().get("H") is not None:
            extraction.warnings.append(f"{source}: the name holds an impossible date")
        return
    if zone == "utc":
        extraction.times.append(
            TimeCandidate(source, stamp.replace(tzinfo=UTC), "utc", note or "file name (UTC)")
        )
    else:
        extraction.times.append(TimeCandidate(source, stamp, "local", note or "file name, camera clock"))


def _axis_folder(path: Path, extraction: Extraction) -> None:
    """Serial, officer and trigger time from an Axis recording container folder `<UserID>_<Serial>_<time>Z`."""
    match = _AXIS_CONTAINER.match(path.parent.name)
    if match is None:
        return
    extraction.identity = extraction.identity.merged(
        Identity(make="Axis", serial=match.group("serial"), officer=match.group("user"))
    )
    extraction.tags["filename.axis.container"] = path.parent.name
    _add_time(extraction, "filename.axis.container", match, "utc", "Axis container trigger-on time (UTC)")
    clip = _AXIS_FOLDER_CLIP.match(path.name)
    if clip is not None and "filename.convention" not in extraction.tags:
        extraction.tags["filename.convention"] = "axis"
        extraction.tags["filename.axis"] = path.name
        extraction.tags["filename.axis.recording_id"] = clip.group("id")
        _add_time(extraction, "filename.axis", clip, "utc", "Axis clip name (UTC by the Axis export spec)")


def _folder_event(path: Path, extraction: Extraction) -> None:
    """Event type from dash-cam folder names (`evt_rec`, `DCIM/Movie/RO`, Tesla `SentryClips`, `1xxEVENT`)."""
    for folder in list(path.parents)[:3]:
        name = folder.name.lower()
        event = _FOLDER_EVENTS.get(name) or ("event" if re.fullmatch(r"\d{3}event", name) else None)
        if event:
            extraction.tags.setdefault("filename.folder.event", event)
            return


def incident_hints(path: Path, incident_pattern: str | None = None, skip_name: bool = False) -> list[str]:
    """Incident numbers found in the file's stem and its parent folder names, nearest first, as typed."""
    try:
        pattern = re.compile(incident_pattern or DEFAULT_INCIDENT_PATTERN)
    except re.error as exc:
        raise InputError(
            f"incident pattern {incident_pattern!r} is not a valid regular expression: {exc}"
        ) from exc
    names = [] if skip_name else [path.stem]
    names += [folder.name for folder in list(path.parents)[:MAX_FOLDERS] if folder.name]
    hints: list[str] = []
    for name in names:
        if _AXIS_CONTAINER.match(name) or re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d", name):
            continue  # camera-made folder names (Axis container, Tesla event) carry no incident number
        for match in pattern.finditer(name):
            hint = match.groupdict().get("number") or match.group(0)
            if hint and hint not in hints:
                hints.append(hint)
    return hints


def from_filename(path: Path, incident_pattern: str | None = None) -> Extraction:
    """What a file's name and folders say: camera time (lowest rank), tags, Axis serial/officer, incident hints."""
    extraction = Extraction(container="filename")
    matched = _apply_convention(path, extraction)
    _axis_folder(path, extraction)
    _folder_event(path, extraction)
    extraction.incident_hints = incident_hints(path, incident_pattern, skip_name=matched)
    return extraction
