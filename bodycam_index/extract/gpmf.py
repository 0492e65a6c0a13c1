"""GoPro GPMF telemetry (KLV): GPS5/GPS9 fixes, GPSU/GPSF/GPSP, and the camera's identity (DVNM, MINF, CASN, FMWR).

A KLV is `FourCC | type char | struct size (u8) | repeat (u16 BE)` followed by size × repeat bytes, padded to 4.
Type 0 nests KLVs. Sticky keys (SCAL, TYPE, GPSF, GPSU, GPSP) describe the data key that follows in the same STRM.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .reader import Reader

#: Deepest KLV nesting accepted (real files use 3: DEVC → STRM → data).
MAX_DEPTH = 8
#: Most KLVs one payload may hold before it is taken as hostile.
MAX_ITEMS = 100_000
#: Nominal duration of one raw payload, when no sample table says otherwise.
RAW_PAYLOAD_S = 1.0

#: GPMF numeric type char → struct format of one element (`q`/`Q` are fixed point, scaled after unpacking).
_FORMATS = {
    "b": "b", "B": "B", "d": "d", "f": "f", "j": "q", "J": "Q", "l": "i", "L": "I", "q": "i", "Q": "q",
    "s": "h", "S": "H",
}
_FIXED_POINT = {"q": 65536.0, "Q": 4294967296.0}
_GPS_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_HEADER = struct.Struct(">4sBBH")
_CHARS = tuple(chr(code) for code in range(256))


class Klv(NamedTuple):
    """One KLV item: key, type char (`\\0` for nested), struct size, repeat count and its data (unpadded)."""

    key: bytes
    type: str
    size: int
    repeat: int
    data: bytes

    def text(self) -> str:
        """The data as text, without NUL padding."""
        return self.data.split(b"\x00", 1)[0].decode("latin-1").strip()

    def numbers(self, type_string: str = "") -> list[tuple]:
        """The data as one tuple of numbers per struct (`type_string` describes `?` complex structs)."""
        chars, row, fixed = _layout(type_string if self.type == "?" else self.type, self.type == "?", self.size)
        if row is None:
            raise ExtractError(f"GPMF {self.key!r}: {chars}")
        rows = list(row.iter_unpack(self.data)) if self.size else []
        if fixed:
            rows = [tuple(v / _FIXED_POINT.get(c, 1) for c, v in zip(chars, row)) for row in rows]
        return rows


@lru_cache(maxsize=512)
def _layout(chars: str, complex_: bool, size: int) -> tuple[str, struct.Struct | None, bool]:
    """(element type chars, struct of one row, whether any element is fixed point) for a KLV's type and struct
    size; (error message, None, False) when they cannot be decoded. Computed once per distinct layout."""
    given = "?" if complex_ else chars
    if not complex_:
        width = struct.calcsize(">" + _FORMATS.get(chars, "x"))
        chars = chars * (size // width if width and size % width == 0 else 0)
    if not chars or any(c not in _FORMATS for c in chars):
        return f"cannot decode type {chars or given!r}", None, False
    fmt = ">" + "".join(_FORMATS[c] for c in chars)
    if struct.calcsize(fmt) != size:
        return f"type {chars!r} does not fill its {size}-byte struct", None, False
    return chars, struct.Struct(fmt), any(c in _FIXED_POINT for c in chars)


def iter_klv(data: bytes, depth: int = 0) -> list[Klv]:
    """The KLV items at one level of `data` (a list: built in one loop, cheaper than a generator resumed per
    item); stops at zero padding, raises ExtractError on overruns."""
    if depth > MAX_DEPTH:
        raise ExtractError(f"GPMF nested deeper than {MAX_DEPTH} levels")
    items: list[Klv] = []
    append, unpack, end, pos = items.append, _HEADER.unpack_from, len(data), 0
    for _ in range(MAX_ITEMS):
        if pos + 8 > end or data[pos : pos + 4] == b"\x00\x00\x00\x00":
            return items
        key, kind, size, repeat = unpack(data, pos)
        length = size * repeat
        if pos + 8 + length > end:
            raise ExtractError(f"GPMF {key!r} at {pos}: {length} bytes run past its parent")
        append(Klv(key, _CHARS[kind], size, repeat, data[pos + 8 : pos + 8 + length]))
        pos += 8 + ((length + 3) & ~3)
    raise ExtractError(f"more than {MAX_ITEMS} GPMF items in one container")


@dataclass
class GpmfResult:
    """What one GPMF payload holds: GPS fixes, dropped-fix count, the camera's identity and raw tags."""

    fixes: list[GpsFix] = field(default_factory=list)
    dropped: int = 0
    identity: Identity = field(default_factory=Identity)
    tags: dict[str, str] = field(default_factory=dict)
    tzon_min: int | None = None

    def add_to(self, extraction: Extraction) -> None:
        """Merge this payload's findings into an extraction (existing values win)."""
        extraction.track.extend(self.fixes)
        extraction.dropped_fixes += self.dropped
        extraction.identity = extraction.identity.merged(self.identity)
        for key, value in self.tags.items():
            extraction.tags.setdefault(key, value)


