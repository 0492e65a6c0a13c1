"""The manifest that makes a report reproducible: tool version, as-of time, database and its content digest, the
imported files with their SHA-256, the policy digest and the audit log's head."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import audit
from ..version import VERSION

if TYPE_CHECKING:
    import sqlite_utils

    from .policy import Policy

#: Tables whose content a report depends on, each with the bookkeeping columns left out of the digest (when a row
#: was written says nothing about what it says). GPS fixes and time candidates are summarised in `footage`.
DIGEST_TABLES = {
    "incidents": ("imported_utc",),
    "incident_aliases": (),
    "incident_units": (),
    "assignments": (),
    "footage": ("scan_id", "indexed_utc"),
    "footage_hints": (),
    "links": ("created_utc",),
    "audit_log": (),
    "imported_files": ("imported_utc", "mtime_ns"),
}


def content_digest(db: sqlite_utils.Database) -> str:
    """SHA-256 over the rows of DIGEST_TABLES in a fixed order (independent of WAL state or page layout)."""
    digest = hashlib.sha256()
    present = _tables(db)
    for table, skip in DIGEST_TABLES.items():
        if table not in present:
            continue
        columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if row[1] not in skip]
        digest.update(f"\x00{table}:{','.join(columns)}\n".encode())
        quoted = ", ".join(f'"{c}"' for c in columns)
        for row in db.execute(f'SELECT {quoted} FROM "{table}" ORDER BY rowid'):
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
            digest.update(b"\n")
    return digest.hexdigest()


def _tables(db: sqlite_utils.Database) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _on_disk(path: str, size: int | None, mtime_ns: int | None, sha256: str | None) -> str:
    """Whether the imported file is still as it was: `unchanged`, `changed`, `missing` (a relative path: not found
    from the current folder), or `no hash stored at import` (imported before hashes were stored). Same size and modification time count as unchanged; otherwise the
    file is hashed again."""
    if sha256 is None:
        return "no hash stored at import"
    try:
        stat = os.stat(path)
    except OSError:
        return "missing" if os.path.isabs(path) else "not found from this folder (imported by a relative path)"
    if stat.st_size != size:
        return "changed"
    if stat.st_mtime_ns == mtime_ns:
        return "unchanged"
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return "unreadable"
    return "unchanged" if digest.hexdigest() == sha256 else "changed"


def imported_files(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each file incidents, inventory entries or roster rows came from: the rows it now supplies, its SHA-256 when
    imported (`imported_files`, stored by the importers) and whether the file on disk still matches."""
    counts: dict[tuple[str, str], int] = {}
    for kind, sql in (
        ("incidents", "SELECT source_file, COUNT(*) FROM incidents WHERE source_file IS NOT NULL GROUP BY 1"),
        ("inventory", ("SELECT source_file, COUNT(*) FROM footage WHERE origin = 'dems' AND source_file IS NOT NULL"
                       " GROUP BY 1")),
        ("roster", "SELECT source_file, COUNT(*) FROM assignments WHERE source_file IS NOT NULL GROUP BY 1"),
    ):
        for path, n in db.execute(sql):
            counts[(kind, path)] = n
    stored: dict[tuple[str, str], tuple[Any, ...]] = {}
    if "imported_files" in _tables(db):
        for kind, path, sha, size, mtime, when in db.execute(
                "SELECT kind, path, sha256, size, mtime_ns, imported_utc FROM imported_files"):
            stored[(kind, path)] = (sha, size, mtime, when)
    out = []
    for kind, path in sorted(counts.keys() | stored.keys()):
        sha, size, mtime, when = stored.get((kind, path), (None, None, None, None))
        out.append({"kind": kind, "file": path, "rows": counts.get((kind, path), 0), "sha256": sha,
                    "imported_utc": when, "on_disk": _on_disk(path, size, mtime, sha)})
    return out


def database_path(db: sqlite_utils.Database) -> str:
    """The main database file's absolute path (`:memory:` for an in-memory one)."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return str(Path(file).resolve()) if file else ":memory:"
    return ":memory:"


def audit_head(db: sqlite_utils.Database) -> dict[str, Any]:
    """The audit log's newest entry id and hash (`audit.head` where the audit module provides it)."""
    head = getattr(audit, "head", None)
    if head is not None:
        found = head(db)
        return {"entry": found.id, "hash": found.hash}
    row = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return {"entry": row[0], "hash": row[1]} if row else {"entry": 0, "hash": audit.GENESIS}


def manifest(db: sqlite_utils.Database, as_of: str, policy: Policy) -> dict[str, Any]:
    """Everything needed to reproduce or verify a report."""
    return {
        "tool": "bodycam-index",
        "version": VERSION,
        "as_of": as_of,
        "database": {"path": database_path(db), "content_sha256": content_digest(db)},
        "imported_files": imported_files(db),
        "policy": {"source": policy.source, "sha256": policy.digest()},
        "audit_head": audit_head(db),
    }
