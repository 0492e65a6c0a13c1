"""Coordinates: which positions are real fixes, building a GpsFix, and the DDMM and ISO 6709 notations."""

from __future__ import annotations

import math
import re
from datetime import datetime

from .model import GpsFix

_ISO6709 = re.compile(r"([+-])(\d+(?:\.\d*)?)([+-])(\d+(?:\.\d*)?)(?:([+-]\d+(?:\.\d*)?))?")


def valid_position(lat: float, lon: float) -> bool:
    """True for a finite position inside WGS84 bounds that is not the 0/0 'no fix' placeholder."""
    return (
        math.isfinite(lat)
        and math.isfinite(lon)
        and -90.0 <= lat <= 90.0
        and -180.0 <= lon <= 180.0
        and not (lat == 0.0 and lon == 0.0)
    )


def make_fix(lat: float, lon: float, source: str, t_utc: datetime | None = None, t_offset_s: float | None = None,
             alt_m: float | None = None, speed_mps: float | None = None, quality: str | None = None
             ) -> GpsFix | None:
    """A GpsFix, or None when the position is not a real fix (0/0, out of range, not finite)."""
    extras = [v for v in (alt_m, speed_mps) if v is not None]
    if not valid_position(lat, lon) or not all(math.isfinite(v) for v in extras):
        return None
    return GpsFix(lat, lon, t_utc, t_offset_s, alt_m, speed_mps, quality, source)


def ddmm_to_deg(value: float) -> float:
    """NMEA-style DDDMM.MMMM to decimal degrees (sign kept)."""
    sign = -1.0 if value < 0 else 1.0
    value = abs(value)
    degrees = int(value / 100)
    return sign * (degrees + (value - 100 * degrees) / 60)


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """(lat, lon, alt) of an ISO-6709 string in degrees, degrees-minutes or degrees-minutes-seconds form."""
    match = _ISO6709.match(text.strip())
    if match is None:
        return None
    lat_sign, lat_text, lon_sign, lon_text, alt = match.groups()
    lat, lon = _sexagesimal(lat_text, 2), _sexagesimal(lon_text, 3)
    if lat is None or lon is None:
        return None
    lat, lon = (-lat if lat_sign == "-" else lat), (-lon if lon_sign == "-" else lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, float(alt) if alt else None


def _sexagesimal(text: str, degree_digits: int) -> float | None:
    """Degrees from ISO 6709 digits: D (up to `degree_digits` digits), DM (+2 digits) or DMS (+4 digits)."""
    whole = len(text.split(".")[0])
    value = float(text)
    if whole <= degree_digits:
        return value
    if whole == degree_digits + 2:
        return value // 100 + (value % 100) / 60
    if whole == degree_digits + 4:
        return value // 10000 + (value // 100 % 100) / 60 + (value % 100) / 3600
    return None
