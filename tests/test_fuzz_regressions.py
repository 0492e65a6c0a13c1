"""One test per crash `scripts/fuzz.py` found (issue 9): each input is rebuilt here from the format's spec with the
exact field the fuzzer mutated, and goes through a real scan, which must store the file (with a warning) instead of
failing on it."""

from __future__ import annotations

import json
import struct
import sys
from datetime import datetime
from pathlib import Path

from bodycam_index import db as store
from bodycam_index.scan import scan_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from mp4_writer import box, full_box

EPOCH_1904 = datetime(1904, 1, 1)
T2019 = int((datetime(2019, 7, 24, 8, 25, 57) - EPOCH_1904).total_seconds())


def _scan_one(tmp_path: Path, name: str, data: bytes) -> dict[str, object]:
    """Scan a folder holding only `data` as `name`; the footage row (the scan must not raise)."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / name).write_bytes(data)
    db = store.connect(tmp_path / "index.db")
    summary = scan_paths(db, [folder])
    rows = list(db.query("SELECT * FROM footage"))
    assert summary.new == 1 and len(rows) == 1
    return rows[0]


def _count_calls(monkeypatch, owner: object, name: str) -> list[int]:
    """Replace `owner.name` with a wrapper that counts its calls; the count is the returned list's one item."""
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _fixed_16_16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _movie_with_loci(lat: float, lon: float) -> bytes:
    """ftyp + moov: mvhd v0 (2019-07-24, 10 s) and udta/loci (3GPP TS 26.244 §8.3: language, name, role, then
    longitude, latitude and altitude as signed 16.16 fixed point, body and notes strings)."""
    mvhd = full_box(b"mvhd", 0, 0, struct.pack(">IIII", T2019, T2019, 1000, 10_000), b"\x00" * 80)
    loci = full_box(b"loci", 0, 0, b"\x15\xc7", b"\x00", b"\x00", _fixed_16_16(lon), _fixed_16_16(lat),
                    _fixed_16_16(24931.42), b"earth\x00", b"\x00")
    return box(b"ftyp", b"mp42", b"\x00\x00\x00\x00") + box(b"moov", mvhd, box(b"udta", loci))


def test_synthetic_loci_position_off_the_earth_is_dropped_not_a_crash(tmp_path: Path) -> None:
    """Fuzz crash mp4-1: a `loci` longitude of 18501.32° reached the zone lookup (timezonefinder's ValueError)."""
    row = _scan_one(tmp_path, "CLIP0001.MP4", _movie_with_loci(14624.259460449219, 18501.321517944336))
    assert row["status"] == "partial" and row["error"] is None
    assert row["lat"] is None and row["lon"] is None
    assert row["start_utc"] == "2019-07-24T08:25:57.000000Z" and row["duration_s"] == 10.0
    assert any("mp4.udta.loci" in w for w in json.loads(row["warnings"]))


def test_synthetic_loci_position_on_the_earth_is_kept(tmp_path: Path) -> None:
    """The same file with a real position (Chicago) keeps it: the bound drops only impossible coordinates."""
    row = _scan_one(tmp_path, "CLIP0001.MP4", _movie_with_loci(41.88, -87.63))
    assert row["status"] == "ok" and abs(row["lat"] - 41.88) < 1e-4 and abs(row["lon"] + 87.63) < 1e-4


def _dji_srt(timing: str, date: str) -> bytes:
    """One DJI SRT cue (index, `hh:mm:ss,mmm --> …` timing, then the camera's payload: frame count, local date
    and position), as the DJI drones in the corpus write it."""
    return (f"1\n{timing}\n<font size=\"28\">FrameCnt: 1, DiffTime: 33ms\n{date}\n"
            "[iso: 100] [latitude: 41.880000] [longitude: -87.630000] [rel_alt: 1.0 abs_alt: 180.0] </font>\n\n"
            ).encode()


def test_synthetic_srt_cue_hours_beyond_any_date_keep_the_track(tmp_path: Path) -> None:
    """Fuzz crash sidecar-1: cue hours of 2^62 (the semantic mutator's extreme) overflowed the start-time
    arithmetic (OverflowError from timedelta)."""
    srt = _dji_srt("4611686018427387904:00:00,000 --> 00:00:00,033", "2024-03-01 14:30:00,000,000")
    row = _scan_one(tmp_path, "DJI_0001.SRT", srt)
    assert row["status"] == "partial" and row["error"] is None
    assert abs(row["lat"] - 41.88) < 1e-6 and abs(row["lon"] + 87.63) < 1e-6
    assert any("out of range" in w for w in json.loads(row["warnings"]))


