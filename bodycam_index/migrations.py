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
    "ALTER TABLE incident_units ADD COLUMN dispatched_utc TEXT; ALTER TABLE incident_units ADD COLUMN arrived_utc TEXT;"
    " ALTER TABLE incident_units ADD COLUMN cleared_utc TEXT",
    _footage_autoincrement,  # → 3
]
