"""Dash-cam timed GPS and identity inside ISO-BMFF files (formats.md §2.2-§2.8).

BlackVue `free` box (cprt, sttm, NMEA `gps `), 70mai `GPS ` box, Garmin `uuid` records, DuDuBell/VSYS `gps0`
box, Nextbase udta `infi`, NMEA in text/subtitle tracks, Google CAMM tracks, non-GoPro `gpmd` tracks, and Novatek
freeGPS blocks.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .. import nmea
from ..coords import ddmm_to_deg, make_fix
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from . import freegps
from .boxes import Box, Track, children, find_path
from .freegps import KMH_MPS
from .reader import Reader, be_u32

GARMIN_UUID = bytes.fromhex("9b630f8d637440ec8204bc5ff5091728")
MPH_MPS = 0.44704
EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
EPOCH_1970 = datetime(1970, 1, 1)
EPOCH_GPS = datetime(1980, 1, 6, tzinfo=UTC)
#: GPS − UTC leap seconds, from the date they took effect.
LEAP_SECONDS = [(datetime(2017, 1, 1, tzinfo=UTC), 18), (datetime(2015, 7, 1, tzinfo=UTC), 17),
                (datetime(2012, 7, 1, tzinfo=UTC), 16), (datetime(2009, 1, 1, tzinfo=UTC), 15),
                (datetime(2006, 1, 1, tzinfo=UTC), 14), (datetime(1999, 1, 1, tzinfo=UTC), 13)]
#: Bounds: text read from one box, small boxes (cprt, infi), records per box, samples read per track.
MAX_TEXT = 4 << 20
MAX_SMALL = 4096
MAX_RECORDS = 100_000
MAX_TRACK_SAMPLES = 20_000
MAX_SAMPLE = 64 << 10
PITTASOFT = {b"cprt", b"sttm", b"ptnm", b"ptrh", b"thum", b"gps ", b"3gf "}
#: Makes set by the boxes above; any other make (a phone, a GoPro) skips the mdat scan for freeGPS blocks.
DASHCAM_MAKES = {"BlackVue", "70mai", "Garmin", "Nextbase"}
_TEXT_TRACKS = {b"text", b"tx3g", b"sbtl", b"subt"}
_BLACKVUE_LINE = re.compile(rb"\[(\d{1,16})\]([^\[]*)")


def add_dashcam_data(reader: Reader, top: list[Box], moov: list[Box], tracks: list[Track],
                     extraction: Extraction) -> None:
    """Add dash-cam GPS, identity and times found in `top`-level boxes, `moov`'s boxes and `tracks` to
    `extraction`."""
    steps: list[tuple[str, Callable[[], None]]] = [
        ("BlackVue", lambda: _blackvue(reader, top, extraction)),
        ("70mai GPS box", lambda: _mai70(reader, top, extraction)),
        ("Garmin GPS", lambda: _garmin(reader, top, extraction)),
        ("gps0 box", lambda: _gps0(reader, top, extraction)),
        ("Nextbase infi", lambda: _nextbase_infi(reader, moov, extraction)),
        ("freeGPS", lambda: _freegps_index(reader, moov, extraction)),
    ]
    steps += [(f"track {t.format.decode('latin-1')!r}", lambda t=t: _track(t, extraction)) for t in tracks]
    steps.append(("freeGPS scan", lambda: _freegps_scan(reader, top, tracks, extraction)))
    for name, step in steps:
        try:
            step()
        except ExtractError as exc:
            extraction.warnings.append(f"{name}: {exc}")


def _add_fixes(extraction: Extraction, fmt: str, fixes: list[GpsFix], dropped: int) -> None:
    """Record a source's fixes (the first source with fixes fills the track), its count and its UTC candidate."""
    extraction.dropped_fixes += dropped
    if not fixes:
        return
    extraction.tags[f"{fmt}.fixes"] = str(len(fixes))
    if extraction.track:
        extraction.warnings.append(f"{fmt}: {len(fixes)} more GPS fixes ignored, the track already has fixes")
    else:
        extraction.track.extend(fixes)
    first = next((f for f in fixes if f.t_utc is not None and f.t_offset_s is not None), None)
    if first is not None and first.t_utc is not None and first.t_offset_s is not None:
        try:
            start = first.t_utc - timedelta(seconds=first.t_offset_s)
        except OverflowError:
            extraction.warnings.append(f"{fmt}: first fix offset {first.t_offset_s} s is out of range")
            return
        extraction.times.append(TimeCandidate(f"{fmt}.gps", start, "utc", "first GPS fix minus its offset"))


def _text(data: bytes) -> str:
    return data.split(b"\0")[0].decode("utf-8", "replace").strip()


# --- BlackVue ---------------------------------------------------------------------------------------------------


