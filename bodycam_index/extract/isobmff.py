"""MP4 / MOV (ISO-BMFF, QuickTime): header times and duration, udta, Keys, XMP, and GoPro GPMF tracks.

Only box headers, metadata boxes and the GPMF samples are read; `mdat` is never read.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from ..coords import parse_iso6709
from ..isotime import parse_date
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from ..writers import WriterFacts, WriterRule, header_rule
from . import gpmf, makernotes
from .boxes import Box, Track, children, children_until_damage, first, iter_boxes, payload
from .reader import Reader, be_u16, be_u32, be_u64

#: Seconds from 1904-01-01 (ISO-BMFF epoch) to 1970-01-01.
EPOCH_1904 = 2082844800
_1904 = datetime(1904, 1, 1)
#: Largest metadata box payload read (udta items, keys, XMP).
MAX_META = 4 * 1024 * 1024
#: A `moov` up to this size is read in one piece and its boxes parsed from memory: a short clip's is a few KiB
#: (the same pages the box-by-box reads touch), its ~60 box reads cost more than the bytes; a bigger one's sample
#: tables are read only as far as a field needs them.
HOLD_MOOV = 64 * 1024
#: Most GPMF samples read from one track.
MAX_GPMF_SAMPLES = 100_000
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
_KEY_PREFIXES = ("com.apple.quicktime.", "com.android.")
#: Keys a phone's camera app writes (an editor may add other `com.apple.quicktime.*` keys, e.g. album).
_PHONE_KEYS = {"com.apple.quicktime." + k for k in ("make", "model", "software", "creationdate", "location.ISO6709")}
_NS = {
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "exifEX": "http://cipa.jp/exif/1.0/",
}


@dataclass
class _Found:
    """Raw values gathered while walking, before they become candidates."""

    mvhd: tuple[int, int, int, int] | None = None  # creation, modification, timescale, duration
    header_times: list[tuple[str, int]] = field(default_factory=list)  # (source, creation) from tkhd/mdhd
    keys: dict[str, str] = field(default_factory=dict)
    udta: dict[str, str] = field(default_factory=dict)
    xmp: list[str] = field(default_factory=list)
    loci: tuple[float, float, float] | None = None
    tzon_min: int | None = None
    gopro: bool = False


def extract(reader: Reader) -> Extraction:
    """Times, duration, identity and GPS of an MP4/MOV file."""
    top = list(iter_boxes(reader, 0, reader.size, cut_last=True))
    ftyp = first(top, b"ftyp")
    brand = reader.read(ftyp.payload, 4) if ftyp is not None and ftyp.payload_size >= 4 else b"qt  "
    extraction = Extraction(container="mov" if brand == b"qt  " else "mp4")
    cut = top[-1] if top and top[-1].missing else None
    if cut is not None:
        extraction.warnings.append(f"truncated file: box '{cut.type.decode('latin-1')}' at byte {cut.start} lacks "
                                   f"its last {cut.missing} bytes; read what is there")
    moov = first(top, b"moov")
    if moov is None:
        raise ExtractError("no moov box: not a complete MP4/MOV file")
    if moov.end - moov.start <= HOLD_MOOV:
        reader.hold(moov.start, moov.end - moov.start)
    found = _Found()
    moov_boxes = children_until_damage(reader, moov, extraction.warnings)
    tracks: list[Track] = []
    for box in moov_boxes:
        if box.type == b"mvhd":
            found.mvhd = _mvhd(_read(reader, box))
        elif box.type == b"trak":
            tracks.append(_track(reader, box, found))
        elif box.type == b"udta":
            _udta(reader, box, found, extraction)
        elif box.type == b"meta":
            _meta(reader, box, found)
    for box in top:
        if box.type == b"uuid" and box.payload_size > 16 and reader.read(box.payload, 16) == XMP_UUID:
            found.xmp.append(_read(reader, box)[16:].decode("utf-8", "replace"))
    for track in tracks:
        if track.format == b"gpmd":
            _gpmf_track(reader, track, found, extraction)
    extraction.duration_s = _duration(reader, top, moov_boxes, found.mvhd, tracks)
    _times(found, extraction)
    _identity(found, extraction)
    _canon_cmt(reader, moov_boxes, extraction)
    _location(found, extraction)
    from .dashcam import add_dashcam_data

    add_dashcam_data(reader, top, moov_boxes, tracks, extraction)
    _header_times(found, extraction, header_rule(_writer_facts(reader, ftyp, tracks, found, extraction)))
    return extraction


def _read(reader: Reader, box: Box) -> bytes:
    if box.payload_size > MAX_META:
        raise ExtractError(f"box {box.type!r} at {box.start}: {box.payload_size} bytes is too large for metadata")
    return payload(reader, box)


# --- header boxes -------------------------------------------------------------------------------------------


def _mvhd(data: bytes) -> tuple[int, int, int, int]:
    """(creation, modification, timescale, duration) of an mvhd payload, v0 or v1."""
    if len(data) >= 32 and data[0] == 1:
        return be_u64(data, 4), be_u64(data, 12), be_u32(data, 20), be_u64(data, 24)
    if len(data) >= 20:
        return be_u32(data, 4), be_u32(data, 8), be_u32(data, 12), be_u32(data, 16)
    raise ExtractError(f"mvhd of {len(data)} bytes is too short")


def _creation(data: bytes) -> int:
    """Creation time of a tkhd/mdhd payload (v0 or v1), 0 when too short."""
    if len(data) >= 12 and data[0] == 1:
        return be_u64(data, 4)
    return be_u32(data, 4) if len(data) >= 8 else 0


def header_time(value: int) -> tuple[datetime, str]:
    """A 1904-epoch header time as naive datetime, plus a note when it was patched (0 gives the epoch itself)."""
    if value and value < EPOCH_1904:
        return datetime(1970, 1, 1) + timedelta(seconds=value), "patched: value below 2082844800 read as Unix time"
    try:
        return _1904 + timedelta(seconds=value), ""
    except OverflowError as exc:
        raise ExtractError(f"header time {value} is out of range") from exc


def _track(reader: Reader, trak: Box, found: _Found) -> Track:
    track = Track.parse(reader, trak)
    if track.handler_name.startswith("GoPro"):
        found.gopro = True
    trak_boxes = children(reader, trak)
    tkhd = first(trak_boxes, b"tkhd")
    if tkhd is not None:
        found.header_times.append(("mp4.tkhd.creation", _creation(reader.read_upto(tkhd.payload, 12))))
    mdia = first(trak_boxes, b"mdia")
    mdhd = first(children(reader, mdia), b"mdhd") if mdia is not None else None
    if mdhd is not None:
        found.header_times.append(("mp4.mdhd.creation", _creation(reader.read_upto(mdhd.payload, 12))))
    for box in trak_boxes:
        if box.type == b"meta":
            _meta(reader, box, found)
    return track


def _duration(reader: Reader, top: list[Box], moov_boxes: list[Box], mvhd: tuple[int, int, int, int] | None,
              tracks: list[Track]) -> float | None:
    if mvhd is None or not mvhd[2]:
        return None
    timescale, duration = mvhd[2], mvhd[3]
    if duration and duration not in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
        return duration / timescale
    mvex = first(moov_boxes, b"mvex")
    mehd = first(children(reader, mvex), b"mehd") if mvex is not None else None
    if mehd is not None:
        data = _read(reader, mehd)
        value = be_u64(data, 4) if data[:1] == b"\x01" and len(data) >= 12 else be_u32(data, 4)
        if value:
            return value / timescale
    return fragment_duration(reader, top, mvex, {_track_id(reader, t.box): t.timescale for t in tracks})


def _track_id(reader: Reader, trak: Box) -> int:
    tkhd = first(children(reader, trak), b"tkhd")
    if tkhd is None:
        return 0
    data = reader.read_upto(tkhd.payload, 24)
    pos = 20 if data[:1] == b"\x01" else 12
    return be_u32(data, pos) if len(data) >= pos + 4 else 0


def fragment_duration(reader: Reader, top: list[Box], mvex: Box | None, timescales: dict[int, int]) -> float | None:
    """Longest track duration over the fragments, or None without fragments: from the first and last `moof` alone
    when every track's fragments carry a `tfdt` (end of the last fragment minus the start of the first), else
    summed over the `trun` boxes of every `moof/traf`."""
    defaults: dict[int, int] = {}
    for trex in children(reader, mvex) if mvex is not None else []:
        data = _read(reader, trex) if trex.type == b"trex" else b""
        if len(data) >= 16:
            defaults[be_u32(data, 4)] = be_u32(data, 12)
    moofs = [b for b in top if b.type == b"moof"]
    if not moofs:
        return None
    starts, ends = _fragment_times(reader, moofs[0], defaults), _fragment_times(reader, moofs[-1], defaults)
    totals: dict[int, int] = {}
    if starts and ends.keys() == starts.keys() and all(v[0] is not None for v in (*starts.values(), *ends.values())):
        totals = {tid: ends[tid][0] + ends[tid][1] - starts[tid][0] for tid in ends}  # type: ignore[operator]
    else:
        for moof in moofs:
            for tid, (_, length) in _fragment_times(reader, moof, defaults).items():
                totals[tid] = totals.get(tid, 0) + length
    seconds = [total / timescales[tid] for tid, total in totals.items() if timescales.get(tid) and total >= 0]
    return max(seconds) if seconds else None


def _fragment_times(reader: Reader, moof: Box, defaults: dict[int, int]) -> dict[int, tuple[int | None, int]]:
    """Track id → (`tfdt` base decode time or None, summed `trun` sample durations) of one `moof`."""
    found: dict[int, tuple[int | None, int]] = {}
    for traf in (b for b in children(reader, moof) if b.type == b"traf"):
        traf_boxes = children(reader, traf)
        tfhd = first(traf_boxes, b"tfhd")
        if tfhd is None:
            continue
        head = _read(reader, tfhd)
        track_id, flags = be_u32(head, 4), be_u32(head, 0) & 0xFFFFFF
        pos = 8 + (8 if flags & 0x1 else 0) + (4 if flags & 0x2 else 0)
        default = be_u32(head, pos) if flags & 0x8 and len(head) >= pos + 4 else defaults.get(track_id, 0)
        tfdt = first(traf_boxes, b"tfdt")
        base = None
        if tfdt is not None:
            data = _read(reader, tfdt)
            if data[:1] == b"\x01" and len(data) >= 12:
                base = be_u64(data, 4)
            elif len(data) >= 8:
                base = be_u32(data, 4)
        length = sum(_trun_duration(_read(reader, trun), default) for trun in traf_boxes if trun.type == b"trun")
        earlier = found.get(track_id)
        found[track_id] = (base if earlier is None else earlier[0], length + (earlier[1] if earlier else 0))
    return found


def _trun_duration(data: bytes, default: int) -> int:
    if len(data) < 8:
        raise ExtractError("trun box is too short")
    flags, count = be_u32(data, 0) & 0xFFFFFF, be_u32(data, 4)
    if not flags & 0x100:
        return count * default
    pos = 8 + (4 if flags & 0x1 else 0) + (4 if flags & 0x4 else 0)
    width = 4 * sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
    if pos + count * width > len(data):
        raise ExtractError(f"trun: {count} samples do not fit in {len(data)} bytes")
    return sum(be_u32(data, pos + i * width) for i in range(count))


# --- udta, meta, keys -----------------------------------------------------------------------------------------


def _name(kind: bytes) -> str:
    """A box type as a tag name: `©xyz` → `xyz`."""
    return kind.replace(b"\xa9", b"").decode("latin-1").strip()


def udta_text(data: bytes) -> str:
    """The text of a udta item: `u16 len, u16 lang, text`, an iTunes `data` atom, or plain text."""
    if len(data) >= 16 and data[4:8] == b"data":
        return data[16 : be_u32(data)].decode("utf-8", "replace").strip("\x00 ")
    if len(data) >= 4 and be_u16(data) <= len(data) - 4:
        return data[4 : 4 + be_u16(data)].decode("utf-8", "replace").strip("\x00 ")
    return data.decode("utf-8", "replace").strip("\x00 ")


def _udta(reader: Reader, udta: Box, found: _Found, extraction: Extraction) -> None:
    for box in children(reader, udta):
        if box.type == b"meta":
            _meta(reader, box, found)
            continue
        if box.payload_size > MAX_META:
            continue
        data = payload(reader, box)
        if box.type in (b"\xa9xyz", b"\xa9day", b"\xa9mak", b"\xa9mod", b"\xa9swr", b"\xa9nam", b"date"):
            found.udta[_name(box.type)] = udta_text(data)
        elif box.type == b"loci":
            found.loci = parse_loci(data)
            if found.loci is not None:
                found.udta["loci"] = "{:.6f},{:.6f},{:.2f}".format(*found.loci)
        elif box.type == b"XMP_":
            found.xmp.append(data.decode("utf-8", "replace"))
        elif box.type == b"FIRM":
            found.udta["FIRM"] = data.decode("latin-1").strip("\x00 ")
        elif box.type == b"TAGS" and data.startswith(b"PENTAX"):
            found.udta["pentax.make"] = data[:24].split(b"\x00", 1)[0].decode("latin-1").strip()
        elif box.type == b"GPMF":  # GoPro global settings: DEVC, or loose KLVs (MINF, CASN, FMWR, TZON)
            found.gopro = True
            try:
                result = gpmf.parse_gpmf(data, 0.0, 0.0)
            except ExtractError as exc:
                extraction.warnings.append(f"udta GPMF: {exc}")
                continue
            result.add_to(extraction)
            found.tzon_min = found.tzon_min if result.tzon_min is None else result.tzon_min


def parse_loci(data: bytes) -> tuple[float, float, float] | None:
    """(lat, lon, alt) of a 3GPP `loci` payload (FullBox; longitude is stored first), or None when short."""
    pos = 6  # version/flags, language
    if data[pos : pos + 2] in (b"\xfe\xff", b"\xff\xfe"):
        while pos + 1 < len(data) and data[pos : pos + 2] != b"\x00\x00":
            pos += 2
        pos += 2
    else:
        end = data.find(b"\x00", pos)
        if end < 0:
            return None
        pos = end + 1
    pos += 1  # role
    if pos + 12 > len(data):
        return None
    lon, lat, alt = (int.from_bytes(data[pos + i : pos + i + 4], "big", signed=True) / 65536 for i in (0, 4, 8))
    return lat, lon, alt


def _meta(reader: Reader, meta: Box, found: _Found) -> None:
    """A `meta` box with or without its FullBox header: Keys (`mdta`) or iTunes (`mdir`) items."""
    skip = 0 if reader.read_upto(meta.payload + 4, 4) == b"hdlr" else 4
    boxes = list(iter_boxes(reader, meta.payload + skip, meta.end))
    keys_box, ilst = first(boxes, b"keys"), first(boxes, b"ilst")
    names = parse_keys(_read(reader, keys_box)) if keys_box is not None else []
    for item in children(reader, ilst) if ilst is not None else []:
        value = _data_value(reader, item)
        if value is None:
            continue
        index = be_u32(item.type)
        if names and 1 <= index <= len(names):
            found.keys[names[index - 1]] = value
        elif item.type[:1] == b"\xa9":
            found.udta.setdefault(_name(item.type), value)


def parse_keys(data: bytes) -> list[str]:
    """The key names of a `keys` payload (FullBox, count, then size/namespace/name entries)."""
    if len(data) < 8:
        raise ExtractError("keys box is too short")
    count, pos, names = be_u32(data, 4), 8, []
    for _ in range(count):
        size = be_u32(data, pos)
        if size < 8 or pos + size > len(data):
            raise ExtractError(f"keys entry at {pos} of size {size} runs past its box")
        names.append(data[pos + 8 : pos + size].decode("utf-8", "replace"))
        pos += size
    return names


def _data_value(reader: Reader, item: Box) -> str | None:
    """The value of an ilst item's `data` atom as text (UTF-8/16, float, integer), or None."""
    data_box = first(children(reader, item), b"data")
    if data_box is None or data_box.payload_size < 8:
        return None
    data = _read(reader, data_box)
    kind, value = be_u32(data) & 0xFFFFFF, data[8:]
    if kind == 1:
        return value.decode("utf-8", "replace").strip("\x00")
    if kind == 2:
        return value.decode("utf-16-be", "replace").strip("\x00")
    if kind == 23 and len(value) == 4:
        return f"{struct.unpack('>f', value)[0]:g}"
    if kind == 24 and len(value) == 8:
        return f"{struct.unpack('>d', value)[0]:g}"
    if kind in (21, 22) and len(value) in (1, 2, 4, 8):
        return str(int.from_bytes(value, "big", signed=kind == 21))
    return None


