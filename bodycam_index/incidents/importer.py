"""Import a CAD / RMS / use-of-force export into `incidents`, `incident_aliases` and `incident_units`.

Streaming: rows are read one at a time, grouped by canonical number into incidents (a row per unit or per officer ×
subject adds to the incident's units), and written in batches, one transaction each. Each batch's numbers are
looked up with one query and compared by content hash, so a re-import changes nothing and a newer export updates only
what changed. The first row of an incident gives its fields; later rows fill fields still empty.

Speed (issues 4, 14): column positions, cleaning caches and time parsers are set up once per file; rows are built
`CHUNK` at a time, column by column; the common `M/D/Y h:mm:ss AM` form goes straight to UTC text through caches
(`ColumnTimes`); the content hash is taken once per row over its mapped cells as written; a large file is parsed in
a helper process while this one finishes the stored rows and writes; memory stays bounded (caches emptied when full,
a fixed-size filter of numbers written).
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from itertools import islice
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
_UNIT_SLOTS = tuple(_SLOT[k] for k in _UNIT_TIMES)
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


class RowBuilder:
    """Turns one CSV row into an `Incident` (or a reason to skip it) with a preset's column positions, resolved
    once per file: each column gets its own cleaning cache or time parser. The incident's content hash is taken
    over the row's mapped cells as written, keyed by the import's settings (`content_key`): a re-import of the
    same cells under the same settings stores the same values, so equal hashes mean nothing to update."""

    def __init__(self, preset: Preset, positions: dict[str, list[int]], header: list[str], tz: str,
                 key: bytes = b"") -> None:
        self.width = len(header)
        self.key = key
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
        self._last_number: tuple[str | None, str, str] = (None, "", "")  # (cell, cleaned, key)

    def _cell(self, cells: list[str], name: str) -> str | None:
        """The cleaned cell of field `name`, or None (no such column, null token, garbage)."""
        i = self.pos.get(name)
        return clean(cells[i]) if i is not None else None

    def build(self, line: int, cells: list[str]) -> Incident | str:
        """The row's incident, or the reason it is skipped."""
        return self.build_many([(line, cells)])[0]

    def build_many(self, records: list[tuple[int, list[str]]]) -> list[Incident | str]:
        """Each row's incident, or the reason it is skipped. Worked column by column: a column's cells are cleaned,
        turned into UTC text or read as numbers in one pass, and only rows a fast path leaves over take the
        general path one by one."""
        out: list[Incident | str | None] = []
        kept: list[tuple[int, list[str], str, str]] = []  # line, cells, number as written, its key
        width, number_at = self.width, self.number_at
        last_cell, raw, number = self._last_number  # rows of one incident usually follow each other
        for line, cells in records:
            if len(cells) != width:
                if len(cells) > width and not any(c.strip() for c in cells[width:]):
                    cells = cells[:width]
                else:
                    out.append(f"{len(cells)} cells where the header has {width}")
                    continue
            cell = cells[number_at]
            if cell != last_cell:
                cleaned = clean(cell)
                if cleaned is None:
                    out.append("no incident number")
                    continue
                last_cell, raw, number = cell, cleaned, incident_key(cleaned)
            out.append(None)
            kept.append((line, cells, raw, number))
        self._last_number = (last_cell, raw, number)
        if not kept:
            return out  # type: ignore[return-value]
        rows = [k[1] for k in kept]
        n = len(rows)
        columns = list(zip(*rows, strict=True))
        nothing = [None] * n
        slots: list[Any] = [nothing] * len(VALUE_KEYS)
        for slot, i, cache in self.plain:
            slots[slot] = map(cache.__getitem__, columns[i])
        flags: list[list[str]] = [[] for _ in range(n)]
        day_ends: list[str | None] = [None] * n
        for slot, name, i, column, clock_at in self.times:
            texts = columns[i]
            utcs = list(map(column.fast_utc, texts)) if clock_at is None else [None] * n  # None for null tokens too
            for k in [k for k, utc in enumerate(utcs) if utc is None]:
                utcs[k], end = self._time(texts[k], rows[k], name, column, clock_at, flags[k])
                day_ends[k] = day_ends[k] or end
            slots[slot] = utcs
        slots[_LAT], slots[_LON] = self._latlons(rows, columns, flags)
        values_rows = list(map(list, zip(*slots)))
        hasher = partial(hashlib.blake2b, digest_size=_DIGEST, key=self.key)
        digests = [hasher("\x1f".join(m).encode()).digest() for m in map(self.mapped, rows)]
        built = iter([Incident(number, raw, line, values, flags[k], self._aliases(cells, number, raw),
                               self._units(cells, values, flags[k]) if self.has_units else {}, day_ends[k],
                               digests[k])
                      for k, ((line, cells, raw, number), values) in enumerate(zip(kept, values_rows))])
        return [item if item is not None else next(built) for item in out]

    def _aliases(self, cells: list[str], number: str, raw: str) -> dict[str, str]:
        """The row's numbers: its own, then those of the alias columns (key → as written)."""
        aliases = {number: raw}
        for i in self.alias_pos:
            text = clean(cells[i])
            key = canonical_number(text) if text else None
            if key:
                aliases.setdefault(key, text)
        return aliases

    def _units(self, cells: list[str], values: list[Any], flags: list[str]) -> dict[UnitKey, UnitTimes]:
        """The row's units and officers (`|`-separated lists crossed), each with the row's own times."""
        unit, officer = self._cell(cells, "unit"), self._cell(cells, "officer")
        if not (unit or officer):
            return {}
        unit_list = [u.strip() for u in unit.split("|")] if unit else [None]
        officer_list = [o.strip() for o in officer.split("|")] if officer else [None]
        times = [None if flags and f"date_only:{name}" in flags else values[slot]
                 for slot, name in zip(_UNIT_SLOTS, _UNIT_TIMES, strict=True)]
        return {(u or None, o or None): list(times) for u in unit_list for o in officer_list}

    def _latlons(self, rows: list[list[str]], columns: list[tuple[str, ...]],
                 flags: list[list[str]]) -> tuple[list[float | None], list[float | None]]:
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
                for k, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
                    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and (lat or lon)):  # type: ignore[operator]
                        lats[k], lons[k] = self._latlon(rows[k], flags[k])
                return lats, lons
        pairs = [self._latlon(cells, row_flags) for cells, row_flags in zip(rows, flags, strict=True)]
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
    """The numbers written in this run, as a one-hash Bloom filter (4 MiB): `maybe` is never wrong about a number
    added; about others it errs for a few in a hundred per million numbers, and the lookup that follows settles it."""

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


