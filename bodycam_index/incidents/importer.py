"""Import a CAD / RMS / use-of-force export into `incidents`, `incident_aliases` and `incident_units`.

Streaming: rows are read one at a time, grouped by canonical number into incidents (a row per unit or per officer ×
subject adds to the incident's units), and written in batches, one transaction each. Each batch's numbers are
looked up with one query and compared by content hash, so a re-import changes nothing and a newer export updates only
what changed. The first row of an incident gives its fields; later rows fill fields still empty.

Speed (issues 4, 14): column positions, cleaning caches and time parsers are set up once per file; rows are built
`CHUNK` at a time, column by column, straight into the rows as stored (`RowBuilder.build_many`; an `Incident` object
only where rows merge); the common `M/D/Y h:mm:ss AM` form goes to UTC text through caches (`ColumnTimes`), a column
of digit-only numbers to its keys in one pass (`digit_keys`); the content hash is taken once per row over its mapped
cells as written. A large file is read and built in a helper process that hands the built chunks (`marshal`, a
group at a time) to this one, which assembles them into batches (one dict `setdefault` per row) and writes them: a
batch of new numbers is one `executemany` of the rows as they came. Memory stays bounded (caches emptied when full,
a fixed-size filter of the numbers written).
"""

from __future__ import annotations

import gc
import hashlib
import json
import marshal
import pickle
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..db import now_utc
from . import provenance, store
from .csvread import CleanCache, CsvFile, clean
from .infer import Proposal
from .normalize import (
    ColumnTimes,
    Projector,
    TimeZoneConverter,
    canonical_number,
    digit_keys,
    incident_key,
    parse_clock,
    parse_float,
    parse_point,
    remember,
    utc_text,
    valid_latlon,
)
from .plan import Plan, plan_import
from .presets import TIME_FIELDS, Preset, Rules

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    import sqlite_utils

#: The date a spreadsheet writes before a bare time of day (its day zero): `12/30/1899 3:04:00 PM`.
_EPOCH_DAY = re.compile(r"^(?:1899-12-3[01]|12/3[01]/1899|3[01]/12/1899|1900-01-0[01]|0?[01]/0?[01]/1900)[ T]+")
BATCH = 20_000
CHUNK = 1024  # rows built together, column by column (`RowBuilder.build_many`)
HELPER_BYTES = 8 * 1024 * 1024  # files from this size on are parsed in a helper process while this one writes
GROUP = 16  # chunks the helper process sends at a time: it reads and builds the next group meanwhile
_TEXT_KEYS = ("type", "type_description", "priority", "precinct", "sector", "beat")


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
    aliased: int = 0
    skipped_rows: list[Skipped] = field(default_factory=list)
    preset: str = ""
    source: str = ""
    proposal: Proposal | None = None  # the mapping inferred when no preset matched
    notes: list[str] = field(default_factory=list)  # assumptions the file could not settle (`Plan.notes`)

    def skip(self, file: str, line: int, reason: str) -> None:
        """Record one skipped row."""
        self.skipped += 1
        self.skipped_rows.append(Skipped(file, line, reason))

    def summary(self) -> str:
        """One line: the counts."""
        text = (f"{self.rows} rows: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.skipped} skipped")
        if self.aliased:
            text += f"; {self.aliased} rows met an incident under another written form of its number"
        return text


# Mergeable values of an incident, in this order (`Incident.values`); the four times sit at _TIMES.
VALUE_KEYS = ("type", "type_description", "priority", "received", "dispatched", "arrived", "cleared", "lat", "lon",
              "precinct", "sector", "beat")
_SLOT = {k: i for i, k in enumerate(VALUE_KEYS)}
_CLEARED, _LAT, _LON = _SLOT["cleared"], _SLOT["lat"], _SLOT["lon"]
_TIMES = slice(_SLOT[TIME_FIELDS[0]], _SLOT[TIME_FIELDS[-1]] + 1)
_UNIT_TIMES = ("dispatched", "arrived", "cleared")  # each unit's own times, in incident_units
_UNIT_TIMES_AT = slice(_SLOT[_UNIT_TIMES[0]], _SLOT[_UNIT_TIMES[-1]] + 1)
_DATE_ONLY = tuple((k, f"date_only:{k}") for k in TIME_FIELDS)
_DAY_RECEIVED = "date_only:received"

UnitKey = tuple[str | None, str | None]  # (unit, officer)
UnitTimes = list[str | None]  # dispatched, arrived, cleared (UTC text)


def merge_times(mine: list[Any], flags: list[str], other: list[Any], other_flags: list[str]) -> set[str]:
    """Merge another row's times (`TIME_FIELDS` order) into `mine`: a time of day replaces a date-only value (its
    flag removed from `flags`); between values of one kind the earlier received / dispatched / arrived and the
    later cleared time win. Returns the other row's date-only flags that lost to a time of day."""
    dropped: set[str] = set()
    for i, (name, date_only) in enumerate(_DATE_ONLY):
        value, current = other[i], mine[i]
        if value is None:
            continue
        other_day, my_day = date_only in other_flags, date_only in flags
        if current is None or (my_day and not other_day):
            mine[i] = value
            if my_day and not other_day:
                flags.remove(date_only)
        elif other_day and not my_day:
            dropped.add(date_only)
        elif not my_day and (value > current if name == "cleared" else value < current):
            mine[i] = value
    return dropped


