"""Sane ranges for the dates and durations a file may claim, checked before any arithmetic or storage.

A hostile or broken header can claim year 1 or 9999, or a duration of 2^62 seconds; placing such a time in a
zone or adding such a duration overflows `datetime`. Values outside these ranges are dropped from the extraction
with a warning, so the recording is still stored (as `partial`) with everything else it holds.
"""

from __future__ import annotations

import math
from datetime import datetime

from .model import Extraction

#: Years a recording's time may fall in; anything else is a corrupt or unset clock.
MIN_YEAR = 1900
MAX_YEAR = 2200
#: Longest duration a single recording may have (31 days of continuous recording).
MAX_DURATION_S = 31 * 86400.0


def time_in_range(value: datetime) -> bool:
    """True when the year is within MIN_YEAR..MAX_YEAR (so zone and UTC arithmetic cannot overflow)."""
    return MIN_YEAR <= value.year <= MAX_YEAR


def check_time(value: datetime) -> datetime:
    """The value itself, or ValueError when its year is out of range."""
    if not time_in_range(value):
        raise ValueError(f"date {value.isoformat()} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return value


def duration_in_range(value: float) -> bool:
    """True for a finite duration from 0 to MAX_DURATION_S seconds (False for an int too large for a float)."""
    try:
        seconds = float(value)
    except (OverflowError, TypeError, ValueError):
        return False
    return math.isfinite(seconds) and 0 <= seconds <= MAX_DURATION_S


def position_in_range(lat: float, lon: float) -> bool:
    """True for finite WGS84 coordinates (latitude ±90, longitude ±180), which a zone lookup accepts."""
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def bound_extraction(extraction: Extraction) -> None:
    """Drop out-of-range times, positions, fix times and durations from an extraction, each with a warning.

    Unset times (the container's "no time") are kept as they are: they are never placed in a zone."""
    bad_times = [c for c in extraction.times if c.zone != "unset" and not time_in_range(c.value)]
    if bad_times:
        extraction.times = [c for c in extraction.times if c not in bad_times]
        for candidate in bad_times:
            extraction.warnings.append(f"{candidate.source}: date year {candidate.value.year} is out of range "
                                       f"({MIN_YEAR}-{MAX_YEAR}); ignored")
    # per fix, so the range tests are inlined (the same as time_in_range and position_in_range: NaN and
    # infinities fail the comparisons)
    bad_fixes = sum(1 for f in extraction.track if f.t_utc is not None and not MIN_YEAR <= f.t_utc.year <= MAX_YEAR)
    if bad_fixes:
        extraction.track = [f for f in extraction.track if f.t_utc is None or time_in_range(f.t_utc)]
        extraction.dropped_fixes += bad_fixes
        extraction.warnings.append(f"{bad_fixes} GPS fixes with a date outside {MIN_YEAR}-{MAX_YEAR} dropped")
    off_earth = sum(1 for f in extraction.track if not (-90 <= f.lat <= 90 and -180 <= f.lon <= 180))
    if off_earth:
        extraction.track = [f for f in extraction.track if position_in_range(f.lat, f.lon)]
        extraction.dropped_fixes += off_earth
        extraction.warnings.append(f"{off_earth} GPS fixes outside latitude ±90 / longitude ±180 dropped")
    location = extraction.location
    if location is not None and location.t_utc is not None and not time_in_range(location.t_utc):
        extraction.location = None
        extraction.warnings.append(f"location with a date outside {MIN_YEAR}-{MAX_YEAR} dropped")
    location = extraction.location
    if location is not None and not position_in_range(location.lat, location.lon):
        extraction.location = None
        extraction.warnings.append(f"location {location.source} outside latitude ±90 / longitude ±180 dropped")
    duration = extraction.duration_s
    if duration is not None and not duration_in_range(duration):
        extraction.duration_s = None
        extraction.warnings.append(
            f"duration {str(duration)[:24]} s is out of range (0-{MAX_DURATION_S:.0f} s); ignored")
