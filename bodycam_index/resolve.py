"""Choose one start time per recording, place it in UTC, and measure the camera clock against GPS.

Candidates are ranked by the declared table in `timesources.py` (formats.md §7): GPS UTC fixes, zone-aware container
tags, MDPM, Matroska DateUTC, sidecars, container header times, file names, and last the file's mtime.

A wall-clock (`local`) time is placed in UTC with, in order (DESIGN §5): an offset the file itself gives (GPMF TZON,
Keys, EXIF OffsetTime), the offset learned from the file's own GPS UTC time (rounded to a quarter hour), the `--tz`
the user gave, the zone at the GPS position; otherwise its zone stays `unknown` and the stored start holds the
wall-clock reading itself. When `--tz` and the position's zone disagree, `--tz` wins and the recording is flagged.
A position's zone is weak evidence near a border (the lookup's simplified borders, the fix's own error): when a zone
with another offset lies within `zones.NEAR_BORDER_M`, the position's zone is kept and the recording is flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from . import zones
from .model import Extraction, Footage, GpsFix, TimeCandidate
from .timesources import FILESYSTEM, NAME, source_of
from .writers import DOUBT

_QUARTER_HOUR = 900
_MAX_ZONE_S = 14 * 3600
#: Most seconds a wall-clock time may lie from the quarter hour of a GPS UTC time for the offset to be learned.
LEARN_TOLERANCE_S = 300
#: Flag prefixes the reports can read from a recording's warnings.
ZONE_CONFLICT = "zone conflict"
MTIME_ONLY = "time from file mtime"
WRITER_UNKNOWN = "header writer unknown"
DST_CHANGE = "DST change"
ZONE_NEAR_BORDER = "zone near border"
ZONE_NOT_IN_DATA = "zone not in zone data"
FLAG_PREFIXES = (ZONE_CONFLICT, MTIME_ONLY, WRITER_UNKNOWN, DST_CHANGE, ZONE_NEAR_BORDER, ZONE_NOT_IN_DATA)

#: The IANA zone at the recording's position, looked up on first call only (the lookup's index costs ~0.1 s to
#: build, and most recordings are placed by an offset or GPS UTC time before the position's zone is needed).
ZoneOfPosition = Callable[[], str | None]
#: The other zones near the recording's position (`zones.zones_near`), looked up on first call only.
ZonesNearPosition = Callable[[], tuple[str, ...]]


def _no_zone() -> str | None:
    return None


def _no_zones() -> tuple[str, ...]:
    return ()


def rank(candidate: TimeCandidate) -> tuple[int, int]:
    """Sort key of a candidate: its declared source's rank, then zone-aware before wall-clock."""
    return source_of(candidate.source).rank, 0 if candidate.zone in ("utc", "offset") else 1


def _is_gps(candidate: TimeCandidate) -> bool:
    return source_of(candidate.source).gps and candidate.zone == "utc"


def representative_point(extraction: Extraction) -> GpsFix | None:
    """The static location, else the median of the track's fixes."""
    if extraction.location is not None:
        return extraction.location
    if not extraction.track:
        return None
    return GpsFix(median([f.lat for f in extraction.track]), median([f.lon for f in extraction.track]),
                  source="track.median")