def _merge_unit_times(mine: UnitTimes, other: UnitTimes) -> None:
    """One unit met on two rows: the earlier dispatch and arrival, the later clear."""
    for i, value in enumerate(other):
        if value is not None and (mine[i] is None or (value > mine[i] if i == 2 else value < mine[i])):
            mine[i] = value


@dataclass(slots=True)
class Incident:
    """One incident being assembled from its rows: `values` in `VALUE_KEYS` order."""

    number: str
    number_raw: str
    line: int
    values: list[Any]
    flags: list[str]
    aliases: dict[str, str]
    units: dict[UnitKey, UnitTimes]
    day_end: str | None = None  # end of the local day of a date-only received time
    digest: bytes = b""  # content hash of the rows' mapped cells (`RowBuilder`)

    def merge(self, other: Incident) -> None:
        """Add a later row of the same incident: its units and aliases, any field still empty, the earlier
        received / dispatched / arrived and the later cleared time; a time of day replaces a date-only value."""
        values, flags = self.values, self.flags
        times = values[_TIMES]
        dropped = merge_times(times, flags, other.values[_TIMES], other.flags)
        values[_TIMES] = times
        for i, value in enumerate(other.values):
            if values[i] is None and value is not None:
                values[i] = value
        flags.extend(f for f in other.flags if f not in flags and f not in dropped)
        if other.day_end and self.day_end is None:
            self.day_end = other.day_end
        self.digest = hashlib.blake2b(self.digest + other.digest, digest_size=_DIGEST).digest()
        for alias, raw in other.aliases.items():
            self.aliases.setdefault(alias, raw)
        for key, times in other.units.items():
            mine_times = self.units.get(key)
            if mine_times is None:
                self.units[key] = times
            else:
                _merge_unit_times(mine_times, times)


#: Bump when a change of normalisation changes what is stored from the same cells: the content hash covers the
#: cells and the import's settings (`content_key`), not the stored values, so a re-import then rewrites every row.
NORMALISATION = "1"
_DIGEST = 12  # bytes of content hash


def content_key(preset: Preset, positions: dict[str, list[int]], tz: str, source: str, rules: Rules) -> bytes:
    """The key of an import's content hashes: everything besides the cells that decides what is stored."""
    settings = repr((NORMALISATION, preset.name, sorted(positions.items()), sorted(preset.date_only), preset.epsg,
                     preset.use_of_force, tz, source, rules) + ((True,) if preset.day_first else ()))
    return hashlib.blake2b(settings.encode(), digest_size=32).digest()


#: A stored incident row: `store.INCIDENT_COLUMNS` in order (no id). Positions used here:
_ROW_LINE, _ROW_HASH = 19, 20
Stored = tuple[Any, ...]
UnitRow = tuple[str | None, str | None, str | None, str | None, str | None]  # unit, officer, dispatched … cleared


class _Requires(dict[tuple[str | None, str | None, str | None], int]):
    """`requires_footage` (0/1) per (type, type description, priority), remembered; emptied when full."""

    limit = 50_000

    def __init__(self, rules: Rules) -> None:
        super().__init__()
        self.rules = rules

    def __missing__(self, key: tuple[str | None, str | None, str | None]) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = int(self.rules.requires(*key))
        return value


class _Finisher:
    """The constant columns of an import's stored rows (source, file, use of force, import time) and the
    `requires_footage` rules; turns an assembled incident into its stored row."""

    def __init__(self, source: str, file: str, rules: Rules, use_of_force: bool, stamp: str | None = None) -> None:
        self.source, self.file, self.uof = source, file, int(use_of_force)
        self.stamp = stamp or now_utc()
        self.requires = _Requires(rules)

    def __call__(self, inc: Incident) -> Stored:
        """The incident's stored row; a date-only incident without a cleared time keeps its whole local day."""
        v = inc.values
        if inc.day_end and v[_CLEARED] is None and _DAY_RECEIVED in inc.flags:
            v[_CLEARED] = inc.day_end
        return (inc.number, inc.number_raw, self.source, *v[:7], json.dumps(inc.flags) if inc.flags else None,
                *v[7:], self.requires[v[0], v[1], v[2]], self.uof, self.file, inc.line, inc.digest.hex(), self.stamp)


def _incident(row: Stored, others: list[tuple[str, str]] | None, units: list[UnitRow] | None) -> Incident:
    """The `Incident` a stored row was finished from (one without a date-only day), to merge a later row into."""
    aliases = {row[0]: row[1]}
    for alias, raw in others or ():
        aliases.setdefault(alias, raw)
    return Incident(row[0], row[1], row[_ROW_LINE], [*row[3:10], *row[11:16]],
                    json.loads(row[10]) if row[10] else [], aliases,
                    {(u[0], u[1]): list(u[2:]) for u in units or ()}, None, bytes.fromhex(row[_ROW_HASH]))


def _unit_rows(units: dict[UnitKey, UnitTimes]) -> list[UnitRow]:
    return [(*key, *times) for key, times in units.items()]  # type: ignore[misc]


def _other_aliases(aliases: dict[str, str], number: str) -> list[tuple[str, str]]:
    return [(a, r) for a, r in aliases.items() if a != number]


