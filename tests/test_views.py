"""Browsing views: links_detail (every link with its file and incident) and links_accepted (what counts as
coverage, the same rule as lookup.ACCEPTED without time-only candidates)."""

from __future__ import annotations

from pathlib import Path

from test_link import HOME, add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.link import add_manual, relink, remove_link
from bodycam_index.lookup import ACCEPTED


def test_views_show_files_incidents_and_the_accepted_links(tmp_path: Path) -> None:
    db = store.connect(tmp_path / "t.db")
    add_incident(db, "A1", 0)
    add_incident(db, "A2", 100, lat=None, lon=None)
    add_footage(db, "one.mp4", 2, fixes=[(1, *HOME)])
    add_footage(db, "two.mp4", 101)
    add_footage(db, "three.mp4", 2, hints=["A2"])
    relink(db)
    remove_link(db, "one.mp4", "A1", "another call", user="auditor")
    add_manual(db, "two.mp4", "A1", "seen", user="auditor")
    expected = {tuple(r) for r in db.execute(
        f"SELECT f.path, i.number, l.method FROM links l JOIN footage f ON f.id = l.footage_id"
        f" JOIN incidents i ON i.id = l.incident_id WHERE {ACCEPTED}", {"time_only": 0})}
    assert {tuple(r) for r in db.execute("SELECT file, incident, method FROM links_accepted")} == expected
    assert ("/media/two.mp4", "A1", "manual") in expected and not any(r[0] == "/media/one.mp4" and r[1] == "A1"
                                                                     for r in expected)
    detail = {(r[0], r[1]): r[2:] for r in db.execute(
        "SELECT file, incident, method, manual, excluded, accepted FROM links_detail")}
    assert detail[("/media/one.mp4", "A1")] in {("manual", 1, 1, 0), ("time+place", 0, 0, 0)}
    assert db.execute("SELECT COUNT(*) FROM links_detail").fetchone()[0] == db.execute(
        "SELECT COUNT(*) FROM links").fetchone()[0]
