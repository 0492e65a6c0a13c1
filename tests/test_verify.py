"""`verify`: exact containment of real paths, changed / missing / moved files, nothing to verify is an error,
--json, the audit chain; and the scan's own database files, --exclude and the unknown-zone hint."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bodycam_index.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from mp4_writer import Recording, write_mp4

KEYS = {"com.apple.quicktime.creationdate": "2024-03-01T11:02:10-08:00"}


def _run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    media = tmp_path / "media"
    write_mp4(media / "foot" / "a.mov", Recording(5.0, keys=KEYS))
    write_mp4(media / "footage" / "b.mov", Recording(6.0, keys=KEYS))
    write_mp4(media / "footage" / "c.mov", Recording(7.0, keys=KEYS))
    db = tmp_path / "index.db"
    assert _run(db, "scan", "--jobs", "1", str(media))[0] == 0
    return db, media


def test_verify_selects_by_real_path_containment(indexed: tuple[Path, Path]) -> None:
    db, media = indexed
    code, output = _run(db, "verify", "--json", str(media / "foot"))
    assert code == 0 and json.loads(output)["checked"] == 1          # not foot*: footage/ is another folder
    code, output = _run(db, "verify", "--json", str(media))
    assert code == 0 and json.loads(output) == {"checked": 3, "ok": 3, "changed": [], "missing": [], "moved": [],
                                                "unreadable": [], "audit": []}


def test_verify_reports_changed_missing_and_moved(indexed: tuple[Path, Path]) -> None:
    db, media = indexed
    with open(media / "footage" / "b.mov", "r+b") as clip:
        clip.seek(-1, 2)
        clip.write(b"\x01")
    (media / "foot" / "a.mov").unlink()
    (media / "footage" / "c.mov").rename(media / "c-renamed.mov")
    code, output = _run(db, "verify", str(media))
    assert code == 1
    assert f"changed: {media / 'footage' / 'b.mov'}" in output
    assert f"missing: {media / 'foot' / 'a.mov'}" in output
    assert f"moved: {media / 'footage' / 'c.mov'} → {media / 'c-renamed.mov'}" in output
    assert output.strip().endswith("3 checked, 0 unchanged, 1 changed, 1 missing, 1 moved; audit log intact")


def test_nothing_to_verify_is_an_error(tmp_path: Path, indexed: tuple[Path, Path]) -> None:
    db, media = indexed
    code, output = _run(db, "verify", str(tmp_path / "elsewhere"))
    assert (code, output.strip()) == (2, f"error: nothing to verify: no indexed recording under {tmp_path / 'elsewhere'}")
    other = tmp_path / "nohash.db"
    _run(other, "scan", "--no-hash", str(media))
    code, output = _run(other, "verify")
    assert code == 2 and "were scanned with --no-hash" in output


def test_verify_fails_on_a_broken_audit_chain(indexed: tuple[Path, Path]) -> None:
    import sqlite3

    db, _ = indexed
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO audit_log (ts_utc, user, action, details, prev_hash, hash) "
                     "VALUES ('2024-01-01T00:00:00Z', 'x', 'link.add', '{}', 'bad', 'bad')")
    conn.close()
    code, output = _run(db, "verify", "--json")
    assert code == 1 and json.loads(output)["audit"]


def test_scan_skips_its_own_database_and_excluded_paths(tmp_path: Path) -> None:
    media = tmp_path / "media"
    write_mp4(media / "keep" / "a.mov", Recording(5.0, keys=KEYS))
    write_mp4(media / "tmp" / "b.mov", Recording(5.0, keys=KEYS))
    write_mp4(media / "keep" / "c.partial.mov", Recording(5.0, keys=KEYS))
    db = media / "index.db"
    code, output = _run(db, "scan", "--json", "--exclude", "tmp", "--exclude", "*.partial.*", str(media))
    assert code == 0 and (json.loads(output)["new"], json.loads(output)["failed"]) == (1, 0)
    Path(f"{db}-anchor").write_text("1 0f\n")                # the audit log's anchor file (audit.anchor_path)
    code, output = _run(db, "scan", "--json", str(media))   # index.db, -wal, -shm and -anchor now beside the media
    summary = json.loads(output)
    assert (summary["new"], summary["failed"]) == (2, 0)
    assert not [s for s in json.dumps(summary).split('"') if s.startswith(str(db))]


def test_scan_summary_counts_unknown_zones_and_says_how_to_fix_them(tmp_path: Path) -> None:
    media = tmp_path / "media"
    write_mp4(media / "a.mov", Recording(5.0, creation=__import__("datetime").datetime(2024, 3, 1, 9, 0)))
    code, output = _run(tmp_path / "i.db", "scan", str(media))
    assert code == 0
    assert "1 recordings have wall-clock times in an unknown zone" in output
    assert "bodycam-index resolve --tz ZONE" in output
