"""The SQLite store: schema, connection and the footage reads and writes.

All times are ISO-8601 UTC text `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so text order is time order. Incident, link and
audit writes live beside their logic (`incidents/store.py`, `link.py`, `audit.py`) and use the tables made here.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import killpoint, migrations
from .bounds import check_time
from .model import GpsFix, InputError, TimeCandidate

if TYPE_CHECKING:
    import sqlite_utils

#: Version 1 is SCHEMA; each step of `migrations.STEPS` adds one.
SCHEMA_VERSION = 1 + len(migrations.STEPS)
DEFAULT_DB = "bodycam_index.db"
#: Seconds a writer waits for another one to finish before giving up.
BUSY_TIMEOUT_S = 60.0

#: The version-1 schema: new databases get it and then every migration step (never edit it: add a step).
SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY,
    started_utc TEXT NOT NULL,
    finished_utc TEXT,
    roots TEXT NOT NULL,
    counts TEXT
);

CREATE TABLE IF NOT EXISTS footage (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL DEFAULT 'file',          -- file | dems
    path TEXT UNIQUE,                              -- NULL for DEMS inventory entries
    size INTEGER,
    mtime_ns INTEGER,
    sha256 TEXT,
    container TEXT,
    status TEXT NOT NULL,                          -- ok | partial | error
    error TEXT,
    parser_version TEXT,
    start_utc TEXT,
    end_utc TEXT,
    duration_s REAL,
    time_source TEXT,
    zone_kind TEXT,                                -- utc | offset | assumed:<zone> | inferred:<zone> | unknown
    time_reason TEXT,
    clock_offset_s REAL,
    drift_s REAL,
    make TEXT, model TEXT, serial TEXT, firmware TEXT, officer TEXT, unit TEXT,
    lat REAL, lon REAL,
    fix_count INTEGER NOT NULL DEFAULT 0,
    dropped_fixes INTEGER NOT NULL DEFAULT 0,
    warnings TEXT,                                 -- JSON list
    sidecars TEXT,                                 -- JSON list of sidecar paths merged in
    dems_source TEXT,                              -- DEMS inventory: preset / file the row came from
    dems_id TEXT,                                  -- DEMS inventory: the system's own evidence id
    source_file TEXT, source_line INTEGER,
    scan_id INTEGER,
    indexed_utc TEXT,
    UNIQUE (dems_source, dems_id)
);
CREATE INDEX IF NOT EXISTS footage_sha ON footage(sha256);
CREATE INDEX IF NOT EXISTS footage_time ON footage(start_utc, end_utc);
CREATE INDEX IF NOT EXISTS footage_serial ON footage(serial);
CREATE INDEX IF NOT EXISTS footage_officer ON footage(officer);

CREATE TABLE IF NOT EXISTS time_candidates (
    footage_id INTEGER NOT NULL REFERENCES footage(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    value TEXT NOT NULL,                           -- as found: ISO, with offset when the value has one
    value_utc TEXT,                                -- UTC when the zone is known
    zone TEXT NOT NULL,                            -- utc | offset | local | unset
    note TEXT,
    chosen INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS time_candidates_footage ON time_candidates(footage_id);

CREATE TABLE IF NOT EXISTS gps_fixes (
    footage_id INTEGER NOT NULL REFERENCES footage(id) ON DELETE CASCADE,
    t_utc TEXT,
    t_offset_s REAL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    alt_m REAL,
    speed_mps REAL,
    quality TEXT,
    source TEXT
);
CREATE INDEX IF NOT EXISTS gps_fixes_footage ON gps_fixes(footage_id);

CREATE TABLE IF NOT EXISTS footage_hints (
    footage_id INTEGER NOT NULL REFERENCES footage(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                            -- incident_number
    value TEXT NOT NULL,                           -- as typed / found
    normalized TEXT,                               -- canonical incident key, NULL when not a number
    source TEXT
);
CREATE INDEX IF NOT EXISTS footage_hints_norm ON footage_hints(normalized);
CREATE INDEX IF NOT EXISTS footage_hints_footage ON footage_hints(footage_id);

CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL,                          -- canonical key
    number_raw TEXT,
    source TEXT NOT NULL,                          -- preset or --source label
    type TEXT,
    type_description TEXT,
    priority TEXT,
    received_utc TEXT, dispatched_utc TEXT, arrived_utc TEXT, cleared_utc TEXT,
    time_flags TEXT,                               -- JSON list: date_only, ambiguous, nonexistent, ...
    lat REAL, lon REAL,
    precinct TEXT, sector TEXT, beat TEXT,
    requires_footage INTEGER NOT NULL DEFAULT 0,
    use_of_force INTEGER NOT NULL DEFAULT 0,
    source_file TEXT, source_line INTEGER,
    content_hash TEXT,
    imported_utc TEXT,
    UNIQUE (number, source)
);
CREATE INDEX IF NOT EXISTS incidents_received ON incidents(received_utc);

CREATE TABLE IF NOT EXISTS incident_aliases (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,                           -- canonical form
    raw TEXT,
    UNIQUE (incident_id, alias)
);
CREATE INDEX IF NOT EXISTS incident_aliases_alias ON incident_aliases(alias);

CREATE TABLE IF NOT EXISTS incident_units (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    unit TEXT,
    officer TEXT,                                  -- badge / serial number, only where it serves linking
    UNIQUE (incident_id, unit, officer)
);
CREATE INDEX IF NOT EXISTS incident_units_unit ON incident_units(unit);
CREATE INDEX IF NOT EXISTS incident_units_officer ON incident_units(officer);

CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY,
    camera_serial TEXT,
    officer TEXT,
    unit TEXT,
    from_utc TEXT,
    to_utc TEXT,
    source_file TEXT, source_line INTEGER,
    UNIQUE (camera_serial, officer, unit, from_utc)
);
CREATE INDEX IF NOT EXISTS assignments_serial ON assignments(camera_serial);

CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY,
    footage_id INTEGER NOT NULL REFERENCES footage(id) ON DELETE CASCADE,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    method TEXT NOT NULL,                          -- number | assignment | time+place | time-only | manual
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    excluded INTEGER NOT NULL DEFAULT 0,           -- a manual "not this incident"
    uncertain INTEGER NOT NULL DEFAULT 0,          -- unknown zone or large drift widened the window
    created_utc TEXT NOT NULL,
    UNIQUE (footage_id, incident_id, manual)
);
CREATE INDEX IF NOT EXISTS links_incident ON links(incident_id);

CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    ts_utc TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,                         -- JSON
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"""


