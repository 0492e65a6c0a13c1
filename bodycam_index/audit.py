"""The append-only, hash-chained audit log of manual decisions.

Each entry's `hash` is SHA-256 over the previous entry's hash and the entry's own fields, so editing or deleting
any past entry breaks the chain, which `verify` reports.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from typing import TYPE_CHECKING, Any

from .db import now_utc

if TYPE_CHECKING:
    import sqlite_utils

GENESIS = "0" * 64


def _digest(prev_hash: str, ts_utc: str, user: str, action: str, details: str) -> str:
    payload = json.dumps([prev_hash, ts_utc, user, action, details], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def current_user() -> str:
    """The operating-system user making the change."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def append(db: sqlite_utils.Database, action: str, details: dict[str, Any], user: str | None = None) -> str:
    """Append one entry (not committed: the caller commits it with the change it records); returns its hash."""
    row = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    ts = now_utc()
    who = user or current_user()
    text = json.dumps(details, sort_keys=True, ensure_ascii=False)
    digest = _digest(prev, ts, who, action, text)
    db.execute(
        "INSERT INTO audit_log (ts_utc, user, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
        [ts, who, action, text, prev, digest],
    )
    return digest


def verify(db: sqlite_utils.Database) -> list[str]:
    """Problems found walking the chain (empty when intact)."""
    problems: list[str] = []
    prev = GENESIS
    for id_, ts, user, action, details, prev_hash, digest in db.execute(
        "SELECT id, ts_utc, user, action, details, prev_hash, hash FROM audit_log ORDER BY id"
    ):
        if prev_hash != prev:
            problems.append(f"entry {id_}: previous hash does not match (an entry was removed or reordered)")
        if _digest(prev_hash, ts, user, action, details) != digest:
            problems.append(f"entry {id_}: content does not match its hash (edited)")
        prev = digest
    return problems


def entries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """All entries, oldest first, with details decoded."""
    rows = db.execute("SELECT id, ts_utc, user, action, details FROM audit_log ORDER BY id").fetchall()
    return [
        {"id": r[0], "ts_utc": r[1], "user": r[2], "action": r[3], "details": json.loads(r[4])} for r in rows
    ]