# An incident ready to write: (number, stored row without id, content hash, other aliases, units with their times).
Ready = tuple[str, list[Any], str, list[tuple[str, str]], list[tuple[str | None, ...]]]
# What the parser hands the writer: rows read, rows that met their incident under another written form of its number,
# rows skipped (line, reason), incidents assembled (the writer's process finishes them: the parser, the busier of the
# two, only reads and assembles).
Batch = tuple[int, int, list[tuple[int, str]], list[Incident]]


class _Finisher:
    """Turns an assembled incident into its stored row and content hash (constant columns filled in)."""

    def __init__(self, source: str, file: str, rules: Rules, use_of_force: bool) -> None:
        self.source, self.file, self.rules, self.uof = source, file, rules, int(use_of_force)
        self.stamp = now_utc()
        self._requires: dict[tuple[str | None, str | None, str | None], int] = {}

    def _requires_footage(self, v: list[Any]) -> int:
        key = (v[0], v[1], v[2])  # type, type_description, priority
        hit = self._requires.get(key)
        if hit is None:
            hit = remember(self._requires, key, int(self.rules.requires(*key)))
        return hit

    def __call__(self, inc: Incident) -> Ready:
        """The incident as `Ready`."""
        v = inc.values
        if inc.day_end and v[_CLEARED] is None and _DAY_RECEIVED in inc.flags:
            v[_CLEARED] = inc.day_end  # a date-only incident keeps its whole local day
        digest = inc.digest.hex()
        fields = [inc.number, inc.number_raw, self.source, *v[:7], json.dumps(inc.flags) if inc.flags else None,
                  *v[7:], self._requires_footage(v), self.uof, self.file, inc.line, digest, self.stamp]
        units = [(*key, *times) for key, times in inc.units.items()]
        others = [(a, r) for a, r in inc.aliases.items() if a != inc.number] if len(inc.aliases) > 1 else []
        return inc.number, fields, digest, others, units