class DatabaseError(InputError):
    """A database that cannot be used as asked: missing for a read, not SQLite, newer schema, read-only for a write."""


class Reader(sqlite3.Connection):
    """The connection of a command that only reads: the stdlib's, opened `mode=ro` (SQLite refuses any write), with
    the two names of sqlite-utils' Database that the read paths use (`conn`, `query`), so that a read imports no
    sqlite-utils (~60 ms of start-up)."""

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection itself (where a Database has its connection)."""
        return self

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of `sql` as dicts, like `Database.query`."""
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))


def db_path(explicit: str | None = None) -> Path:
    """The database file: `--db`, else `$BODYCAM_INDEX_DB`, else ./bodycam_index.db."""
    return Path(explicit or os.environ.get("BODYCAM_INDEX_DB") or DEFAULT_DB)


def describe(path: Path) -> str:
    """The database path and where it came from, for messages."""
    env = os.environ.get("BODYCAM_INDEX_DB")
    if env and Path(env) == path:
        origin = "from $BODYCAM_INDEX_DB"
    elif not env and path == Path(DEFAULT_DB):
        origin = "the default; --db FILE or $BODYCAM_INDEX_DB names another"
    else:
        origin = "from --db"
    return f"{path} ({origin})"


def _sqlite_utils() -> object:
    """sqlite_utils, imported on first use without its optional numpy/pandas column types (we store neither, and
    numpy would cost every command ~0.15 s of start-up: a None in sys.modules makes that import fail), and with
    dateutil's parser, which only its `recipes` use, loaded when first used instead (~35 ms)."""
    if "sqlite_utils" not in sys.modules:
        blocked = [name for name in ("numpy", "pandas") if name not in sys.modules]
        sys.modules.update(dict.fromkeys(blocked))
        _lazy_module("dateutil.parser")
        try:
            import sqlite_utils  # noqa: F401 - the first import, under the block
        finally:
            for name in blocked:
                del sys.modules[name]
    return sys.modules["sqlite_utils"]


def _lazy_module(name: str) -> None:
    """Put module `name` in sys.modules so that it runs only when one of its attributes is first used
    (importlib's LazyLoader); nothing when it is loaded already or not installed."""
    if name in sys.modules:
        return
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent if str(path.parent) else Path("."), os.W_OK)


def connect(path: str | os.PathLike[str] | None = None, write: bool = True) -> sqlite_utils.Database:
    """Open the database. For `write`, create it if needed; otherwise refuse a missing one (DatabaseError).

    A database whose file or folder is read-only is opened read-only (`mode=ro`: no schema script, no WAL switch),
    which only reads can use. An older schema is migrated (after a backup copy beside it); a newer one is refused.
    Writers wait up to BUSY_TIMEOUT_S for another writer.
    """
    target = Path(path) if path is not None else db_path()
    where = describe(target)
    with _reported(where):
        _refuse_folder_or_missing(target, where, create=write)
        if not target.exists() and not target.parent.is_dir():
            raise DatabaseError(f"cannot create database {where}: folder {target.parent} does not exist")
        read_only = target.exists() and not _writable(target)
        if read_only and write:
            raise DatabaseError(f"database {where} is read-only; this command writes to it")
        return _open(target, read_only)