@dataclass(slots=True)
class Chunk:
    """Rows built together (`RowBuilder.build_many`). Per record: its line and the reason it is skipped, or None.
    Per kept row: its number key, its stored row, its other aliases and its units (lists, or None when the preset
    maps no such column); `day_ends`: the kept rows whose date-only received time lets the end of its local day
    stand in for a missing cleared time once the rows of the incident are merged. Plain lists and tuples, so that
    `marshal` hands it from the parsing process to the writing one."""

    lines: list[int]
    reasons: list[str | None]
    keys: list[str]
    items: list[Stored]
    others: list[list[tuple[str, str]]] | None
    units: list[list[UnitRow]] | None
    day_ends: dict[int, str]

    def incident(self, k: int) -> Incident:
        """Kept row `k` as an `Incident`."""
        inc = _incident(self.items[k], self.others[k] if self.others else None, self.units[k] if self.units else None)
        inc.day_end = self.day_ends.get(k)
        return inc

    def fields(self) -> tuple[Any, ...]:
        """The chunk as a tuple (`Chunk(*fields)` makes it again)."""
        return self.lines, self.reasons, self.keys, self.items, self.others, self.units, self.day_ends


class _Numbers(dict[str, tuple[str, str] | None]):
    """A number cell → (cleaned, `incident_key`), or None when it holds no number; emptied when full (rows of one
    incident usually follow each other: the cache serves them)."""

    limit = 4096

    def __missing__(self, cell: str) -> tuple[str, str] | None:
        if len(self) >= self.limit:
            self.clear()
        cleaned = clean(cell)
        value = self[cell] = None if cleaned is None else (cleaned, incident_key(cleaned))
        return value


