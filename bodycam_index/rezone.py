"""Re-place stored times with another `--tz`, from the stored time candidates, without re-reading any file.

Every recording whose candidates are in the database is resolved again by `resolve.resolve` (the same code the scan
uses): a wall-clock start moves to the new zone, zone-aware starts stay. The rows that change are updated in one
transaction and returned, so the caller can print what moved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import db as store
from .model import Extraction, GpsFix, Identity, TimeCandidate
from .resolve import FLAG_PREFIXES, resolve

if TYPE_CHECKING:
    import sqlite_utils

_COLUMNS = ("start_utc", "end_utc", "time_source", "zone_kind", "time_reason", "clock_offset_s", "drift_s")


@dataclass(frozen=True)
class Change:
    """One recording whose stored time changed: its id, path, and the old and new (start, zone kind)."""

    footage_id: int
    path: str
    before: tuple[str | None, str | None]
    after: tuple[str | None, str | None]


def _within(path: str, roots: list[str]) -> bool:
    return not roots or any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _extraction(row: dict[str, object], candidates: list[dict[str, object]]) -> Extraction:
    """The parts of an extraction `resolve` needs, rebuilt from stored rows."""
    times = [TimeCandidate(str(c["source"]), datetime.fromisoformat(str(c["value"])), c["zone"],  # type: ignore[arg-type]
                           str(c["note"] or "")) for c in candidates]
    location = GpsFix(float(row["lat"]), float(row["lon"])) if row["lat"] is not None and row["lon"] is not None \
        else None  # type: ignore[arg-type]
    identity = Identity(*(row[k] for k in ("make", "model", "serial", "firmware", "officer", "unit")))  # type: ignore[arg-type]
    return Extraction(str(row["container"] or ""), duration_s=row["duration_s"], times=times,  # type: ignore[arg-type]
                      identity=identity, location=location)


def rezone(db: sqlite_utils.Database, tz: str | None, paths: Iterable[Path] = ()) -> list[Change]:
    """Resolve the stored recordings under `paths` (all when none) again with zone `tz`; the changes made."""
    roots = [os.path.realpath(p) for p in paths]
    by_footage: dict[int, list[dict[str, object]]] = {}
    for cand in db.query("SELECT footage_id, source, value, zone, note FROM time_candidates ORDER BY rowid"):
        by_footage.setdefault(int(cand["footage_id"]), []).append(cand)
    changes: list[Change] = []
    updates: list[tuple[int, dict[str, object]]] = []
    rows = db.query("SELECT id, path, container, duration_s, lat, lon, make, model, serial, firmware, officer, unit, "
                    f"warnings, {', '.join(_COLUMNS)} FROM footage WHERE origin = 'file' AND status != 'error'")
    for row in rows:
        path = str(row["path"] or "")
        candidates = by_footage.get(int(row["id"]))
        if not candidates or not _within(path, roots):
            continue
        footage = resolve(_extraction(row, candidates), tz)
        new = {"start_utc": store.iso_utc(footage.start_utc), "end_utc": store.iso_utc(footage.end_utc),
               "time_source": footage.time_source, "zone_kind": footage.zone_kind,
               "time_reason": footage.time_reason, "clock_offset_s": footage.clock_offset_s,
               "drift_s": footage.drift_s}
        if all(new[k] == row[k] for k in _COLUMNS):
            continue
        kept = [w for w in json.loads(str(row["warnings"])) if not w.startswith(FLAG_PREFIXES)] \
            if row["warnings"] else []
        warnings = kept + list(footage.flags)
        new["warnings"] = json.dumps(warnings) if warnings else None
        updates.append((int(row["id"]), new))
        changes.append(Change(int(row["id"]), path, (row["start_utc"], row["zone_kind"]),
                              (new["start_utc"], footage.zone_kind)))  # type: ignore[arg-type]
    with db.atomic():
        for footage_id, new in updates:
            db.table("footage").update(footage_id, new)
            db.execute("UPDATE time_candidates SET chosen = (source = ?) WHERE footage_id = ?",
                       [new["time_source"], footage_id])
    return changes