def median(values: list[float]) -> float:
    """The median (the mean of the middle two for an even count), as `statistics.median` gives it, without
    importing `statistics` (fractions, decimal, random: ~10 ms of every scan's and report's start-up)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def clock_offset(header: TimeCandidate, gps_start: datetime, zone: str | ZoneOfPosition | None = None,
                 zone_s: float | None = None) -> tuple[float, float]:
    """(offset, drift) in seconds: header minus GPS UTC, and what remains after removing the camera's zone.

    A wall-clock header is compared as if it were UTC, so a camera on Pacific time shows about −8 h. Its zone is the
    offset given (`zone_s`), else the IANA zone given, else the offset rounded to a quarter hour. An offset that is
    no real zone (beyond ±14 h) is all drift.
    """
    value = header.value if header.value.tzinfo else header.value.replace(tzinfo=UTC)
    offset = (value - gps_start).total_seconds()
    if header.zone != "local" or abs(offset) > _MAX_ZONE_S:
        return offset, offset
    if zone_s is None:
        if callable(zone):
            zone = zone()
        if zone is not None and zones.known(zone):
            zone_s = zones.utc_offset(zone, header.value).total_seconds()
        else:
            zone_s = round(offset / _QUARTER_HOUR) * _QUARTER_HOUR
    return offset, offset - zone_s


def learned_offset(local: datetime, gps_utc: datetime) -> float | None:
    """The zone offset (seconds, a quarter hour multiple) between a wall-clock time and a GPS UTC time of about the
    same moment, or None when they are too far from any real zone."""
    offset = (local.replace(tzinfo=UTC) - gps_utc.astimezone(UTC)).total_seconds()
    zone_s = round(offset / _QUARTER_HOUR) * _QUARTER_HOUR
    if abs(zone_s) > _MAX_ZONE_S or abs(offset - zone_s) > LEARN_TOLERANCE_S:
        return None
    return zone_s


@dataclass
class _Placed:
    start: datetime | None = None
    zone_kind: str = "unknown"
    reason: str = ""
    zone: str | None = None       # IANA zone used, for drift
    zone_s: float | None = None   # fixed offset used, for drift
    flags: list[str] = field(default_factory=list)


def _near_border(found: str, nearby: tuple[str, ...], local: datetime) -> str | None:
    """The zones near the position with another offset than `found` at wall-clock `local`, named with their offsets
    and the distance, or None."""
    own = zones.utc_offset(found, local)
    other: dict[str, str] = {}
    for name in nearby:
        offset = zones.utc_offset(name, local) if zones.known(name) else None
        if offset != own:
            other[name] = "offset unknown" if offset is None else zones.format_offset(offset)
    if not other:
        return None
    listed = ", ".join(f"{name} ({offset})" for name, offset in other.items())
    return f"{listed} within {zones.NEAR_BORDER_M:.0f} m"


def _place_local(chosen: TimeCandidate, usable: list[TimeCandidate], gps: TimeCandidate | None, tz: str | None,
                 position_zone: ZoneOfPosition = _no_zone, nearby: ZonesNearPosition = _no_zones) -> _Placed:
    """Place a wall-clock candidate in UTC by the zone precedence of DESIGN §5."""
    value, source = chosen.value, chosen.source
    given = next((c for c in usable if c.zone == "offset" and rank(c)[0] < NAME), None)
    if given is not None and given.value.utcoffset() is not None:
        offset = given.value.utcoffset() or timedelta()
        return _Placed((value - offset).replace(tzinfo=UTC), "offset",
                       f"{source} is wall-clock time; offset {zones.format_offset(offset)} from {given.source}",
                       zone_s=offset.total_seconds())
    if gps is not None:
        zone_s = learned_offset(value, gps.value)
        if zone_s is not None:
            offset = timedelta(seconds=zone_s)
            return _Placed((value - offset).replace(tzinfo=UTC), "offset",
                           f"{source} is wall-clock time; offset {zones.format_offset(offset)} learned from the "
                           f"file's GPS UTC time ({gps.source})", zone_s=zone_s)
    if tz:
        start, dst = zones.place(value, tz)
        placed = _Placed(start, f"assumed:{tz}", f"{source} is wall-clock time; zone {tz} from --tz", zone=tz)
        found = position_zone()
        if found is not None and not zones.known(found):
            placed.flags.append(f"{ZONE_NOT_IN_DATA}: {found} at the recording's GPS position; --tz not checked "
                                f"against it")
        elif found is not None and zones.utc_offset(found, value) != zones.utc_offset(tz, value):
            placed.flags.append(
                f"{ZONE_CONFLICT}: --tz {tz} ({zones.format_offset(zones.utc_offset(tz, value))}) differs from "
                f"{found} ({zones.format_offset(zones.utc_offset(found, value))}) at the recording's "
                f"GPS position; --tz kept")
            placed.reason += f" (differs from {found} at the GPS position)"
    elif (found := position_zone()) is not None and not zones.known(found):
        return _Placed(value.replace(tzinfo=UTC), "unknown",
                       f"{source} is wall-clock time; the zone at the GPS position, {found}, is not in this machine's "
                       f"zone data (stored as read, not UTC; update tzdata or give --tz)",
                       flags=[f"{ZONE_NOT_IN_DATA}: {found} at the recording's GPS position; time left unplaced"])
    elif found is not None:
        start, dst = zones.place(value, found)
        placed = _Placed(start, f"inferred:{found}",
                         f"{source} is wall-clock time; zone {found} from the recording's GPS position",
                         zone=found)
        if (near := _near_border(found, nearby(), value)) is not None:
            placed.flags.append(f"{ZONE_NEAR_BORDER}: {found} ({zones.format_offset(zones.utc_offset(found, value))}) "
                                f"kept; {near} of the recording's GPS position")
            placed.reason += f"; {near}, so the zone is in doubt"
    else:
        return _Placed(value.replace(tzinfo=UTC), "unknown",
                       f"{source} is wall-clock time in an unknown zone (stored as read, not UTC; give --tz)")
    if dst is not None:
        placed.flags.append(f"{DST_CHANGE}: {source} {value.isoformat(sep=' ')} is {dst} in {placed.zone}")
    return placed


def _flag_drift_zone(placed: _Placed, found: str | None, nearby: ZonesNearPosition, local: datetime) -> None:
    """Flag a clock drift measured against the position's zone when a zone near it has another offset."""
    if found is None or not zones.known(found) or any(f.startswith(ZONE_NEAR_BORDER) for f in placed.flags):
        return
    if (near := _near_border(found, nearby(), local)) is not None:
        placed.flags.append(f"{ZONE_NEAR_BORDER}: clock drift measured against {found} "
                            f"({zones.format_offset(zones.utc_offset(found, local))}); {near} of the recording's "
                            f"GPS position")