def _blackvue(reader: Reader, top: list[Box], extraction: Extraction) -> None:
    for box in top:
        if box.type != b"free" or box.payload_size < 8 or reader.read(box.payload + 4, 4) not in PITTASOFT:
            continue
        found = {child.type: child for child in children(reader, box)}
        start_ms = None
        if b"cprt" in found:
            _blackvue_cprt(_text(reader.read(found[b"cprt"].payload, min(found[b"cprt"].payload_size, MAX_SMALL))),
                           extraction)
        sttm = found.get(b"sttm")
        if sttm is not None and sttm.payload_size >= 8:
            start_ms = struct.unpack(">q", reader.read(sttm.payload, 8))[0]
            extraction.tags["blackvue.sttm"] = str(start_ms)
            try:
                local = EPOCH_1970 + timedelta(milliseconds=start_ms)
            except OverflowError:
                extraction.warnings.append(f"BlackVue sttm {start_ms} is out of range")
            else:
                extraction.times.append(TimeCandidate("blackvue.sttm", local, "local", "camera local clock"))
        gps = found.get(b"gps ")
        if gps is not None:
            text = reader.read(gps.payload, min(gps.payload_size, MAX_TEXT))
            fixes, dropped = blackvue_nmea(text, start_ms)
            _add_fixes(extraction, "blackvue", fixes, dropped)
        return


def _blackvue_cprt(text: str, extraction: Extraction) -> None:
    extraction.tags["blackvue.cprt"] = text
    model = serial = firmware = None
    if text.startswith("{"):
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        if isinstance(info, dict):
            model, serial, firmware = (str(info[k]) if info.get(k) not in (None, "") else None
                                       for k in ("model", "psn", "ver"))
    else:
        fields = text.split(";")
        if len(fields) >= 6:
            model, firmware, serial = fields[1] or None, fields[2] or None, fields[5] or None
    extraction.identity = extraction.identity.merged(Identity("BlackVue", model, serial, firmware))


def blackvue_nmea(text: bytes, start_ms: int | None) -> tuple[list[GpsFix], int]:
    """Fixes from BlackVue `[ms]NMEA` lines; the offset counts from `start_ms` (sttm) or the first line."""
    matches = itertools.islice(_BLACKVUE_LINE.finditer(text), nmea.MAX_SENTENCES)
    lines = [(int(m.group(1)), m.group(2)) for m in matches]
    if start_ms is None and lines:
        start_ms = lines[0][0]
    found = nmea.parse_timed([((ms - (start_ms or 0)) / 1000, line) for ms, line in lines], "blackvue")
    return found.fixes, found.dropped + found.unreadable_rmc


# --- 70mai, Garmin, DuDuBell/VSYS, Nextbase boxes -----------------------------------------------------------------------------


def _mai70(reader: Reader, top: list[Box], extraction: Extraction) -> None:
    box = next((b for b in top if b.type == b"GPS "), None)
    if box is None:
        return
    data = reader.read(box.payload, min(box.payload_size, 36 * MAX_RECORDS))
    fixes, dropped = mai70_records(data)
    extraction.tags["70mai.GPS"] = f"{len(data) // 36} records"
    extraction.identity = extraction.identity.merged(Identity(make="70mai"))
    _add_fixes(extraction, "70mai", fixes, dropped)


def mai70_records(data: bytes) -> tuple[list[GpsFix], int]:
    """Fixes from 70mai 36-byte LE records (seconds from start, DDMM×1000); no absolute time."""
    fixes: list[GpsFix] = []
    dropped = 0
    for pos in range(0, len(data) - 35, 36):
        record = data[pos:pos + 36]
        if not any(record):
            break
        _, _, seconds, speed, lat_ref, lat, lon_ref, lon = struct.unpack_from("<4Ic I c I", record)
        fix = make_fix(ddmm_to_deg(lat / 1e3) * (-1 if lat_ref == b"S" else 1),
                       ddmm_to_deg(lon / 1e3) * (-1 if lon_ref == b"W" else 1), "70mai", None, float(seconds),
                       speed_mps=speed / 1e3 * KMH_MPS)
        if fix is None:
            dropped += 1
        else:
            fixes.append(fix)
    return fixes, dropped


def _garmin(reader: Reader, top: list[Box], extraction: Extraction) -> None:
    for box in top:
        if box.type == b"uuid" and box.payload_size >= 16 and reader.read(box.payload, 16) == GARMIN_UUID:
            start = box.payload + 16 + 17
            data = reader.read(start, min(max(0, box.end - start), 20 * MAX_RECORDS))
            fixes, dropped = garmin_records(data)
            extraction.tags["garmin.uuid"] = f"{len(data) // 20} records"
            extraction.identity = extraction.identity.merged(Identity(make="Garmin"))
            _add_fixes(extraction, "garmin", fixes, dropped)
            return


