"""Novatek "freeGPS" blocks (Viofo, Kenwood, Nextbase 512G/GW, Vantrue, Transcend, 70mai A810…) and NMEA text.

Blocks are found through the `moov/gps ` index, or by a bounded scan of `mdat`. Each block's payload layout is
probed in a fixed order (formats.md §2.2); all layouts are little-endian except type 20.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pynmea2

from ..model import ExtractError, GpsFix
from .boxes import Box
from .reader import Reader, be_u32

KNOT_MPS = 1852 / 3600
KMH_MPS = 1 / 3.6
MAGIC = b"freeGPS "
#: Shortest block holding one record (ExifTool skips shorter ones).
MIN_BLOCK = 82
#: Largest block read (blocks seen are 0x8000 bytes at most).
MAX_BLOCK = 1 << 20
#: Most blocks read from one file (over 5 h at 1 Hz).
MAX_BLOCKS = 20_000
#: mdat scan: chunk size, and how far in a first block must appear before the scan gives up.
SCAN_CHUNK = 4 << 20
SCAN_PROBE = 16 << 20
#: Most NMEA sentences read from one text.
MAX_SENTENCES = 100_000

_RMC = re.compile(rb"[A-Z]{2}RMC,[0-9A-Za-z.,+\-]*")
_GGA = re.compile(rb"[A-Z]{2}GGA,[0-9A-Za-z.,+\-]*")


@dataclass
class Decoded:
    """What one freeGPS block holds: its layout, valid fixes, invalid ones dropped, and a camera-local time."""

    layout: str
    fixes: list[GpsFix] = field(default_factory=list)
    dropped: int = 0
    local_time: datetime | None = None
    index: int = 0


def ddmm_to_deg(value: float) -> float:
    """NMEA-style DDDMM.MMMM to decimal degrees (sign kept)."""
    sign = -1.0 if value < 0 else 1.0
    value = abs(value)
    degrees = int(value / 100)
    return sign * (degrees + (value - 100 * degrees) / 60)


def make_fix(lat: float, lon: float, source: str, t_utc: datetime | None = None, t_offset_s: float | None = None,
             alt_m: float | None = None, speed_mps: float | None = None) -> GpsFix | None:
    """A GpsFix, or None when the position is not a real fix (0/0, out of range, not finite)."""
    values = [lat, lon] + [v for v in (alt_m, speed_mps) if v is not None]
    if not all(math.isfinite(v) for v in values) or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None
    return GpsFix(lat, lon, t_utc, t_offset_s, alt_m, speed_mps, None, source)


def _time(year: int, month: int, day: int, hour: int, minute: int, second: float, tz: object = UTC
          ) -> datetime | None:
    try:
        whole = int(second)
        base = datetime(year, month, day, hour, minute, whole, tzinfo=tz)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return None
    return base + timedelta(seconds=second - whole)


def _sign(value: float, ref: int, negative: bytes) -> float:
    return -abs(value) if ref in negative else abs(value)


# --- NMEA ------------------------------------------------------------------------------------------------------


def _sentence(raw: bytes) -> pynmea2.NMEASentence | None:
    text = raw.decode("ascii", "replace").split("*")[0]  # checksums are not validated (Nextbase's are wrong)
    try:
        return pynmea2.parse(text)
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
        return None


def rmc_fix(raw: bytes, source: str, t_offset_s: float | None = None) -> GpsFix | None:
    """A fix from one RMC sentence (status A, with date), or None for an invalid or unreadable one."""
    msg = _sentence(raw)
    try:
        if msg is None or msg.status != "A":
            return None
        stamp = msg.datetime
        speed = float(msg.spd_over_grnd) * KNOT_MPS if msg.spd_over_grnd not in (None, "") else None
        return make_fix(msg.latitude, msg.longitude, source, stamp.astimezone(UTC), t_offset_s, None, speed)
    except (ValueError, TypeError, AttributeError, OverflowError):
        return None


def gga_altitude(raw: bytes) -> float | None:
    """The altitude of one GGA sentence with a fix, or None."""
    msg = _sentence(raw)
    try:
        if msg is None or not int(msg.gps_qual or 0):
            return None
        return float(msg.altitude) if msg.altitude is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def nmea_fixes(text: bytes, source: str, t_offset_s: float | None = None) -> tuple[list[GpsFix], int]:
    """Every valid RMC fix in a text (GGA adds altitude to the fix it follows), and how many RMC were invalid."""
    fixes: list[GpsFix] = []
    dropped = 0
    for match in list(_RMC.finditer(text))[:MAX_SENTENCES]:
        fix = rmc_fix(match.group(), source, t_offset_s)
        if fix is None:
            dropped += 1
            continue
        gga = _GGA.search(text, match.end())
        alt = gga_altitude(gga.group()) if gga is not None else None
        if alt is not None and math.isfinite(alt):
            fix = GpsFix(fix.lat, fix.lon, fix.t_utc, fix.t_offset_s, alt, fix.speed_mps, fix.quality, fix.source)
        fixes.append(fix)
    return fixes, dropped


# --- block layouts ---------------------------------------------------------------------------------------------


def _type2(block: bytes) -> Decoded:
    fixes, dropped = nmea_fixes(block[0x50:], "freegps")
    camera = block[0x34:0x42].decode("ascii")
    local = _time(int(camera[:4]), int(camera[4:6]), int(camera[6:8]), int(camera[8:10]), int(camera[10:12]),
                  int(camera[12:14]), tz=None)
    return Decoded("type2-nextbase-nmea", fixes, dropped, local)


def _type3(block: bytes, shift: int) -> Decoded:
    b = shift
    hour, minute, second, year, month, day = struct.unpack_from("<6I", block, 0x10 + b)
    status, lat_ref, lon_ref = block[0x28 + b], block[0x29 + b], block[0x2A + b]
    lat, lon, knots = struct.unpack_from("<3f", block, 0x2C + b)
    layout = "type3-kenwood" if shift else "type3-viofo"
    if status != ord("A"):
        return Decoded(layout, dropped=1)
    local = year >= 2000
    when = _time(year if local else year + 2000, month, day, hour, minute, second, tz=None if local else UTC)
    fix = make_fix(_sign(ddmm_to_deg(lat), lat_ref, b"S"), _sign(ddmm_to_deg(lon), lon_ref, b"W"), "freegps",
                   None if local else when, speed_mps=knots * KNOT_MPS)
    if fix is None or when is None:
        return Decoded(layout, dropped=1)
    return Decoded(layout, [fix], local_time=when if local else None)


def _type15(block: bytes) -> Decoded:
    hour, minute, second = struct.unpack_from("<3I", block, 0x10)
    (lat,) = struct.unpack_from("<d", block, 0x20)
    (lon,) = struct.unpack_from("<d", block, 0x30)
    year, month, day = struct.unpack_from("<3I", block, 0x50)
    when = _time(year if year >= 2000 else year + 2000, month, day, hour, minute, second)
    fix = make_fix(_sign(ddmm_to_deg(lat), block[0x28], b"S"), _sign(ddmm_to_deg(lon), block[0x38], b"W"),
                   "freegps", when)
    return Decoded("type15-vantrue", [fix] if fix and when else [], 0 if fix and when else 1)


def _type16(block: bytes) -> Decoded:
    hour, minute, second, year, month, day = struct.unpack_from("<6I", block, 0x30)
    status, lat_ref, lon_ref = block[0x48], block[0x49], block[0x4A]
    layout = "type16-novatek"
    if block[0x10:0x14] == b"IQS_":
        layout = "type16-iqs"
        ilat, ilon, ispeed = struct.unpack_from("<3i", block, 0x4C)
        lat, lon, speed = ilat / 1e7, ilon / 1e7, ispeed / 100
    else:
        lat, lon, rate = struct.unpack_from("<3f", block, 0x4C)
        if struct.unpack_from("<I", block, 0)[0] == 0x400000 and abs(lat) <= 90:
            layout, speed = "type17-transcend-body", rate * KMH_MPS  # already decimal degrees, km/h, full year
        else:
            lat, lon, speed = ddmm_to_deg(lat), ddmm_to_deg(lon), rate * KNOT_MPS
            if len(block) >= 0xA8:
                lat2, lon2 = struct.unpack_from("<d", block, 0x70)[0], struct.unpack_from("<d", block, 0x80)[0]
                if math.isfinite(lat2 + lon2) and abs(ddmm_to_deg(lat2) - lat) < 0.001 and abs(
                        ddmm_to_deg(lon2) - lon) < 0.001:
                    layout, lat, lon = "type16-transcend-dp230", ddmm_to_deg(lat2), ddmm_to_deg(lon2)
    if status != ord("A"):
        return Decoded(layout, dropped=1)
    when = _time(year if year >= 2000 else year + 2000, month, day, hour, minute, second)
    fix = make_fix(_sign(lat, lat_ref, b"S"), _sign(lon, lon_ref, b"W"), "freegps", when, speed_mps=speed)
    return Decoded(layout, [fix] if fix and when else [], 0 if fix and when else 1)


def _type19(block: bytes) -> Decoded:
    ilat, ilon = struct.unpack_from("<2i", block, 31)
    fix = make_fix(ilat / 1e5, ilon / 1e5, "freegps")
    return Decoded("type19-70mai", [fix] if fix else [], 0 if fix else 1)


def _type20(block: bytes) -> Decoded:
    decoded = Decoded("type20-nextbase-binary")
    for pos in range(0x30, len(block) - 31, 32):
        speed, _heading, year, month, day, hour, minute, tenths, _unk, ilat, ilon = struct.unpack_from(
            ">HhHBBBBHBii", block, pos + 2)
        if block[pos:pos + 2] != b"$S" or not 2000 <= year <= 2200:
            break
        when = _time(year, month, day, hour, minute, tenths / 10)
        fix = make_fix(ilat / 1e7, ilon / 1e7, "freegps", when, speed_mps=speed / 100)
        if when is None:
            break
        if fix is None:
            decoded.dropped += 1
        else:
            decoded.fixes.append(fix)
    return decoded


def decode_block(block: bytes) -> Decoded | None:
    """Decode one freeGPS block (starting at its size field); None when too short or of no known layout."""
    if len(block) < MIN_BLOCK or block[4:12] != MAGIC:
        return None
    if re.match(rb"\d{14}", block[0x34:0x42]) and len(block) > 0x50:
        return _type2(block)
    for shift in (0, 48):
        at = 0x25 + shift
        if len(block) >= 0x3C + shift and block[at:at + 3] == b"\0\0\0" and block[at + 3] in b"AV" and (
                block[at + 4] in b"NS" and block[at + 5] in b"EW"):
            return _type3(block, shift)
    if len(block) >= 0x5C and block[0x1C] == ord("A") and block[0x28] in b"NS" and block[0x38] in b"EW":
        return _type15(block)
    if len(block) >= 0x5C and block[0x48] in b"AV" and block[0x49] in b"NS" and block[0x4A] in b"EW" and (
            block[0x4B] == 0):
        return _type16(block)
    if block[30] == ord("A") and block[51:53] == b"VV":
        return _type19(block)
    decoded = _type20(block)
    return decoded if decoded.fixes or decoded.dropped else None


# --- finding blocks --------------------------------------------------------------------------------------------


def index_entries(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) pairs of a `moov/gps ` index payload, N capped by the payload length and MAX_BLOCKS."""
    if len(data) < 8:
        return []
    count = min(be_u32(data, 4), (len(data) - 8) // 8, MAX_BLOCKS)
    return [(be_u32(data, 8 + 8 * i), be_u32(data, 12 + 8 * i)) for i in range(count)]


def read_block(reader: Reader, offset: int, size: int | None = None) -> bytes | None:
    """The block at `offset` (size from the index or its own header), or None when it is not a freeGPS block."""
    head = reader.read_upto(offset, 12)
    if len(head) < 12 or head[4:12] != MAGIC:
        return None
    length = be_u32(head) if not size else min(size, be_u32(head) or size)
    if length < MIN_BLOCK:
        return None
    return reader.read_upto(offset, min(length, MAX_BLOCK))


def scan_offsets(reader: Reader, mdat: Box) -> list[int]:
    """Offsets of `freeGPS ` blocks in `mdat`, read in chunks; stops when none appear in the first SCAN_PROBE bytes."""
    offsets: list[int] = []
    pos = mdat.payload
    while pos < mdat.end and len(offsets) < MAX_BLOCKS:
        if not offsets and pos - mdat.payload >= SCAN_PROBE:
            break
        chunk = reader.read_upto(pos, min(SCAN_CHUNK, mdat.end - pos))
        if not chunk:
            break
        at = chunk.find(MAGIC)
        while at >= 0 and len(offsets) < MAX_BLOCKS:
            if at >= 4 and (not offsets or pos + at - 4 > offsets[-1]):
                offsets.append(pos + at - 4)
            at = chunk.find(MAGIC, at + 1)
        pos += max(len(chunk) - len(MAGIC) - 4, 1)
    return offsets


def read_blocks(reader: Reader, offsets: list[tuple[int, int | None]]) -> tuple[list[Decoded], list[str]]:
    """Decode the blocks at the given (offset, size) places; unknown layouts and unreadable blocks become warnings."""
    found: list[Decoded] = []
    warnings: list[str] = []
    for index, (offset, size) in enumerate(offsets[:MAX_BLOCKS]):
        try:
            block = read_block(reader, offset, size)
        except ExtractError as exc:
            warnings.append(f"freeGPS block {index}: {exc}")
            continue
        decoded = decode_block(block) if block is not None else None
        if decoded is None:
            continue
        for j, fix in enumerate(decoded.fixes):
            offset_s = float(index)
            if j and fix.t_utc and decoded.fixes[0].t_utc:
                offset_s += (fix.t_utc - decoded.fixes[0].t_utc).total_seconds()
            decoded.fixes[j] = GpsFix(fix.lat, fix.lon, fix.t_utc, offset_s, fix.alt_m, fix.speed_mps,
                                      fix.quality, fix.source)
        decoded.index = index
        found.append(decoded)
    return found, warnings
