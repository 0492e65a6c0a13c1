"""Write small, valid MP4 files with chosen metadata, built from the ISO-BMFF and GPMF specifications.

Used to generate `sample_media/` and test scenarios: an `mvhd` with a chosen creation time and duration, optional
QuickTime Keys (creation date, ISO 6709 location, make, model), a `udta/©xyz` location, and a GoPro-style `gpmd`
metadata track whose samples are GPMF payloads (DEVC/STRM with GPSF, GPSU, SCAL and GPS5), one per second.
No video is encoded: the files hold only the boxes a metadata reader looks at, and a small `mdat`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
TIMESCALE = 1000


@dataclass
class Fix:
    """One GPS fix to write into the GPMF track."""

    t_utc: datetime
    lat: float
    lon: float
    alt_m: float = 0.0


@dataclass
class Recording:
    """What to write. `creation` is written as the mvhd wall-clock value exactly as given (naive = as is)."""

    duration_s: float
    creation: datetime | None = None
    keys: dict[str, str] = field(default_factory=dict)
    xyz: str | None = None
    fixes: Sequence[Fix] = ()
    gpmf_device: dict[str, str] = field(default_factory=dict)  # e.g. {"MINF": "HERO9 Black", "CASN": "C1234"}
    gps_lock: bool = True
    padding: int = 0  # bytes of stand-in media data after the GPMF payloads, to make files of realistic size
    video_frames: int = 0  # > 0: a video track whose samples (one per chunk) are the padding, as cameras index it


def box(kind: bytes, *parts: bytes) -> bytes:
    """One box: size, type and payload."""
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    """A FullBox: version and flags before the payload."""
    return box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def klv(key: bytes, type_char: bytes, struct_size: int, data: bytes) -> bytes:
    """One GPMF KLV item, padded to a multiple of 4 bytes."""
    repeat = len(data) // struct_size if struct_size else 0
    padded = data + b"\x00" * (-len(data) % 4)
    return key + type_char + bytes([struct_size]) + struct.pack(">H", repeat) + padded


def nest(key: bytes, *items: bytes) -> bytes:
    """A GPMF container (type 0) holding other KLV items."""
    body = b"".join(items)
    return key + b"\x00" + b"\x04" + struct.pack(">H", len(body) // 4) + body


def _mp4_seconds(value: datetime | None) -> int:
    if value is None:
        return 0
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # wall clock written as is
    return int((aware - EPOCH_1904).total_seconds())


def _gpmf_payload(fixes: Sequence[Fix], lock: bool) -> bytes:
    first = fixes[0].t_utc.astimezone(UTC)
    gpsu = first.strftime("%y%m%d%H%M%S.") + f"{first.microsecond // 1000:03d}"
    scal = struct.pack(">5i", 10_000_000, 10_000_000, 1000, 1000, 100)
    gps5 = b"".join(struct.pack(">5i", round(f.lat * 1e7), round(f.lon * 1e7), round(f.alt_m * 1000), 0, 0)
                    for f in fixes)
    stream = nest(b"STRM",
                  klv(b"STNM", b"c", 1, b"GPS (Lat., Long., Alt., 2D speed, 3D speed)"),
                  klv(b"GPSF", b"L", 4, struct.pack(">I", 3 if lock else 0)),
                  klv(b"GPSU", b"U", 16, gpsu.encode()),
                  klv(b"GPSP", b"S", 2, struct.pack(">H", 150 if lock else 9999)),
                  klv(b"SCAL", b"l", 4, scal),
                  klv(b"GPS5", b"l", 20, gps5))
    return nest(b"DEVC", klv(b"DVID", b"L", 4, struct.pack(">I", 1)), klv(b"DVNM", b"c", 1, b"Camera"), stream)


def _keys_meta(keys: dict[str, str]) -> bytes:
    hdlr = full_box(b"hdlr", 0, 0, b"\x00" * 4, b"mdta", b"\x00" * 12, b"\x00")
    key_entries = b"".join(struct.pack(">I", 8 + len(k.encode())) + b"mdta" + k.encode() for k in keys)
    keys_box = full_box(b"keys", 0, 0, struct.pack(">I", len(keys)), key_entries)
    items = b"".join(box(struct.pack(">I", i), box(b"data", struct.pack(">II", 1, 0), v.encode()))
                     for i, v in enumerate(keys.values(), start=1))
    return box(b"meta", hdlr, keys_box, box(b"ilst", items))  # QuickTime style: no FullBox header


def _udta(rec: Recording) -> bytes:
    parts = []
    if rec.xyz:
        text = rec.xyz.encode()
        parts.append(box(b"\xa9xyz", struct.pack(">HH", len(text), 0x15C7), text))
    if rec.gpmf_device:
        parts.append(box(b"GPMF", *(klv(k.encode(), b"c", 1, v.encode()) for k, v in rec.gpmf_device.items())))
    return box(b"udta", *parts) if parts else b""


def _gpmd_track(created: int, sample_sizes: list[int], first_offset: int) -> bytes:
    """A GoPro-style metadata track: one GPMF payload per second of GPS."""
    count = len(sample_sizes)
    duration = count * TIMESCALE
    tkhd = full_box(b"tkhd", 0, 7, struct.pack(">IIIII", created, created, 1, 0, duration), b"\x00" * 60)
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", created, created, TIMESCALE, duration, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, b"\x00" * 4, b"meta", b"\x00" * 12, b"GoPro MET\x00")
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), box(b"gpmd", b"\x00" * 6, struct.pack(">HI", 1, 0)))
    stts = full_box(b"stts", 0, 0, struct.pack(">III", 1, count, TIMESCALE))
    stsc = full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1))
    stsz = full_box(b"stsz", 0, 0, struct.pack(">II", 0, count), *(struct.pack(">I", s) for s in sample_sizes))
    offsets, pos = [], first_offset
    for size in sample_sizes:
        offsets.append(pos)
        pos += size
    stco = full_box(b"stco", 0, 0, struct.pack(">I", count), *(struct.pack(">I", o) for o in offsets))
    stbl = box(b"stbl", stsd, stts, stsc, stsz, stco)
    minf = box(b"minf", full_box(b"nmhd", 0, 0), stbl)
    return box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))


def _video_track(created: int, duration: int, sizes: list[int], first_offset: int) -> bytes:
    """A video track (handler `vide`, format `avc1`) whose samples, one per chunk, follow each other from
    `first_offset`: only the sample tables, no coded pictures."""
    count = len(sizes)
    tkhd = full_box(b"tkhd", 0, 3, struct.pack(">IIIII", created, created, 2, 0, duration), b"\x00" * 60)
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", created, created, TIMESCALE, duration, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, b"\x00" * 4, b"vide", b"\x00" * 12, b"VideoHandler\x00")
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), box(b"avc1", b"\x00" * 6, struct.pack(">H", 1), b"\x00" * 70))
    stts = full_box(b"stts", 0, 0, struct.pack(">III", 1, count, max(1, duration // max(count, 1))))
    stsc = full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, 1, 1))
    stsz = full_box(b"stsz", 0, 0, struct.pack(f">II{count}I", 0, count, *sizes))
    offsets, pos = [], first_offset
    for size in sizes:
        offsets.append(pos)
        pos += size
    stco = full_box(b"stco", 0, 0, struct.pack(f">I{count}I", count, *offsets))
    minf = box(b"minf", full_box(b"vmhd", 0, 1, b"\x00" * 8), box(b"stbl", stsd, stts, stsc, stsz, stco))
    return box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))


def build_mp4(rec: Recording) -> bytes:
    """The bytes of an MP4 holding `rec`'s metadata (moov after mdat, as cameras write it)."""
    ftyp = box(b"ftyp", b"mp41", struct.pack(">I", 0), b"mp41isom")
    payloads: list[bytes] = []
    if rec.fixes:
        start = rec.fixes[0].t_utc
        seconds = max(1, int((rec.fixes[-1].t_utc - start).total_seconds()) + 1)
        for second in range(seconds):
            lo, hi = start + timedelta(seconds=second), start + timedelta(seconds=second + 1)
            chunk = [f for f in rec.fixes if lo <= f.t_utc < hi]
            if chunk:
                payloads.append(_gpmf_payload(chunk, rec.gps_lock))
    mdat_body = (b"".join(payloads) or b"\x00" * 16) + b"\x00" * rec.padding
    mdat_offset = len(ftyp) + 8
    created = _mp4_seconds(rec.creation)
    duration = round(rec.duration_s * TIMESCALE)
    mvhd = full_box(b"mvhd", 0, 0, struct.pack(">IIII", created, created, TIMESCALE, duration),
                    struct.pack(">IH", 0x00010000, 0x0100), b"\x00" * 10,
                    struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000), b"\x00" * 24,
                    struct.pack(">I", 2))
    parts = [mvhd]
    if rec.video_frames and rec.padding >= rec.video_frames:
        each, rest = divmod(rec.padding, rec.video_frames)
        sizes = [each] * (rec.video_frames - 1) + [each + rest]
        parts.append(_video_track(created, duration, sizes, mdat_offset + len(mdat_body) - rec.padding))
    if payloads:
        parts.append(_gpmd_track(created, [len(p) for p in payloads], mdat_offset))
    parts.append(_udta(rec))
    if rec.keys:
        parts.append(_keys_meta(rec.keys))
    return ftyp + box(b"mdat", mdat_body) + box(b"moov", *parts)


def write_mp4(path: Path, rec: Recording) -> Path:
    """Write `rec` as an MP4 file at `path` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_mp4(rec))
    return path
