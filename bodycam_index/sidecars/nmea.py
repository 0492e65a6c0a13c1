"""NMEA 0183 logs (`.nmea`, `.log`, `.txt`) and BlackVue `.gps` files (NMEA lines with `[ms]` prefixes).

RMC gives date, UTC time, status and position; GGA gives altitude and fix quality and is joined to the RMC of
the same time of day. Checksums are checked but a mismatch is only counted (Nextbase's never validate).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import reduce
from operator import xor

import pynmea2

from ..model import ExtractError, Extraction, GpsFix
from .common import valid_position

KNOTS_TO_MPS = 0.514444
_SENTENCE = re.compile(r"\$([A-Z]{2}(?:RMC|GGA)),[^$\r\n]*")
_PREFIX = re.compile(r"^\[(\d{1,16})\]")
_LOOKS_NMEA = re.compile(r"\$[A-Z]{2}(?:RMC|GGA),")


def looks_like_nmea(text: str) -> bool:
    """True when the text holds at least one RMC or GGA sentence."""
    return _LOOKS_NMEA.search(text) is not None


def _checksum_ok(sentence: str) -> tuple[str, bool]:
    """The sentence without its `*hh` checksum, and whether the checksum (if any) matched."""
    body, star, given = sentence.partition("*")
    if not star:
        return body, True
    computed = reduce(xor, (ord(c) for c in body[1:]), 0)
    try:
        return body, int(given[:2], 16) == computed
    except ValueError:
        return body, False


def _num(message: pynmea2.NMEASentence, name: str) -> float | None:
    try:
        value = getattr(message, name)
        return float(value) if value not in (None, "") else None
    except (ValueError, TypeError, AttributeError):
        return None


def _position(message: pynmea2.NMEASentence) -> tuple[float, float] | None:
    try:
        lat, lon = float(message.latitude), float(message.longitude)
    except (ValueError, TypeError, AttributeError):
        return None
    return (lat, lon) if valid_position(lat, lon) else None


def parse(text: str, blackvue: bool = False) -> Extraction:
    """GPS fixes from the RMC (and GGA) sentences of an NMEA log; `blackvue` names the `.gps` variant."""
    source = "blackvue.gps" if blackvue else "nmea"
    extraction = Extraction(container="blackvue-gps" if blackvue else "nmea")
    rmc: list[tuple[datetime, float, float, float | None]] = []
    gga: dict[time, tuple[float | None, str | None, tuple[float, float] | None]] = {}
    bad_checksums = unreadable = 0
    first_prefix: str | None = None
    for line in text.splitlines():
        line = line.strip()
        prefix = _PREFIX.match(line)
        if prefix and first_prefix is None:
            first_prefix = prefix.group(1)
        for match in _SENTENCE.finditer(line):
            sentence, ok = _checksum_ok(match.group(0).strip())
            bad_checksums += not ok
            try:
                message = pynmea2.parse(sentence)
            except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError):
                unreadable += 1
                continue
            stamp = getattr(message, "timestamp", None)
            stamp = stamp.replace(tzinfo=None) if isinstance(stamp, time) else None
            position = _position(message)
            if match.group(1).endswith("GGA"):
                quality = getattr(message, "gps_qual", None)
                if stamp is not None and quality not in (None, 0, "0", ""):
                    gga[stamp] = (_num(message, "altitude"), f"gga={quality}", position)
                continue
            day = getattr(message, "datestamp", None)
            if getattr(message, "status", None) != "A" or position is None:
                extraction.dropped_fixes += 1
                continue
            if not isinstance(day, date) or stamp is None:
                unreadable += 1
                continue
            knots = _num(message, "spd_over_grnd")
            speed = knots * KNOTS_TO_MPS if knots is not None else None
            rmc.append((datetime.combine(day, stamp, UTC), position[0], position[1], speed))
    for t_utc, lat, lon, speed in rmc:
        alt, quality, _pos = gga.get(t_utc.time().replace(tzinfo=None), (None, None, None))
        extraction.track.append(GpsFix(lat, lon, t_utc, None, alt, speed, quality, source))
    if not rmc and gga:
        extraction.warnings.append("no RMC sentences: GGA fixes have a time of day but no date")
        for alt, quality, position in gga.values():
            if position is not None:
                extraction.track.append(
                    GpsFix(position[0], position[1], None, None, alt, None, quality, source)
                )
    if not extraction.track and not extraction.dropped_fixes and not (rmc or gga):
        raise ExtractError("no readable RMC or GGA sentences")
    extraction.track.sort(key=lambda fix: fix.t_utc or datetime.max.replace(tzinfo=UTC))
    extraction.location = extraction.track[0] if extraction.track else None
    if bad_checksums:
        extraction.warnings.append(
            f"{bad_checksums} NMEA sentences had a checksum that does not match (kept)"
        )
    if unreadable:
        extraction.warnings.append(f"{unreadable} NMEA sentences could not be read")
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} RMC fixes were void (status V) or 0/0")
    if first_prefix is not None:
        extraction.tags[f"{source}.first_ms"] = first_prefix
    return extraction