class RowBuilder:
    """Turns CSV rows into stored incident rows (or reasons to skip them) with a preset's column positions, resolved
    once per file: each column gets its own cleaning cache or time parser. The incident's content hash is taken
    over the row's mapped cells as written, keyed by the import's settings (`content_key`): a re-import of the
    same cells under the same settings stores the same values, so equal hashes mean nothing to update."""

    def __init__(self, preset: Preset, positions: dict[str, list[int]], header: list[str], tz: str,
                 key: bytes = b"", finish: _Finisher | None = None) -> None:
        self.width = len(header)
        self.key = key
        self.finish = finish or _Finisher("", "", preset.rules, preset.use_of_force)
        mapped = sorted({i for at in positions.values() for i in at})
        getter = itemgetter(*mapped)
        self.mapped = getter if len(mapped) > 1 else lambda cells: (getter(cells),)
        pos = {k: v[0] for k, v in positions.items() if k != "aliases"}
        self.pos = pos
        self.number_at = pos["number"]
        self.plain = [(_SLOT[k], pos[k], CleanCache()) for k in _TEXT_KEYS if k in pos]
        converter = TimeZoneConverter(tz)
        self.tz = converter
        # clock_at: the time-of-day column, -1 when the column's own time of day is a placeholder, None otherwise
        self.times = [(_SLOT[f], f, pos[f], ColumnTimes(converter, preset.day_first),
                       -1 if f in preset.date_only else pos.get(f + "_time")) for f in TIME_FIELDS if f in pos]
        self.alias_pos = positions.get("aliases", [])
        self.latlon = (pos["lat"], pos["lon"]) if "lat" in pos and "lon" in pos else None
        self.projector = Projector(preset.epsg) if preset.epsg and "x" in pos and "y" in pos else None
        self._point_cache: dict[tuple[str, str], tuple[float, float] | None] = {}
        self.has_units = "unit" in pos or "officer" in pos
        self._numbers = _Numbers()
        self.hasher = hashlib.blake2b(digest_size=_DIGEST, key=key)  # copied for each row

    def _cell(self, cells: list[str], name: str) -> str | None:
        """The cleaned cell of field `name`, or None (no such column, null token, garbage)."""
        i = self.pos.get(name)
        return clean(cells[i]) if i is not None else None

    def build(self, line: int, cells: list[str]) -> Incident | str:
        """The row's incident, or the reason it is skipped."""
        chunk = self.build_many([(line, cells)])
        return chunk.reasons[0] or chunk.incident(0)

    def build_many(self, records: list[tuple[int, list[str]]]) -> Chunk:
        """The rows' stored forms (see `Chunk`), worked column by column: a column's cells are cleaned, turned into
        UTC text or read as numbers in one pass, only rows a fast path leaves over take the general path one by
        one, and the stored rows are zipped from the columns."""
        lines = list(map(itemgetter(0), records))
        rows: list[list[str]] = list(map(itemgetter(1), records))
        kept_lines = lines
        reasons: list[str | None] = [None] * len(rows)
        if set(map(len, rows)) <= {self.width}:
            raws = list(map(itemgetter(self.number_at), rows))
            keys = digit_keys(raws)  # a column of digits (cells as written are then their cleaned text)
            if keys is None:
                found = list(map(self._numbers.__getitem__, raws))
        else:
            keys, found = None, [None]
        if keys is None:
            if None in found:
                reasons, rows, kept_lines, found = self._kept(records)
            raws = list(map(itemgetter(0), found))  # type: ignore[arg-type]
            keys = list(map(itemgetter(1), found))  # type: ignore[arg-type]
        n = len(rows)
        if not n:
            return Chunk(lines, reasons, keys, [], None, None, {})
        columns = list(zip(*rows, strict=True))
        slots: list[Any] = [[None] * n] * len(VALUE_KEYS)
        for slot, i, cache in self.plain:
            slots[slot] = list(map(cache.__getitem__, columns[i]))
        flags: dict[int, list[str]] = {}  # row → its flags, for the few rows that have any
        day_ends: dict[int, str] = {}
        for slot, name, i, column, clock_at in self.times:
            texts = columns[i]
            utcs = column.column_utc(texts) if clock_at is None else [None] * n  # None for null tokens too
            for k in [k for k, utc in enumerate(utcs) if utc is None]:
                row_flags = flags.setdefault(k, [])
                utcs[k], end = self._time(texts[k], rows[k], name, column, clock_at, row_flags)
                if end and k not in day_ends:
                    day_ends[k] = end
            slots[slot] = utcs
        slots[_LAT], slots[_LON] = self._latlons(rows, columns, flags)
        flags = {k: f for k, f in flags.items() if f}
        flag_texts: list[str | None] = [None] * n
        for k, row_flags in flags.items():
            flag_texts[k] = json.dumps(row_flags)
        digests = []
        fresh = self.hasher.copy
        for data in map(str.encode, map("\x1f".join, map(self.mapped, rows))):
            hasher = fresh()
            hasher.update(data)
            digests.append(hasher.hexdigest())
        finish = self.finish
        requires = list(map(finish.requires.__getitem__, zip(slots[0], slots[1], slots[2])))
        items: list[Stored] = list(zip(
            keys, raws, repeat(finish.source), *slots[:7], flag_texts, *slots[7:], requires, repeat(finish.uof),
            repeat(finish.file), kept_lines, digests, repeat(finish.stamp)))
        others = units = None
        if self.alias_pos:
            others = [self._other_aliases(cells, number) for cells, number in zip(rows, keys, strict=True)]
        if self.has_units:
            empty: list[str] = []
            units = [self._units(cells, dispatched, arrived, cleared, flags.get(k, empty)) for k, (
                cells, dispatched, arrived, cleared) in enumerate(zip(rows, *slots[_UNIT_TIMES_AT], strict=True))]
        return Chunk(lines, reasons, keys, items, others, units, day_ends)

    def _kept(self, records: list[tuple[int, list[str]]]) -> tuple[
            list[str | None], list[list[str]], list[int], list[tuple[str, str]]]:
        """Rows one by one, for a chunk where some are to be skipped: each record's reason (or None), and the kept
        rows' cells (extra empty cells cut), lines and (number as written, key)."""
        reasons: list[str | None] = []
        rows, lines, found = [], [], []
        width, number_at, numbers = self.width, self.number_at, self._numbers
        for line, cells in records:
            if len(cells) != width:
                if len(cells) > width and not any(c.strip() for c in cells[width:]):
                    cells = cells[:width]
                else:
                    reasons.append(f"{len(cells)} cells where the header has {width}")
                    continue
            number = numbers[cells[number_at]]
            if number is None:
                reasons.append("no incident number")
                continue
            reasons.append(None)
            rows.append(cells)
            lines.append(line)
            found.append(number)
        return reasons, rows, lines, found

    def _other_aliases(self, cells: list[str], number: str) -> list[tuple[str, str]]:
        """The numbers of the alias columns other than the row's own (key, as written; first written form kept)."""
        aliases: dict[str, str] = {}
        for i in self.alias_pos:
            text = clean(cells[i])
            key = canonical_number(text) if text else None
            if key and key != number:
                aliases.setdefault(key, text)  # type: ignore[arg-type]
        return list(aliases.items())

    def _units(self, cells: list[str], dispatched: str | None, arrived: str | None, cleared: str | None,
               flags: list[str]) -> list[UnitRow]:
        """The row's units and officers (`|`-separated lists crossed), each with the row's own times."""
        unit, officer = self._cell(cells, "unit"), self._cell(cells, "officer")
        if not (unit or officer):
            return []
        unit_list = [u.strip() for u in unit.split("|")] if unit else [None]
        officer_list = [o.strip() for o in officer.split("|")] if officer else [None]
        times = [None if flags and f"date_only:{name}" in flags else value
                 for name, value in zip(_UNIT_TIMES, (dispatched, arrived, cleared), strict=True)]
        found = {(u or None, o or None): times for u in unit_list for o in officer_list}
        return [(*key, *times) for key, times in found.items()]  # type: ignore[misc]

    def _latlons(self, rows: list[list[str]], columns: list[tuple[str, ...]],
                 flags: dict[int, list[str]]) -> tuple[list[float | None], list[float | None]]:
        """Latitudes and longitudes of the rows: both columns read as numbers in one pass when they all are; a
        row out of range, a column with other text, or a file without the two columns takes `_latlon`."""
        if self.latlon is not None:
            lat_at, lon_at = self.latlon
            try:
                lats: list[float | None] = list(map(float, columns[lat_at]))
                lons: list[float | None] = list(map(float, columns[lon_at]))
            except ValueError:
                pass
            else:
                total = sum(lats) + sum(lons)  # type: ignore[arg-type]
                if total - total == 0 and 0.0 not in lats and -90 <= min(lats) and max(lats) <= 90 and \
                        -180 <= min(lons) and max(lons) <= 180:  # type: ignore[operator]
                    return lats, lons  # all finite, in range, no latitude 0
                for k, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
                    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and (lat or lon)):  # type: ignore[operator]
                        lats[k], lons[k] = self._latlon(rows[k], flags.setdefault(k, []))
                return lats, lons
        pairs = [self._latlon(cells, flags.setdefault(k, [])) for k, cells in enumerate(rows)]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def _time(self, text: str, cells: list[str], name: str, column: ColumnTimes, clock_at: int | None,
              flags: list[str]) -> tuple[str | None, str | None]:
        """The general path (any form the parser reads, a separate clock column, a date only, a DST hour): the UTC
        text and, for a date-only received time, the end of that local day (stands in for a missing cleared time)."""
        text = clean(text)  # type: ignore[assignment]
        if text is None:
            return None, None
        try:
            value, has_time = column.parse(text)
            if clock_at is not None:  # the date column's own time of day is a placeholder (`12:00:00 AM`)
                clock_text = clean(cells[clock_at]) if clock_at >= 0 else None
                clock = parse_clock(_EPOCH_DAY.sub("", clock_text)) if clock_text is not None else None
                value, has_time = datetime.combine(value.date(), clock or time(), value.tzinfo), clock is not None
        except ValueError:
            flags.append(f"bad_time:{name}")
            return None, None
        utc, dst = self.tz.to_utc(value)
        if dst:
            flags.append(f"{dst}:{name}")
        day_end = None
        if not has_time:
            flags.append(f"date_only:{name}")
            if name == "received":
                end, _ = self.tz.to_utc(datetime.combine(value.date() + timedelta(days=1), datetime.min.time()))
                day_end = utc_text(end)
        return utc_text(utc), day_end

    def _latlon(self, cells: list[str], flags: list[str]) -> tuple[float | None, float | None]:
        """Latitude and longitude columns (a valid pair read straight away), else the other position columns."""
        if self.latlon is None:
            return self._position(cells, flags, self._cell(cells, "lat"))
        lat_at, lon_at = self.latlon
        try:
            lat, lon = float(cells[lat_at]), float(cells[lon_at])
            if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat or lon):
                return lat, lon
        except ValueError:
            pass
        lat_text, lon_text = clean(cells[lat_at]), clean(cells[lon_at])
        if lat_text and lon_text:
            try:
                lat, lon = float(lat_text), float(lon_text)
            except ValueError:
                lat, lon = parse_float(lat_text), parse_float(lon_text)  # thousands commas
            if lat is not None and lon is not None and valid_latlon(lat, lon):
                return lat, lon
        return self._position(cells, flags, lat_text)

    def _position(self, cells: list[str], flags: list[str], lat_text: str | None) -> tuple[float | None, float | None]:
        """The position from a point column or projected x/y, flagging `bad_coordinates` when one was given but
        unusable."""
        point = self._cell(cells, "point")
        if point:
            found = parse_point(point)
            if found:
                return found
        if self.projector:
            x, y = self._cell(cells, "x"), self._cell(cells, "y")
            if x and y:
                key = (x, y)
                if key in self._point_cache:
                    found = self._point_cache[key]
                else:
                    fx, fy = parse_float(x), parse_float(y)
                    found = remember(self._point_cache, key,
                                     self.projector(fx, fy) if fx is not None and fy is not None else None)
                if found:
                    return found
                flags.append("bad_coordinates")
        elif lat_text or point:
            flags.append("bad_coordinates")
        return None, None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: the rows make no cycles, and collecting every few thousand rows
    over the batch held in memory costs a sixth of the import time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Written:
    """The numbers of the batches written in this run, as a one-hash Bloom filter (4 MiB): `candidates` is never
    wrong about a number added; about others it errs for a few in a hundred per million numbers, and the lookup that
    follows settles it."""

    MASK = (1 << 25) - 1

    def __init__(self) -> None:
        self.bits = bytearray((self.MASK + 1) >> 3)

    def add(self, numbers: Iterable[str]) -> None:
        """Remember these numbers."""
        bits, mask = self.bits, self.MASK
        for number in numbers:
            h = hash(number) & mask
            bits[h >> 3] |= 1 << (h & 7)

    def candidates(self, numbers: Iterable[str]) -> list[str]:
        """Those of `numbers` that may have been added."""
        bits, mask = self.bits, self.MASK
        return [n for n in numbers if bits[(h := hash(n) & mask) >> 3] & (1 << (h & 7))]


