"""The audit log shows tampering: edits, deletions, truncation of the newest entries, re-hashing (with and without
the operator key) and manual links changed behind its back; `audit list|verify` on the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_link import add_footage, add_incident

from bodycam_index import audit, killpoint
from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.link import add_manual, remove_link


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with two incidents, two recordings and three audited manual decisions."""
    monkeypatch.delenv(audit.KEY_ENV, raising=False)
    target = tmp_path / "t.db"
    db = store.connect(target)
    add_incident(db, "A1", 0)
    add_incident(db, "A2", 100)
    add_footage(db, "one.mp4", 2)
    add_footage(db, "two.mp4", 101)
    add_manual(db, "one.mp4", "A1", "seen on the video", user="auditor")
    remove_link(db, "two.mp4", "A1", "other call", user="auditor")
    add_manual(db, "two.mp4", "A2", "dispatcher confirmed", user="auditor")
    db.close()
    return target


def findings(path: Path) -> list[str]:
    db = store.connect(path)
    try:
        return audit.verify(db)
    finally:
        db.close()


def sql(path: Path, statement: str, params: tuple = ()) -> None:
    """A change made behind the tool's back, as someone with only the database file could."""
    conn = sqlite3.connect(path)
    conn.execute(statement, params)
    conn.commit()
    conn.close()


def test_intact_log_has_no_findings_and_every_head_is_anchored(path: Path) -> None:
    assert findings(path) == []
    lines = (path.parent / "t.db-anchor").read_text().splitlines()
    db = store.connect(path)
    heads = [f"{e['id']} {e['hash']}" for e in audit.entries(db)]
    assert lines == heads and audit.head(db) == (3, heads[-1].split()[1])


def test_edited_entry(path: Path) -> None:
    sql(path, "UPDATE audit_log SET user = 'someone' WHERE id = 2")
    assert findings(path) == ["audit entry 2: content does not match its hash (edited)"]


def test_deleted_middle_entry(path: Path) -> None:
    sql(path, "DELETE FROM audit_log WHERE id = 2")
    found = findings(path)
    assert "audit entry 3: previous hash does not match (an entry was removed or reordered)" in found
    assert any("entry 2 is missing from the database" in f for f in found)
    assert any("exclusion" in f and "has no audit entry" in f for f in found)


def test_truncated_newest_entries_are_caught_by_the_anchor(path: Path) -> None:
    sql(path, "DELETE FROM audit_log WHERE id = 3")
    sql(path, "DELETE FROM links WHERE manual = 1 AND incident_id = 2")
    assert findings(path) == [f"audit anchor {path}-anchor:3: entry 3 is missing from the database (deleted)"]


def _rehash(path: Path, change: str) -> None:
    """Recompute the whole unkeyed chain after an edit, as anyone with the database could."""
    conn = sqlite3.connect(path)
    conn.execute(change)
    prev = audit.GENESIS
    for id_, ts, user, action, details in conn.execute(
            "SELECT id, ts_utc, user, action, details FROM audit_log ORDER BY id").fetchall():
        digest = audit._digest(prev, ts, user, action, details, None)
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, id_))
        prev = digest
    conn.commit()
    conn.close()


def test_rehashed_chain_is_caught_by_the_anchor(path: Path) -> None:
    _rehash(path, "UPDATE audit_log SET user = 'someone'")
    assert findings(path) == [f"audit anchor {path}-anchor:{n}: entry {n} has another hash in the database "
                              "(re-hashed)" for n in (1, 2, 3)]


def test_missing_anchor_and_unanchored_entries(path: Path) -> None:
    anchor = Path(f"{path}-anchor")
    lines = anchor.read_text().splitlines()
    anchor.write_text(lines[0] + "\n")
    assert findings(path) == [("audit entries 2-3 are newer than the anchor file (written outside bodycam-index, "
                               "or a run stopped before anchoring)")]
    anchor.unlink()
    assert findings(path) == [f"audit anchor {anchor} is missing (3 entries unanchored)"]


def test_links_are_cross_checked_both_ways(path: Path) -> None:
    sql(path, "UPDATE links SET excluded = 0 WHERE manual = 1 AND excluded = 1")
    sql(path, "DELETE FROM links WHERE manual = 1 AND incident_id = 2")
    sql(path, "INSERT INTO links (footage_id, incident_id, method, score, reason, manual, created_utc)"
              " VALUES (1, 2, 'manual', 1, 'slipped in', 1, 'x')")
    assert findings(path) == [
        "manual link 3 (footage 1, incident 2) has no audit entry",
        "manual link 2 (footage 2, incident 1) differs from audit entry 2 (link.remove: 'other call')",
        "audit entry 3 (link.add footage 2, incident 2) is not in effect: no manual row in links",
    ]