def is_gpmf(data: bytes) -> bool:
    """Whether a payload starts with a GPMF `DEVC` container."""
    return len(data) >= 8 and data[:4] == b"DEVC" and data[4] == 0


def parse_gpmf(data: bytes, start_s: float, duration_s: float) -> GpmfResult:
    """GPS fixes and identity of one GPMF payload covering `start_s` .. `start_s + duration_s` of the recording."""
    result = GpmfResult()
    _device(data, 0, start_s, duration_s, result)
    if result.identity != _NOBODY or result.fixes or result.dropped or result.tags:
        result.identity = result.identity.merged(_GOPRO)
    return result


_NOBODY, _GOPRO = Identity(), Identity(make="GoPro")


#: GPS streams whose fixes repeat another stream's in the same device: skipped when that one is present
#: (HERO11/13 write every fix as GPS9 and again as GPS5; the Karma's GPRI is the raw form of GLPI).
_COPIES = {b"GPS5": b"GPS9", b"GPRI": b"GLPI"}
#: Keys that name the camera; DVNM only counts when it looks like a camera model (never a stream or settings name).
_IDENTITY_KEYS = (b"DVNM", b"MINF", b"CASN", b"FMWR")
_NOT_MODELS = ("camera", "settings", "karma")


@dataclass
class _Gps:
    """The fixes one GPS stream of a device gave, before copies are removed and Karma times calibrated."""

    key: bytes
    fixes: list[GpsFix]
    dropped: int
    system_s: list[float | None] = field(default_factory=list)


def _device(data: bytes, depth: int, start_s: float, duration_s: float, result: GpmfResult) -> None:
    """A DEVC's items; at the top level (depth 0) the DEVCs themselves and any loose global settings."""
    dvid: int | None = None
    ident: dict[str, str] = {}
    streams: list[_Gps] = []
    clock: list[tuple[float, float]] = []
    for klv in iter_klv(data, depth):
        if klv.key == b"DEVC" and klv.type == "\x00" and depth == 0:
            _device(klv.data, 1, start_s, duration_s, result)
        elif klv.key == b"DVID" and klv.type == "L" and klv.size == 4 and klv.repeat == 1:
            dvid = int.from_bytes(klv.data, "big")
        elif klv.key in _IDENTITY_KEYS and klv.type == "c":
            ident[klv.key.decode()] = klv.text()
        elif klv.key == b"TZON" and klv.type in "sS" and len(klv.data) >= 2:
            result.tzon_min = int.from_bytes(klv.data[:2], "big", signed=klv.type == "s")
            result.tags.setdefault("gpmf.tzon", str(result.tzon_min))
        elif klv.key == b"STRM" and klv.type == "\x00" and depth <= 1:
            _stream(klv.data, start_s, duration_s, result, streams, clock, ident)
    present = {gps.key for gps in streams}
    for gps in streams:
        if _COPIES.get(gps.key) in present:
            continue
        if gps.system_s:
            gps.fixes = _calibrated(gps, clock)
        result.fixes.extend(gps.fixes)
        result.dropped += gps.dropped
    for key, value in ident.items():
        if value and (key != "DVNM" or dvid in (None, 1)):
            result.tags.setdefault(f"gpmf.{key.lower()}", value)
    dvnm = ident.get("DVNM", "") if dvid in (None, 1) else ""
    named = dvnm and not any(word in dvnm.lower() for word in _NOT_MODELS)
    found = Identity(model=ident.get("MINF") or (dvnm if named else None), serial=ident.get("CASN") or None,
                     firmware=ident.get("FMWR") or None)
    result.identity = result.identity.merged(found)


