"""Import a DEMS evidence inventory (a list of recordings, no files) as `footage` records with origin `dems`.

Each row becomes one footage record keyed on (`dems_source`, `dems_id`): start, end, duration, the owner's badge
(names are never stored) and the incident number the officer typed, kept as typed in `footage_hints` with its
canonical form, or NULL when it is not an incident number (`system check`, `Training Scenario 1`, a date).
Naive times are wall-clock in `tz` (`zone_kind` `assumed:<tz>`); a re-import changes nothing, a newer inventory
updates the records that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from ..db import now_utc
from ..model import InputError
from .csvread import CsvFile, clean
from .importer import ImportReport
from .normalize import TimeParser, TimeZoneConverter, canonical_number, parse_float, utc_text
from .presets import resolve_columns


@dataclass(frozen=True)
class DemsPreset:
    """One DEMS's inventory export: candidate column names per field."""

    name: str
    columns: dict[str, tuple[str, ...]]


DEMS_PRESETS = {
    "axon": DemsPreset("axon", {
        "id": ("evidence_id", "Evidence ID", "ID"),
        "number": ("id_external", "ID External", "Incident ID", "Case Number"),
        "start": ("created_date_record_start", "Recorded On", "Record Start", "Recorded Date"),
        "end": ("date_record_end", "Record End"),
        "duration": ("duration_seconds", "Duration (seconds)", "Duration"),
        "officer": ("owner_badge_id", "Owner Badge ID", "Badge ID", "Badge"),
        "serial": ("device_serial", "Device Serial", "Camera Serial"),
    }),
}

_COLUMNS = ("origin", "dems_source", "dems_id", "status", "start_utc", "end_utc", "duration_s", "time_source",
            "zone_kind", "officer", "serial", "source_file", "source_line", "indexed_utc")
_COMPARED = slice(4, 11)


def import_footage_list(db: sqlite_utils.Database, path: str | Path, *, preset: str = "axon",
                        tz: str = "UTC") -> ImportReport:
    """Load a DEMS inventory as footage records with incident-number hints; see the module docstring."""
    if preset not in DEMS_PRESETS:
        raise InputError(f"unknown DEMS preset {preset!r} (known: {', '.join(DEMS_PRESETS)})")
    path = Path(path)
    csv_file = CsvFile(path)
    pos = {k: v[0] for k, v in resolve_columns(DEMS_PRESETS[preset].columns, csv_file.header).items()}
    if "id" not in pos or "start" not in pos:
        raise InputError(f"{path}: not a {preset} inventory: needs an evidence id and a start column "
                         f"(columns: {', '.join(csv_file.header)})")
    parsers = {"start": TimeParser(), "end": TimeParser()}
    converter = TimeZoneConverter(tz)
    report = ImportReport(preset=preset, source=preset)
    stamp, time_source = now_utc(), f"dems.{preset}"

    def cell(cells: list[str], name: str) -> str | None:
        return clean(cells[pos[name]]) if name in pos and pos[name] < len(cells) else None

    with db.conn:
        for row in csv_file.rows():
            report.rows += 1
            dems_id, start_text = cell(row.cells, "id"), cell(row.cells, "start")
            if dems_id is None or start_text is None:
                report.skip(str(path), row.line, "no evidence id" if dems_id is None else "no start time")
                continue
            try:
                start, _ = parsers["start"](start_text)
                end_text = cell(row.cells, "end")
                end = parsers["end"](end_text)[0] if end_text else None
            except ValueError as exc:
                report.skip(str(path), row.line, str(exc))
                continue
            zone_kind = "utc" if start.tzinfo is not None and not start.utcoffset() else (
                "offset" if start.tzinfo is not None else f"assumed:{tz}")
            start_utc = converter.to_utc(start)[0]
            end_utc = converter.to_utc(end)[0] if end else None
            duration = parse_float(cell(row.cells, "duration") or "")
            if duration is None and end_utc is not None:
                duration = (end_utc - start_utc).total_seconds()
            record: list[Any] = [
                "dems", preset, dems_id, "ok", utc_text(start_utc), utc_text(end_utc) if end_utc else None,
                duration, time_source, zone_kind, cell(row.cells, "officer"), cell(row.cells, "serial"),
                str(path), row.line, stamp,
            ]
            typed = cell(row.cells, "number")
            hint = (typed, canonical_number(typed)) if typed else None
            _store(db, record, hint, time_source, report)
    return report


def _store(db: sqlite_utils.Database, record: list[Any], hint: tuple[str, str | None] | None, source: str,
           report: ImportReport) -> None:
    old = db.execute(f"SELECT id, {', '.join(_COLUMNS[_COMPARED])} FROM footage WHERE dems_source = ? AND dems_id = ?",
                     record[1:3]).fetchone()
    old_hint = None
    if old is not None:
        found = db.execute("SELECT value, normalized FROM footage_hints WHERE footage_id = ? AND kind = "
                           "'incident_number'", [old[0]]).fetchone()
        old_hint = tuple(found) if found else None
        if list(old[1:]) == record[_COMPARED] and old_hint == hint:
            report.unchanged += 1
            return
        db.execute(f"UPDATE footage SET {', '.join(c + ' = ?' for c in _COLUMNS)} WHERE id = ?", [*record, old[0]])
        db.execute("DELETE FROM footage_hints WHERE footage_id = ? AND kind = 'incident_number'", [old[0]])
        footage_id = old[0]
        report.updated += 1
    else:
        cursor = db.execute(f"INSERT INTO footage ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                            record)
        footage_id = cursor.lastrowid
        report.new += 1
    if hint:
        db.execute("INSERT INTO footage_hints (footage_id, kind, value, normalized, source) VALUES "
                   "(?, 'incident_number', ?, ?, ?)", [footage_id, hint[0], hint[1], source])