@dataclass(slots=True)
class Batch:
    """What the assembly hands the writer: rows read; rows that met their incident under another written form of its
    number; rows skipped (line, reason); the numbers of this batch that earlier batches may have held (`_Written`);
    the incidents as stored rows (`store.INCIDENT_COLUMNS`), each number once; and, position by position, each
    incident's other aliases and its units (None when the preset maps no such column)."""

    rows: int
    aliased: int
    skipped: list[tuple[int, str]]
    seen: list[str]
    items: list[Stored]
    others: list[list[tuple[str, str]]] | None
    units: list[list[UnitRow]] | None


class _Assembly:
    """One batch being assembled: incidents by number in the order their numbers first appear, each a stored row
    until a later row of its number comes (then an `Incident` that merges the rows, finished when the batch is
    handed on); the other aliases and units of each number's first row beside."""

    def __init__(self, with_others: bool, with_units: bool) -> None:
        self.pending: dict[str, Stored | Incident] = {}
        self.merged: list[str] = []  # numbers held as an Incident
        self.others: dict[str, list[tuple[str, str]]] | None = {} if with_others else None
        self.units: dict[str, list[UnitRow]] | None = {} if with_units else None
        self.rows = self.aliased = 0
        self.skipped: list[tuple[int, str]] = []

    def add(self, chunk: Chunk, start: int, stop: int) -> None:
        """Add the kept rows `start` … `stop - 1` of `chunk`: a new number's row as it is (one `setdefault` per
        row), a number met before merged into its incident."""
        keys, items = chunk.keys[start:stop], chunk.items[start:stop]
        got = list(map(self.pending.setdefault, keys, items))
        if self.others is not None:
            list(map(self.others.setdefault, keys, chunk.others[start:stop]))  # type: ignore[index]
        if self.units is not None:
            list(map(self.units.setdefault, keys, chunk.units[start:stop]))  # type: ignore[index]
        for k in chunk.day_ends:
            if start <= k < stop and got[k - start] is items[k - start]:  # a new number: its day_end waits
                self.pending[keys[k - start]] = chunk.incident(k)
                self.merged.append(keys[k - start])
        for k in [k for k, (first, item) in enumerate(zip(got, items)) if first is not item]:
            self._merge(chunk, start + k, keys[k])

    def _merge(self, chunk: Chunk, k: int, number: str) -> None:
        """Merge kept row `k` of `chunk` into the incident of its number."""
        current = self.pending[number]
        if not isinstance(current, Incident):
            current = self.pending[number] = _incident(
                current, self.others.get(number) if self.others is not None else None,
                self.units.get(number) if self.units is not None else None)
            self.merged.append(number)
        built = chunk.incident(k)
        self.aliased += built.number_raw != current.number_raw
        current.merge(built)

    def batch(self, finish: _Finisher, written: _Written) -> Batch:
        """The batch as handed on: merged incidents finished, numbers of earlier batches marked."""
        pending, others, units = self.pending, self.others, self.units
        for number in self.merged:
            inc: Incident = pending[number]  # type: ignore[assignment]
            pending[number] = finish(inc)
            if others is not None:
                others[number] = _other_aliases(inc.aliases, number)
            if units is not None:
                units[number] = _unit_rows(inc.units)
        numbers = list(pending)
        seen = written.candidates(numbers)
        written.add(numbers)
        return Batch(self.rows, self.aliased, self.skipped, seen, list(pending.values()),  # type: ignore[arg-type]
                     None if others is None else list(others.values()),
                     None if units is None else list(units.values()))