def _stream(data: bytes, start_s: float, duration_s: float, result: GpmfResult, streams: list[_Gps],
            clock: list[tuple[float, float]], ident: dict[str, str]) -> None:
    """One STRM: its GPS fixes (GPS5, GPS9, Karma GPRI/GLPI), the Karma SYST clock, and identity keys."""
    sticky: dict[bytes, Klv] = {}
    data_klv: Klv | None = None
    for klv in iter_klv(data, 2):
        if klv.key in (b"GPS5", b"GPS9", b"GPRI", b"GLPI", b"SYST"):
            data_klv = klv
        elif klv.key in _IDENTITY_KEYS and klv.type == "c":
            ident.setdefault(klv.key.decode(), klv.text())
        else:
            sticky[klv.key] = klv
    if data_klv is None:
        return
    type_string = sticky[b"TYPE"].text() if b"TYPE" in sticky else ""
    rows = data_klv.numbers(type_string)
    scale = [float(v) for row in sticky[b"SCAL"].numbers() for v in row] if b"SCAL" in sticky else [1.0]
    scale = [s or 1.0 for s in scale]
    scaled = _scaled(rows, [_divisor(scale, i) for i in range(len(rows[0]) if rows else 0)])
    if data_klv.key == b"SYST":
        clock.extend((row[0], row[1]) for row in scaled if len(row) >= 2)
        return
    if data_klv.key in (b"GPRI", b"GLPI"):
        streams.append(_karma(data_klv.key, scaled, start_s, duration_s))
        return
    gps = _Gps(data_klv.key, [], 0)
    streams.append(gps)
    gpsf = _first_int(sticky.get(b"GPSF"))
    gpsp = _first_int(sticky.get(b"GPSP"))
    gpsu = _gpsu(sticky.get(b"GPSU"))
    if gpsu is not None and "gpmf.gpsu" not in result.tags:
        result.tags["gpmf.gpsu"] = gpsu.isoformat()
    if gpsf == 0:
        gps.dropped += len(scaled)
        return
    if scaled and len(scaled[0]) < (9 if gps.key == b"GPS9" else 5):  # every row has the struct's width
        raise ExtractError(f"GPMF {gps.key!r}: {len(scaled[0])} values per sample, expected at least "
                           f"{9 if gps.key == b'GPS9' else 5}")
    step = duration_s / len(scaled) if scaled else 0.0
    source = f"gpmf.{gps.key.decode().lower()}"
    if gps.key == b"GPS9":
        _gps9_fixes(gps, scaled, start_s, step, source)
        return
    quality = _quality(gpsf if gpsf is not None else 3, gpsp / 100 if gpsp is not None else None)
    times = _times_after(gpsu, step, len(scaled))
    fixes = gps.fixes
    for i, (row, t_utc) in enumerate(zip(scaled, times)):
        lat, lon = row[0], row[1]
        # the range test is False for NaN and infinities too (valid_position, inlined: this runs per fix)
        if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and (lat or lon):
            fixes.append(GpsFix(lat, lon, t_utc, start_s + i * step, row[2], row[3], quality, source))
        else:
            gps.dropped += 1


