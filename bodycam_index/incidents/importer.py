"""Import a CAD / RMS / use-of-force export into `incidents`, `incident_aliases` and `incident_units`.

Streaming: rows are read one at a time, grouped by canonical number into incidents (a row per unit or per officer ×
subject adds to the incident's units), and written in batches inside one transaction. Each batch's numbers are
looked up in bulk and compared by content hash, so a re-import changes nothing and a newer export updates only
what changed. The first row of an incident gives its fields; later rows fill fields still empty.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from ..db import now_utc
from ..model import InputError
from . import presets, store
from .csvread import CsvFile, Row, clean
from .normalize import (
    Projector,
    TimeParser,
    TimeZoneConverter,
    canonical_number,
    parse_clock,
    parse_float,
    parse_point,
    utc_text,
    valid_latlon,
)
from .presets import TIME_FIELDS, Preset, Rules

BATCH = 20_000
CACHE_KIB = 64 * 1024  # SQLite page cache while importing: keeps the indexes of a large table in memory
_NUMBER_KEYS = ("type", "type_description", "priority", "precinct", "sector", "beat")


@dataclass
class Skipped:
    """A row left out: where it is and why."""

    file: str
    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did: incidents (or records) new, updated, unchanged; rows read and rows skipped."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rows: int = 0
    skipped_rows: list[Skipped] = field(default_factory=list)
    preset: str = ""
    source: str = ""

    def skip(self, file: str, line: int, reason: str) -> None:
        """Record one skipped row."""
        self.skipped += 1
        self.skipped_rows.append(Skipped(file, line, reason))

    def summary(self) -> str:
        """One line: the counts."""
        return (f"{self.rows} rows: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.skipped} skipped")


def incident_key(text: str) -> str:
    """The stored key of an incident's own number: `canonical_number`, else the text upper-cased and trimmed."""
    return canonical_number(text) or " ".join(text.upper().split())


@dataclass
class Incident:
    """One incident being assembled from its rows."""

    number: str
    number_raw: str
    line: int
    values: dict[str, Any]
    flags: list[str]
    aliases: dict[str, str]
    units: set[tuple[str | None, str | None]]

    def merge(self, other: Incident) -> None:
        """Add a later row of the same incident: its units and aliases, and any field still empty."""
        for key, value in other.values.items():
            if self.values.get(key) is None and value is not None:
                self.values[key] = value
        self.flags.extend(f for f in other.flags if f not in self.flags)
        for alias, raw in other.aliases.items():
            self.aliases.setdefault(alias, raw)
        self.units |= other.units


