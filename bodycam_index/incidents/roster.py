"""Import a camera roster: which camera was issued to which officer and unit, from when until when.

Roster CSV format (one row per assignment; header names matched loosely, ignoring case, spaces and punctuation):

| field  | accepted header names                                           | required |
|--------|-----------------------------------------------------------------|----------|
| camera | `camera_serial`, `camera`, `serial`, `serial_number`, `device`, `device_serial` | one of camera / officer |
| officer| `officer`, `badge`, `badge_id`, `badge_number`, `officer_badge`, `employee_id` | one of camera / officer |
| unit   | `unit`, `call_sign`, `callsign`, `unit_id`                       | no       |
| from   | `from`, `start`, `valid_from`, `assigned`, `issued`, `from_utc`  | yes      |
| to     | `to`, `end`, `until`, `valid_to`, `returned`, `to_utc`           | no (empty = still assigned) |

Times are any form the incident importer reads (ISO, `M/D/YYYY h:mm AM`, …); local ones are converted from `tz`.
A date-only `to` means "through that day". Re-importing the same roster changes nothing; a changed `to` updates the
assignment (keyed on camera, officer, unit and `from`).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlite_utils

from ..model import InputError
from .csvread import CsvFile, clean
from .importer import ImportReport
from .normalize import TimeParser, TimeZoneConverter, utc_text
from .presets import resolve_columns

COLUMNS: dict[str, tuple[str, ...]] = {
    "camera": ("camera_serial", "camera", "serial", "serial_number", "device", "device_serial"),
    "officer": ("officer", "badge", "badge_id", "badge_number", "officer_badge", "employee_id"),
    "unit": ("unit", "call_sign", "callsign", "unit_id"),
    "from": ("from", "start", "valid_from", "assigned", "issued", "from_utc"),
    "to": ("to", "end", "until", "valid_to", "returned", "to_utc"),
}


def import_roster(db: sqlite_utils.Database, path: str | Path, *, tz: str = "UTC") -> ImportReport:
    """Load camera ↔ officer ↔ unit assignments into `assignments`; see the module docstring for the format."""
    path = Path(path)
    csv_file = CsvFile(path)
    pos = {k: v[0] for k, v in resolve_columns(COLUMNS, csv_file.header).items()}
    if "from" not in pos or not ({"camera", "officer"} & set(pos)):
        raise InputError(f"{path}: a roster needs a from column and a camera or officer column "
                         f"(columns: {', '.join(csv_file.header)})")
    parsers = {"from": TimeParser(), "to": TimeParser()}
    converter = TimeZoneConverter(tz)
    report = ImportReport(preset="roster", source=str(path))

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

    with db.conn:
        for row in csv_file.rows():
            report.rows += 1
            camera, officer, unit = (cell(row.cells, k) for k in ("camera", "officer", "unit"))
            try:
                start, end = when(row.cells, "from"), when(row.cells, "to")
            except ValueError as exc:
                report.skip(str(path), row.line, str(exc))
                continue
            if start is None or not (camera or officer):
                report.skip(str(path), row.line, "no from time" if start is None else "no camera or officer")
                continue
            if end is not None and end < start:
                report.skip(str(path), row.line, "to is before from")
                continue
            key = [camera, officer, unit, start]
            old = db.execute(
                "SELECT id, to_utc FROM assignments WHERE camera_serial IS ? AND officer IS ? AND unit IS ? "
                "AND from_utc = ?", key).fetchone()
            if old is None:
                db.execute("INSERT INTO assignments (camera_serial, officer, unit, from_utc, to_utc, source_file, "
                           "source_line) VALUES (?, ?, ?, ?, ?, ?, ?)", [*key, end, str(path), row.line])
                report.new += 1
            elif old[1] != end:
                db.execute("UPDATE assignments SET to_utc = ?, source_file = ?, source_line = ? WHERE id = ?",
                           [end, str(path), row.line, old[0]])
                report.updated += 1
            else:
                report.unchanged += 1
    return report