# --- GPMF ---------------------------------------------------------------------------------------------------


def _gpmf_track(reader: Reader, track: Track, found: _Found, extraction: Extraction) -> None:
    samples = track.samples
    if len(samples) > MAX_GPMF_SAMPLES:
        extraction.warnings.append(f"gpmd track: only the first {MAX_GPMF_SAMPLES} of {len(samples)} samples read")
    for sample in samples[:MAX_GPMF_SAMPLES]:
        data = reader.read(sample.offset, sample.size)
        if not gpmf.is_gpmf(data):
            return  # a gpmd track that is not GoPro's: left to the dash-cam parsers
        found.gopro = True
        try:
            result = gpmf.parse_gpmf(data, sample.time_s, sample.duration_s)
        except ExtractError as exc:
            extraction.warnings.append(f"GPMF sample at {sample.offset}: {exc}")
            continue
        result.add_to(extraction)
        if result.tzon_min is not None:
            found.tzon_min = result.tzon_min


# --- times, identity, location --------------------------------------------------------------------------------

def _writer_facts(reader: Reader, ftyp: Box | None, tracks: list[Track], found: _Found,
                  extraction: Extraction) -> WriterFacts:
    """What the file says about its writer, for the header-time rule."""
    brands: list[str] = []
    if ftyp is not None and ftyp.payload_size >= 4:
        data = reader.read_upto(ftyp.payload, min(ftyp.payload_size, 256))
        brands = [data[i : i + 4].decode("latin-1").lower() for i in (0, *range(8, len(data) - 3, 4))]
    encoders = [found.udta.get(k) for k in ("too", "swr", "enc")]
    encoders.append(found.keys.get("com.apple.quicktime.software"))
    return WriterFacts(
        encoders=tuple(e.strip().lower() for e in encoders if e),
        brands=tuple(brands),
        handlers=tuple(t.handler_name.lower() for t in tracks if t.handler_name),
        vendors=tuple(t.vendor.decode("latin-1").lower() for t in tracks if t.vendor.strip(b"\x00 ")),
        make=(extraction.identity.make or "").lower(),
        phone_keys=_is_phone(found.keys),
        gopro=found.gopro,
    )