def open_read(path: str | os.PathLike[str] | None = None) -> Reader:
    """Open the database read-only (`mode=ro`) for a command that only reads, with `connect`'s refusals (missing,
    a folder, not SQLite, a newer schema). An older schema or an empty file is first brought up to date through
    `connect` when the file can be written, as before; read-only, it is refused as by `connect`."""
    target = Path(path) if path is not None else db_path()
    where = describe(target)
    with _reported(where):
        _refuse_folder_or_missing(target, where, create=False)
        conn, version = _read_only(target)
        if (version is None or version < SCHEMA_VERSION) and _writable(target):
            conn.close()
            connect(target, write=True).close()  # migrates (after a backup) or builds the schema
            conn, version = _read_only(target)
        try:
            _check_version(target, version, read_only=True)
        except DatabaseError:
            conn.close()
            raise
        return conn


def _refuse_folder_or_missing(target: Path, where: str, create: bool) -> None:
    """DatabaseError when `target` is a folder, or missing and not to be created."""
    if target.is_dir():
        raise DatabaseError(f"database {where} is a folder, not a file")
    if not create and not target.exists():
        raise DatabaseError(f"no database at {where}: scan footage or import incidents first")


@contextmanager
def _reported(where: str) -> Iterator[None]:
    """SQLite and OS errors while opening the database `where` as one DatabaseError line."""
    try:
        yield
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot use database {where}: {exc}") from exc
    except OSError as exc:
        raise DatabaseError(f"cannot use database {where}: {exc.strerror or exc}") from exc


def _read_only(target: Path) -> tuple[Reader, int | None]:
    """A `mode=ro` connection and the stored schema version."""
    uri = f"file:{quote(str(target.absolute()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, factory=Reader)
    try:
        return _versioned(conn)
    except sqlite3.OperationalError:  # a WAL database in a read-only folder, without its -shm file
        return _versioned(sqlite3.connect(uri + "&immutable=1", uri=True, factory=Reader))


def _versioned(conn: Reader) -> tuple[Reader, int | None]:
    try:
        return conn, _version(conn)
    except BaseException:
        conn.close()
        raise


def _open(target: Path, read_only: bool) -> sqlite_utils.Database:
    conn: sqlite3.Connection
    if read_only:
        conn, version = _read_only(target)
        _check_version(target, version, read_only=True)
    else:
        conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_S)
    # no sqlite-utils plugins: finding them scans every installed package's entry points (~0.1 s per command),
    # and no third-party hook is to touch the evidence database's connection
    db = _sqlite_utils().Database(conn, execute_plugins=False)  # type: ignore[attr-defined]
    killpoint.install_from_env(db.conn)
    if not read_only:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        _migrate(db, target)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _version(conn: sqlite3.Connection) -> int | None:
    """The stored schema version; None for an empty database; DatabaseError for one that is not ours."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return None
    if "schema_version" not in tables:
        raise sqlite3.DatabaseError("not a bodycam-index database (no schema_version table)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _check_version(target: Path, version: int | None, read_only: bool) -> None:
    if version is not None and version > SCHEMA_VERSION:
        raise DatabaseError(f"database {describe(target)} has schema version {version}, newer than this "
                            f"bodycam-index understands ({SCHEMA_VERSION}): upgrade bodycam-index")
    if read_only and version != SCHEMA_VERSION:
        raise DatabaseError(f"database {describe(target)} has schema version {version}, older than "
                            f"{SCHEMA_VERSION}, and is read-only: open it once with write access to upgrade it")


def _migrate(db: sqlite_utils.Database, target: Path) -> None:
    """Bring the schema to SCHEMA_VERSION: SCHEMA for a new database, then the numbered steps, in one transaction."""
    conn = db.conn
    version = _version(conn)
    _check_version(target, version, read_only=False)
    if version == SCHEMA_VERSION:
        conn.executescript(SCHEMA)  # tables added there without a step (IF NOT EXISTS: no change otherwise)
        return
    if version is not None:
        backup = target.with_name(f"{target.name}.schema{version}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.bak")
        with sqlite3.connect(backup) as copy:
            conn.backup(copy)
        copy.close()
        import logging  # here: only a migration logs (start-up time)

        logging.getLogger(__name__).warning("upgrading database %s from schema %s to %s (backup copy: %s)", target,
                                            version, SCHEMA_VERSION, backup)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)  # another process may have migrated it meanwhile
        _check_version(target, version, read_only=False)
        for statement in _statements(SCHEMA):  # IF NOT EXISTS: completes a version-1 database, builds a new one
            conn.execute(statement)
        if version is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (1)")
            version = 1
        for step in migrations.STEPS[version - 1:]:
            if callable(step):
                step(conn)
            else:
                for statement in _statements(step):
                    conn.execute(statement)
        conn.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION])
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise sqlite3.IntegrityError(f"migration left {len(problems)} rows with broken references")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """The statements of an SQL script, one by one (executescript would commit the open transaction); a `;` inside
    a string or a trigger body does not split."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" ;\n\t"):
                statements.append(current.strip())
            current = ""
    return statements


