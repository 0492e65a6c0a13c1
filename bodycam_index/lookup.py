"""What the linker and the read commands share, so that a read needs none of the linker: the SQL for stored times
as epoch seconds and for a link that counts as coverage, and finding a recording or an incident from what a user
typed (`show`, `footage show`, `incidents show`, `link add|remove`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .model import InputError

if TYPE_CHECKING:
    import sqlite_utils

    from .db import Reader

#: SQL for an ISO UTC text column as seconds since the epoch (float), computed by SQLite.
EPOCH = "((julianday({0}) - 2440587.5) * 86400.0)"

#: SQL condition (over `links l`) for a link that counts as coverage; bind `:time_only` to 0 or 1.
ACCEPTED = """(
    (l.manual = 1 AND l.excluded = 0)
    OR (l.manual = 0 AND (l.method != 'time-only' OR :time_only = 1)
        AND NOT EXISTS (SELECT 1 FROM links m WHERE m.manual = 1
                        AND m.footage_id = l.footage_id AND m.incident_id = l.incident_id))
)"""


def find_footage(db: sqlite_utils.Database | Reader, ref: str) -> int | None:
    """A footage id from its id, path or sha256 prefix (≥ 8 hex digits); None when nothing matches."""
    ref = ref.strip()
    if ref.isdigit() and db.execute("SELECT 1 FROM footage WHERE id = ?", [int(ref)]).fetchone():
        return int(ref)
    row = db.execute("SELECT id FROM footage WHERE path IN (?, ?) OR path LIKE ?",
                     [ref, os.path.abspath(ref), f"%/{ref}"]).fetchall()
    if len(row) == 1:
        return row[0][0]
    if len(ref) >= 8 and all(c in "0123456789abcdefABCDEF" for c in ref):
        rows = db.execute("SELECT id FROM footage WHERE sha256 LIKE ? LIMIT 2", [ref.lower() + "%"]).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if len(rows) > 1:
            raise InputError(f"sha256 prefix {ref!r} matches several recordings; give more digits")
    if len(row) > 1:
        raise InputError(f"{ref!r} matches several recordings; give the full path")
    return None


def find_incident(db: sqlite_utils.Database | Reader, ref: str) -> int | None:
    """An incident id from its number or an alias, as typed or in canonical form; None when nothing matches,
    InputError when several incidents do."""
    from .incidents.store import find_incident_ids  # here: the SQL above needs none of the number rules

    ids = find_incident_ids(db, ref)
    if len(ids) > 1:
        raise InputError(f"incident {ref!r} is ambiguous ({len(ids)} incidents match)")
    return ids[0] if ids else None


def reference_footage(db: sqlite_utils.Database | Reader, ref: str) -> int:
    """The id of the recording `ref` names (id, path or sha256 prefix); InputError when none does."""
    fid = find_footage(db, ref)
    if fid is None:
        raise InputError(f"no recording matches {ref!r} (give an id, a path or a sha256 prefix)")
    return fid


def reference_incident(db: sqlite_utils.Database | Reader, ref: str) -> int:
    """The id of the incident `ref` names (number or alias in any written form); InputError when none does."""
    iid = find_incident(db, ref)
    if iid is None:
        raise InputError(f"no incident matches {ref!r}")
    return iid