def _header_times(found: _Found, extraction: Extraction, rule: WriterRule) -> None:
    """mvhd creation time (tkhd/mdhd when mvhd is unset) as UTC or wall clock by the writer's rule."""
    header = [("mp4.mvhd.creation", found.mvhd[0])] if found.mvhd is not None else []
    if not header or header[0][1] == 0:
        header += [(source, value) for source, value in found.header_times if value][:1]
    if found.mvhd is not None:
        for name, raw in zip(("creation", "modification"), found.mvhd[:2]):
            extraction.tags[f"mp4.mvhd.{name}"] = f"{header_time(raw)[0].isoformat()} (raw {raw})"
    extraction.tags["mp4.writer_rule"] = rule.name
    for source, raw in header:
        value, note = header_time(raw)
        if raw == 0:
            extraction.times.append(TimeCandidate(source, value, "unset", "0 means not set"))
            continue
        if note:
            extraction.warnings.append(f"{source}: {note}")
        why = rule.note
        if rule.semantics == "utc":
            extraction.times.append(TimeCandidate(source, value.replace(tzinfo=UTC), "utc", _join(note, why)))
            continue
        extraction.times.append(TimeCandidate(source, value, "local", _join(note, why)))
        if found.tzon_min is not None:
            zoned = value.replace(tzinfo=timezone(timedelta(minutes=found.tzon_min)))
            extraction.times.append(TimeCandidate(f"{source}+gpmf.tzon", zoned, "offset",
                                                  f"camera-local time with GPMF TZON {found.tzon_min} min"))


