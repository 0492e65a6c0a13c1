"""The one home for time zones: IANA names, local wall clock → UTC with DST flags, the zone at a position.

Footage (`resolve.py`) and incident imports use the same conversion, so both get the same answer and the same flags:
an ambiguous local time (the hour repeated when clocks go back) takes its first occurrence (daylight time); a
non-existent one (the hour skipped when clocks go forward) takes the offset in force before the change.
"""

from __future__ import annotations

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


@cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(lat: float, lon: float) -> str | None:
    """The IANA time zone at a position, or None at sea / when unknown."""
    return _finder().timezone_at(lat=lat, lng=lon)  # type: ignore[attr-defined]


def format_offset(offset: timedelta) -> str:
    """`+03:00`, `-05:30`."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
