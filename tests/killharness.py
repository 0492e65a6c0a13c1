"""Kill harness: run a CLI step in a forked child that dies (SIGKILL) or is interrupted (Ctrl-C) at its Nth database
write, check the database it leaves, run the step again and compare with a clean run.

Used by tests/test_kill.py (CI) and scripts/kill_sweep.py. Consistency after a stop means: SQLite's integrity and
foreign-key checks pass; every footage record (row with its time candidates, GPS fixes and hints), incident (with
aliases and units) and assignment is as before the step or as after a clean run, never in between; the links are
all the old ones or all the new ones; the audit chain, its anchor and the manual links agree. Nothing lost means the
rerun ends exactly where the clean run ended.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bodycam_index import audit, killpoint
from bodycam_index import db as store
from bodycam_index.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_media"
TZ = "America/Los_Angeles"

def steps(media: Path = SAMPLE / "footage") -> list[tuple[str, list[str]]]:
    """The batch: (name, command line after `--db FILE`); each step starts where the previous clean run ended."""
    exports = SAMPLE / "exports"
    return [
        ("scan", ["scan", str(media), "--tz", TZ, "--jobs", "1"]),
        ("import-incidents", ["import-incidents", str(exports / "cad_calls.csv"), "--preset", "seattle-cad",
                              "--tz", TZ]),
        ("import-roster", ["import-roster", str(exports / "roster.csv"), "--tz", TZ]),
        ("import-footage-list", ["import-footage-list", str(exports / "dems_inventory.csv"), "--tz", TZ]),
        ("link", ["link"]),
        ("link add", ["link", "add", str(next(media.rglob("GX010042.MP4"))), "2024-454",
                      "--reason", "dispatcher confirmed the officer was there"]),
        ("link remove", ["link", "remove", str(next(media.rglob("GX010042.MP4"))), "2024-451",
                         "--reason", "recorded before the call"]),
    ]


DB_FILES = ("", "-anchor")  # the database (closed, so no -wal/-shm) and the audit anchor beside it


def run(db: Path, args: list[str], kill_at: int | None = None, how: str = "KILL") -> tuple[bool, list[str]]:
    """Run `bodycam-index --db DB ARGS` in a forked child; (stopped by the kill point, the write statements'
    first words, in order, when it ran to the end)."""
    with tempfile.NamedTemporaryFile(delete=False) as counter:
        pass
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 99
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.environ["BODYCAM_KILL_AT"] = str(kill_at or 0)
            os.environ["BODYCAM_KILL_SIGNAL"] = how
            killpoint._count[0] = 0
            verbs: list[str] = []
            traced = killpoint._on_statement

            def record(at: int, how: str, statement: str) -> None:
                words = statement.split()
                if words and words[0].upper() in killpoint._WRITES:
                    verbs.append(" ".join(words[:3]))
                traced(at, how, statement)

            killpoint._on_statement = record
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                main.main(["--db", str(db), *args], prog_name="bodycam-index", standalone_mode=True)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            Path(counter.name).write_text(json.dumps(verbs))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    written = Path(counter.name).read_text()
    os.unlink(counter.name)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL, f"child died by signal {os.WTERMSIG(status)}"
        return True, []
    verbs = json.loads(written or "[]")
    code = os.WEXITSTATUS(status)
    stopped = kill_at is not None and 0 < kill_at <= len(verbs)
    assert code in ((0, 1, 130) if stopped else (0,)), f"{args} exited {code} (kill at {kill_at} {how})"
    return stopped, verbs


def distinct_points(verbs: list[str]) -> list[int]:
    """Write numbers (1-based) worth stopping at: the first and last of each run of like statements (the rows of
    one executemany leave the same state)."""
    return [n for n in range(1, len(verbs) + 1)
            if n in (1, len(verbs)) or verbs[n - 1] != verbs[n - 2] or verbs[n - 1] != verbs[n]]


def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(r) for r in conn.execute(sql)), key=repr)


def signature(db: Path) -> dict[str, dict[Any, Any]]:
    """The database's content keyed by natural keys (paths, numbers), without ids of rows and times of runs."""
    conn = sqlite3.connect(db)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'footage'").fetchone():
            # stopped before the new database's schema was committed: an empty database
            return {"footage": {}, "incidents": {}, "assignments": {}, "links": {"all": []}, "audit": {}}
        fkey = {i: p for i, p in conn.execute("SELECT id, COALESCE(path, dems_source || ':' || dems_id) FROM footage")}
        ikey = {i: f"{s}:{n}" for i, n, s in conn.execute("SELECT id, number, source FROM incidents")}
        skip = {"id", "scan_id", "indexed_utc", "imported_utc"}
        cols = [c[1] for c in conn.execute("PRAGMA table_info(footage)") if c[1] not in skip]
        footage: dict[Any, Any] = {}
        for fid, *values in conn.execute(f"SELECT id, {', '.join(cols)} FROM footage"):
            footage[fkey[fid]] = (tuple(values),
                                  _rows(conn, f"SELECT * FROM time_candidates WHERE footage_id = {fid}"),
                                  _rows(conn, f"SELECT * FROM gps_fixes WHERE footage_id = {fid}"),
                                  _rows(conn, f"SELECT * FROM footage_hints WHERE footage_id = {fid}"))
        icols = [c[1] for c in conn.execute("PRAGMA table_info(incidents)") if c[1] not in skip]
        incidents: dict[Any, Any] = {}
        for iid, *values in conn.execute(f"SELECT id, {', '.join(icols)} FROM incidents"):
            incidents[ikey[iid]] = (tuple(values),
                                    _rows(conn, f"SELECT alias, raw FROM incident_aliases WHERE incident_id = {iid}"),
                                    _rows(conn, f"SELECT unit, officer FROM incident_units WHERE incident_id = {iid}"))
        assignments = {row[:4]: row for row in _rows(
            conn, "SELECT camera_serial, officer, unit, from_utc, to_utc, source_file, source_line FROM assignments")}
        links = {"all": _rows(conn, "SELECT footage_id, incident_id, method, score, reason, manual, excluded,"
                                    " uncertain FROM links")}
        links["all"] = sorted(((fkey[r[0]], ikey[r[1]], *r[2:]) for r in links["all"]), key=repr)
        entries = {(u, a, d) for u, a, d in conn.execute("SELECT user, action, details FROM audit_log")}
        return {"footage": footage, "incidents": incidents, "assignments": assignments, "links": links,
                "audit": {e: 1 for e in entries}}
    finally:
        conn.close()