def _times(found: _Found, extraction: Extraction) -> None:
    """Zone-aware text times (Keys, ©day, 3GPP date, XMP) and the GoPro GPS start; tags for probe."""
    texts = [("mp4.keys.creationdate", found.keys.get("com.apple.quicktime.creationdate")),
             ("mp4.udta.day", found.udta.get("day")), ("mp4.udta.date", found.udta.get("date"))]
    texts += [("xmp.createdate", _xmp_value(xmp, "xmp", "CreateDate")) for xmp in found.xmp]
    for source, text in texts:
        parsed = parse_date(text) if text else None
        if text:
            extraction.tags.setdefault(source, text)
        if parsed is not None:
            extraction.times.append(TimeCandidate(source, parsed[0], parsed[1], f"raw {text!r}"))
    gps = gpmf.start_candidate(extraction.track)
    if gps is not None:
        extraction.times.append(gps)
    for key, value in found.keys.items():
        extraction.tags[f"mp4.keys.{_short_key(key)}"] = value
    for key, value in found.udta.items():
        extraction.tags[f"mp4.udta.{key}"] = value


def _is_phone(keys: dict[str, str]) -> bool:
    """Whether Keys show a phone's camera app as the writer (which stamps mvhd in UTC)."""
    return any(key in _PHONE_KEYS or key.startswith("com.android.") for key in keys)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _short_key(key: str) -> str:
    for prefix in _KEY_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


