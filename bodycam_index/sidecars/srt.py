"""DJI `.SRT` flight subtitles: camera-local time per cue and GPS in one of four payload layouts.

Layouts (formats.md §3.1): labelled `[latitude: …] [longitude: …]` (Mini 3/4, Air 2S, Mavic 3; `longtitude` on
Mavic 2), `GPS (lon, lat, sats)` (P4P, Mavic Mini, Mavic Pro, old format) and the Matrice 300
`GPS(lat,lon,altM)`, recognised by the trailing `M` of its third value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, TimeCandidate

SOURCE = "srt.dji"

_NUM = r"[-+]?\d+(?:\.\d+)?"
_TIMING = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{1,3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{1,3})")
_DATE = re.compile(
    r"(\d{4})[-.](\d{1,2})[-.](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})(?:[,.](\d{1,3}))?(?:,(\d{1,3}))?"
)
#: DJI writes ASCII: `re.ASCII` folds case over A-Z only, which compiles these patterns 3× faster.
_LABEL = re.IGNORECASE | re.ASCII
_LAT = re.compile(rf"\blatitude\s*:\s*({_NUM})", _LABEL)
_LON = re.compile(rf"\blongt?itude\s*:\s*({_NUM})", _LABEL)
_ALT = re.compile(rf"\b(?:abs_alt|altitude)\s*:\s*({_NUM})", _LABEL)
_GPS = re.compile(rf"\bGPS\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*(M?)\s*\)", _LABEL)
_TAG = re.compile(r"<[^>]{0,200}>")


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: its index, timing in the video (seconds), camera-local time and GPS fix if any."""

    index: int | None
    start_s: float | None
    end_s: float | None
    local_time: datetime | None
    fix: GpsFix | None
    dropped: bool = False


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000.0


def _local_time(payload: str) -> datetime | None:
    match = _DATE.search(payload)
    if match is None:
        return None
    year, month, day, hour, minute, second, ms, us = match.groups()
    micro = int((ms or "0").ljust(3, "0")) * 1000 + int(us or "0")
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
    except ValueError:
        return None


def _fix(payload: str, start_s: float | None) -> tuple[GpsFix | None, bool]:
    """The cue's fix and whether a position was present but invalid (dropped)."""
    lat_m, lon_m = _LAT.search(payload), _LON.search(payload)
    alt: float | None = None
    quality: str | None = None
    if lat_m and lon_m:
        lat, lon = float(lat_m.group(1)), float(lon_m.group(1))
        alt_m = _ALT.search(payload)
        alt = float(alt_m.group(1)) if alt_m else None
    else:
        gps = _GPS.search(payload)
        if gps is None:
            return None, False
        first, second, third, metres = float(gps.group(1)), float(gps.group(2)), gps.group(3), gps.group(4)
        if metres:  # Matrice 300: (lat, lon, altitude in metres)
            lat, lon, alt = first, second, float(third)
        else:  # (lon, lat, satellites)
            lon, lat, quality = first, second, f"sats={third}"
    if not valid_position(lat, lon):
        return None, True
    return GpsFix(lat=lat, lon=lon, t_offset_s=start_s, alt_m=alt, quality=quality, source=SOURCE), False


def _blocks(text: str) -> list[list[str]]:
    """Cue blocks: a new block starts at an index line followed by a timing line, or at a blank line."""
    lines = [
        _TAG.sub("", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    blocks: list[list[str]] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        starts_cue = line.isdecimal() and i + 1 < len(lines) and "-->" in lines[i + 1]
        if (not line or starts_cue) and current:
            blocks.append(current)
            current = []
        if line:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def cues(text: str) -> list[Cue]:
    """Every cue in an SRT file, in file order."""
    found: list[Cue] = []
    for block in _blocks(text):
        index = int(block[0]) if block[0].isdecimal() and len(block[0]) < 10 else None
        body = block[1:] if index is not None else block
        start_s = end_s = None
        if body:
            timing = _TIMING.search(body[0])
            if timing:
                g = timing.groups()
                start_s, end_s = _seconds(*g[:4]), _seconds(*g[4:])
                body = body[1:]
        payload = "\n".join(body)
        fix, dropped = _fix(payload, start_s)
        local = _local_time(payload)
        if index is None and start_s is None and fix is None and local is None and not dropped:
            continue  # stray text between cues
        found.append(Cue(index, start_s, end_s, local, fix, dropped))
    return found


def parse(text: str) -> Extraction:
    """Extract local times, cue-timed GPS fixes and the subtitle duration from a DJI SRT file."""
    found = cues(text)
    if not found:
        raise ExtractError("no SRT cues found")
    extraction = Extraction(container="srt")
    extraction.track = [cue.fix for cue in found if cue.fix is not None]
    extraction.dropped_fixes = sum(cue.dropped for cue in found)
    extraction.location = extraction.track[0] if extraction.track else None
    ends = [cue.end_s for cue in found if cue.end_s is not None]
    extraction.duration_s = max(ends) if ends else None
    extraction.tags[f"{SOURCE}.cues"] = str(len(found))
    dated = [cue for cue in found if cue.local_time is not None]
    if dated:
        first, last = dated[0], dated[-1]
        start: datetime | None = first.local_time
        note = f"first dated cue {first.local_time.isoformat(sep=' ')}"
        if first.start_s:
            try:
                start = first.local_time - timedelta(seconds=first.start_s)
            except OverflowError:  # a cue time (hours are unbounded digits) beyond what a datetime can hold
                start = None
                extraction.warnings.append(f"SRT cue at {first.start_s:.0f} s is out of range; its date ignored")
            note += f" at {first.start_s:.3f} s"
        if start is not None:
            extraction.times.append(
                TimeCandidate(SOURCE, start, "local", note + "; camera clock, zone not recorded")
            )
        extraction.tags[f"{SOURCE}.first"] = first.local_time.isoformat(sep=" ")
        extraction.tags[f"{SOURCE}.last"] = last.local_time.isoformat(sep=" ")
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} SRT cues had an invalid (0/0) position")
    return extraction