def _scaled(rows: list[tuple], divisors: list[float]) -> list[tuple]:
    """Rows with each element divided by its column's divisor (column by column: one comprehension per column)."""
    if not rows:
        return []
    columns = [[v / d for v in column] for column, d in zip(zip(*rows), divisors)]
    return list(zip(*columns))


def _times_after(start: datetime | None, step: float, count: int) -> list[datetime | None]:
    """`start`, `start + step`, … (`count` times), None for each when there is no start or a time overflows."""
    if start is None:
        return [None] * count
    try:
        return [start + timedelta(seconds=i * step) for i in range(count)]
    except (OverflowError, ValueError):
        return [_after(start, i * step) for i in range(count)]


def _gps9_fixes(gps: _Gps, rows: list[tuple], start_s: float, step: float, source: str) -> None:
    """GPS9 fixes: each sample carries its own time (days, seconds since 2000), fix type and DOP."""
    for i, row in enumerate(rows):
        lat, lon = row[0], row[1]
        fix, dop = int(row[8]), row[7]
        if fix == 0 or not valid_position(lat, lon):
            gps.dropped += 1
            continue
        gps.fixes.append(GpsFix(lat, lon, _gps9_time(row[5], row[6]), start_s + i * step, row[2], row[3],
                                _quality(fix, dop), source))


def _quality(fix: int, dop: float | None) -> str:
    return f"fix={fix}" + (f" dop={dop:g}" if dop is not None else "")


def _karma(key: bytes, rows: list[list[float]], start_s: float, duration_s: float) -> _Gps:
    """Karma drone GPS: GPRI (`JlllSSSSBB`: time, lat, lon, alt, …) or GLPI (`LllllsssS`: time, lat, lon, alt, …),
    each time on the drone's system clock in seconds (GoPro.pm GPRI/GLPI tables)."""
    gps = _Gps(key, [], 0)
    step = duration_s / len(rows) if rows else 0.0
    for i, row in enumerate(rows):
        if len(row) < 4:
            raise ExtractError(f"GPMF {key!r}: {len(row)} values per sample, expected at least 4")
        if not valid_position(row[1], row[2]):
            gps.dropped += 1
            continue
        gps.fixes.append(GpsFix(row[1], row[2], None, start_s + i * step, row[3], None, None,
                                f"gpmf.{key.decode().lower()}"))
        gps.system_s.append(row[0])
    return gps


def _calibrated(gps: _Gps, clock: list[tuple[float, float]]) -> list[GpsFix]:
    """Karma fixes with UTC times from the SYST (system seconds, Unix seconds) pairs: interpolated between the two
    nearest pairs, or shifted by the only one; without SYST the fixes keep no UTC time."""
    if not clock:
        return gps.fixes
    pairs = sorted(clock)
    out = []
    for fix, system in zip(gps.fixes, gps.system_s):
        below = [p for p in pairs if p[0] <= system] or pairs[:1]
        above = [p for p in pairs if p[0] > system] or pairs[-1:]
        (s0, u0), (s1, u1) = below[-1], above[0]
        unix = u0 + (system - s0) if s1 == s0 else u0 + (u1 - u0) * (system - s0) / (s1 - s0)
        out.append(replace(fix, t_utc=_unix(unix)))
    return out


