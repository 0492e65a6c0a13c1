"""Writes that belong together commit together: relink, manual links with their audit entries, DEMS and roster
imports. Each is interrupted (KeyboardInterrupt, as Ctrl-C raises) after every one of its write statements."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_link import HOME, add_footage, add_incident

from bodycam_index import audit, killpoint
from bodycam_index import db as store
from bodycam_index.incidents.dems import import_footage_list
from bodycam_index.incidents.roster import import_roster
from bodycam_index.link import add_manual, relink

SAMPLE = Path(__file__).resolve().parents[1] / "sample_media" / "exports"


def _interrupted_at(monkeypatch: pytest.MonkeyPatch, path: Path, n: int, action) -> bool:
    """Run `action(db)` on a fresh connection with a KeyboardInterrupt after write `n`; True when it fired."""
    monkeypatch.setenv("BODYCAM_KILL_AT", str(n))
    monkeypatch.setenv("BODYCAM_KILL_SIGNAL", "INT")
    monkeypatch.setattr(killpoint, "_count", [0])
    db = store.connect(path)
    try:
        action(db)
    except KeyboardInterrupt:
        return True
    finally:
        db.close()
        monkeypatch.delenv("BODYCAM_KILL_AT")
    return False


def _rows(path: Path, sql: str) -> list[tuple]:
    db = store.connect(path)
    try:
        return sorted(tuple(r) for r in db.execute(sql))
    finally:
        db.close()


def _setup(path: Path) -> None:
    db = store.connect(path)
    add_incident(db, "A1", 0)
    add_incident(db, "A2", 100, lat=None, lon=None)
    add_footage(db, "one.mp4", 2, fixes=[(1, *HOME)])
    add_footage(db, "two.mp4", 101)
    add_footage(db, "three.mp4", 2, hints=["A2"])
    db.close()


LINKS = "SELECT footage_id, incident_id, method FROM links WHERE manual = 0"


def test_relink_replaces_all_links_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.db"
    _setup(path)
    db = store.connect(path)
    db.execute("INSERT INTO links (footage_id, incident_id, method, score, reason, created_utc)"
               " VALUES (2, 1, 'time-only', 0.2, 'stale', 'x')")
    db.close()
    before = _rows(path, LINKS)
    clean = tmp_path / "clean.db"
    clean.write_bytes(path.read_bytes())
    monkeypatch.setenv("BODYCAM_KILL_AT", "0")  # count the writes of a whole run
    monkeypatch.setattr(killpoint, "_count", [0])
    relink(store.connect(clean))
    writes = killpoint.writes()
    monkeypatch.delenv("BODYCAM_KILL_AT")
    after = _rows(clean, LINKS)
    assert after != before and len(after) == 4
    fired = 0
    for n in range(1, writes + 1):  # every write, whether or not an earlier stop was seen
        fired += _interrupted_at(monkeypatch, path, n, relink)
        assert _rows(path, LINKS) in (before, after), f"interrupted at write {n}"
    relink(store.connect(path))
    assert fired >= 3 and _rows(path, LINKS) == after


def test_manual_link_and_its_audit_entry_commit_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.db"
    _setup(path)
    fired = 0
    for n in range(1, 20):
        if not _interrupted_at(monkeypatch, path, n, lambda db: add_manual(db, "two.mp4", "A1", "seen", user="x")):
            break
        fired += 1
        assert _rows(path, "SELECT COUNT(*) FROM links WHERE manual = 1") in ([(0,)], [(1,)])
        db = store.connect(path)
        assert audit.verify(db) == [], f"interrupted at write {n}"  # each manual link has its entry
        db.close()
    assert fired >= 2
    assert len(_rows(path, "SELECT id FROM links WHERE manual = 1")) == 1
    db = store.connect(path)
    assert {e["action"] for e in audit.entries(db)} == {"link.add"} and audit.verify(db) == []


@pytest.mark.parametrize(("name", "load", "table"), [
    ("roster.csv", lambda db, p: import_roster(db, p, tz="America/Los_Angeles"), "assignments"),
    ("dems_inventory.csv", lambda db, p: import_footage_list(db, p, preset="axon", tz="America/Los_Angeles"),
     "footage"),
])
def test_sample_imports_are_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name, load,
                                           table) -> None:
    path = tmp_path / "t.db"
    clean = tmp_path / "clean.db"
    load(store.connect(clean), SAMPLE / name)
    full = _rows(clean, f"SELECT COUNT(*) FROM {table}")
    assert full[0][0] > 0
    store.connect(path).close()
    for n in range(1, 30):
        if not _interrupted_at(monkeypatch, path, n, lambda db: load(db, SAMPLE / name)):
            break
        assert _rows(path, f"SELECT COUNT(*) FROM {table}") in ([(0,)], full), f"interrupted at write {n}"
        path.unlink()
        store.connect(path).close()