def test_synthetic_srt_cue_before_year_one_is_a_warning(tmp_path: Path) -> None:
    """Fuzz crash sidecar-2: a first cue dated 0001-01-01 00:00:00 at 1 s into the clip starts before the first
    date a datetime can hold (OverflowError 'date value out of range')."""
    row = _scan_one(tmp_path, "DJI_0001.SRT",
                    _dji_srt("00:00:01,000 --> 00:00:01,033", "0001-01-01 00:00:00,000,000"))
    assert row["status"] == "partial" and row["error"] is None
    assert row["time_source"] != "srt.dji" and abs(row["lat"] - 41.88) < 1e-6


def test_synthetic_watchguard_cue_hours_beyond_any_date_keep_the_track(tmp_path: Path) -> None:
    """Fuzz crash sidecar-3: a WatchGuard VTT cue starting at 10^18 hours overflowed `DataPoints[0].Time` minus
    the cue start (OverflowError from timedelta). Pair as formats.md §4 describes: JSON DataPoints, WebVTT cues
    whose bodies are JSON with gpsCoordinates and officer."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "clip_0001.json").write_text('{"DataPoints": [{"Time": "2024-03-01T14:30:00.250000Z"}]}')
    (folder / "clip_0001.vtt").write_text(
        "WEBVTT\n\n999999999999999999:00:00.000 --> 00:00:01.000\n"
        '{"gpsCoordinates":"N41.880000 W87.630000","officer":"A. Officer"}\n')
    db = store.connect(tmp_path / "index.db")
    summary = scan_paths(db, [folder])
    rows = list(db.query("SELECT * FROM footage"))
    assert summary.failed == 0 and rows and all(r["error"] is None for r in rows)
    assert all(r["officer"] == "A. Officer" and abs(r["lat"] - 41.88) < 1e-6 for r in rows)
    assert all(any("out of range" in w for w in json.loads(r["warnings"])) for r in rows)


def _ifd(entries: list[tuple[int, int, int, bytes]], at: int, next_ifd: int = 0) -> tuple[bytes, bytes]:
    """A little-endian TIFF IFD at offset `at` (TIFF 6.0 §2: count, 12-byte entries tag/type/count/value-or-offset,
    next-IFD offset) and its value area right after it. Entries are (tag, type, count, value bytes)."""
    area_at = at + 2 + 12 * len(entries) + 4
    table, area = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, area_at + len(area))
            area += value + b"\x00" * (len(value) % 2)
    return table + struct.pack("<I", next_ifd), area


def _rationals(*values: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<II", num, den) for num, den in values)


def _exif_jpeg(thumbnail_entries: int) -> bytes:
    """A JPEG whose APP1 EXIF block (CIPA DC-008: IFD0 Make, Exif IFD DateTimeOriginal and OffsetTimeOriginal,
    GPS IFD latitude/longitude) ends with an IFD1 of `thumbnail_entries` SHORT entries of 999 values each, the
    inflated counts the fuzzer makes (exifread unpacks up to 999 values per entry, one read each)."""
    make, when, offset = b"Axon\x00", b"2024:03:01 14:30:00\x00", b"-06:00\x00"
    ifd0_at, exif_at, gps_at, ifd1_at = 8, 128, 256, 384
    ifd0 = _ifd([(0x010F, 2, len(make), make), (0x8769, 4, 1, struct.pack("<I", exif_at)),
                 (0x8825, 4, 1, struct.pack("<I", gps_at))], ifd0_at, ifd1_at)
    exif = _ifd([(0x9003, 2, len(when), when), (0x9011, 2, len(offset), offset)], exif_at)
    gps = _ifd([(1, 2, 2, b"N\x00"), (2, 5, 3, _rationals((41, 1), (52, 1), (4800, 100))),
                (3, 2, 2, b"W\x00"), (4, 5, 3, _rationals((87, 1), (37, 1), (4800, 100)))], gps_at)
    ifd1 = _ifd([(0x0100 + i, 3, 999, struct.pack("<I", 8)) for i in range(thumbnail_entries)], ifd1_at)
    tiff = b"II*\x00" + struct.pack("<I", ifd0_at)
    for at, (table, area) in ((ifd0_at, ifd0), (exif_at, exif), (gps_at, gps), (ifd1_at, ifd1)):
        assert len(tiff) <= at
        tiff = tiff.ljust(at, b"\x00") + table + area
    app1 = b"Exif\x00\x00" + tiff
    return b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", 2 + len(app1)) + app1 + b"\xff\xd9"


def test_synthetic_jpeg_inflated_ifd_counts_cost_exifread_nothing(tmp_path: Path, monkeypatch) -> None:
    """JPEG fuzzing ran at 27 exec/s: exifread unpacked every value of entries whose counts a mutation inflated
    (~50 ms a 16 KiB file). exifread now sees only the entries read: the thumbnail IFD's 1,500 entries of 999 values
    (1.5 million reads before) are not walked, and the make, the zoned time and the position still come through."""
    from exifread.core.exif_header import ExifHeader

    reads = _count_calls(monkeypatch, ExifHeader, "s2n")
    row = _scan_one(tmp_path, "IMG_0001.JPG", _exif_jpeg(1500))
    assert reads[0] < 100
    assert row["error"] is None and row["make"] == "Axon"
    assert row["start_utc"] == "2024-03-01T20:30:00.000000Z" and row["zone_kind"] == "offset"
    assert abs(row["lat"] - (41 + 52 / 60 + 48 / 3600)) < 1e-6 and abs(row["lon"] + (87 + 37 / 60 + 48 / 3600)) < 1e-6


def test_synthetic_heif_iloc_extents_without_fields_are_not_walked_one_by_one(tmp_path: Path, monkeypatch) -> None:
    """Fuzz slow unit heif-1 (3,625 bytes, 5.7 s of CPU): an `iloc` whose offset, length and index sizes are all 0
    (ISO/IEC 14496-12 §8.11.3: the fields are then absent) gave each item 65,535 extents of no bytes, walked one by
    one. Such extents are all the same, so one is read: the file is an error row at once."""
    from bodycam_index.extract import heif

    calls = _count_calls(monkeypatch, heif, "_uint")
    infe = full_box(b"infe", 2, 0, struct.pack(">HH", 1, 0), b"Exif", b"\x00")
    iinf = full_box(b"iinf", 0, 0, struct.pack(">H", 1), infe)
    items = struct.pack(">H", 30) + b"".join(struct.pack(">HHHH", i + 1, 0, 0, 0xFFFF) for i in range(30))
    iloc = full_box(b"iloc", 1, 0, b"\x00\x00", items)  # v1: offset/length/base/index sizes all 0
    meta = full_box(b"meta", 0, 0, full_box(b"hdlr", 0, 0, b"\x00" * 4, b"pict", b"\x00" * 13), iinf, iloc)
    row = _scan_one(tmp_path, "IMG_0001.HEIC", box(b"ftyp", b"heic", b"\x00\x00\x00\x00", b"mif1heic") + meta)
    assert row["status"] == "error" and row["error"].startswith("HEIF")
    assert calls[0] < 200  # 30 items × (1 extent of 3 fields + 2); 30 × 65,535 × 3 before


def test_synthetic_uniform_sample_size_claiming_millions_of_samples_lists_only_what_the_file_holds(
        tmp_path: Path, monkeypatch) -> None:
    """Fuzz slow unit mp4-2 (5,900 bytes, over 10 s): a GoPro metadata track whose `stsz` gives one size for all
    (ISO/IEC 14496-12 §8.7.3: sample_size non-zero, no table) and a count of 8 million listed 8 million samples
    before the GPMF reader took its first 100,000. Samples that would lie past the end of the file cannot be read,
    so no more are listed than the file's size allows."""
    from bodycam_index.extract import boxes

    made = _count_calls(monkeypatch, boxes, "Sample")
    count = 8_000_000
    mvhd = full_box(b"mvhd", 0, 0, struct.pack(">IIII", T2019, T2019, 1000, 10_000), b"\x00" * 80)
    tkhd = full_box(b"tkhd", 0, 7, struct.pack(">IIIII", T2019, T2019, 1, 0, count), b"\x00" * 60)
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", T2019, T2019, 1000, count, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, b"\x00" * 4, b"meta", b"\x00" * 12, b"GoPro MET\x00")
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1), box(b"gpmd", b"\x00" * 6, struct.pack(">HI", 1, 0)))
    stbl = box(b"stbl", stsd, full_box(b"stts", 0, 0, struct.pack(">III", 1, count, 1)),
               full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
               full_box(b"stsz", 0, 0, struct.pack(">II", 1, count)), full_box(b"stco", 0, 0, struct.pack(">II", 1, 0)))
    trak = box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, box(b"minf", full_box(b"nmhd", 0, 0), stbl)))
    data = box(b"ftyp", b"mp42", b"\x00\x00\x00\x00") + box(b"moov", mvhd, trak)
    row = _scan_one(tmp_path, "GX010001.MP4", data)
    assert made[0] <= len(data)
    assert row["start_utc"] == "2019-07-24T08:25:57.000000Z" and row["duration_s"] == 10.0