def _batches(csv_file: CsvFile, builder: RowBuilder) -> Iterator[Batch]:
    """The file's rows as batches of up to BATCH incidents (rows of one number merged while in the same batch),
    built `CHUNK` rows at a time."""
    pending: dict[str, Incident] = {}
    skipped: list[tuple[int, str]] = []
    rows = aliased = 0
    dropped = csv_file.dropped  # rows the reader left out (repeated headers, footers): skipped rows too
    records = csv_file.records()
    while chunk := list(islice(records, CHUNK)):
        for (line, _), built in zip(chunk, builder.build_many(chunk), strict=True):
            rows += 1
            if dropped and dropped[0][0] < line:
                before = [d for d in dropped if d[0] < line]
                rows += len(before)
                skipped += before
                del dropped[:len(before)]
            if isinstance(built, str):
                skipped.append((line, built))
                continue
            current = pending.get(built.number)
            if current is not None:
                aliased += built.number_raw != current.number_raw
                current.merge(built)
            else:
                pending[built.number] = built
                if len(pending) >= BATCH:
                    yield rows, aliased, skipped, list(pending.values())
                    pending, skipped, rows, aliased = {}, [], 0, 0
    rows += len(dropped)
    yield rows, aliased, skipped + dropped, list(pending.values())


def _produce(pipe: Connection, path: Path, preset: Preset, positions: dict[str, list[int]], tz: str,
             key: bytes) -> None:
    """Helper process: parse the file and send its batches down `pipe`, then None (or the exception raised)."""
    try:
        with _gc_paused():
            csv_file = CsvFile(path)
            builder = RowBuilder(preset, positions, csv_file.header, tz, key)
            for rows, aliased, skipped, incidents in _batches(csv_file, builder):
                pipe.send((rows, aliased, skipped, [_pack(inc) for inc in incidents]))
        pipe.send(None)
    except Exception as exc:  # noqa: BLE001 -- handed to the importing process, which raises it
        pipe.send(exc)
    finally:
        pipe.close()


def _pack(inc: Incident) -> tuple[Any, ...]:
    """An incident as a plain tuple: pickled in a quarter of the time a slotted dataclass takes."""
    return (inc.number, inc.number_raw, inc.line, inc.values, inc.flags, inc.aliases, inc.units, inc.day_end,
            inc.digest)


def _from_helper(path: Path, preset: Preset, positions: dict[str, list[int]], tz: str,
                 key: bytes) -> Iterator[Batch]:
    """`_batches` computed in a helper process, so reading and assembling (one core) overlap finishing and writing
    (another). The pipe holds little, so at most a batch or two wait in memory."""
    import multiprocessing

    receive, send = multiprocessing.Pipe(duplex=False)
    helper = multiprocessing.Process(target=_produce, args=(send, path, preset, positions, tz, key),
                                     daemon=True)
    helper.start()
    send.close()
    try:
        while (item := receive.recv()) is not None:
            if isinstance(item, Exception):
                raise item
            rows, aliased, skipped, packed = item
            yield rows, aliased, skipped, [Incident(*fields) for fields in packed]
    finally:
        receive.close()
        if helper.is_alive():
            helper.terminate()
        helper.join()


_ROW_TIMES, _ROW_FLAGS = slice(6, 10), 10  # received … cleared and time_flags in a stored row without id


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


def _merged_times(stored: tuple[Any, ...], row: list[Any]) -> tuple[Any, ...]:
    """A stored incident's times and flags (received … cleared, time_flags) merged with those of a row of the same
    incident met in a later batch, as rows of one batch merge (`merge_times`); the date-only day's cleared time
    stands in while the received time is still date-only."""
    times, flags, stand_in = _times_and_flags(list(stored[:4]), stored[4])
    other, other_flags, other_stand_in = _times_and_flags(row[_ROW_TIMES], row[_ROW_FLAGS])
    dropped = merge_times(times, flags, other, other_flags)
    flags += [f for f in other_flags if f not in flags and f not in dropped]
    if times[-1] is None and _DAY_RECEIVED in flags:
        times[-1] = max(filter(None, (stand_in, other_stand_in)), default=None)
    return (*times, json.dumps(flags) if flags else None)


