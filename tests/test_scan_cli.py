"""End to end: scan the generated sample media, rescan, a moved file, a corrupt file, probe."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bodycam_index import db as store
from bodycam_index import scan
from bodycam_index.cli import main
from bodycam_index.scan import scan_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import make_sample_media


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    make_sample_media.write_media(tmp_path / "batch")
    return tmp_path / "batch"


def _scan(db: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["--db", str(db), "scan", "--json", "--jobs", "1", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_scan_indexes_every_file_and_records_the_damaged_one(batch: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "index.db"
    before = {p: p.stat().st_mtime_ns for p in batch.rglob("*") if p.is_file()}
    summary = _scan(db_file, str(batch), "--tz", "America/Los_Angeles")
    assert (summary["new"], summary["failed"], summary["unchanged"]) == (4, 1, 0)
    assert summary["failures"][0][0].endswith("2024_0301_090000_0006F.MP4")

    db = store.connect(db_file)
    rows = {Path(r["path"]).name: r for r in db.query("SELECT * FROM footage")}
    body = rows["GX010042.MP4"]
    assert body["status"] == "ok"
    assert body["start_utc"] == "2024-03-01T18:14:02.000000Z"        # from the GPS fixes
    assert body["time_source"] == "gpmf.gpsu" and body["zone_kind"] == "utc"
    assert body["drift_s"] == pytest.approx(18, abs=0.01)               # camera clock 18 s fast
    assert (body["serial"], body["model"]) == ("C3441324512345", "HERO9 Black")
    assert body["fix_count"] == 900                                     # every valid fix found…
    stored = db.execute("SELECT COUNT(*) FROM gps_fixes WHERE footage_id = ?", [body["id"]]).fetchone()[0]
    assert stored == 90                                                 # …kept at one per second
    hints = [h["normalized"] for h in db.query("SELECT * FROM footage_hints WHERE footage_id = ?", [body["id"]])]
    assert hints and all(hints)

    phone = rows["IMG_0042.MOV"]
    assert phone["start_utc"] == "2024-03-01T19:02:10.000000Z" and phone["zone_kind"] == "offset"
    assert (phone["make"], phone["model"]) == ("Apple", "iPhone 13")

    dash = rows["2024_0301_143000_0007F.MP4"]
    assert dash["time_source"].startswith("filename.")
    assert dash["zone_kind"] == "assumed:America/Los_Angeles"          # --tz, which its position agrees with
    assert dash["start_utc"] == "2024-03-01T22:30:00.000000Z"

    damaged = rows["2024_0301_090000_0006F.MP4"]
    assert damaged["status"] == "error" and "truncated" in damaged["error"]
    # evidence untouched: no file changed, nothing written beside it
    assert {p: p.stat().st_mtime_ns for p in batch.rglob("*") if p.is_file()} == before


def test_rescan_skips_unchanged_and_recognises_a_moved_file(batch: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "index.db"
    _scan(db_file, str(batch))
    again = _scan(db_file, str(batch))
    assert (again["new"], again["unchanged"], again["updated"]) == (0, 4, 0)

    shutil.move(batch / "phone", batch / "phone-renamed")
    moved = _scan(db_file, str(batch))
    assert (moved["moved"], moved["new"]) == (1, 0)
    db = store.connect(db_file)
    assert db.execute("SELECT COUNT(*) FROM footage").fetchone()[0] == 4
    assert db.execute("SELECT COUNT(*) FROM footage WHERE path LIKE '%phone-renamed%'").fetchone()[0] == 1

    touched = batch / "dashcam" / "2024_0301_143000_0007F.MP4"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert _scan(db_file, str(batch))["updated"] == 1


def test_a_file_indexed_by_an_older_parser_is_read_again_under_its_id(batch: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "index.db"
    _scan(db_file, str(batch))
    db = store.connect(db_file)
    before = dict(db.execute("SELECT path, id FROM footage").fetchall())
    with db.conn:
        db.execute("UPDATE footage SET parser_version = '1', serial = NULL WHERE path LIKE '%phone%'")
    db.conn.close()
    again = _scan(db_file, str(batch))
    assert (again["reread"], again["updated"], again["unchanged"], again["new"]) == (1, 1, 3, 0)
    db = store.connect(db_file)
    assert dict(db.execute("SELECT path, id FROM footage").fetchall()) == before
    assert {v for (v,) in db.execute("SELECT DISTINCT parser_version FROM footage")} == {scan.PARSER_VERSION}
    assert _scan(db_file, str(batch))["reread"] == 0


def test_parallel_scan_matches_serial(batch: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "p.db"), "scan", "--json", "--jobs", "2", str(batch)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["new"] == 4


def test_probe_json_names_the_tag_each_value_came_from(batch: Path) -> None:
    path = batch / "phone" / "IMG_0042.MOV"
    result = CliRunner().invoke(main, ["probe", "--json", str(path)])
    assert result.exit_code == 0, result.output
    [data] = json.loads(result.output)  # a list, whatever the count
    sources = {c["source"]: c["zone"] for c in data["extraction"]["times"]}
    assert sources["mp4.keys.creationdate"] == "offset"
    assert data["resolved"]["time_source"] == "mp4.keys.creationdate"


def test_probe_and_scan_report_a_missing_path_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "scan", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_bad_time_zone_is_a_one_line_error(batch: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "scan", "--tz", "Mars/Olympus", str(batch)])
    assert result.exit_code == 2
    assert "unknown time zone" in result.output


def test_interrupted_scan_keeps_what_it_did_and_the_next_scan_resumes(batch: Path, tmp_path: Path) -> None:
    db = store.connect(tmp_path / "index.db")
    calls = 0

    def stop_after_two(path: str, size: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    first = scan_paths(db, [batch], progress=stop_after_two)
    kept = db.execute("SELECT COUNT(*) FROM footage").fetchone()[0]
    assert first.interrupted and first.new == kept >= 2       # the whole batch written before the stop is counted
    second = scan_paths(db, [batch])
    assert (second.unchanged, second.new, second.interrupted) == (kept, 4 - kept, False)


def test_incident_pattern_finds_agency_numbers_in_folder_names(batch: Path, tmp_path: Path) -> None:
    case = batch / "case P151941002"
    case.mkdir()
    shutil.copy(batch / "phone" / "IMG_0042.MOV", case / "clip.mov")
    db_file = tmp_path / "index.db"
    _scan(db_file, str(case), "--incident-pattern", r"P\d{9}")
    hints = [r["value"] for r in store.connect(db_file).query("SELECT value FROM footage_hints")]
    assert hints == ["P151941002"]

    bad = CliRunner().invoke(main, ["--db", str(db_file), "scan", "--incident-pattern", "([", str(case)])
    assert bad.exit_code == 2 and "not a valid regular expression" in bad.output


def test_paths_are_stored_absolute_so_a_scan_from_elsewhere_matches(batch: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db_file = tmp_path / "index.db"
    monkeypatch.chdir(batch.parent)
    _scan(db_file, "batch")
    monkeypatch.chdir(batch / "phone")
    again = _scan(db_file, "..")
    assert (again["new"], again["unchanged"]) == (0, 4)
    paths = [r["path"] for r in store.connect(db_file).query("SELECT path FROM footage")]
    assert all(Path(p).is_absolute() for p in paths)