#: Canon's box in `moov` of CR3/CRM files: CNCV, CCTP, CTBO, then CMT1 (IFD0), CMT2 (Exif IFD), CMT3 (maker note)
#: and CMT4 (GPS IFD), each a TIFF block (ExifTool Canon.pm `uuid` table).
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_CMT_TAGS = {b"CMT1": ((0x010F, "make"), (0x0110, "model"), (0x0131, "firmware")), b"CMT2": ((0xA431, "serial"),)}


def _canon_cmt(reader: Reader, moov_boxes: list[Box], extraction: Extraction) -> None:
    """Make, model and software from a Canon CR3's CMT1 (IFD0) and the body serial from its CMT2 (Exif IFD)."""
    uuid = next((b for b in moov_boxes if b.type == b"uuid" and b.payload_size > 16
                 and reader.read(b.payload, 16) == CANON_UUID), None)
    if uuid is None:
        return
    values: dict[str, str] = {}
    try:
        for box in iter_boxes(reader, uuid.payload + 16, uuid.end):
            tags = _CMT_TAGS.get(box.type)
            if tags:
                texts = makernotes.ifd0_texts(_read(reader, box), tuple(tag for tag, _ in tags))
                values.update((name, texts[tag]) for tag, name in tags if tag in texts)
    except ExtractError as exc:
        extraction.warnings.append(f"Canon CMT boxes: {exc}")
    for name, value in values.items():
        extraction.tags[f"cr3.{name}"] = value
    extraction.identity = extraction.identity.merged(Identity(**values))


