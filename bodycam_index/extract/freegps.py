"""Novatek "freeGPS" blocks (Viofo, Kenwood, Nextbase 512G/GW, Azdome, E-ACE, Vantrue, Transcend, XGODY, 70mai
A810…); NMEA text inside a block is read by `bodycam_index.nmea`.

Blocks are found through the `moov/gps ` index, or in the parts of `mdat` that no track's sample table covers
(blocks stepped over by their size field; a search bounded by SCAN_PROBE where no block header is found). Each block's payload layout is
probed in a fixed order (formats.md §2.2: types 1, 2, 3/4, 15, 16/17, 18, 19, 20); binary layouts are
little-endian except type 20; types 1 (XOR 0xAA), 2 and 18 are text.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..coords import ddmm_to_deg, make_fix
from ..model import ExtractError, GpsFix
from ..nmea import KNOT_MPS, nmea_fixes
from .reader import Reader, be_u32

KMH_MPS = 1 / 3.6
MAGIC = b"freeGPS "
#: Shortest block holding one record (ExifTool skips shorter ones).
MIN_BLOCK = 82
#: Largest block read (blocks seen are 0x8000 bytes at most).
MAX_BLOCK = 1 << 20
#: Most blocks read from one file (over 5 h at 1 Hz).
MAX_BLOCKS = 20_000
#: mdat search: chunk size, and how many bytes may be searched before a first block is found.
SCAN_CHUNK = 4 << 20
SCAN_PROBE = 16 << 20
#: Most bytes of one block read as text (type 18).
MAX_TEXT_RECORD = 512

#: Type 1 (Azdome): the XOR key, the detection bytes at 18 and the most bytes decrypted.
TYPE1_KEY = 0xAA
TYPE1_MAGIC = bytes.fromhex("aaaaf2e1f0ee5454")
TYPE1_SPAN = 0x101

_TYPE1 = re.compile(rb"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2}).{16}([NS])(\d{8})([EW])(\d{9})(\d{8})?",
                    re.DOTALL)
_TYPE4_DECIMAL = re.compile(rb"\d{1,5}\.\d+\0*")
_TYPE4_BASE64 = re.compile(rb"[A-Za-z0-9+/]{8,20}={0,2}\0*")
_TYPE18 = re.compile(rb"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2}) [NS]")
_DECIMAL = re.compile(r"\d+\.\d+")
_TYPE18_FIELD = re.compile(r"([A-Za-z]):([-+]?\d+(?:\.\d+)?)")


@dataclass
class Decoded:
    """What one freeGPS block holds: its layout, valid fixes, invalid ones dropped, and a camera-local time."""

    layout: str
    fixes: list[GpsFix] = field(default_factory=list)
    dropped: int = 0
    local_time: datetime | None = None
    index: int = 0
    warning: str = ""


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


# --- block layouts ---------------------------------------------------------------------------------------------


def _type1(block: bytes) -> Decoded:
    text = bytes(b ^ TYPE1_KEY for b in block[18:18 + TYPE1_SPAN])
    match = _TYPE1.match(text, 8)
    if match is None:
        return Decoded("type1-azdome", dropped=1)
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    when = _time(year, month, day, hour, minute, second)
    lat = _sign(ddmm_to_deg(int(match[8]) / 1e4), match[7][0], b"S")
    lon = _sign(ddmm_to_deg(int(match[10]) / 1e4), match[9][0], b"W")
    speed = int(match[11]) * KMH_MPS if match[11] else None
    fix = make_fix(lat, lon, "freegps", when, speed_mps=speed)
    return Decoded("type1-azdome", [fix] if fix and when else [], 0 if fix and when else 1)


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


def _type4(block: bytes, lat_text: bytes, lon_text: bytes) -> Decoded:
    hour, minute, second, year, month, day = struct.unpack_from("<6I", block, 0x10)
    status, lat_ref, lon_ref = block[0x28], block[0x29], block[0x2A]
    if status != ord("A"):
        return Decoded("type4-eace", dropped=1)
    (knots,) = struct.unpack_from("<f", block, 0x54)
    when = _time(year if year >= 2000 else year + 2000, month, day, hour, minute, second)
    lat = _sign(ddmm_to_deg(float(lat_text.rstrip(b"\0"))), lat_ref, b"S")
    lon = _sign(ddmm_to_deg(float(lon_text.rstrip(b"\0"))), lon_ref, b"W")
    fix = make_fix(lat, lon, "freegps", when, speed_mps=knots * KNOT_MPS)
    return Decoded("type4-eace", [fix] if fix and when else [], 0 if fix and when else 1)


def _type3_or_4(block: bytes, shift: int) -> Decoded:
    """Type 3, or type 4 (E-ACE) when the coordinates are text: decimal strings are read, base64 ones are not."""
    if shift or len(block) < 0x78:
        return _type3(block, shift)
    lat_text, lon_text = block[0x2C:0x40], block[0x40:0x54]
    if _TYPE4_DECIMAL.fullmatch(lat_text) and _TYPE4_DECIMAL.fullmatch(lon_text):
        return _type4(block, lat_text, lon_text)
    if _TYPE4_BASE64.fullmatch(lat_text) and _TYPE4_BASE64.fullmatch(lon_text):
        return Decoded("type4-eace-encrypted", warning="type 4 (E-ACE) coordinates are encrypted; not decoded")
    return _type3(block, shift)


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


def _type18(block: bytes, match: re.Match[bytes]) -> Decoded:
    """XGODY text at 0x17: `YYYY/MM/DD hh:mm:ss N:lat W:lon <knots> km/h x: y: z: A:track`, decimal degrees."""
    when = _time(*(int(g) for g in match.groups()))
    lat = lon = speed = None
    for word in block[43:MAX_TEXT_RECORD].split(b"\0")[0].decode("ascii", "replace").split():
        field = _TYPE18_FIELD.fullmatch(word)
        if field is None:
            if lon is not None and speed is None and _DECIMAL.fullmatch(word):
                speed = float(word) * KNOT_MPS  # labelled km/h, stored in knots (ExifTool)
            continue
        key, value = field[1].upper(), float(field[2])
        if key in "NS":
            lat = -abs(value) if key == "S" else abs(value)
        elif key in "EW":
            lon = -abs(value) if key == "W" else abs(value)
    fix = make_fix(lat, lon, "freegps", when, speed_mps=speed) if lat is not None and lon is not None else None
    return Decoded("type18-xgody", [fix] if fix and when else [], 0 if fix and when else 1)


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


def layout_of(block: bytes) -> str | None:
    """The layout of a block's payload, probed in formats.md §2.2's order; `type20` when no other one matches
    (decoding tells whether it is one); None when too short or not a freeGPS block."""
    if len(block) < MIN_BLOCK or block[4:12] != MAGIC:
        return None
    if block[18:26] == TYPE1_MAGIC:
        return "type1"
    if block[0x34:0x42].isdigit() and len(block) > 0x50:  # 14 ASCII digits (the block is longer than 0x42)
        return "type2"
    for shift in (0, 48):
        at = 0x25 + shift
        if len(block) >= 0x3C + shift and block[at:at + 3] == b"\0\0\0" and block[at + 3] in b"AV" and (
                block[at + 4] in b"NS" and block[at + 5] in b"EW"):
            return "type3" if shift else "type3/4"
    if len(block) >= 0x5C and block[0x1C] == ord("A") and block[0x28] in b"NS" and block[0x38] in b"EW":
        return "type15"
    if len(block) >= 0x5C and block[0x48] in b"AV" and block[0x49] in b"NS" and block[0x4A] in b"EW" and (
            block[0x4B] == 0):
        return "type16"
    if _TYPE18.match(block, 23) is not None:
        return "type18"
    if block[30] == ord("A") and block[51:53] == b"VV":
        return "type19"
    return "type20"


#: Layouts whose records may run to the end of the block (NMEA text, 32-byte binary records): read whole. The
#: others are decoded from the block's first HEAD_READ bytes.
WHOLE_LAYOUTS = {"type2", "type20"}
HEAD_READ = 1024


def decode_block(block: bytes) -> Decoded | None:
    """Decode one freeGPS block (starting at its size field); None when too short or of no known layout."""
    layout = layout_of(block)
    if layout is None:
        return None
    if layout == "type1":
        return _type1(block)
    if layout == "type2":
        return _type2(block)
    if layout in ("type3", "type3/4"):
        return _type3_or_4(block, 48 if layout == "type3" else 0)
    if layout == "type15":
        return _type15(block)
    if layout == "type16":
        return _type16(block)
    if layout == "type18":
        return _type18(block, _TYPE18.match(block, 23))  # type: ignore[arg-type]
    if layout == "type19":
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
    """The block at `offset` (size from the index or its own header), or None when it is not a freeGPS block.
    Only its first HEAD_READ bytes are read unless its layout keeps records further on (`WHOLE_LAYOUTS`)."""
    head = reader.read_upto(offset, min(size, HEAD_READ) if size and size >= 12 else 12)
    if len(head) < 12 or head[4:12] != MAGIC:
        return None
    length = min(be_u32(head) if not size else min(size, be_u32(head) or size), MAX_BLOCK)
    if length < MIN_BLOCK:
        return None
    if len(head) < min(length, HEAD_READ):
        head = reader.read_upto(offset, min(length, HEAD_READ))
    if length <= len(head) or layout_of(head) not in WHOLE_LAYOUTS:
        return head[:length]
    return head + reader.read_upto(offset + len(head), length - len(head))


def unindexed(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) that no (sorted) chunk span covers and that could hold a block."""
    gaps: list[tuple[int, int]] = []
    pos = start
    for span_start, span_end in spans:
        if span_start >= end:
            break
        if span_start - pos >= MIN_BLOCK:
            gaps.append((pos, span_start))
        pos = max(pos, span_end)
    if end - pos >= MIN_BLOCK:
        gaps.append((pos, end))
    return gaps