def garmin_records(data: bytes) -> tuple[list[GpsFix], int]:
    """Fixes from Garmin 20-byte BE records (1904-epoch UTC seconds, mph, semicircles; 0x80000000 = no fix)."""
    fixes: list[GpsFix] = []
    dropped = 0
    first: int | None = None
    for pos in range(0, len(data) - 19, 20):
        seconds, mph = struct.unpack_from(">IH", data, pos)
        lat, lon = struct.unpack_from(">ii", data, pos + 12)
        if lat == -(1 << 31) or lon == -(1 << 31):
            dropped += 1
            continue
        first = seconds if first is None else first
        fix = make_fix(lat * 180 / 2**31, lon * 180 / 2**31, "garmin", EPOCH_1904 + timedelta(seconds=seconds),
                       float(seconds - first), speed_mps=mph * MPH_MPS)
        if fix is None:
            dropped += 1
        else:
            fixes.append(fix)
    return fixes, dropped


def _gps0(reader: Reader, top: list[Box], extraction: Extraction) -> None:
    box = next((b for b in top if b.type == b"gps0"), None)
    if box is None:
        return
    data = reader.read(box.payload, min(box.payload_size, 32 * MAX_RECORDS))
    fixes, dropped = gps0_records(data)
    extraction.tags["gps0"] = f"{len(data) // 32} records"
    _add_fixes(extraction, "gps0", fixes, dropped)


