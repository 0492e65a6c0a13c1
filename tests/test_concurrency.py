"""Two writers at once: concurrent imports never take the same incident id, and manual links made at the same time
never fork the audit chain."""

from __future__ import annotations

import csv
import os
import signal
from pathlib import Path

import pytest

from bodycam_index import audit
from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.incidents import importer

HEADER = ["CAD Event Number", "Event Clearance Description", "Call Type", "Priority", "Initial Call Type",
          "Final Call Type", "Original Time Queued", "Arrived Time", "Precinct", "Sector", "Beat",
          "Blurred_Longitude", "Blurred_Latitude"]


def _export(path: Path, first: int, count: int) -> Path:
    """A Seattle CAD export (the layout of sample_media/exports/cad_calls.csv) with `count` calls."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in range(first, first + count):
            minute = n % 600
            writer.writerow([f"2024{n:09d}", "ARREST", "911", "1", "THEFT", "THEFT",
                             f"03/01/2024 {1 + minute // 60:02d}:{minute % 60:02d}:00 AM", "", "EAST", "C", "C2",
                             "-122.3162", "47.6153"])
    return path


def _start(db: Path, args: list[str], go: int) -> int:
    """A forked `bodycam-index --db DB ARGS` that waits for a byte on `go` before it starts."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.read(go, 1)
            main.main(["--db", str(db), *args], standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(code)
    return pid


def _together(db: Path, commands: list[list[str]]) -> list[int]:
    """Run the commands at the same moment; their exit codes."""
    read, write = os.pipe()
    pids = [_start(db, args, read) for args in commands]
    os.write(write, b"x" * len(pids))
    codes = []
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        codes.append(os.waitstatus_to_exitcode(status))
    os.close(read)
    os.close(write)
    return codes


def test_two_imports_at_once_take_different_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 50)  # many small batches, so the two writers interleave
    db = tmp_path / "t.db"
    store.connect(db).close()
    a = _export(tmp_path / "a.csv", 1, 3000)
    b = _export(tmp_path / "b.csv", 100001, 3000)
    codes = _together(db, [["import-incidents", str(a), "--preset", "seattle-cad", "--source", "a", "--tz", "UTC"],
                           ["import-incidents", str(b), "--preset", "seattle-cad", "--source", "b", "--tz", "UTC"]])
    assert codes == [0, 0]
    conn = store.connect(db)
    assert conn.execute("SELECT source, COUNT(*), COUNT(DISTINCT id) FROM incidents GROUP BY source").fetchall() == [
        ("a", 3000, 3000), ("b", 3000, 3000)]
    assert conn.execute("SELECT COUNT(*) FROM incident_aliases a LEFT JOIN incidents i ON i.id = a.incident_id"
                        " WHERE i.id IS NULL").fetchone() == (0,)


def test_manual_links_at_once_keep_one_chain(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    conn = store.connect(db)
    for n in range(6):
        conn["incidents"].insert({"number": f"C-{n}", "source": "t", "received_utc": "2024-03-01T10:00:00.000000Z"})
        conn["footage"].insert({"path": f"/media/{n}.mp4", "status": "ok"})
    conn.close()
    codes = _together(db, [["link", "add", f"/media/{n}.mp4", f"C-{n}", "--reason", f"writer {n}"]
                           for n in range(6)])
    assert codes == [0] * 6
    conn = store.connect(db)
    assert audit.verify(conn) == []
    assert len(audit.entries(conn)) == 6