class _Writer:
    """Writes each batch in one `BEGIN IMMEDIATE` transaction: one lookup of the batch's numbers, content hashes
    compared in memory, `executemany` for inserts, updates, aliases and units (own numbers as aliases with one
    INSERT … SELECT). New ids are taken inside the transaction, so two imports at once never take the same id.

    A number met again after its batch was written only adds units and aliases (as a row of the same batch would):
    the lookup tells it by its id, marked in `touched` (a bitmap of the ids inserted or updated in this run). When the
    source had no incidents before, only numbers that `written` may hold are looked up, as long as no other
    connection has written meanwhile (`PRAGMA data_version`).
    """

    def __init__(self, conn: sqlite3.Connection, source: str, report: ImportReport) -> None:
        self.conn, self.source, self.report = conn, source, report
        self.touched = bytearray()
        self.version = store.data_version(conn)
        self.written = None if store.has_source(conn, source) else _Written()

    def _lookup(self, numbers: list[str]) -> dict[str, tuple[int, str, str | None]]:
        if self.written is not None and store.data_version(self.conn) != self.version:
            self.written = None  # another writer may have stored numbers of this source
        if self.written is not None:
            numbers = self.written.candidates(numbers)
        return store.existing(self.conn, self.source, numbers) if numbers else {}

    def _touch(self, id_: int) -> bool:
        """Mark `id_` as written in this run; whether it already was."""
        touched, byte, bit = self.touched, id_ >> 3, 1 << (id_ & 7)
        if byte >= len(touched):
            touched.extend(bytes(byte - len(touched) + 1 + (len(touched) >> 1)))
        seen = bool(touched[byte] & bit)
        touched[byte] |= bit
        return seen

    def write(self, batch: list[Ready]) -> None:
        """Write one batch of incidents in one transaction."""
        numbers = [r[0] for r in batch]
        with store.immediate(self.conn):
            found = self._lookup(numbers)
            first_id = next_id = store.next_id(self.conn)
            inserts, updates, aliases, units, more_units, later = [], [], [], [], [], []
            report = self.report
            for number, row, digest, others, its_units in batch:
                old = found.get(number)
                fresh = True
                if old is None:
                    id_ = next_id
                    next_id += 1
                    self._touch(id_)
                    row.insert(0, id_)
                    inserts.append(row)
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
                        if old[1] == digest:
                            report.unchanged += 1
                            continue
                        row.append(id_)
                        updates.append(row)
                        aliases.append((id_, number, row[1]))
                        report.updated += 1
                if others:
                    aliases += [(id_, a, r) for a, r in others]
                if its_units:
                    (units if fresh else more_units).extend((id_, *u) for u in its_units)
            store.insert(self.conn, inserts)
            store.add_own_aliases(self.conn, first_id, next_id - 1)
            store.update(self.conn, updates)
            store.add_aliases(self.conn, aliases)
            if later:
                stored = store.times(self.conn, [id_ for id_, _ in later])
                store.set_times(self.conn, [(*_merged_times(stored[id_], row), id_) for id_, row in later])
            store.insert_units(self.conn, units)
            store.add_units(self.conn, more_units)
        self.version = store.data_version(self.conn)
        if self.written is not None:
            self.written.add(numbers)


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

    if path.stat().st_size >= HELPER_BYTES and not multiprocessing.current_process().daemon:  # daemons cannot fork
        batches = _from_helper(path, chosen, positions, tz, key)
    else:
        batches = _batches(csv_file, RowBuilder(chosen, positions, csv_file.header, tz, key))
    with store.bulk_load(db.conn), _gc_paused():
        writer = _Writer(db.conn, report.source, report)
        for rows, aliased, skipped, incidents in batches:
            report.rows += rows
            report.aliased += aliased
            for line, reason in skipped:
                report.skip(str(path), line, reason)
            writer.write([finish(inc) for inc in incidents])
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