class RowBuilder:
    """Turns one CSV row into an `Incident` (or a reason to skip it) with a preset's column positions."""

    def __init__(self, preset: Preset, positions: dict[str, list[int]], header: list[str], tz: str) -> None:
        self.preset = preset
        self.width = len(header)
        self.pos = {k: v[0] for k, v in positions.items() if k != "aliases"}
        self.plain = [(k, self.pos[k]) for k in _NUMBER_KEYS if k in self.pos]
        self.alias_pos = positions.get("aliases", [])
        self.times = {f: TimeParser() for f in TIME_FIELDS if f in self.pos}
        self.clocks = {f: self.pos[f + "_time"] for f in TIME_FIELDS if f + "_time" in self.pos and f in self.pos}
        self.tz = TimeZoneConverter(tz)
        self.projector = Projector(preset.epsg) if preset.epsg and "x" in self.pos and "y" in self.pos else None
        self._point_cache: dict[tuple[str, str], tuple[float, float] | None] = {}

    def _cell(self, cells: list[str], name: str) -> str | None:
        i = self.pos.get(name)
        return clean(cells[i]) if i is not None else None

    def build(self, row: Row) -> Incident | str:
        """The row's incident, or the reason it is skipped."""
        cells = row.cells
        if len(cells) != self.width:
            if len(cells) > self.width and not any(c.strip() for c in cells[self.width:]):
                cells = cells[:self.width]
            else:
                return f"{len(cells)} cells where the header has {self.width}"
        raw = self._cell(cells, "number")
        if raw is None:
            return "no incident number"
        number = incident_key(raw)
        values: dict[str, Any] = {k: clean(cells[i]) for k, i in self.plain}
        flags: list[str] = []
        for name, parser in self.times.items():
            values[name] = self._time(cells, name, parser, values, flags)
        if values.get("day_end") and values.get("cleared") is None:
            values["cleared"] = values["day_end"]
        values.pop("day_end", None)
        values["lat"], values["lon"] = self._position(cells, flags)
        aliases = {number: raw}
        for i in self.alias_pos:
            text = clean(cells[i])
            key = canonical_number(text) if text else None
            if key:
                aliases.setdefault(key, text or "")
        units: set[tuple[str | None, str | None]] = set()
        unit, officer = self._cell(cells, "unit"), self._cell(cells, "officer")
        if unit or officer:
            unit_list = [u.strip() for u in unit.split("|")] if unit else [None]
            officer_list = [o.strip() for o in officer.split("|")] if officer else [None]
            units = {(u or None, o or None) for u in unit_list for o in officer_list}
        return Incident(number, raw.strip(), row.line, values, flags, aliases, units)

    def _time(self, cells: list[str], name: str, parser: TimeParser, values: dict[str, Any],
              flags: list[str]) -> str | None:
        text = self._cell(cells, name)
        if text is None:
            return None
        try:
            value, has_time = parser(text)
            if name in self.clocks:
                clock_text = clean(cells[self.clocks[name]])
                if clock_text is not None:
                    value, has_time = datetime.combine(value.date(), parse_clock(clock_text), value.tzinfo), True
        except ValueError:
            flags.append(f"bad_time:{name}")
            return None
        utc, dst = self.tz.to_utc(value)
        if dst:
            flags.append(f"{dst}:{name}")
        if not has_time:
            flags.append(f"date_only:{name}")
            if name == "received":
                end, _ = self.tz.to_utc(datetime.combine(value.date() + timedelta(days=1), datetime.min.time()))
                values["day_end"] = utc_text(end)
        return utc_text(utc)

    def _position(self, cells: list[str], flags: list[str]) -> tuple[float | None, float | None]:
        lat_text, lon_text = self._cell(cells, "lat"), self._cell(cells, "lon")
        if lat_text and lon_text:
            lat, lon = parse_float(lat_text), parse_float(lon_text)
            if lat is not None and lon is not None and valid_latlon(lat, lon):
                return lat, lon
        point = self._cell(cells, "point")
        if point:
            found = parse_point(point)
            if found:
                return found
        if self.projector:
            x, y = self._cell(cells, "x"), self._cell(cells, "y")
            if x and y:
                key = (x, y)
                if key not in self._point_cache:
                    fx, fy = parse_float(x), parse_float(y)
                    if len(self._point_cache) > 50_000:
                        self._point_cache.clear()
                    self._point_cache[key] = self.projector(fx, fy) if fx is not None and fy is not None else None
                found = self._point_cache[key]
                if found:
                    return found
                flags.append("bad_coordinates")
        elif lat_text or point:
            flags.append("bad_coordinates")
        return None, None


def choose_preset(header: list[str], preset: str | None, mapping: dict[str, str] | None) -> Preset:
    """The preset named, built from `--map`, or detected from the header."""
    base = presets.get(preset) if preset else None
    if mapping:
        return presets.from_mapping(mapping, base)
    if base:
        return base
    found = presets.detect(header)
    if found is None:
        raise InputError("no preset matches these columns; name one with --preset or map columns with --map "
                         f"(columns: {', '.join(header)})")
    return found


