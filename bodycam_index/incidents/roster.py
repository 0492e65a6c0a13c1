"""Import a camera roster: which camera was issued to which officer and unit, from when until when.

Roster CSV format (one row per assignment; header names matched loosely, ignoring case, spaces and punctuation):

| field  | accepted header names                                           | required |
|--------|-----------------------------------------------------------------|----------|
| camera | `camera_serial`, `camera`, `serial`, `serial_number`, `device`, `device_serial` | one of camera / officer |
| officer| `officer`, `badge`, `badge_id`, `badge_number`, `officer_badge`, `employee_id` | one of camera / officer |
| unit   | `unit`, `call_sign`, `callsign`, `unit_id`                       | no       |
| from   | `from`, `start`, `valid_from`, `assigned`, `issued`, `from_utc`  | yes      |
| to     | `to`, `end`, `until`, `valid_to`, `returned`, `to_utc`           | no (empty = still assigned) |

A roster with other names is read with `mapping` (`--map field=column`, fields as in the table).
Times are any form the incident importer reads (ISO, `M/D/YYYY h:mm AM`, …); local ones are converted from `tz`.
A date-only `to` means "through that day". Re-importing the same roster changes nothing; a changed `to` updates the
assignment (keyed on camera, officer, unit and `from`). Rows are written in batches, one lookup query per batch.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import InputError
from . import provenance
from .csvread import CsvFile, clean
from .importer import ImportReport
from .normalize import TimeParser, TimeZoneConverter, utc_text
from .plan import settle_date_order
from .presets import mapped_columns

if TYPE_CHECKING:
    import sqlite_utils

COLUMNS: dict[str, tuple[str, ...]] = {
    "camera": ("camera_serial", "camera", "serial", "serial_number", "device", "device_serial"),
    "officer": ("officer", "badge", "badge_id", "badge_number", "officer_badge", "employee_id"),
    "unit": ("unit", "call_sign", "callsign", "unit_id"),
    "from": ("from", "start", "valid_from", "assigned", "issued", "from_utc"),
    "to": ("to", "end", "until", "valid_to", "returned", "to_utc"),
}
_BATCH = 5000


def import_roster(db: sqlite_utils.Database, path: str | Path, *, tz: str = "UTC",
                  mapping: dict[str, str] | None = None, date_order: str | None = None) -> ImportReport:
    """Load camera ↔ officer ↔ unit assignments into `assignments`; see the module docstring for the format."""
    path = Path(path)
    csv_file = CsvFile(path)
    found = provenance.fingerprint(path)
    pos = mapped_columns(COLUMNS, mapping, csv_file.header)
    if "from" not in pos or not ({"camera", "officer"} & set(pos)):
        raise InputError(f"{path}: a roster needs a from column and a camera or officer column "
                         f"(columns: {', '.join(csv_file.header)}); name them with --map from=COLUMN --map camera=COLUMN")
    day_first, notes = settle_date_order(csv_file, {k: pos[k] for k in ("from", "to") if k in pos}, date_order)
    parsers = {"from": TimeParser(day_first), "to": TimeParser(day_first)}
    converter = TimeZoneConverter(tz)
    report = ImportReport(preset="roster", source=str(path), notes=list(notes))

    def cell(cells: list[str], name: str) -> str | None:
        return clean(cells[pos[name]]) if name in pos and pos[name] < len(cells) else None

    def when(cells: list[str], name: str) -> str | None:
        text = cell(cells, name)
        if text is None:
            return None
        value, has_time = parsers[name](text)
        if not has_time and name == "to":
            value += timedelta(days=1)
        return utc_text(converter.to_utc(value)[0])

    pending: dict[tuple[str | None, str | None, str | None, str], tuple[str | None, int]] = {}
    with db.atomic():  # the whole file or nothing
        for line, cells in csv_file.records():
            report.rows += 1
            camera, officer, unit = (cell(cells, k) for k in ("camera", "officer", "unit"))
            try:
                start, end = when(cells, "from"), when(cells, "to")
            except ValueError as exc:
                report.skip(str(path), line, str(exc))
                continue
            if start is None or not (camera or officer):
                report.skip(str(path), line, "no from time" if start is None else "no camera or officer")
                continue
            if end is not None and end < start:
                report.skip(str(path), line, "to is before from")
                continue
            key = (camera, officer, unit, start)
            if key in pending or len(pending) >= _BATCH:  # a repeated assignment compares with its first row, stored
                _store(db, pending, str(path), report)
            pending[key] = (end, line)
        _store(db, pending, str(path), report)
        provenance.record(db.conn, "roster", path, found, report.rows)
    for line, reason in csv_file.dropped:
        report.rows += 1
        report.skip(str(path), line, reason)
    return report


def _store(db: sqlite_utils.Database, pending: dict[tuple[str | None, str | None, str | None, str],
           tuple[str | None, int]], file: str, report: ImportReport) -> None:
    """Write a batch of assignments: one query finds those stored (matched on all four key columns), then
    executemany inserts and updates."""
    if not pending:
        return
    stored = {tuple(row[:4]): row[4:] for row in db.conn.execute(
        "SELECT a.camera_serial, a.officer, a.unit, a.from_utc, a.id, a.to_utc FROM json_each(?) j "
        "JOIN assignments a ON a.camera_serial IS json_extract(j.value, '$[0]') "
        "AND a.officer IS json_extract(j.value, '$[1]') AND a.unit IS json_extract(j.value, '$[2]') "
        "AND a.from_utc = json_extract(j.value, '$[3]')", [json.dumps(list(pending))])}
    inserts, updates = [], []
    for key, (end, line) in pending.items():
        old = stored.get(key)
        if old is None:
            inserts.append((*key, end, file, line))
            report.new += 1
        elif old[1] != end:
            updates.append((end, file, line, old[0]))
            report.updated += 1
        else:
            report.unchanged += 1
    db.conn.executemany("INSERT INTO assignments (camera_serial, officer, unit, from_utc, to_utc, source_file, "
                        "source_line) VALUES (?, ?, ?, ?, ?, ?, ?)", inserts)
    db.conn.executemany("UPDATE assignments SET to_utc = ?, source_file = ?, source_line = ? WHERE id = ?", updates)
    pending.clear()
