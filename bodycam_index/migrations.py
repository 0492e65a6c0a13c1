"""Numbered schema changes. A new database gets `db.SCHEMA` (version 1) and then every step, so a step is the only
place the schema changes: to change it, append a step (SQL text, or a function of the connection) and never edit
an earlier one. Each step runs inside the migration's transaction with foreign keys off; `STEPS[i]` takes the
schema from version i + 1 to i + 2.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

#: SQL text (statements separated by `;`) or a function of the connection.
Step = str | Callable[[sqlite3.Connection], None]


def _footage_autoincrement(conn: sqlite3.Connection) -> None:
    """Footage ids are never reused (links and the audit log refer to them): rebuild the table with AUTOINCREMENT."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'footage'").fetchone()
    if row is None or "AUTOINCREMENT" in row[0].upper():
        return
    table_sql = row[0]
    new_sql, count = re.subn(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", "id INTEGER PRIMARY KEY AUTOINCREMENT",
                             table_sql, count=1, flags=re.IGNORECASE)
    if count != 1:
        raise sqlite3.DatabaseError("footage table without an integer primary key: cannot migrate")
    new_sql = re.sub(r"^CREATE TABLE\s+(IF NOT EXISTS\s+)?\"?footage\"?", "CREATE TABLE footage_rebuilt", new_sql,
                     flags=re.IGNORECASE)
    indexes = [row[0] for row in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'footage' AND sql IS NOT NULL")]
    conn.execute(new_sql)
    conn.execute("INSERT INTO footage_rebuilt SELECT * FROM footage")
    conn.execute("DROP TABLE footage")
    conn.execute("ALTER TABLE footage_rebuilt RENAME TO footage")
    for index in indexes:
        conn.execute(index)


STEPS: list[Step] = [
    # → 2: each unit's own dispatched / arrived / cleared times on an incident (CAD unit history, officer lists)
    ("ALTER TABLE incident_units ADD COLUMN dispatched_utc TEXT; ALTER TABLE incident_units ADD COLUMN arrived_utc TEXT;"
     " ALTER TABLE incident_units ADD COLUMN cleared_utc TEXT"),
    _footage_autoincrement,  # → 3
    # → 4: views for browsing (Datasette, sqlite-utils): every link with its file and incident, and the accepted
    # ones (manual links; automatic ones not overridden by hand, time-only candidates left out)
    ("CREATE VIEW IF NOT EXISTS links_detail AS SELECT l.id AS link_id, l.footage_id,"
     " COALESCE(f.path, f.dems_source || ':' || f.dems_id) AS file, f.start_utc, f.end_utc, f.serial AS camera,"
     " f.officer, l.incident_id, i.number AS incident, i.type, i.priority, i.received_utc, l.method, l.score,"
     " l.reason, l.manual, l.excluded, l.uncertain,"
     " CASE WHEN (l.manual = 1 AND l.excluded = 0) OR (l.manual = 0 AND l.method != 'time-only' AND NOT EXISTS"
     " (SELECT 1 FROM links m WHERE m.manual = 1 AND m.footage_id = l.footage_id AND m.incident_id = l.incident_id))"
     " THEN 1 ELSE 0 END AS accepted"
     " FROM links l JOIN footage f ON f.id = l.footage_id JOIN incidents i ON i.id = l.incident_id;"
     " CREATE VIEW IF NOT EXISTS links_accepted AS SELECT link_id, footage_id, file, start_utc, end_utc, camera,"
     " officer, incident_id, incident, type, priority, received_utc, method, score, reason, manual, uncertain"
     " FROM links_detail WHERE accepted = 1"),
    # → 5: the pre-event buffer a recording's file shows (seconds before the trigger) and where it came from; the
    # category a DEMS inventory gives a recording (retention); each imported file with its SHA-256 when imported
    ("ALTER TABLE footage ADD COLUMN pre_event_s REAL; ALTER TABLE footage ADD COLUMN pre_event_source TEXT;"
     " ALTER TABLE footage ADD COLUMN dems_category TEXT;"
     " CREATE TABLE IF NOT EXISTS imported_files (kind TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,"
     " size INTEGER NOT NULL, mtime_ns INTEGER, rows INTEGER NOT NULL, imported_utc TEXT NOT NULL,"
     " UNIQUE (kind, path))"),
]