class _Writer:
    """Batches incidents and writes them: bulk lookup, hash compare, executemany."""

    def __init__(self, db: sqlite_utils.Database, source: str, path: Path, rules: Rules, use_of_force: bool,
                 report: ImportReport) -> None:
        self.conn = db.conn
        self.source, self.file, self.rules, self.uof, self.report = source, str(path), rules, use_of_force, report
        self.pending: dict[str, Incident] = {}
        self.seen: set[str] = set()
        self.stamp = now_utc()
        self.next_id = store.next_id(self.conn)

    def add(self, incident: Incident) -> None:
        """Queue one row's incident (merged with earlier rows of the same number)."""
        current = self.pending.get(incident.number)
        if current is not None:
            current.merge(incident)
        elif incident.number in self.seen:
            self._continue(incident)
        else:
            self.pending[incident.number] = incident
            if len(self.pending) >= BATCH:
                self.flush()

    def _continue(self, incident: Incident) -> None:
        id_ = store.incident_id(self.conn, self.source, incident.number)
        if id_ is not None:
            store.add_units(self.conn, [(id_, u, o) for u, o in incident.units])
            store.add_aliases(self.conn, [(id_, a, r) for a, r in incident.aliases.items()])

    def _row(self, inc: Incident) -> tuple[list[Any], str]:
        v = inc.values
        requires = self.rules.requires(v.get("type"), v.get("type_description"), v.get("priority"))
        fields = [
            inc.number, inc.number_raw, self.source, v.get("type"), v.get("type_description"), v.get("priority"),
            v.get("received"), v.get("dispatched"), v.get("arrived"), v.get("cleared"),
            json.dumps(inc.flags) if inc.flags else None, v.get("lat"), v.get("lon"),
            v.get("precinct"), v.get("sector"), v.get("beat"), int(requires), int(self.uof),
        ]
        content = repr((fields, sorted(inc.aliases), sorted(inc.units, key=repr)))
        digest = hashlib.blake2b(content.encode(), digest_size=12).hexdigest()
        return [*fields, self.file, inc.line, digest, self.stamp], digest

    def flush(self) -> None:
        """Write the pending batch."""
        if not self.pending:
            return
        found = store.existing(self.conn, self.source, list(self.pending))
        inserts, updates, aliases, units = [], [], [], []
        for number, inc in self.pending.items():
            row, digest = self._row(inc)
            old = found.get(number)
            if old is None:
                id_ = self.next_id
                self.next_id += 1
                inserts.append((id_, *row))
                self.report.new += 1
            elif old[1] != digest:
                id_ = old[0]
                updates.append((*row, id_))
                self.report.updated += 1
            else:
                self.report.unchanged += 1
                continue
            aliases.extend((id_, a, r) for a, r in inc.aliases.items())
            units.extend((id_, u, o) for u, o in inc.units)
        store.insert(self.conn, inserts)
        store.update(self.conn, updates)
        store.add_aliases(self.conn, aliases)
        store.add_units(self.conn, units)
        self.seen.update(self.pending)
        self.pending.clear()


def import_incidents(
    db: sqlite_utils.Database,
    path: str | Path,
    *,
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    tz: str = "UTC",
    source: str | None = None,
    requires_footage: Rules | None = None,
) -> ImportReport:
    """Import one incident export; see the module docstring. Raises InputError for an unusable file or map."""
    path = Path(path)
    csv_file = CsvFile(path)
    chosen = choose_preset(csv_file.header, preset, mapping)
    positions = presets.resolve_columns(chosen.columns, csv_file.header)
    missing = [chosen.columns[f][0] for f in (mapping or {}) if f not in positions]
    if "number" not in positions or missing:
        names = missing or [chosen.columns["number"][0]]
        raise InputError(f"{path}: column(s) {', '.join(map(repr, names))} not in the header "
                         f"({', '.join(csv_file.header)})")
    builder = RowBuilder(chosen, positions, csv_file.header, tz)
    report = ImportReport(preset=chosen.name, source=source or chosen.name)
    rules = requires_footage or chosen.rules
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    with db.conn:
        writer = _Writer(db, report.source, path, rules, chosen.use_of_force, report)
        for row in csv_file.rows():
            report.rows += 1
            built = builder.build(row)
            if isinstance(built, str):
                report.skip(str(path), row.line, built)
            else:
                writer.add(built)
        writer.flush()
    return report
