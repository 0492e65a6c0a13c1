"""Import a DEMS evidence inventory (a list of recordings, no files) as `footage` records with origin `dems`.

Each row becomes one footage record keyed on (`dems_source`, `dems_id`): start, end, duration, the owner's badge
(names are never stored), the category as written (retention: `reports/retention.py`) and the incident number
the officer typed, kept as typed in `footage_hints` with its canonical form, or NULL when it is not an incident number (`system check`, `Training Scenario 1`, a date).
Another DEMS's export, or an Axon export with renamed columns, is read with `mapping` (`--map field=column`, on top of
the preset's names) under its own `source` label. Durations are seconds or `[H:]MM:SS[.f]`.
Naive times are wall-clock in `tz` (`zone_kind` `assumed:<tz>`), converted as for incidents and footage: a time in
the hour repeated or skipped by a DST change is flagged in the record's `warnings`; a re-import changes nothing, a
newer inventory updates the records that changed. Rows are written in batches: one query finds a batch's stored
records, one their hints.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..db import now_utc
from ..model import InputError
from ..resolve import DST_CHANGE
from . import provenance
from .csvread import CsvFile, clean
from .importer import ImportReport
from .normalize import TimeParser, TimeZoneConverter, canonical_number, parse_float, utc_text
from .plan import settle_date_order
from .presets import mapped_columns

if TYPE_CHECKING:
    import sqlite_utils


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
        "category": ("categories", "Categories", "Category"),
    }),
}

#: A duration written as a clock: `0:05:23`, `05:23`, `1:02:03.5`.
_CLOCK_DURATION = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$", re.ASCII)


def duration_seconds(text: str | None) -> float | None:
    """A duration cell in seconds: a number of seconds or `[H:]MM:SS[.f]`; None when empty or neither."""
    if not text:
        return None
    m = _CLOCK_DURATION.match(text)
    if m:
        hours, minutes, seconds = m.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return parse_float(text)


_COLUMNS = ("origin", "dems_source", "dems_id", "status", "start_utc", "end_utc", "duration_s", "time_source",
            "zone_kind", "officer", "serial", "dems_category", "warnings", "source_file", "source_line", "indexed_utc")
_COMPARED = slice(4, 13)
_BATCH = 5000


def import_footage_list(db: sqlite_utils.Database, path: str | Path, *, preset: str = "axon", tz: str = "UTC",
                        mapping: dict[str, str] | None = None, source: str | None = None,
                        date_order: str | None = None) -> ImportReport:
    """Load a DEMS inventory as footage records with incident-number hints; see the module docstring. Records are
    keyed on `source` (default: the preset's name) and the evidence id; `date_order` is the date order of `05/01/2023`
    (`plan.settle_date_order`)."""
    if preset not in DEMS_PRESETS:
        raise InputError(f"unknown DEMS preset {preset!r} (known: {', '.join(DEMS_PRESETS)})")
    path = Path(path)
    csv_file = CsvFile(path)
    found = provenance.fingerprint(path)
    pos = mapped_columns(DEMS_PRESETS[preset].columns, mapping, csv_file.header)
    if "id" not in pos or "start" not in pos:
        raise InputError(f"{path}: the {preset} preset finds no evidence id or no start column "
                         f"(columns: {', '.join(csv_file.header)}); name them with --map id=COLUMN --map "
                         "start=COLUMN")
    label = source or preset
    day_first, notes = settle_date_order(csv_file, {k: pos[k] for k in ("start", "end") if k in pos}, date_order)
    parsers = {"start": TimeParser(day_first), "end": TimeParser(day_first)}
    converter = TimeZoneConverter(tz)
    report = ImportReport(preset=preset, source=label, notes=list(notes))
    stamp, time_source = now_utc(), f"dems.{label}"

    def cell(cells: list[str], name: str) -> str | None:
        return clean(cells[pos[name]]) if name in pos and pos[name] < len(cells) else None

    pending: dict[str, tuple[list[Any], tuple[str, str | None] | None]] = {}
    with db.atomic():  # the whole file or nothing
        for line, cells in csv_file.records():
            report.rows += 1
            dems_id, start_text = cell(cells, "id"), cell(cells, "start")
            if dems_id is None or start_text is None:
                report.skip(str(path), line, "no evidence id" if dems_id is None else "no start time")
                continue
            try:
                start, _ = parsers["start"](start_text)
                end_text = cell(cells, "end")
                end = parsers["end"](end_text)[0] if end_text else None
            except ValueError as exc:
                report.skip(str(path), line, str(exc))
                continue
            zone_kind = "utc" if start.tzinfo is not None and not start.utcoffset() else (
                "offset" if start.tzinfo is not None else f"assumed:{tz}")
            start_utc, start_dst = converter.to_utc(start)
            end_utc, end_dst = converter.to_utc(end) if end else (None, None)
            warnings = [f"{DST_CHANGE}: {time_source} {name} {value.isoformat(sep=' ')} is {dst} in {tz}"
                        for name, value, dst in (("start", start, start_dst), ("end", end, end_dst)) if dst]
            duration = duration_seconds(cell(cells, "duration"))
            if duration is None and end_utc is not None:
                duration = (end_utc - start_utc).total_seconds()
            record: list[Any] = [
                "dems", label, dems_id, "ok", utc_text(start_utc), utc_text(end_utc) if end_utc else None,
                duration, time_source, zone_kind, cell(cells, "officer"), cell(cells, "serial"),
                cell(cells, "category"),
                json.dumps(warnings) if warnings else None, str(path), line, stamp,
            ]
            typed = cell(cells, "number")
            if dems_id in pending or len(pending) >= _BATCH:  # a repeated id compares with its first row, stored
                _store(db, label, pending, time_source, report)
            pending[dems_id] = (record, (typed, canonical_number(typed)) if typed else None)
        _store(db, label, pending, time_source, report)
        provenance.record(db.conn, "inventory", path, found, report.rows)
    for line, reason in csv_file.dropped:
        report.rows += 1
        report.skip(str(path), line, reason)
    return report


def _store(db: sqlite_utils.Database, label: str, pending: dict[str, tuple[list[Any], tuple[str, str | None] | None]],
           source: str, report: ImportReport) -> None:
    """Write a batch of records: one query for the stored records, one for their hints, then executemany."""
    if not pending:
        return
    conn = db.conn
    old = {row[0]: row[1:] for row in conn.execute(
        f"SELECT dems_id, id, {', '.join(_COLUMNS[_COMPARED])} FROM footage WHERE dems_source = ? AND dems_id IN "
        "(SELECT value FROM json_each(?))", [label, json.dumps(list(pending))])}
    old_hints: dict[int, tuple[str, str | None]] = {}
    for footage_id, value, normalized in conn.execute(
            "SELECT footage_id, value, normalized FROM footage_hints WHERE kind = 'incident_number' AND footage_id IN "
            "(SELECT value FROM json_each(?))", [json.dumps([o[0] for o in old.values()])]):
        old_hints.setdefault(footage_id, (value, normalized))
    inserts, updates, hints = [], [], []
    for dems_id, (record, hint) in pending.items():
        stored = old.get(dems_id)
        if stored is None:
            inserts.append(record)
            report.new += 1
        elif list(stored[1:]) == record[_COMPARED] and old_hints.get(stored[0]) == hint:
            report.unchanged += 1
        else:
            updates.append([*record, stored[0]])
            if hint:
                hints.append((stored[0], *hint, source))
            report.updated += 1
    conn.executemany(f"UPDATE footage SET {', '.join(c + ' = ?' for c in _COLUMNS)} WHERE id = ?", updates)
    conn.executemany("DELETE FROM footage_hints WHERE footage_id = ? AND kind = 'incident_number'",
                     [(u[-1],) for u in updates])
    conn.executemany(f"INSERT INTO footage ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", inserts)
    if inserts:
        new_ids = dict(conn.execute("SELECT dems_id, id FROM footage WHERE dems_source = ? AND dems_id IN "
                                    "(SELECT value FROM json_each(?))", [label, json.dumps([r[2] for r in inserts])]))
        hints += [(new_ids[r[2]], *pending[r[2]][1], source) for r in inserts if pending[r[2]][1]]  # type: ignore[misc]
    conn.executemany("INSERT INTO footage_hints (footage_id, kind, value, normalized, source) VALUES "
                     "(?, 'incident_number', ?, ?, ?)", hints)
    pending.clear()
