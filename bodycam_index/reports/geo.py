"""Exports for GIS and spreadsheets: GeoJSON (incidents as points, footage as tracks or points) and flat CSV tables."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lookup import ACCEPTED
from .render import excel_safe

if TYPE_CHECKING:
    import sqlite_utils

CSV_TABLES = {
    "incidents": "SELECT id, number, source, type, priority, received_utc, dispatched_utc, arrived_utc, cleared_utc,"
                 " lat, lon, precinct, sector, beat, requires_footage FROM incidents ORDER BY id",
    "footage": "SELECT id, origin, path, sha256, status, start_utc, end_utc, duration_s, zone_kind, drift_s, make,"
               " model, serial, officer, unit, lat, lon, fix_count FROM footage ORDER BY id",
    "links": "SELECT l.id, l.footage_id, f.path, l.incident_id, i.number, l.method, l.score, l.reason, l.manual,"
             " l.excluded, l.uncertain, l.created_utc FROM links l JOIN footage f ON f.id = l.footage_id"
             " JOIN incidents i ON i.id = l.incident_id ORDER BY l.incident_id, l.footage_id",
    "gps_fixes": "SELECT footage_id, t_utc, t_offset_s, lat, lon, alt_m, speed_mps, quality, source FROM gps_fixes"
                 " ORDER BY footage_id, t_utc, t_offset_s",
}


def _accepted(db: sqlite_utils.Database, time_only: bool) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    by_incident: dict[int, list[str]] = defaultdict(list)
    by_footage: dict[int, list[str]] = defaultdict(list)
    sql = (f"SELECT l.incident_id, l.footage_id, i.number FROM links l JOIN incidents i ON i.id = l.incident_id"
           f" WHERE {ACCEPTED}")
    for iid, fid, number in db.execute(sql, {"time_only": int(time_only)}):
        by_incident[iid].append(str(fid))
        by_footage[fid].append(number)
    return by_incident, by_footage


def geojson(db: sqlite_utils.Database, accept_time_only: bool = False) -> dict[str, Any]:
    """A FeatureCollection: incidents as Points, footage as LineString tracks (or Points without a track)."""
    by_incident, by_footage = _accepted(db, accept_time_only)
    features: list[dict[str, Any]] = []
    for iid, number, type_, priority, received, needs, lat, lon in db.execute(
        "SELECT id, number, type, priority, received_utc, requires_footage, lat, lon FROM incidents"
        " WHERE lat IS NOT NULL AND lon IS NOT NULL ORDER BY id"
    ):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": "incident", "incident": number, "type": type_, "priority": priority,
                           "received_utc": received, "requires_footage": bool(needs),
                           "has_footage": iid in by_incident, "footage": by_incident.get(iid, [])},
        })
    tracks: dict[int, list[list[float]]] = defaultdict(list)
    for fid, lat, lon in db.execute("SELECT footage_id, lat, lon FROM gps_fixes ORDER BY footage_id, t_utc, t_offset_s"):
        tracks[fid].append([lon, lat])
    for fid, path, start, end, serial, officer, lat, lon in db.execute(
        "SELECT id, path, start_utc, end_utc, serial, officer, lat, lon FROM footage ORDER BY id"
    ):
        track = tracks.get(fid, [])
        if len(track) >= 2:
            geometry = {"type": "LineString", "coordinates": track}
        elif track or (lat is not None and lon is not None):
            geometry = {"type": "Point", "coordinates": track[0] if track else [lon, lat]}
        else:
            continue
        features.append({
            "type": "Feature", "geometry": geometry,
            "properties": {"kind": "footage", "footage_id": fid, "path": path, "start_utc": start, "end_utc": end,
                           "camera": serial, "officer": officer, "incidents": by_footage.get(fid, [])},
        })
    return {"type": "FeatureCollection", "features": features}


def write_csv_tables(db: sqlite_utils.Database, directory: Path) -> list[Path]:
    """Write incidents.csv, footage.csv, links.csv and gps_fixes.csv (spreadsheet-safe cells); returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, sql in CSV_TABLES.items():
        cursor = db.execute(sql)
        path = directory / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([d[0] for d in cursor.description])
            for row in cursor:
                writer.writerow([excel_safe("" if v is None else str(v)) for v in row])
        written.append(path)
    return written


def dumps(collection: dict[str, Any]) -> str:
    """GeoJSON text."""
    return json.dumps(collection, ensure_ascii=False) + "\n"