def test_operator_key_makes_the_chain_unforgeable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.KEY_ENV, "operator secret")
    target = tmp_path / "k.db"
    db = store.connect(target)
    add_incident(db, "A1", 0)
    add_footage(db, "one.mp4", 2)
    add_manual(db, "one.mp4", "A1", "seen", user="auditor")
    remove_link(db, "one.mp4", "A1", "changed my mind", user="auditor")
    db.close()
    assert findings(target) == []
    assert all(e["hash"].startswith("hmac-sha256:") for e in audit.entries(store.connect(target)))
    monkeypatch.setenv(audit.KEY_ENV, "another key")
    assert findings(target) == [f"audit entry {n}: content does not match its hash (edited, or another key)"
                                for n in (1, 2)]
    monkeypatch.delenv(audit.KEY_ENV)
    assert findings(target) == [f"audit entries 1-2 are keyed: set ${audit.KEY_ENV} to verify them"]
    # without the key a forger can only hash unkeyed, which a keyed verify and the anchor both catch
    conn = sqlite3.connect(target)
    prev, ts, user, action, details = conn.execute(
        "SELECT prev_hash, ts_utc, user, action, details FROM audit_log WHERE id = 2").fetchone()
    details = details.replace("changed my mind", "never happened")
    conn.execute("UPDATE audit_log SET details = ?, hash = ? WHERE id = 2",
                 (details, audit._digest(prev, ts, user, action, details, None)))
    conn.execute("UPDATE links SET reason = 'never happened'")
    conn.commit()
    conn.close()
    monkeypatch.setenv(audit.KEY_ENV, "operator secret")
    assert findings(target) == [
        "audit entry 2: not keyed although earlier entries are (re-hashed without the key)",
        f"audit anchor {target}-anchor:2: entry 2 has another hash in the database (re-hashed)",
    ]


def test_ctrl_c_at_every_write_of_link_add_leaves_it_absent_or_anchored(path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BODYCAM_KILL_SIGNAL", "INT")
    n = 0
    while True:
        n += 1
        monkeypatch.setenv("BODYCAM_KILL_AT", str(n))
        monkeypatch.setattr(killpoint, "_count", [0])
        db = store.connect(path)
        try:
            add_manual(db, "one.mp4", "A2", f"try {n}", user="auditor")
        except KeyboardInterrupt:
            continue
        finally:
            db.close()
            monkeypatch.delenv("BODYCAM_KILL_AT")
            assert findings(path) == [], f"interrupted at write {n}"
        break
    assert n >= 3


def test_cli_list_and_verify(path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["--db", str(path), "audit", "list", "--json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert [r["action"] for r in rows] == ["link.add", "link.remove", "link.add"]
    assert rows[0]["details"]["footage"] == "/media/one.mp4" and rows[0]["user"] == "auditor"
    ok = runner.invoke(main, ["--db", str(path), "audit", "verify"])
    assert ok.exit_code == 0 and ok.stdout.startswith("audit log intact: 3 entries, head ")
    sql(path, "UPDATE audit_log SET action = 'link.remove' WHERE id = 1")
    sql(path, "DELETE FROM audit_log WHERE id = 3")
    broken = runner.invoke(main, ["--db", str(path), "audit", "verify"])
    assert broken.exit_code == 1
    assert broken.stdout.splitlines() == [
        "audit entry 1: content does not match its hash (edited)",
        f"audit anchor {path}-anchor:3: entry 3 is missing from the database (deleted)",
        "manual link 1 (footage 1, incident 1) differs from audit entry 1 (link.remove: 'seen on the video')",
        "manual link 3 (footage 2, incident 2) has no audit entry",
    ]


def test_cli_list_json_is_a_list_when_empty(tmp_path: Path) -> None:
    store.connect(tmp_path / "e.db").conn.close()  # read commands refuse a missing database
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "e.db"), "audit", "list", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_cli_verify_json(path: Path) -> None:
    ok = CliRunner().invoke(main, ["audit", "verify", "--json", "--db", str(path)])
    assert ok.exit_code == 0
    assert json.loads(ok.stdout) | {"head": "h"} == {"intact": True, "entries": 3, "head": "h",
                                                    "anchor": f"{path}-anchor", "findings": []}
    sql(path, "DELETE FROM audit_log WHERE id = 3")
    broken = CliRunner().invoke(main, ["audit", "verify", "--json", "--db", str(path)])
    assert broken.exit_code == 1 and json.loads(broken.stdout)["intact"] is False
    assert len(json.loads(broken.stdout)["findings"]) == 2
