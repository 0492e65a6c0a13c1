"""The scan's per-file error boundary and its transactions: hostile dates and durations, and interrupted writes."""

from __future__ import annotations

import sqlite3
import struct
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bodycam_index import db as store
from bodycam_index import scan
from bodycam_index.scan import scan_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import make_sample_media
from mp4_writer import Recording, box, build_mp4, full_box

EPOCH_1904 = datetime(1904, 1, 1)
T2019 = int((datetime(2019, 7, 24, 8, 25, 57) - EPOCH_1904).total_seconds())


def mvhd_v1_movie(creation: int, timescale: int, duration: int, brand: bytes = b"isom") -> bytes:
    """ftyp + moov with a version-1 mvhd (64-bit times and duration, ISO 14496-12 §8.2.2)."""
    mvhd = full_box(b"mvhd", 1, 0, struct.pack(">QQIQ", creation, creation, timescale, duration), b"\x00" * 80)
    return box(b"ftyp", brand, b"\x00\x00\x02\x00") + box(b"moov", mvhd)


def ebml(eid: int, body: bytes) -> bytes:
    """One EBML element with an 8-byte size."""
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + (0x01 << 56 | len(body)).to_bytes(8, "big") + body


def mkv_with_duration(duration: float) -> bytes:
    """EBML header and a Segment (unknown size) whose Info has TimecodeScale 1 ms and the given Duration."""
    info = ebml(0x1549A966, ebml(0x2AD7B1, (1_000_000).to_bytes(8, "big")) + ebml(0x4489, struct.pack(">d", duration)))
    header = ebml(0x1A45DFA3, ebml(0x4282, b"matroska") + ebml(0x4287, (4).to_bytes(8, "big")))
    return header + b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + info


def riff_chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def avi_with_strh(scale: int, rate: int, length: int) -> bytes:
    """An AVI whose video `strh` gives duration length × scale / rate, and an IDIT date."""
    avih = struct.pack("<14I", 33366, 0, 0, 0x10, 400, 0, 1, 0, 640, 480, 0, 0, 0, 0)
    strh = struct.pack("<4s4sIHHIIIIIIIIhhhh", b"vids", b"MJPG", 0, 0, 0, 0, scale, rate, 0, length, 0, 0, 0, 0, 0,
                       0, 0)
    strl = riff_chunk(b"LIST", b"strl" + riff_chunk(b"strh", strh))
    hdrl = riff_chunk(b"LIST", b"hdrl" + riff_chunk(b"avih", avih) + strl
                      + riff_chunk(b"IDIT", b"2009/10/27 12:14:34\x00"))
    movi = riff_chunk(b"LIST", b"movi" + riff_chunk(b"00dc", b"\xff" * 50))
    return riff_chunk(b"RIFF", b"AVI " + hdrl + movi)


@pytest.fixture
def poison(tmp_path: Path) -> Path:
    """Hand-made files whose dates or durations no datetime can hold, beside one good file."""
    folder = tmp_path / "poison"
    folder.mkdir()
    (folder / "a_huge_mvhd.mp4").write_bytes(mvhd_v1_movie(T2019, 1, 2**62))
    year_9999 = int((datetime(9999, 12, 31, 23) - EPOCH_1904).total_seconds())
    (folder / "b_mvhd_9999.mov").write_bytes(mvhd_v1_movie(year_9999, 600, 600, brand=b"qt  "))
    keys = "com.apple.quicktime.creationdate"
    (folder / "c_keys_0001.mov").write_bytes(build_mp4(Recording(5.0, keys={keys: "0001-01-01T00:00:00+05:00"})))
    (folder / "d_keys_9999.mov").write_bytes(build_mp4(Recording(5.0, keys={keys: "9999-12-31T23:30:00-05:00"})))
    (folder / "e_huge.mkv").write_bytes(mkv_with_duration(1e300))
    (folder / "f_huge.avi").write_bytes(avi_with_strh(2**32 - 1, 1, 2**32 - 1))
    (folder / "g_good.mov").write_bytes(build_mp4(Recording(5.0, keys={keys: "2024-03-01T11:02:10-08:00"})))
    return folder