def _identity(found: _Found, extraction: Extraction) -> None:
    keys, udta = found.keys, found.udta
    phone = _is_phone(keys)
    software = keys.get("com.apple.quicktime.software") or udta.get("swr")
    ident = Identity(
        make=keys.get("com.apple.quicktime.make") or keys.get("com.android.manufacturer") or udta.get("mak")
        or udta.get("pentax.make") or ("GoPro" if found.gopro else None),
        model=keys.get("com.apple.quicktime.model") or keys.get("com.android.model") or udta.get("mod"),
        firmware=None if phone else (udta.get("FIRM") or software),
    )
    extraction.identity = extraction.identity.merged(ident)


def _location(found: _Found, extraction: Extraction) -> None:
    for source, text in (("mp4.keys.location.ISO6709", found.keys.get("com.apple.quicktime.location.ISO6709")),
                         ("mp4.udta.xyz", found.udta.get("xyz"))):
        point = parse_iso6709(text) if text else None
        if point is not None:
            extraction.location = GpsFix(point[0], point[1], alt_m=point[2], source=source)
            return
    if found.loci is not None:
        lat, lon, alt = found.loci
        extraction.location = GpsFix(lat, lon, alt_m=alt, source="mp4.udta.loci")
        return
    for xmp in found.xmp:
        point = _xmp_gps(xmp)
        if point is not None:
            extraction.location = GpsFix(point[0], point[1], alt_m=point[2], source="xmp.gps")
            return