def _record_chunks(csv_file: CsvFile) -> Iterator[list[tuple[int, list[str]]]]:
    """The file's data rows, `CHUNK` at a time."""
    records = csv_file.records()
    while chunk := list(islice(records, CHUNK)):
        yield chunk


def _batches(chunks: Iterable[Chunk], dropped: list[tuple[int, str]], finish: _Finisher, others: bool,
             units: bool) -> Iterator[Batch]:
    """Built chunks as batches of up to BATCH incidents (rows of one number merged while in the same batch).
    `dropped`: the rows the reader left out (repeated headers, footers), skipped rows too; filled as the chunks
    come."""
    written = _Written()
    batch = _Assembly(others, units)
    for chunk in chunks:
        n = len(chunk.keys)
        if n == len(chunk.lines) and len(batch.pending) + n < BATCH and \
                not (dropped and dropped[0][0] < chunk.lines[-1]):
            batch.rows += n  # no row skipped, no row left out before, the batch cannot fill up: all at once
            batch.add(chunk, 0, n)
            continue
        k = 0
        for line, reason in zip(chunk.lines, chunk.reasons, strict=True):
            batch.rows += 1
            if dropped and dropped[0][0] < line:
                before = [d for d in dropped if d[0] < line]
                batch.rows += len(before)
                batch.skipped += before
                del dropped[:len(before)]
            if reason is not None:
                batch.skipped.append((line, reason))
                continue
            batch.add(chunk, k, k + 1)
            k += 1
            if len(batch.pending) >= BATCH:
                yield batch.batch(finish, written)
                batch = _Assembly(others, units)
    batch.rows += len(dropped)
    batch.skipped += dropped
    yield batch.batch(finish, written)


def _produce(pipe: Connection, path: Path, builder: RowBuilder) -> None:
    """Helper process: read and build the file's chunks and send them down `pipe`, `GROUP` to a message
    (`marshal`led: per chunk its `Chunk.fields` and the rows the reader left out since the chunk before); then an
    empty message, or `E` and the exception raised (pickled)."""
    try:
        with _gc_paused():
            csv_file = CsvFile(path)
            dropped = csv_file.dropped
            group: list[tuple[tuple[Any, ...], list[tuple[int, str]]]] = []
            for records in _record_chunks(csv_file):
                group.append((builder.build_many(records).fields(), dropped[:]))
                dropped.clear()
                if len(group) == GROUP:
                    pipe.send_bytes(marshal.dumps(group))
                    group = []
            if group:
                pipe.send_bytes(marshal.dumps(group))
        pipe.send_bytes(b"")
    except Exception as exc:  # noqa: BLE001 -- handed to the importing process, which raises it
        pipe.send_bytes(b"E" + pickle.dumps(exc))
    finally:
        pipe.close()


def _from_helper(path: Path, builder: RowBuilder, dropped: list[tuple[int, str]]) -> Iterator[Chunk]:
    """The file's chunks read and built in a helper process, so that reading and building the next `GROUP` chunks
    (one core) overlaps assembling and writing these (another). `dropped` is filled as the chunks come. The pipe
    holds little, so at most a group or two wait in memory."""
    import multiprocessing

    receive, send = multiprocessing.Pipe(duplex=False)
    helper = multiprocessing.Process(target=_produce, args=(send, path, builder), daemon=True)
    helper.start()
    send.close()
    try:
        while message := receive.recv_bytes():
            if message[:1] == b"E":
                raise pickle.loads(message[1:])
            for fields, left_out in marshal.loads(message):
                dropped += left_out
                yield Chunk(*fields)
    finally:
        receive.close()
        if helper.is_alive():
            helper.terminate()
        helper.join()