def scan_offsets(reader: Reader, regions: list[tuple[int, int]]) -> list[int]:
    """Offsets of `freeGPS ` blocks in the (start, end) regions. A block is stepped over by its size field (only its
    header is read); elsewhere the region is searched in chunks, and the search gives up when SCAN_PROBE bytes
    held no block at all."""
    offsets: list[int] = []
    probed = 0
    for start, end in regions:
        pos = start
        while pos + 12 <= end and len(offsets) < MAX_BLOCKS:
            head = reader.read(pos, 12)
            if head[4:12] == MAGIC:
                offsets.append(pos)
                size = be_u32(head)
                pos += size if MIN_BLOCK <= size <= end - pos else 12
                continue
            found, searched = _search(reader, pos, end, SCAN_PROBE - probed if not offsets else None)
            probed += searched
            if found is None:
                break
            pos = found
        if not offsets and probed >= SCAN_PROBE:
            break
    return offsets


def _search(reader: Reader, pos: int, end: int, budget: int | None) -> tuple[int | None, int]:
    """The first block start after `pos` in [pos, end), searched in chunks (at most `budget` bytes when given),
    and the bytes read."""
    searched = 0
    while pos < end and (budget is None or searched < budget):
        chunk = reader.read_upto(pos, min(SCAN_CHUNK, end - pos))
        searched += len(chunk)
        at = chunk.find(MAGIC, 5)
        if at >= 0:
            return pos + at - 4, searched
        if pos + len(chunk) >= end:
            break
        pos += len(chunk) - len(MAGIC) - 4  # overlap, so a header across two chunks is found
    return None, searched


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
        if decoded.warning and not any(decoded.warning in w for w in warnings):
            warnings.append(f"freeGPS block {index}: {decoded.warning}")
        for j, fix in enumerate(decoded.fixes):
            offset_s = float(index)
            if j and fix.t_utc and decoded.fixes[0].t_utc:
                offset_s += (fix.t_utc - decoded.fixes[0].t_utc).total_seconds()
            decoded.fixes[j] = GpsFix(fix.lat, fix.lon, fix.t_utc, offset_s, fix.alt_m, fix.speed_mps,
                                      fix.quality, fix.source)
        decoded.index = index
        found.append(decoded)
    return found, warnings