def gps0_records(data: bytes) -> tuple[list[GpsFix], int]:
    """Fixes from DuDuBell/VSYS `gps0` 32-byte LE records (DDMM doubles, km/h, UTC date bytes from 2000)."""
    fixes: list[GpsFix] = []
    dropped = 0
    first: datetime | None = None
    for pos in range(0, len(data) - 31, 32):
        if not any(data[pos:pos + 32]):
            break
        lat, lon, alt, kmh = struct.unpack_from("<2diH", data, pos)
        year, month, day, hour, minute, second = data[pos + 0x16:pos + 0x1C]
        try:
            when = datetime(2000 + year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            when = None
        fix = None
        if when is not None and abs(lat) <= 9000 and abs(lon) <= 18000:
            first = first or when
            fix = make_fix(ddmm_to_deg(lat), ddmm_to_deg(lon), "gps0", when, (when - first).total_seconds(),
                           float(alt), kmh * KMH_MPS)
        if fix is None:
            dropped += 1
        else:
            fixes.append(fix)
    return fixes, dropped


def _nextbase_infi(reader: Reader, moov: list[Box], extraction: Extraction) -> None:
    box = find_path(reader, moov, b"udta", b"infi")
    if box is None:
        return
    text = reader.read(box.payload, min(box.payload_size, MAX_SMALL)).decode("utf-8", "replace")
    extraction.tags["nextbase.infi"] = text.strip("\0").strip()
    values = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    values = {k.strip().lower(): v.strip().strip("\0") or None for k, v in values.items()}
    extraction.identity = extraction.identity.merged(
        Identity("Nextbase", values.get("model"), values.get("serial no"), values.get("firmware")))


# --- tracks -----------------------------------------------------------------------------------------------------


def _samples(track: Track) -> list[tuple[float, bytes]]:
    reader = track.reader
    return [(s.time_s, reader.read(s.offset, min(s.size, MAX_SAMPLE)))
            for s in track.samples[:MAX_TRACK_SAMPLES] if s.size]


def _track(track: Track, extraction: Extraction) -> None:
    if track.format == b"camm":
        fixes, dropped = camm_samples(_samples(track))
        _add_fixes(extraction, "camm", fixes, dropped)
    elif track.format == b"gpmd":
        _gpmd(track, extraction)
    elif track.handler in _TEXT_TRACKS or track.format in _TEXT_TRACKS:
        fixes, dropped = text_samples(_samples(track))
        fmt = fixes[0].source if fixes else "nmea"
        _add_fixes(extraction, fmt, fixes, dropped)


def text_samples(samples: list[tuple[float, bytes]]) -> tuple[list[GpsFix], int]:
    """NMEA RMC fixes in text-track samples (Thinkware, Nextbase subtitle layout), timed by the sample."""
    fixes: list[GpsFix] = []
    dropped = 0
    for time_s, data in samples:
        source = "nextbase" if len(data) >= 20 and data[6:20].isdigit() else "nmea"
        found, bad = nmea.nmea_fixes(data, source, time_s)
        fixes.extend(found)
        dropped += bad
    return fixes, dropped


def _gpmd(track: Track, extraction: Extraction) -> None:
    first = next(iter(track.samples), None)
    if first is None or first.size < 12:
        return
    head = track.reader.read(first.offset, 12)
    if head[:4] == b"DEVC":
        return
    if head[4:12] == freegps.MAGIC:
        places: list[tuple[int, int | None]] = [(s.offset, s.size) for s in track.samples[:freegps.MAX_BLOCKS]]
        _add_blocks(extraction, track.reader, places, "gpmd.freegps")
        return
    fixes, dropped = text_samples(_samples(track))
    if fixes or dropped:
        _add_fixes(extraction, "gpmd.nmea", fixes, dropped)
    else:
        extraction.warnings.append("gpmd track is neither GoPro GPMF nor freeGPS/NMEA; left unread")


def camm_samples(samples: list[tuple[float, bytes]]) -> tuple[list[GpsFix], int]:
    """Fixes from CAMM type 5 (lat, lon, alt) and type 6 (GPS time, fix, position, velocity) samples."""
    fixes: list[GpsFix] = []
    dropped = 0
    for time_s, data in samples:
        if len(data) < 4:
            continue
        kind = struct.unpack_from("<H", data, 2)[0]
        if kind == 5 and len(data) >= 28:
            lat, lon, alt = struct.unpack_from("<3d", data, 4)
            fix = make_fix(lat, lon, "camm", None, time_s, alt)
        elif kind == 6 and len(data) >= 56:
            seconds, fix_type, lat, lon, alt = struct.unpack_from("<dIddf", data, 4)
            east, north = struct.unpack_from("<2f", data, 44)
            when = camm_time(seconds)
            fix = make_fix(lat, lon, "camm", when, time_s, alt, (east**2 + north**2) ** 0.5) if fix_type else None
            if fix is not None and when is None:
                fix = None
        else:
            continue
        if fix is None:
            dropped += 1
        else:
            fixes.append(fix)
    return fixes, dropped


def camm_time(seconds: float) -> datetime | None:
    """UTC of a CAMM GPS time: GPS epoch (minus leap seconds) by the spec, Unix epoch when that lands in the future."""
    if not 0 < seconds < 1e10:
        return None
    when = EPOCH_GPS + timedelta(seconds=seconds)
    if when > datetime.now(UTC):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return when - timedelta(seconds=next((leap for since, leap in LEAP_SECONDS if when >= since), 0))


# --- freeGPS ----------------------------------------------------------------------------------------------------


def _add_blocks(extraction: Extraction, reader: Reader, places: list[tuple[int, int | None]], tag: str) -> None:
    decoded, warnings = freegps.read_blocks(reader, places)
    extraction.warnings.extend(warnings[:10])
    if not decoded:
        extraction.warnings.append(f"{tag}: {len(places)} blocks, none of a known layout")
        return
    layouts = sorted({d.layout for d in decoded})
    extraction.tags[tag] = f"{len(places)} blocks, layout {', '.join(layouts)}"
    local = next((d for d in decoded if d.local_time is not None), None)
    if local is not None and local.local_time is not None:
        start = local.local_time - timedelta(seconds=local.index)
        extraction.times.append(TimeCandidate("freegps.localtime", start, "local", f"{local.layout} camera clock"))
    _add_fixes(extraction, "freegps", [f for d in decoded for f in d.fixes], sum(d.dropped for d in decoded))


def _freegps_index(reader: Reader, moov: list[Box], extraction: Extraction) -> None:
    box = find_path(reader, moov, b"gps ")
    if box is None:
        return
    data = reader.read(box.payload, min(box.payload_size, 8 + 8 * freegps.MAX_BLOCKS))
    entries = freegps.index_entries(data)
    extraction.tags["freegps.index"] = f"version {be_u32(data):#x}, {len(entries)} entries"
    _add_blocks(extraction, reader, [(o, s) for o, s in entries], "freegps.blocks")


def _freegps_scan(reader: Reader, top: list[Box], tracks: list[Track], extraction: Extraction) -> None:
    """Unindexed freeGPS blocks (INNOVV, XGODY) sit in `mdat` between the tracks' chunks: only the bytes no sample
    table covers are looked at; a file whose tables cover its media data is not read at all."""
    make = extraction.identity.make
    if extraction.track or "freegps.index" in extraction.tags or (make and make not in DASHCAM_MAKES):
        return  # GPS found already, or a phone/action camera that names itself: no mdat scan
    if any(box.type == b"moof" for box in top):
        return  # fragmented files are not written by Novatek cameras; their samples are in the fragments
    spans = sorted(span for track in tracks for span in track.chunk_spans())
    regions = [region for mdat in top if mdat.type == b"mdat"
               for region in (freegps.unindexed(mdat.payload, mdat.end, spans) if spans else [(mdat.payload, mdat.end)])]
    offsets = freegps.scan_offsets(reader, regions)
    if offsets:
        _add_blocks(extraction, reader, [(o, None) for o in offsets], "freegps.scan")