_ROW_TIMES, _ROW_FLAGS = slice(6, 10), 10  # received … cleared and time_flags in a stored row


_DAY_LENGTHS = {timedelta(hours=h) for h in (23, 24, 25)}  # a local day, DST changes included


def _times_and_flags(times: list[Any], flags_text: str | None) -> tuple[list[Any], list[str], str | None]:
    """A row's times, its flags and the cleared time standing in for a date-only day (the next local midnight after
    a date-only received time; taken out of the times)."""
    flags = json.loads(flags_text) if flags_text else []
    received, cleared = times[0], times[-1]
    if _DAY_RECEIVED in flags and received and cleared and \
            datetime.fromisoformat(cleared) - datetime.fromisoformat(received) in _DAY_LENGTHS:
        times[-1] = None
        return times, flags, cleared
    return times, flags, None


def _merged_times(stored: tuple[Any, ...], row: Stored) -> tuple[Any, ...]:
    """A stored incident's times and flags (received … cleared, time_flags) merged with those of a row of the same
    incident met in a later batch, as rows of one batch merge (`merge_times`); the date-only day's cleared time
    stands in while the received time is still date-only."""
    times, flags, stand_in = _times_and_flags(list(stored[:4]), stored[4])
    other, other_flags, other_stand_in = _times_and_flags(list(row[_ROW_TIMES]), row[_ROW_FLAGS])
    dropped = merge_times(times, flags, other, other_flags)
    flags += [f for f in other_flags if f not in flags and f not in dropped]
    if times[-1] is None and _DAY_RECEIVED in flags:
        times[-1] = max(filter(None, (stand_in, other_stand_in)), default=None)
    return (*times, json.dumps(flags) if flags else None)


class _Writer:
    """Writes each batch in one `BEGIN IMMEDIATE` transaction. A batch whose numbers are all new (a first import:
    the lookup finds none) is one `executemany` of its stored rows as they came, ids given by SQLite in order
    (the next ones: the write lock is held), and each incident's own number as its alias with one INSERT … SELECT.
    Otherwise the batch's numbers are looked up with one query and content hashes compared in memory: new rows
    inserted, changed ones updated, unchanged ones left alone. New ids are taken inside the transaction, so two
    imports at once never take the same id.

    A number met again after its batch was written only adds units and aliases (as a row of the same batch would):
    the lookup tells it by its id, marked in `touched` (a bitmap of the ids inserted or updated in this run). When the
    source had no incidents before, only the numbers the parser marks as maybe held by an earlier batch
    (`Batch.seen`) are looked up, as long as no other connection has written meanwhile (`PRAGMA data_version`).
    """

    def __init__(self, conn: sqlite3.Connection, source: str, report: ImportReport) -> None:
        self.conn, self.source, self.report = conn, source, report
        self.touched = bytearray()
        self.version = store.data_version(conn)
        self.fresh = not store.has_source(conn, source)

    def _lookup(self, batch: Batch) -> dict[str, tuple[int, str, str | None]]:
        if self.fresh and store.data_version(self.conn) != self.version:
            self.fresh = False  # another writer may have stored numbers of this source
        numbers = batch.seen if self.fresh else [row[0] for row in batch.items]
        return store.existing(self.conn, self.source, numbers) if numbers else {}

    def _touch(self, id_: int) -> bool:
        """Mark `id_` as written in this run; whether it already was."""
        touched, byte, bit = self.touched, id_ >> 3, 1 << (id_ & 7)
        if byte >= len(touched):
            touched.extend(bytes(byte - len(touched) + 1 + (len(touched) >> 1)))
        seen = bool(touched[byte] & bit)
        touched[byte] |= bit
        return seen

    def _touch_range(self, first: int, count: int) -> None:
        """Mark the ids `first` … `first + count - 1` as written in this run."""
        if count <= 0:
            return
        last = first + count - 1
        touched = self.touched
        if (last >> 3) >= len(touched):
            touched.extend(bytes((last >> 3) - len(touched) + 1 + (len(touched) >> 1)))
        low, high = (first + 7) >> 3, (last + 1) >> 3  # whole bytes
        if low < high:
            touched[low:high] = b"\xff" * (high - low)
            for id_ in (*range(first, low << 3), *range(high << 3, last + 1)):
                touched[id_ >> 3] |= 1 << (id_ & 7)
        else:
            for id_ in range(first, last + 1):
                touched[id_ >> 3] |= 1 << (id_ & 7)

    def write(self, batch: Batch) -> None:
        """Write one batch in one transaction."""
        conn = self.conn
        with store.immediate(conn):
            found = self._lookup(batch)
            if found:
                self._write_mixed(batch, found)
            else:
                self._write_new(batch)
        self.version = store.data_version(conn)

    def _write_new(self, batch: Batch) -> None:
        """A batch of new numbers only."""
        conn, items = self.conn, batch.items
        first = store.next_id(conn)
        store.append(conn, items, first)
        self._touch_range(first, len(items))
        self.report.new += len(items)
        store.add_own_aliases(conn, first, first + len(items) - 1)
        if batch.others:
            store.add_aliases(conn, [(first + at, *a) for at, others in enumerate(batch.others) for a in others])
        if batch.units:
            store.insert_units(conn, [(first + at, *u) for at, units in enumerate(batch.units) for u in units])

    def _write_mixed(self, batch: Batch, found: dict[str, tuple[int, str, str | None]]) -> None:
        """A batch with numbers stored before (a re-import, a newer export, a number met in an earlier batch)."""
        conn, report = self.conn, self.report
        first_id = next_id = store.next_id(conn)
        inserts, updates, aliases, units, more_units, later = [], [], [], [], [], []
        for at, row in enumerate(batch.items):
            number = row[0]
            old = found.get(number)
            fresh = True
            if old is None:
                id_ = next_id
                next_id += 1
                self._touch(id_)
                inserts.append((id_, *row))
                report.new += 1
            else:
                id_ = old[0]
                report.aliased += row[1] != old[2]
                if self._touch(id_):
                    # written earlier in this run: only units, aliases and its times merged
                    aliases.append((id_, number, row[1]))
                    later.append((id_, row))
                    fresh = False
                else:
                    if old[1] == row[_ROW_HASH]:
                        report.unchanged += 1
                        continue
                    updates.append((*row, id_))
                    aliases.append((id_, number, row[1]))
                    report.updated += 1
            if batch.others and batch.others[at]:
                aliases += [(id_, a, r) for a, r in batch.others[at]]
            if batch.units and batch.units[at]:
                (units if fresh else more_units).extend((id_, *u) for u in batch.units[at])
        store.insert(conn, inserts)
        store.add_own_aliases(conn, first_id, next_id - 1)
        store.update(conn, updates)
        store.add_aliases(conn, aliases)
        if later:
            stored = store.times(conn, [id_ for id_, _ in later])
            store.set_times(conn, [(*_merged_times(stored[id_], row), id_) for id_, row in later])
        store.insert_units(conn, units)
        store.add_units(conn, more_units)