def consistency_problems(db: Path, before: dict[str, dict[Any, Any]], after: dict[str, dict[Any, Any]]) -> list[str]:
    """What is wrong with a database stopped between the states `before` and `after` (empty when consistent)."""
    conn = sqlite3.connect(db)
    try:
        problems = [f"integrity: {r[0]}" for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
    finally:
        conn.close()
    now = signature(db)
    for table in ("footage", "incidents", "assignments", "links"):
        for key, value in now[table].items():
            if value != before[table].get(key) and value != after[table].get(key):
                problems.append(f"{table} {key}: neither as before nor as after the step")
    handle = store.connect(db)
    try:
        problems += audit.verify(handle)
    finally:
        handle.close()
    return problems


def lost(db: Path, expected: dict[str, dict[Any, Any]]) -> list[str]:
    """Records that differ from the clean run's (missing, extra or changed)."""
    now = signature(db)
    return [f"{table} {key}" for table in expected for key in set(now[table]) | set(expected[table])
            if now[table].get(key) != expected[table].get(key)]


def _copy(src: Path, dst: Path) -> None:
    for suffix in DB_FILES:
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")
        elif Path(f"{dst}{suffix}").exists():
            os.unlink(f"{dst}{suffix}")


@dataclass
class Figures:
    """What a sweep did, per step: kill points tried, problems found after a stop, records lost after the rerun."""

    points: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps({"points": self.points, "problems": self.problems, "lost": self.lost}, indent=2)


def sweep(work: Path, batch: list[tuple[str, list[str]]], signals: tuple[str, ...] = ("KILL", "INT"),
          every: bool = False, progress: Callable[[str], None] = lambda text: None) -> Figures:
    """Stop each step of `batch` at every write (or at its distinct points) with each signal; check, rerun,
    compare."""
    figures = Figures()
    clean = work / "clean.db"
    for name, args in batch:
        first, pre, trial = not clean.exists(), work / "pre.db", work / "trial.db"
        if not first:
            _copy(clean, pre)
        before = signature(_empty(work) if first else pre)
        _, verbs = run(clean, args)
        after = signature(clean)
        points = list(range(1, len(verbs) + 1)) if every else distinct_points(verbs)
        for how in signals:
            for n in points:
                _copy(work / "absent.db" if first else pre, trial)
                stopped, _ = run(trial, args, n, how)
                assert stopped, f"{name}: write {n} of {len(verbs)} not reached"
                figures.points[f"{name} {how}"] = figures.points.get(f"{name} {how}", 0) + 1
                figures.problems += [f"{name} {how}@{n}: {p}" for p in consistency_problems(trial, before, after)]
                run(trial, args)
                figures.lost += [f"{name} {how}@{n}: {k}" for k in lost(trial, after)]
            progress(f"{name} {how}: {len(points)} kill points")
    return figures


def _empty(work: Path) -> Path:
    """A path that holds no database (the first step creates it)."""
    path = work / "empty.db"
    if not path.exists():
        store.connect(path).close()
    return path
