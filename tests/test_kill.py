"""Kill tests: scan, imports, link, link add and link remove stopped (SIGKILL, Ctrl-C) at their database writes
leave a consistent database, and the next run completes the batch with nothing lost (see tests/killharness.py;
scripts/kill_sweep.py stops at every single write of the whole sample batch)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import killharness
import pytest

FOOTAGE = killharness.SAMPLE / "footage"
KEPT = ("unit-3B12/2024-000451/GX010042.MP4", "dashcam/2024_0301_090000_0006F.MP4")  # GPS and hints; a damaged file


@pytest.fixture
def media(tmp_path: Path) -> Path:
    for name in KEPT:
        (tmp_path / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(FOOTAGE / name, tmp_path / "media" / name)
    return tmp_path / "media"


def test_batch_stopped_at_each_distinct_write_loses_nothing(tmp_path: Path, media: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    figures = killharness.sweep(work, killharness.steps(media))
    assert figures.problems == []
    assert figures.lost == []
    for name, _ in killharness.steps(media):
        assert figures.points[f"{name} KILL"] >= 2 and figures.points[f"{name} INT"] >= 2, name
    assert sum(figures.points.values()) >= 60


def test_checks_catch_a_footage_row_without_its_children(tmp_path: Path, media: Path) -> None:
    """The harness's own checks have teeth: a half-written recording and a lost one are both reported."""
    db = tmp_path / "t.db"
    before = killharness.signature(killharness._empty(tmp_path))
    killharness.run(db, killharness.steps(media)[0][1])
    after = killharness.signature(db)
    conn = sqlite3.connect(db)
    fid, path = conn.execute("SELECT id, path FROM footage WHERE fix_count > 0").fetchone()
    conn.execute("DELETE FROM gps_fixes WHERE footage_id = ?", [fid])
    conn.commit()
    conn.close()
    assert killharness.consistency_problems(db, before, after) == [
        f"footage {path}: neither as before nor as after the step"]
    assert killharness.lost(db, after) == [f"footage {path}"]


def test_distinct_points_keep_the_ends_of_each_run() -> None:
    verbs = ["INSERT INTO a", "INSERT INTO b", "INSERT INTO b", "INSERT INTO b", "INSERT INTO b", "COMMIT"]
    assert killharness.distinct_points(verbs) == [1, 2, 5, 6]