def import_incidents(
    db: sqlite_utils.Database,
    path: str | Path,
    *,
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    tz: str = "UTC",
    source: str | None = None,
    requires_footage: Rules | None = None,
    kind: str | None = None,
    crs: str | None = None,
    date_order: str | None = None,
) -> ImportReport:
    """Import one incident export; see the module docstring. Raises InputError for an unusable file or map
    (`plan.MappingError` with the proposal when an inferred mapping is not certain)."""
    path = Path(path)
    csv_file = CsvFile(path)
    found = provenance.fingerprint(path)
    plan = plan_import(csv_file, preset=preset, mapping=mapping, kind=kind, crs=crs, date_order=date_order)
    chosen, positions = plan.preset, plan.positions
    report = ImportReport(preset=chosen.name, source=source or chosen.name, proposal=plan.proposal,
                          notes=list(plan.notes))
    rules = requires_footage or chosen.rules
    finish = _Finisher(report.source, str(path), rules, chosen.use_of_force)
    key = content_key(chosen, positions, tz, report.source, rules)
    import multiprocessing

    builder = RowBuilder(chosen, positions, csv_file.header, tz, key, finish)
    dropped = csv_file.dropped
    if path.stat().st_size >= HELPER_BYTES and not multiprocessing.current_process().daemon:  # daemons cannot fork
        chunks: Iterable[Chunk] = _from_helper(path, builder, dropped)
    else:
        chunks = map(builder.build_many, _record_chunks(csv_file))
    batches = _batches(chunks, dropped, finish, bool(builder.alias_pos), builder.has_units)
    with store.bulk_load(db.conn), _gc_paused():
        writer = _Writer(db.conn, report.source, report)
        for batch in batches:
            report.rows += batch.rows
            report.aliased += batch.aliased
            for line, reason in batch.skipped:
                report.skip(str(path), line, reason)
            writer.write(batch)
        with store.immediate(db.conn):
            provenance.record(db.conn, "incidents", path, found, report.rows)
    return report


def preview(
    path: str | Path,
    *,
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    tz: str = "UTC",
    kind: str | None = None,
    crs: str | None = None,
    date_order: str | None = None,
    limit: int = 10,
) -> tuple[Plan, list[dict[str, Any]]]:
    """The first `limit` incidents as an import would store them, without writing: number as written and its key,
    other aliases, each time as the export writes it (local) and in UTC, position, flags and units."""
    path = Path(path)
    csv_file = CsvFile(path)
    plan = plan_import(csv_file, preset=preset, mapping=mapping, kind=kind, crs=crs, date_order=date_order)
    pos = {f: p[0] for f, p in plan.positions.items() if f != "aliases"}
    builder = RowBuilder(plan.preset, plan.positions, csv_file.header, tz)
    shown: dict[str, tuple[Incident, dict[str, str]]] = {}
    for line, cells in islice(csv_file.records(), limit * 100):
        built = builder.build(line, cells)
        if isinstance(built, str):
            continue
        if built.number in shown:
            shown[built.number][0].merge(built)
            continue
        if len(shown) >= limit:
            break
        local = {f: " ".join(cells[pos[k]].strip() for k in (f, f + "_time") if k in pos and cells[pos[k]].strip())
                 for f in TIME_FIELDS if f in pos}
        shown[built.number] = (built, local)
    out = []
    for inc, local in shown.values():
        v = inc.values
        out.append({
            "line": inc.line, "number_raw": inc.number_raw, "number": inc.number,
            "aliases": sorted(a for a in inc.aliases if a != inc.number),
            "times": {f: (local.get(f), v[_SLOT[f]]) for f in TIME_FIELDS if local.get(f) or v[_SLOT[f]]},
            "lat": v[_LAT], "lon": v[_LON], "flags": inc.flags,
            "units": sorted(" / ".join(x for x in key if x) for key in inc.units),
        })
    return plan, out