def resolve(extraction: Extraction, tz: str | None = None) -> Footage:
    """The resolved record of an extraction: chosen start (UTC), end, zone kind, clock offset and drift."""
    usable = sorted((c for c in extraction.times if c.zone != "unset"), key=rank)
    point = representative_point(extraction)
    gps = next((c for c in usable if _is_gps(c)), None)
    header = next((c for c in usable if not _is_gps(c) and rank(c)[0] not in (NAME, FILESYSTEM)), None)
    position_zone = _no_zone if point is None else cache(lambda: zones.zone_at(point.lat, point.lon))
    nearby = _no_zones if point is None else cache(lambda: zones.zones_near(point.lat, point.lon))

    chosen = usable[0] if usable else None
    placed = _Placed(reason="no usable time in the file, its sidecars or its name")
    if chosen is not None and chosen.zone in ("utc", "offset"):
        kind = "UTC" if chosen.zone == "utc" else "carries its UTC offset"
        placed = _Placed(chosen.value.astimezone(UTC), chosen.zone, f"{chosen.source} ({kind})")
    elif chosen is not None:
        placed = _place_local(chosen, usable, gps, tz, position_zone, nearby)
    if chosen is not None and chosen.note:
        placed.reason += f"; {chosen.note}"
    if chosen is not None and DOUBT in chosen.note:
        placed.flags.append(f"{WRITER_UNKNOWN}: {chosen.source} read as wall clock, may be UTC")
    if chosen is not None and rank(chosen)[0] == FILESYSTEM:
        placed.flags.append(f"{MTIME_ONLY}: nothing in the file, its sidecars or its name gives a time")

    offset_s = drift_s = None
    if gps is not None and header is not None:
        # the zone removed is one known apart from the GPS (file offset, --tz, position), else the quarter hour
        given = _place_local(header, usable, None, None) if header.zone == "local" else None
        zone_s = given.zone_s if given is not None and given.zone_kind == "offset" else None
        offset_s, drift_s = clock_offset(header, gps.value.astimezone(UTC), tz or position_zone, zone_s)
        if not tz and zone_s is None and header.zone == "local" and abs(offset_s) <= _MAX_ZONE_S:
            _flag_drift_zone(placed, position_zone(), nearby, header.value)
    duration = extraction.duration_s
    start = placed.start
    end = start + timedelta(seconds=duration) if start is not None and duration is not None else None
    return Footage(start_utc=start, end_utc=end, duration_s=duration,
                   time_source=chosen.source if chosen else None, zone_kind=placed.zone_kind,
                   time_reason=placed.reason, clock_offset_s=offset_s, drift_s=drift_s, identity=extraction.identity,
                   lat=point.lat if point else None, lon=point.lon if point else None,
                   fix_count=len(extraction.track), flags=tuple(placed.flags))