def _xmp_root(xmp: str) -> Element | None:
    start, end = xmp.find("<x:xmpmeta"), xmp.rfind("</x:xmpmeta>")
    text = xmp[start : end + len("</x:xmpmeta>")] if start >= 0 and end > start else xmp
    try:
        return ElementTree.fromstring(text.encode("utf-8"))
    except Exception:  # noqa: BLE001 - defusedxml raises several kinds for hostile or broken XML
        return None


def _xmp_value(xmp: str, prefix: str, name: str) -> str | None:
    """One XMP property, as an attribute of rdf:Description or as an element."""
    root = _xmp_root(xmp)
    if root is None:
        return None
    qualified = f"{{{_NS[prefix]}}}{name}"
    for description in root.iter(f"{{{_NS['rdf']}}}Description"):
        if qualified in description.attrib:
            return description.attrib[qualified].strip()
        element = description.find(qualified)
        if element is not None and element.text:
            return element.text.strip()
    return None


def _xmp_gps(xmp: str) -> tuple[float, float, float | None] | None:
    lat, lon = _xmp_coordinate(_xmp_value(xmp, "exif", "GPSLatitude")), _xmp_coordinate(
        _xmp_value(xmp, "exif", "GPSLongitude"))
    if lat is None or lon is None:
        return None
    alt_text = _xmp_value(xmp, "exif", "GPSAltitude")
    alt = None
    if alt_text:
        num, _, den = alt_text.partition("/")
        try:
            alt = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            alt = None
        if alt is not None and _xmp_value(xmp, "exif", "GPSAltitudeRef") == "1":
            alt = -alt
    return lat, lon, alt


def _xmp_coordinate(text: str | None) -> float | None:
    """XMP GPS coordinate `DDD,MM.mmk` or `DDD,MM,SSk` (k = N/S/E/W) in signed degrees."""
    match = re.fullmatch(r"(\d+),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?([NSEW])", text or "")
    if match is None:
        return None
    degrees, minutes, seconds, ref = match.groups()
    value = int(degrees) + float(minutes) / 60 + float(seconds or 0) / 3600
    return -value if ref in "SW" else value