def iso_utc(value: datetime | None) -> str | None:
    """An aware datetime as stored text (`…Z`, microseconds), or None; ValueError for a naive or out-of-range one."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} cannot be stored as UTC")
    # isoformat with microseconds is the same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ") for the years check_time
    # allows, at a third of the cost (one call per stored fix)
    return check_time(value).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_utc(text: str | None) -> datetime | None:
    """Stored UTC text back to an aware datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text)


def now_utc() -> str:
    """The current time as stored text."""
    return iso_utc(datetime.now(UTC)) or ""


#: Columns of a time candidate / GPS fix after `footage_id`, in the order `candidate_values` / `fix_values` give.
CANDIDATE_COLUMNS = ("source", "value", "value_utc", "zone", "note", "chosen")
FIX_COLUMNS = ("t_utc", "t_offset_s", "lat", "lon", "alt_m", "speed_mps", "quality", "source")


def candidate_values(candidate: TimeCandidate, chosen: str | None) -> tuple[object, ...]:
    """One time candidate as stored (CANDIDATE_COLUMNS)."""
    value = candidate.value
    return (candidate.source, value.isoformat(), iso_utc(value) if value.tzinfo else None, candidate.zone,
            candidate.note or None, int(candidate.source == chosen))


def fix_values(fix: GpsFix) -> tuple[object, ...]:
    """One GPS fix as stored (FIX_COLUMNS)."""
    return (iso_utc(fix.t_utc), fix.t_offset_s, fix.lat, fix.lon, fix.alt_m, fix.speed_mps, fix.quality, fix.source)


def thin_track(track: list[GpsFix], per_second: float = 1.0) -> list[GpsFix]:
    """Keep at most one fix per `1/per_second` seconds of track time (first of each slot)."""
    kept: list[GpsFix] = []
    last_slot: float | None = None
    for fix in track:
        when = fix.t_utc.timestamp() if fix.t_utc else fix.t_offset_s
        slot = None if when is None else int(when * per_second)
        if slot is None or slot != last_slot:
            kept.append(fix)
        last_slot = slot
    return kept


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def save_footage(db: sqlite_utils.Database, row: dict[str, object], candidates: list[tuple[object, ...]],
                 fixes: list[tuple[object, ...]], hints: list[tuple[str, str | None]]) -> int:
    """Insert or replace one footage row and its time candidates, GPS fixes and hints; returns its id.

    `row` holds footage columns (with `id` to replace an existing row); `candidates` and `fixes` are rows of
    CANDIDATE_COLUMNS and FIX_COLUMNS; `hints` are (as typed, canonical) incident numbers. All in one transaction
    (a savepoint inside the caller's), so a footage row is never visible without its children.
    """
    conn = db.conn
    with db.atomic():
        columns = tuple(k for k in row if k != "id")
        values = [row[k] for k in columns]
        if row.get("id") is not None:
            footage_id = int(row["id"])  # type: ignore[call-overload]
            conn.execute(f"UPDATE footage SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                         [*values, footage_id])
            for child in ("time_candidates", "gps_fixes", "footage_hints"):
                conn.execute(f"DELETE FROM {child} WHERE footage_id = ?", [footage_id])
        else:
            footage_id = int(conn.execute(_insert_sql("footage", columns), values).lastrowid or 0)
        conn.executemany(_insert_sql("time_candidates", ("footage_id", *CANDIDATE_COLUMNS)),
                         [(footage_id, *c) for c in candidates])
        conn.executemany(_insert_sql("gps_fixes", ("footage_id", *FIX_COLUMNS)), [(footage_id, *f) for f in fixes])
        conn.executemany("INSERT INTO footage_hints (footage_id, kind, value, normalized, source) "
                         "VALUES (?, 'incident_number', ?, ?, 'file')", [(footage_id, *h) for h in hints])
    return footage_id
