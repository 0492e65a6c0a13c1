"""NMEA 0183 text to GPS fixes (pynmea2): RMC gives date, time, position and speed; GGA adds altitude.

GGA is joined to the RMC of the same time of day. A checksum that does not match is counted, not fatal
(Nextbase's never match). Void RMC (status V) and positions that are not real fixes are dropped and counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import reduce
from operator import xor
from typing import TYPE_CHECKING

from .coords import make_fix, valid_position
from .model import GpsFix

if TYPE_CHECKING:
    import pynmea2

KNOT_MPS = 1852 / 3600
#: Most sentences read from one text, and the longest sentence read (the standard allows 82 characters).
MAX_SENTENCES = 500_000
MAX_LENGTH = 160
_SENTENCE = re.compile(rb"\$?([A-Z]{2}(RMC|GGA),[0-9A-Za-z.,+\-]{0,%d})(?![0-9A-Za-z.,+\-])(?:\*([0-9A-Fa-f]{2}))?"
                       % MAX_LENGTH)


@dataclass
class Nmea:
    """What one NMEA text holds: RMC fixes, GGA-only positions (no date), and what was left out.

    `dropped`: RMC void (status V) or not a real position. `unreadable`: sentences pynmea2 cannot read and RMC
    without a date or time, of which `unreadable_rmc` are RMC. `gga`: GGA sentences with a fix and a time.
    """

    fixes: list[GpsFix] = field(default_factory=list)
    gga_only: list[GpsFix] = field(default_factory=list)
    gga: int = 0
    dropped: int = 0
    unreadable: int = 0
    unreadable_rmc: int = 0
    bad_checksums: int = 0
    truncated: bool = False


@dataclass
class _Gga:
    alt_m: float | None
    quality: str
    position: tuple[float, float] | None


def _number(message: pynmea2.NMEASentence, name: str) -> float | None:
    try:
        value = getattr(message, name)
        value = float(value) if value not in (None, "") else None
    except (ValueError, TypeError, AttributeError):
        return None
    return value if value is not None and math.isfinite(value) else None


def _position(message: pynmea2.NMEASentence) -> tuple[float, float] | None:
    try:
        lat, lon = float(message.latitude), float(message.longitude)
    except (ValueError, TypeError, AttributeError):
        return None
    return (lat, lon) if valid_position(lat, lon) else None


def _message(match: re.Match[bytes], result: Nmea) -> pynmea2.NMEASentence | None:
    """The parsed sentence of one match; counts a checksum mismatch and an unreadable sentence."""
    body = match.group(1).decode("ascii")
    given = match.group(3)
    if given is not None and int(given, 16) != reduce(xor, body.encode("ascii"), 0):
        result.bad_checksums += 1
    import pynmea2  # here, not at the top: most scans meet no NMEA text and skip its ~20 ms import

    try:
        return pynmea2.parse("$" + body)
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError):
        result.unreadable += 1
        result.unreadable_rmc += match.group(2) == b"RMC"
        return None


def parse_timed(chunks: Iterable[tuple[float | None, bytes | str]], source: str) -> Nmea:
    """The fixes of NMEA texts, each with the recording offset (seconds) of its fixes; GGA joined across texts."""
    result = Nmea()
    rmc: list[tuple[datetime, float | None, tuple[float, float], float | None]] = []
    gga: dict[time, _Gga] = {}
    count = 0
    for t_offset_s, text in chunks:
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        for match in _SENTENCE.finditer(data):
            count += 1
            if count > MAX_SENTENCES:
                result.truncated = True
                break
            message = _message(match, result)
            if message is None:
                continue
            stamp = getattr(message, "timestamp", None)
            stamp = stamp.replace(tzinfo=None) if isinstance(stamp, time) else None
            if match.group(2) == b"GGA":
                quality = getattr(message, "gps_qual", None)
                if stamp is not None and quality not in (None, 0, "0", ""):
                    result.gga += 1
                    gga[stamp] = _Gga(_number(message, "altitude"), f"gga={quality}", _position(message))
                continue
            position = _position(message)
            if getattr(message, "status", None) != "A" or position is None:
                result.dropped += 1
                continue
            day = getattr(message, "datestamp", None)
            if not isinstance(day, date) or stamp is None:
                result.unreadable += 1
                result.unreadable_rmc += 1
                continue
            knots = _number(message, "spd_over_grnd")
            rmc.append((datetime.combine(day, stamp, UTC), t_offset_s, position,
                        knots * KNOT_MPS if knots is not None else None))
        if result.truncated:
            break
    for t_utc, t_offset_s, (lat, lon), speed in rmc:
        joined = gga.get(t_utc.time())
        fix = make_fix(lat, lon, source, t_utc, t_offset_s, joined.alt_m if joined else None, speed,
                       joined.quality if joined else None)
        if fix is not None:
            result.fixes.append(fix)
    if not rmc:
        result.gga_only = [GpsFix(g.position[0], g.position[1], None, None, g.alt_m, None, g.quality, source)
                           for g in gga.values() if g.position is not None]
    return result


def parse(text: bytes | str, source: str, t_offset_s: float | None = None) -> Nmea:
    """The fixes of one NMEA text; `t_offset_s` is the recording offset given to each fix."""
    return parse_timed([(t_offset_s, text)], source)


def nmea_fixes(text: bytes | str, source: str, t_offset_s: float | None = None) -> tuple[list[GpsFix], int]:
    """Every valid RMC fix in a text (with GGA altitude), and how many RMC were invalid or unreadable."""
    result = parse(text, source, t_offset_s)
    return result.fixes, result.dropped + result.unreadable_rmc
