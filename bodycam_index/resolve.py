"""Choose one start time per recording, place it in UTC, and measure the camera clock against GPS.

Precedence follows formats.md §7: GPS UTC fixes, then zone-aware container tags (Keys, ©day, 3GPP, XMP), MDPM,
Matroska DateUTC, sidecars, container header times (mvhd, IDIT, EXIF), file names, and last the file's mtime.
A wall-clock (`local`) time is placed with, in order: an offset learned from the file's own GPS UTC fixes, the zone
at the GPS position, the `--tz` the user gave; otherwise its zone stays `unknown`. For an `unknown` zone the stored
start holds the wall-clock reading itself, and every report that uses it flags it.
"""

from __future__ import annotations

import re
import statistics
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from .model import Extraction, Footage, GpsFix, TimeCandidate

#: (pattern on the candidate's source, rank): lower ranks win; the first pattern that matches applies.
_RANKS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(p), rank)
    for p, rank in [
        (r"(^gpmf\.|\.gps\b|gps$|\.gps9|gpsu|^nmea|^camm)", 0),
        (r"^mp4\.(keys|udta|3gpp)|^xmp|\.xmp|^mp4\.xmp", 1),
        (r"^mts\.", 2),
        (r"^mkv\.", 3),
        (r"^(axis|watchguard|srt|blackvue|dems|gpx|kml)", 4),
        (r"^filename\.", 6),
        (r"^fs\.", 7),
    ]
]
_DEFAULT_RANK = 5  # container header times: mvhd, IDIT, EXIF DateTimeOriginal, ffprobe
_QUARTER_HOUR = 900
_MAX_ZONE_S = 14 * 3600


def rank(candidate: TimeCandidate) -> tuple[int, int]:
    """Sort key of a candidate: its source's rank, then zone-aware before wall-clock."""
    base = next((r for pattern, r in _RANKS if pattern.search(candidate.source)), _DEFAULT_RANK)
    return base, 0 if candidate.zone in ("utc", "offset") else 1


def _is_gps(candidate: TimeCandidate) -> bool:
    return rank(candidate)[0] == 0 and candidate.zone == "utc"


@cache
def _zone_finder() -> object:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(lat: float, lon: float) -> str | None:
    """The IANA time zone at a position, or None at sea / when unknown."""
    return _zone_finder().timezone_at(lat=lat, lng=lon)  # type: ignore[attr-defined]


def representative_point(extraction: Extraction) -> GpsFix | None:
    """The static location, else the median of the track's fixes."""
    if extraction.location is not None:
        return extraction.location
    if not extraction.track:
        return None
    lats = [f.lat for f in extraction.track]
    lons = [f.lon for f in extraction.track]
    return GpsFix(statistics.median(lats), statistics.median(lons), source="track.median")


def clock_offset(header: TimeCandidate, gps_start: datetime, zone: str | None = None) -> tuple[float, float]:
    """(offset, drift) in seconds: header minus GPS UTC, and what remains after removing the camera's zone.

    A wall-clock header is compared as if it were UTC, so a camera on Pacific time shows about −8 h. Its zone is the
    one given (from the GPS position or --tz), else the offset rounded to a quarter hour. An offset that is no real
    zone (beyond ±14 h) is all drift.
    """
    value = header.value if header.value.tzinfo else header.value.replace(tzinfo=UTC)
    offset = (value - gps_start).total_seconds()
    if header.zone != "local" or abs(offset) > _MAX_ZONE_S:
        return offset, offset
    if zone is not None:
        zone_s = ZoneInfo(zone).utcoffset(header.value.replace(tzinfo=None)).total_seconds()
    else:
        zone_s = round(offset / _QUARTER_HOUR) * _QUARTER_HOUR
    return offset, offset - zone_s


def _place_local(value: datetime, zone: str) -> datetime:
    return value.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def resolve(extraction: Extraction, tz: str | None = None) -> Footage:
    """The resolved record of an extraction: chosen start (UTC), end, zone kind, clock offset and drift."""
    usable = sorted((c for c in extraction.times if c.zone != "unset"), key=rank)
    point = representative_point(extraction)
    gps = next((c for c in usable if _is_gps(c)), None)
    header = next((c for c in usable if not _is_gps(c) and rank(c)[0] not in (6, 7)), None)

    position_zone = zone_at(point.lat, point.lon) if point is not None else None
    offset_s = drift_s = None
    if gps is not None and header is not None:
        offset_s, drift_s = clock_offset(header, gps.value.astimezone(UTC), position_zone or tz)

    start: datetime | None = None
    source: str | None = None
    zone_kind = "unknown"
    reason = "no usable time in the file, its sidecars or its name"
    chosen = usable[0] if usable else None
    if chosen is not None:
        source = chosen.source
        if chosen.zone in ("utc", "offset"):
            start = chosen.value.astimezone(UTC)
            zone_kind = chosen.zone
            reason = f"{chosen.source} ({'UTC' if chosen.zone == 'utc' else 'carries its UTC offset'})"
        else:
            if position_zone is not None:
                start, zone_kind = _place_local(chosen.value, position_zone), f"inferred:{position_zone}"
                reason = f"{chosen.source} is wall-clock time; zone {position_zone} from the recording's GPS position"
            elif tz:
                start, zone_kind = _place_local(chosen.value, tz), f"assumed:{tz}"
                reason = f"{chosen.source} is wall-clock time; zone {tz} assumed from --tz"
            else:
                start = chosen.value.replace(tzinfo=UTC)
                reason = f"{chosen.source} is wall-clock time in an unknown zone (stored as read, not UTC)"
    duration = extraction.duration_s
    end = start + timedelta(seconds=duration) if start is not None and duration is not None else None
    return Footage(start_utc=start, end_utc=end, duration_s=duration, time_source=source, zone_kind=zone_kind,
                   time_reason=reason, clock_offset_s=offset_s, drift_s=drift_s, identity=extraction.identity,
                   lat=point.lat if point else None, lon=point.lon if point else None,
                   fix_count=len(extraction.track))
