"""Which files an import read, as they were when it read them: SHA-256, size and modification time, stored in
`imported_files` (one row per kind and path, replaced by the newest import), so a report's manifest does not depend
on the file still being there or unchanged."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import NamedTuple

from ..db import now_utc
from ..model import InputError

_CHUNK = 1 << 20


class Fingerprint(NamedTuple):
    """A file's content digest and the stat figures that tell cheaply whether it changed since."""

    sha256: str
    size: int
    mtime_ns: int


def fingerprint(path: Path) -> Fingerprint:
    """SHA-256, size and mtime of the file an import is about to read (InputError when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return Fingerprint(digest.hexdigest(), stat.st_size, stat.st_mtime_ns)


def record(conn: sqlite3.Connection, kind: str, path: Path, found: Fingerprint, rows: int) -> None:
    """Store (or replace) the fingerprint of an imported file; `kind` is incidents, inventory or roster."""
    conn.execute(
        "INSERT INTO imported_files (kind, path, sha256, size, mtime_ns, rows, imported_utc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, path) DO UPDATE SET sha256 = excluded.sha256,"
        " size = excluded.size, mtime_ns = excluded.mtime_ns, rows = excluded.rows,"
        " imported_utc = excluded.imported_utc",
        [kind, str(path), found.sha256, found.size, found.mtime_ns, rows, now_utc()],
    )
