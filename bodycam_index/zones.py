"""The one home for time zones: IANA names, local wall clock → UTC with DST flags, the zone at a position.

Footage (`resolve.py`) and incident imports use the same conversion, so both get the same answer and the same flags:
an ambiguous local time (the hour repeated when clocks go back) takes its first occurrence (daylight time); a
non-existent one (the hour skipped when clocks go forward) takes the offset in force before the change.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import InputError

DstFlag = Literal["ambiguous", "nonexistent"]
_CACHE_LIMIT = 100_000


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone named, or InputError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r} (use an IANA name such as America/Los_Angeles)") from exc


def local_offset(tz: ZoneInfo, local: datetime) -> tuple[timedelta, DstFlag | None]:
    """The UTC offset in force at naive wall-clock `local` in `tz`, and `ambiguous`, `nonexistent` or None."""
    first = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta()
    second = local.replace(tzinfo=tz, fold=1).utcoffset() or timedelta()
    if first == second:
        return first, None
    back = (local - first).replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    return first, "ambiguous" if back == local else "nonexistent"


class TimeZoneConverter:
    """Local wall-clock time in one zone → UTC, DST-aware and flagged, cached per local hour (bounded)."""

    def __init__(self, tz: str) -> None:
        self.zone = zone(tz)
        self._hours: dict[tuple[int, int, int, int], tuple[timedelta, DstFlag | None]] = {}

    def offset(self, local: datetime) -> tuple[timedelta, DstFlag | None]:
        """The UTC offset in force during the local hour of `local`, and its DST flag or None."""
        key = (local.year, local.month, local.day, local.hour)
        hit = self._hours.get(key)
        if hit is None:
            if len(self._hours) >= _CACHE_LIMIT:
                self._hours.clear()
            hit = self._hours[key] = local_offset(self.zone, datetime(*key, 30))
        return hit

    def to_utc(self, value: datetime) -> tuple[datetime, DstFlag | None]:
        """The UTC datetime (naive) of a local or aware value, and a DST flag or None."""
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None), None
        offset, flag = self.offset(value)
        return value - offset, flag


def place(local: datetime, tz: str) -> tuple[datetime, DstFlag | None]:
    """Naive wall-clock `local` in zone `tz` as an aware UTC datetime, and its DST flag or None."""
    offset, flag = local_offset(zone(tz), local.replace(tzinfo=None))
    return (local.replace(tzinfo=None) - offset).replace(tzinfo=UTC), flag


def utc_offset(tz: str, local: datetime) -> timedelta:
    """The offset of zone `tz` at wall-clock `local`."""
    return local_offset(zone(tz), local.replace(tzinfo=None))[0]


#: Metres around a position searched for another zone: tzfpy's simplified borders lie within about 112 m of the
#: full-precision ones, and a GPS fix has its own error (tens of metres), so a zone that close is weak evidence.
NEAR_BORDER_M = 250.0
#: Directions probed at NEAR_BORDER_M: eight, 45° apart, meet any straight border nearer than cos(22.5°) × 250 m
#: ≈ 231 m (four would guarantee only cos(45°) × 250 m ≈ 177 m).
_BEARINGS = tuple(math.radians(45 * k) for k in range(8))
_M_PER_DEG = 111_320.0


def _land_zone(name: str) -> str | None:
    """The name, or None for no zone or a nautical one (`Etc/GMT+2` at sea: no clock is set to it)."""
    return name if name and not name.startswith("Etc/") else None


def zone_at(lat: float, lon: float) -> str | None:
    """The IANA time zone at a position, or None at sea, off the earth or when unknown."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
        return None
    from tzfpy import get_tz  # the finder is built on the first call (~0.1 s CPU), only when a zone is needed

    return _land_zone(get_tz(lon, lat))


def zones_near(lat: float, lon: float, radius_m: float = NEAR_BORDER_M) -> tuple[str, ...]:
    """The land zones other than the position's own found within `radius_m`: those covering the point itself
    (overlapping or shared borders) and those at eight points `radius_m` away. Sorted; empty at sea."""
    own = zone_at(lat, lon)
    if own is None:
        return ()
    from tzfpy import get_tz, get_tzs

    found = {_land_zone(name) for name in get_tzs(lon, lat)}
    dlat = radius_m / _M_PER_DEG
    dlon = radius_m / (_M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6))
    for bearing in _BEARINGS:
        plat = min(90.0, max(-90.0, lat + dlat * math.cos(bearing)))
        plon = (lon + dlon * math.sin(bearing) + 180.0) % 360.0 - 180.0
        found.add(_land_zone(get_tz(plon, plat)))
    return tuple(sorted(name for name in found if name is not None and name != own))


def known(name: str) -> bool:
    """True when this machine's zone data (the OS's or the `tzdata` package) has the zone named."""
    try:
        zone(name)
    except InputError:
        return False
    return True


def format_offset(offset: timedelta) -> str:
    """`+03:00`, `-05:30`."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
