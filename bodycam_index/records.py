"""The reads behind `show`, `footage list|show` and `incidents list|show`: one record of a recording and one of an
incident, as plain data (JSON-ready), whatever command prints them.

Recordings and incidents are found by `lookup.reference_footage` and `lookup.reference_incident` (id, path or SHA-256
prefix; number or alias), the lookups `link add|remove` use too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .lookup import ACCEPTED, EPOCH
from .model import InputError

if TYPE_CHECKING:
    import sqlite_utils

    from .db import Reader

#: Footage columns stored as JSON text, decoded in a record.
_JSON_COLUMNS = ("warnings", "sidecars")
_TIMES = ("received_utc", "dispatched_utc", "arrived_utc", "cleared_utc")


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _decoded(text: str | None) -> Any:
    if not text:
        return []
    try:
        return json.loads(text)
    except ValueError:
        return [text]


def footage_rows(db: sqlite_utils.Database | Reader, status: str | None = None,
                 limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Recordings in start order (at most `limit`, optionally of one status) and how many there are in all."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = _dicts(db.execute(
        f"SELECT id, COALESCE(path, dems_source || ':' || dems_id) AS path, status, error, start_utc, duration_s, "
        f"zone_kind, model, serial, fix_count FROM footage {where} ORDER BY start_utc, id LIMIT ?", [*params, limit]))
    total = int(db.execute("SELECT COUNT(*) FROM footage").fetchone()[0])
    return rows, total


def scanned_files(db: sqlite_utils.Database | Reader, scan_id: int | None = None) -> list[dict[str, Any]]:
    """The recordings a scan stored (the latest scan when `scan_id` is None), in path order, warnings decoded."""
    if scan_id is None:
        scan_id = db.execute("SELECT MAX(id) FROM scans").fetchone()[0]
    rows = _dicts(db.execute(
        "SELECT id, path, status, error, start_utc, duration_s, zone_kind, time_source, make, model, serial, "
        "fix_count, warnings FROM footage WHERE scan_id = ? ORDER BY path", [scan_id]))
    return [row | {"warnings": _decoded(row["warnings"])} for row in rows]


def footage_record(db: sqlite_utils.Database | Reader, fid: int, accept_time_only: bool = False) -> dict[str, Any]:
    """Everything stored about one recording: its columns, time candidates, GPS summary, hints and links."""
    rows = _dicts(db.execute("SELECT * FROM footage WHERE id = ?", [fid]))
    if not rows:
        raise InputError(f"no recording with id {fid}")
    record = rows[0]
    for column in _JSON_COLUMNS:
        record[column] = _decoded(record.get(column))
    record["time_candidates"] = [
        c | {"chosen": bool(c["chosen"])} for c in _dicts(db.execute(
            "SELECT source, value, value_utc, zone, note, chosen FROM time_candidates WHERE footage_id = ? "
            "ORDER BY rowid", [fid]))]
    fixes = "SELECT t_utc, t_offset_s, lat, lon FROM gps_fixes WHERE footage_id = ? ORDER BY {0} LIMIT 1"
    first = _dicts(db.execute(fixes.format("t_utc, t_offset_s"), [fid]))
    last = _dicts(db.execute(fixes.format("t_utc DESC, t_offset_s DESC"), [fid]))
    count = int(db.execute("SELECT COUNT(*) FROM gps_fixes WHERE footage_id = ?", [fid]).fetchone()[0])
    record["gps"] = {"fixes": count, "first": first[0] if first else None, "last": last[0] if last else None}
    record["hints"] = _dicts(db.execute(
        "SELECT value, normalized FROM footage_hints WHERE footage_id = ? ORDER BY rowid", [fid]))
    record["links"] = [_flags(link) for link in _dicts(db.execute(
        f"SELECT l.incident_id, i.number AS incident, l.method, l.score, l.reason, l.manual, l.excluded, l.uncertain,"
        f" {ACCEPTED} AS accepted FROM links l JOIN incidents i ON i.id = l.incident_id WHERE l.footage_id = :fid"
        f" ORDER BY l.manual DESC, l.score DESC, i.number", {"time_only": int(accept_time_only), "fid": fid}))]
    return record


def _flags(link: dict[str, Any]) -> dict[str, Any]:
    return link | {k: bool(link[k]) for k in ("manual", "excluded", "uncertain", "accepted")}


def incident_record(db: sqlite_utils.Database | Reader, iid: int, accept_time_only: bool = False,
                    default_duration_s: float | None = None) -> dict[str, Any]:
    """Everything stored about one incident: its columns, aliases, units, links with their recordings, and the
    share of its span (`[arrived, cleared]`, cleared assumed `default_duration_s` later when absent; the default
    policy's when None) that accepted links cover."""
    from .reports.coverage import coverage_span, union_seconds
    from .reports.policy import Policy

    epochs = ", ".join(f"{EPOCH.format(c)} AS _{c}" for c in _TIMES)
    rows = _dicts(db.execute(f"SELECT *, {epochs} FROM incidents WHERE id = ?", [iid]))
    if not rows:
        raise InputError(f"no incident with id {iid}")
    record = rows[0]
    span_epochs = [record.pop(f"_{c}") for c in _TIMES]
    record.pop("content_hash", None)
    record["time_flags"] = _decoded(record.get("time_flags"))
    record["aliases"] = _dicts(db.execute(
        "SELECT alias, raw FROM incident_aliases WHERE incident_id = ? ORDER BY alias", [iid]))
    record["units"] = _dicts(db.execute(
        "SELECT unit, officer, dispatched_utc, arrived_utc, cleared_utc FROM incident_units WHERE incident_id = ? "
        "ORDER BY unit, officer", [iid]))
    links = _dicts(db.execute(
        f"SELECT l.footage_id, COALESCE(f.path, f.dems_source || ':' || f.dems_id) AS path, f.start_utc, f.end_utc,"
        f" l.method, l.score, l.reason, l.manual, l.excluded, l.uncertain, {ACCEPTED} AS accepted,"
        f" {EPOCH.format('f.start_utc')} AS _start, {EPOCH.format('f.end_utc')} AS _end"
        f" FROM links l JOIN footage f ON f.id = l.footage_id WHERE l.incident_id = :iid"
        f" ORDER BY l.manual DESC, l.score DESC, l.footage_id", {"time_only": int(accept_time_only), "iid": iid}))
    spans = [(link["_start"], link["_end"] if link["_end"] is not None else link["_start"])
             for link in links if link["accepted"] and link["_start"] is not None]
    record["links"] = [_flags({k: v for k, v in link.items() if not k.startswith("_")}) for link in links]
    default = Policy().default_duration_s if default_duration_s is None else default_duration_s
    window = coverage_span(*span_epochs, default)
    record["coverage"] = None if window is None else {
        "start_epoch": round(window[0], 3), "end_epoch": round(window[1], 3),
        "end_assumed_s": None if span_epochs[3] is not None else default,
        "share": union_seconds(spans, *window) / max(window[1] - window[0], 1.0),
        "spans_epoch": [[round(s, 3), round(e, 3)] for s, e in sorted(spans)]}
    return record


def link_rows(db: sqlite_utils.Database | Reader) -> list[dict[str, Any]]:
    """Every link with its file and incident number (the `links_detail` view), by incident then file."""
    return [_flags(row) for row in _dicts(db.execute(
        "SELECT link_id, file, incident, method, score, reason, manual, excluded, uncertain, accepted "
        "FROM links_detail ORDER BY incident, file, manual"))]


def incident_rows(db: sqlite_utils.Database | Reader, limit: int = 50) -> list[dict[str, Any]]:
    """The latest incidents by received time (then id), with how many units each had."""
    from .incidents.store import list_incidents

    return list_incidents(db, limit)