def _unix(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _after(start: datetime | None, seconds: float) -> datetime | None:
    try:
        return start + timedelta(seconds=seconds) if start is not None else None
    except (OverflowError, ValueError):
        return None


def _gps9_time(days: float, seconds: float) -> datetime | None:
    """GPS9 time (days since 2000-01-01, seconds since midnight) as aware UTC, None when out of range."""
    try:
        return _GPS_EPOCH + timedelta(days=days, seconds=seconds)
    except (OverflowError, ValueError):
        return None


def _divisor(scale: list[float], index: int) -> float:
    """SCAL for one element: one value for all, or one per element (1 past the end)."""
    if len(scale) == 1:
        return scale[0]
    return scale[index] if index < len(scale) else 1.0


#: Integer type char → (bytes, signed), for a sticky key holding a single integer (GPSF, GPSP).
_INTS = {"b": (1, True), "B": (1, False), "s": (2, True), "S": (2, False), "l": (4, True), "L": (4, False),
         "j": (8, True), "J": (8, False)}


def _first_int(klv: Klv | None) -> int | None:
    if klv is None or klv.type not in _INTS:
        return None
    width, signed = _INTS[klv.type]
    if klv.size == width and klv.repeat == 1:  # the usual single value, read directly
        return int.from_bytes(klv.data, "big", signed=signed)
    rows = klv.numbers()
    return int(rows[0][0]) if rows and rows[0] else None


def _gpsu(klv: Klv | None) -> datetime | None:
    """GPSU `yymmddhhmmss.sss` (type U, or c on the Hero5) as aware UTC, or None when unreadable."""
    if klv is None or klv.type not in "Uc":
        return None
    text = klv.data[:16].decode("latin-1")
    try:
        if len(text) == 16 and text[12] == "." and text[:12].isdigit() and text[13:].isdigit():  # the usual form
            return datetime(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]),
                            int(text[10:12]), int(text[13:]) * 1000, tzinfo=UTC)
        return datetime.strptime("20" + text, "%Y%m%d%H%M%S.%f").replace(tzinfo=UTC)
    except ValueError:
        return None


#: Fix source → the time source of the start it gives (GPS5 fixes are timed by the payload's GPSU).
_START_SOURCES = {"gpmf.gps5": "gpmf.gpsu", "gpmf.glpi": "gpmf.syst", "gpmf.gpri": "gpmf.syst"}


def start_candidate(fixes: list[GpsFix]) -> TimeCandidate | None:
    """The recording's start in UTC: the first fix with a UTC time, minus its offset into the recording."""
    for fix in fixes:
        if fix.t_utc is not None and fix.t_offset_s is not None:
            try:
                start = fix.t_utc - timedelta(seconds=fix.t_offset_s)
            except (OverflowError, ValueError):
                return None
            source = _START_SOURCES.get(fix.source, fix.source)
            return TimeCandidate(source, start, "utc", f"first GPS fix minus its {fix.t_offset_s:.3f} s offset")
    return None


def _payloads(data: bytes) -> Iterator[bytes]:
    """A raw GPMF file's payloads: a payload holds one `DEVC` per device (a camera and its Karma drone share one),
    so a device id met again (or a DEVC without DVID) starts the next payload."""
    chunk: list[bytes] = []
    seen: set[int] = set()
    for devc in iter_klv(data):
        dvid = next((int.from_bytes(k.data, "big") for k in iter_klv(devc.data, 1)
                     if k.key == b"DVID" and k.type == "L" and k.size == 4), None) if devc.type == "\x00" else None
        if chunk and (dvid is None or dvid in seen):
            yield b"".join(chunk)
            chunk, seen = [], set()
        chunk.append(struct.pack(">4scBH", devc.key, devc.type.encode("latin-1"), devc.size, devc.repeat) + devc.data)
        if dvid is not None:
            seen.add(dvid)
    if chunk:
        yield b"".join(chunk)


def extract(reader: Reader) -> Extraction:
    """A raw GPMF file (one or more payloads, each taken as one nominal second)."""
    data = reader.read(0, reader.size)
    if not is_gpmf(data):
        raise ExtractError("not a GPMF payload (no DEVC at the start)")
    extraction = Extraction(container="gpmf")
    for index, chunk in enumerate(_payloads(data)):
        parse_gpmf(chunk, index * RAW_PAYLOAD_S, RAW_PAYLOAD_S).add_to(extraction)
    candidate = start_candidate(extraction.track)
    if candidate is not None:
        extraction.times.append(candidate)
    return extraction
