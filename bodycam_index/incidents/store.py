"""Database writes and reads for incidents, their aliases and units (tables made in `db.py`).

Writes are batched: one lookup of a batch's numbers (a JSON array bound as one parameter), then `executemany`
inserts and updates inside the caller's transaction (one per batch).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .normalize import canonical_number, incident_key

if TYPE_CHECKING:
    import sqlite_utils

INCIDENT_COLUMNS = (
    "number", "number_raw", "source", "type", "type_description", "priority",
    "received_utc", "dispatched_utc", "arrived_utc", "cleared_utc", "time_flags",
    "lat", "lon", "precinct", "sector", "beat", "requires_footage", "use_of_force",
    "source_file", "source_line", "content_hash", "imported_utc",
)

_INSERT = f"INSERT INTO incidents (id, {', '.join(INCIDENT_COLUMNS)}) VALUES (?{', ?' * len(INCIDENT_COLUMNS)})"
_APPEND = f"INSERT INTO incidents ({', '.join(INCIDENT_COLUMNS)}) VALUES (?{', ?' * (len(INCIDENT_COLUMNS) - 1)})"
_UPDATE = f"UPDATE incidents SET {', '.join(c + ' = ?' for c in INCIDENT_COLUMNS)} WHERE id = ?"
_ALIAS = "INSERT OR IGNORE INTO incident_aliases (incident_id, alias, raw) VALUES (?, ?, ?)"
UNIT_COLUMNS = ("incident_id", "unit", "officer", "dispatched_utc", "arrived_utc", "cleared_utc")
_UNIT_WHERE = "incident_id = ?1 AND unit IS ?2 AND officer IS ?3"  # NULL-safe: an empty unit or officer is NULL
_UNIT_UPDATE = ("UPDATE incident_units SET dispatched_utc = COALESCE(MIN(dispatched_utc, ?4), dispatched_utc, ?4), "
                "arrived_utc = COALESCE(MIN(arrived_utc, ?5), arrived_utc, ?5), "
                f"cleared_utc = COALESCE(MAX(cleared_utc, ?6), cleared_utc, ?6) WHERE {_UNIT_WHERE}")
_UNIT_INSERT = (f"INSERT INTO incident_units ({', '.join(UNIT_COLUMNS)}) SELECT ?1, ?2, ?3, ?4, ?5, ?6 "
                f"WHERE NOT EXISTS (SELECT 1 FROM incident_units WHERE {_UNIT_WHERE})")


def existing(conn: sqlite3.Connection, source: str, numbers: Iterable[str]) -> dict[str, tuple[int, str, str | None]]:
    """number → (id, content_hash, number_raw) for those of `numbers` already stored under `source` (one query)."""
    sql = ("SELECT number, id, content_hash, number_raw FROM incidents WHERE source = ? AND number IN "
           "(SELECT value FROM json_each(?))")
    return {row[0]: row[1:] for row in conn.execute(sql, [source, json.dumps(list(numbers))])}


def has_source(conn: sqlite3.Connection, source: str) -> bool:
    """Whether any incident is stored under `source`."""
    return conn.execute("SELECT EXISTS (SELECT 1 FROM incidents WHERE source = ?)", [source]).fetchone()[0] == 1


@contextmanager
def bulk_load(conn: sqlite3.Connection, cache_kib: int = 64 * 1024) -> Iterator[None]:
    """Settings for a bulk load (no fsync, a page cache that holds a large table's indexes, temp data in memory, no
    WAL checkpoint after each batch's commit), restored afterwards, then one checkpoint that waits for no reader.
    A crash may lose the last batches, never corrupt the file; a re-import completes it. Without the checkpoints
    between batches an index page changed by every batch is copied into the database once instead of once per
    batch (a quarter of the write time); the write-ahead log meanwhile grows to about the size of the changes."""
    pragmas = ("synchronous", "cache_size", "temp_store", "wal_autocheckpoint")
    saved = {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in pragmas}
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        for name, value in saved.items():
            conn.execute(f"PRAGMA {name} = {int(value)}")
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One `BEGIN IMMEDIATE` transaction: the write lock is taken first, so what is read inside (the next id, the
    stored numbers) stays true until the commit, whoever else writes. Rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def data_version(conn: sqlite3.Connection) -> int:
    """SQLite's `data_version`: changes when another connection commits."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def next_id(conn: sqlite3.Connection) -> int:
    """The id the next inserted incident gets; call it inside `immediate` (ids are assigned by the importer so
    batches need no read-back, and the write lock keeps another writer from taking them)."""
    return (conn.execute("SELECT MAX(id) FROM incidents").fetchone()[0] or 0) + 1


def insert(conn: sqlite3.Connection, rows: list[Sequence[Any]]) -> None:
    """Insert incident rows: `(id, *INCIDENT_COLUMNS)`."""
    conn.executemany(_INSERT, rows)


def append(conn: sqlite3.Connection, rows: list[Sequence[Any]], first_id: int) -> None:
    """Insert incident rows without their ids (`INCIDENT_COLUMNS`): SQLite numbers them from the largest id on, so
    inside `immediate` they get `first_id` (from `next_id`) onwards, in order; checked after."""
    conn.executemany(_APPEND, rows)
    last = conn.execute("SELECT MAX(id) FROM incidents").fetchone()[0]
    if rows and last != first_id + len(rows) - 1:
        raise sqlite3.IntegrityError(f"incident ids {first_id}… expected, the last one is {last}")


def update(conn: sqlite3.Connection, rows: list[Sequence[Any]]) -> None:
    """Update incident rows: `(*INCIDENT_COLUMNS, id)`; their aliases and units are cleared for re-adding."""
    conn.executemany(_UPDATE, rows)
    ids = [(r[-1],) for r in rows]
    conn.executemany("DELETE FROM incident_aliases WHERE incident_id = ?", ids)
    conn.executemany("DELETE FROM incident_units WHERE incident_id = ?", ids)


def add_aliases(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> None:
    """Add `(incident_id, alias, raw)` rows, ignoring ones already there."""
    conn.executemany(_ALIAS, rows)


def add_own_aliases(conn: sqlite3.Connection, first_id: int, last_id: int) -> None:
    """Add each incident's own number as its alias, for the incidents with ids first_id … last_id (one statement)."""
    conn.execute("INSERT OR IGNORE INTO incident_aliases (incident_id, alias, raw) SELECT id, number, number_raw "
                 "FROM incidents WHERE id BETWEEN ? AND ?", [first_id, last_id])


_TIMES = "received_utc, dispatched_utc, arrived_utc, cleared_utc, time_flags"


def times(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """id → (received, dispatched, arrived, cleared, time_flags) for the incidents `ids` (one query)."""
    return {row[0]: row[1:] for row in conn.execute(
        f"SELECT id, {_TIMES} FROM incidents WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))])}


def set_times(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """`(received, dispatched, arrived, cleared, time_flags, id)`: an incident's merged times."""
    conn.executemany(f"UPDATE incidents SET {', '.join(c + ' = ?' for c in _TIMES.split(', '))} WHERE id = ?", rows)


def insert_units(conn: sqlite3.Connection, rows: list[tuple[int, str | None, ...]]) -> None:
    """Insert `UNIT_COLUMNS` rows of incidents that have no units stored yet."""
    conn.executemany(f"INSERT INTO incident_units ({', '.join(UNIT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", rows)


def add_units(conn: sqlite3.Connection, rows: list[tuple[int, str | None, ...]]) -> None:
    """Add `UNIT_COLUMNS` rows; a unit already there (an empty unit or officer too) keeps the earlier dispatched
    and arrived and the later cleared time."""
    conn.executemany(_UNIT_UPDATE, rows)
    conn.executemany(_UNIT_INSERT, rows)


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_incident_ids(db: sqlite_utils.Database, text: str) -> list[int]:
    """Ids of the incidents whose number or an alias is `text` as typed, upper-cased or as its stored key
    (`incident_key`, or `canonical_number` for a number typed with a label such as `Case #`), latest import first."""
    text = text.strip()
    keys = json.dumps(sorted({text, text.upper(), incident_key(text), canonical_number(text) or text}))
    return [id_ for (id_,) in db.execute(
        "SELECT id FROM incidents WHERE number IN (SELECT value FROM json_each(:keys)) OR id IN "
        "(SELECT incident_id FROM incident_aliases WHERE alias IN (SELECT value FROM json_each(:keys))) "
        "ORDER BY imported_utc DESC, id DESC", {"keys": keys})]


def find_incident(db: sqlite_utils.Database, number_text: str) -> dict[str, Any] | None:
    """The incident whose number or any alias matches `number_text` in any written form (latest import first)."""
    ids = find_incident_ids(db, number_text)
    if not ids:
        return None
    return _dicts(db.execute("SELECT * FROM incidents WHERE id = ?", [ids[0]]))[0]


def incident_details(db: sqlite_utils.Database, incident_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An incident's aliases and its units/officers."""
    aliases = _dicts(db.execute("SELECT alias, raw FROM incident_aliases WHERE incident_id = ? ORDER BY alias",
                                [incident_id]))
    units = _dicts(db.execute("SELECT unit, officer, dispatched_utc, arrived_utc, cleared_utc FROM incident_units "
                              "WHERE incident_id = ? ORDER BY unit, officer", [incident_id]))
    return aliases, units


def list_incidents(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest incidents by received time (then id), with how many units each had."""
    return _dicts(db.execute(
        "SELECT i.id, i.number, i.source, i.type, i.priority, i.received_utc, i.requires_footage, "
        "(SELECT COUNT(*) FROM incident_units u WHERE u.incident_id = i.id) AS units "
        "FROM incidents i ORDER BY COALESCE(i.received_utc, i.arrived_utc, i.cleared_utc) DESC, i.id DESC LIMIT ?",
        [limit],
    ))