def test_synthetic_out_of_range_dates_and_durations_never_stop_a_scan(poison: Path, tmp_path: Path) -> None:
    db = store.connect(tmp_path / "index.db")
    summary = scan_paths(db, [poison], tz="America/New_York", jobs=1)
    assert (summary.new, summary.failed, summary.interrupted) == (7, 0, False)
    rows = {Path(r["path"]).name: r for r in db.query("SELECT * FROM footage")}
    huge = rows["a_huge_mvhd.mp4"]                       # mvhd creation kept, the 2^62 s duration dropped
    assert huge["status"] == "partial" and huge["duration_s"] is None and huge["end_utc"] is None
    assert huge["start_utc"] == "2019-07-24T12:25:57.000000Z"   # 08:25:57 EDT placed with --tz
    assert "duration" in huge["warnings"] and "out of range" in huge["warnings"]
    for name in ("b_mvhd_9999.mov", "c_keys_0001.mov", "d_keys_9999.mov"):
        row = rows[name]
        assert row["status"] == "partial" and row["time_source"] == "fs.mtime", name
        assert "out of range" in row["warnings"], name
    assert rows["c_keys_0001.mov"]["duration_s"] == 5.0
    mkv = rows["e_huge.mkv"]
    assert mkv["status"] == "partial" and mkv["duration_s"] is None and mkv["container"] == "matroska"
    avi = rows["f_huge.avi"]
    assert avi["duration_s"] is None and avi["start_utc"] == "2009-10-27T16:14:34.000000Z"  # IDIT kept, EDT
    good = rows["g_good.mov"]
    assert good["status"] == "ok" and good["start_utc"] == "2024-03-01T19:02:10.000000Z"
    # the dropped candidates are not stored; every stored candidate converts
    values = [r[0] for r in db.execute("SELECT value FROM time_candidates")]
    assert values and not any(v.startswith(("0001", "9999")) for v in values)
    again = scan_paths(db, [poison], tz="America/New_York", jobs=1)
    assert (again.new, again.unchanged, again.failed) == (0, 7, 0)


def test_synthetic_poison_files_with_workers(poison: Path, tmp_path: Path) -> None:
    summary = scan_paths(store.connect(tmp_path / "index.db"), [poison], jobs=2)
    assert (summary.new, summary.failed, summary.interrupted) == (7, 0, False)


def test_any_failure_after_extraction_becomes_the_files_error_row(poison: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def exploding_resolve(*args: object) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(scan.recording, "resolve", exploding_resolve)
    db = store.connect(tmp_path / "index.db")
    summary = scan_paths(db, [poison], jobs=1)
    assert (summary.new, summary.failed) == (7, 7)
    errors = {r["error"] for r in db.query("SELECT error FROM footage")}
    assert errors == {"cannot resolve the times (OverflowError: date value out of range)"}
    assert db.execute("SELECT COUNT(*) FROM time_candidates").fetchone()[0] == 0


def test_error_messages_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def huge_error(*args: object) -> None:
        raise ValueError("x" * 10_000_000)

    (tmp_path / "a.mp4").write_bytes(b"\x00" * 64)
    monkeypatch.setattr(scan.recording, "extract", huge_error)
    summary = scan_paths(store.connect(tmp_path / "index.db"), [tmp_path / "a.mp4"], jobs=1)
    assert len(summary.failures[0][1]) == scan.MAX_ERROR_CHARS


def _counts(path: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(path) as conn:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[return-value]
                     for t in ("footage", "time_candidates", "gps_fixes", "footage_hints"))


def test_a_footage_row_is_never_visible_without_its_children(tmp_path: Path) -> None:
    """Abort the store of a GoPro clip (candidates, 90 fixes, hints) after every n SQLite VM steps: each time
    either nothing of it is stored or all of it is, and the next scan completes it."""
    make_sample_media.write_media(tmp_path / "batch")
    clip = tmp_path / "batch" / "unit-3B12" / "2024-000451" / "GX010042.MP4"
    reference = tmp_path / "reference.db"
    scan_paths(store.connect(reference), [clip], jobs=1)
    full = _counts(reference)
    assert full[0] == 1 and all(full[1:])
    result = scan.process(scan.Job(clip), scan.ScanOptions())
    steps, outcomes = 1, set()
    while True:
        path = tmp_path / f"try{steps}.db"
        db = store.connect(path)
        scan_id = int(db.table("scans").insert({"started_utc": store.now_utc(), "roots": "[]"}).last_pk)
        left = [steps]

        def abort(left: list[int] = left) -> int:
            left[0] -= 1
            return int(left[0] <= 0)

        db.conn.set_progress_handler(abort, 1)
        try:
            scan.Scanner(db, scan.ScanOptions()).store(result, scan_id)
            done = True
        except sqlite3.OperationalError:
            done = False
        db.conn.set_progress_handler(None, 0)
        db.conn.close()
        counts = _counts(path)
        assert counts in ((0, 0, 0, 0), full), counts
        outcomes.add(counts[0])
        if done:
            break
        steps = steps * 2 if steps < 64 else steps + 211
    assert outcomes == {0, 1} and steps > 100
    resumed = scan_paths(store.connect(tmp_path / f"try{steps // 2}.db"), [clip], jobs=1)
    assert resumed.new == 1
