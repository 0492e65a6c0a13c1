"""Database writes and reads for incidents, their aliases and units (tables made in `db.py`).

Writes are batched: one bulk lookup of the batch's numbers, then `executemany` inserts and updates, all inside the
caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from .normalize import canonical_number

INCIDENT_COLUMNS = (
    "number", "number_raw", "source", "type", "type_description", "priority",
    "received_utc", "dispatched_utc", "arrived_utc", "cleared_utc", "time_flags",
    "lat", "lon", "precinct", "sector", "beat", "requires_footage", "use_of_force",
    "source_file", "source_line", "content_hash", "imported_utc",
)
_CHUNK = 500

_INSERT = f"INSERT INTO incidents (id, {', '.join(INCIDENT_COLUMNS)}) VALUES (?{', ?' * len(INCIDENT_COLUMNS)})"
_UPDATE = f"UPDATE incidents SET {', '.join(c + ' = ?' for c in INCIDENT_COLUMNS)} WHERE id = ?"
_ALIAS = "INSERT OR IGNORE INTO incident_aliases (incident_id, alias, raw) VALUES (?, ?, ?)"
_UNIT = "INSERT OR IGNORE INTO incident_units (incident_id, unit, officer) VALUES (?, ?, ?)"


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def existing(conn: sqlite3.Connection, source: str, numbers: Sequence[str]) -> dict[str, tuple[int, str]]:
    """number → (id, content_hash) for those of `numbers` already stored under `source`."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(numbers):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT number, id, content_hash FROM incidents WHERE source = ? AND number IN ({marks})"
        for number, id_, hash_ in conn.execute(sql, [source, *chunk]):
            found[number] = (id_, hash_)
    return found


def next_id(conn: sqlite3.Connection) -> int:
    """The id the next inserted incident gets (ids are assigned by the importer so batches need no read-back)."""
    return (conn.execute("SELECT MAX(id) FROM incidents").fetchone()[0] or 0) + 1


def insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert incident rows: `(id, *INCIDENT_COLUMNS)`."""
    conn.executemany(_INSERT, rows)


def update(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Update incident rows: `(*INCIDENT_COLUMNS, id)`; their aliases and units are cleared for re-adding."""
    conn.executemany(_UPDATE, rows)
    ids = [(r[-1],) for r in rows]
    conn.executemany("DELETE FROM incident_aliases WHERE incident_id = ?", ids)
    conn.executemany("DELETE FROM incident_units WHERE incident_id = ?", ids)


def add_aliases(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> None:
    """Add `(incident_id, alias, raw)` rows, ignoring ones already there."""
    conn.executemany(_ALIAS, rows)


def add_units(conn: sqlite3.Connection, rows: Iterable[tuple[int, str | None, str | None]]) -> None:
    """Add `(incident_id, unit, officer)` rows, ignoring ones already there."""
    conn.executemany(_UNIT, rows)


def incident_id(conn: sqlite3.Connection, source: str, number: str) -> int | None:
    """The id of one stored incident, or None."""
    row = conn.execute("SELECT id FROM incidents WHERE source = ? AND number = ?", [source, number]).fetchone()
    return row[0] if row else None


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_incident(db: sqlite_utils.Database, number_text: str) -> dict[str, Any] | None:
    """The incident whose number or any alias matches `number_text` in any written form (latest import first)."""
    key = canonical_number(number_text) or number_text.strip().upper()
    rows = _dicts(db.execute(
        "SELECT i.* FROM incidents i WHERE i.number = ? OR i.id IN "
        "(SELECT incident_id FROM incident_aliases WHERE alias = ?) ORDER BY i.imported_utc DESC, i.id DESC LIMIT 1",
        [key, key],
    ))
    return rows[0] if rows else None


def incident_details(db: sqlite_utils.Database, incident_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An incident's aliases and its units/officers."""
    aliases = _dicts(db.execute("SELECT alias, raw FROM incident_aliases WHERE incident_id = ? ORDER BY alias",
                                [incident_id]))
    units = _dicts(db.execute("SELECT unit, officer FROM incident_units WHERE incident_id = ? ORDER BY unit, officer",
                              [incident_id]))
    return aliases, units


def list_incidents(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest incidents by received time (then id), with how many units each had."""
    return _dicts(db.execute(
        "SELECT i.id, i.number, i.source, i.type, i.priority, i.received_utc, i.requires_footage, "
        "(SELECT COUNT(*) FROM incident_units u WHERE u.incident_id = i.id) AS units "
        "FROM incidents i ORDER BY COALESCE(i.received_utc, i.arrived_utc, i.cleared_utc) DESC, i.id DESC LIMIT ?",
        [limit],
    ))
