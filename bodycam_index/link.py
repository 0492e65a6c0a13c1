"""Link footage to incidents: candidate generation (hash lookups and sorted intervals, never every pair) and scoring.

Rules, best first: `number` 1.0 (the footage carries the incident's number or an alias), `assignment` 0.9 (the
camera's officer or unit, from the roster or the footage itself, is on the incident and times overlap),
`time+place` 0.5–0.8 (a GPS fix during the overlap lies within the radius; nearer scores higher), `time-only`
0.2 (times overlap and one side has no position: a candidate, not coverage unless the report accepts it).
Each footage-incident pair keeps its best rule. Manual links and exclusions (`manual=1`) are never touched by
re-linking and win over automatic rows of the same pair.
"""

from __future__ import annotations

import heapq
import json
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from . import audit
from .db import now_utc
from .lookup import EPOCH, reference_footage, reference_incident
from .model import InputError
from .txn import immediate

if TYPE_CHECKING:
    import sqlite_utils

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = 111_320.0

SCORES = {"number": 1.0, "assignment": 0.9, "time-only": 0.2}


@dataclass(frozen=True)
class LinkOptions:
    """Window and matching parameters (seconds and metres)."""

    before_s: float = 600.0
    after_s: float = 1800.0
    default_duration_s: float = 3600.0
    radius_m: float = 300.0
    drift_threshold_s: float = 120.0
    unknown_zone_s: float = 14 * 3600.0
    max_time_only: int = 5


@dataclass(frozen=True)
class LinkStats:
    """What one linking run did."""

    incidents: int
    footage: int
    links: dict[str, int]
    uncertain: int
    manual_kept: int


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def incident_window(
    received: float | None,
    dispatched: float | None,
    arrived: float | None,
    cleared: float | None,
    opts: LinkOptions,
) -> tuple[float, float] | None:
    """`[dispatched − before, cleared + after]`, falling back to received/arrived and a default duration."""
    start = next((t for t in (dispatched, received, arrived) if t is not None), None)
    if start is None:
        return None
    end = cleared
    if end is None:
        end = max(t for t in (received, dispatched, arrived) if t is not None) + opts.default_duration_s
    return start - opts.before_s, max(end, start) + opts.after_s


class IntervalIndex:
    """Intervals in sorted arrays, grouped by length class so a query scans only plausible starts."""

    def __init__(self, items: Iterable[tuple[float, float, Any]]) -> None:
        groups: dict[int, list[tuple[float, float, Any]]] = defaultdict(list)
        for start, end, payload in items:
            groups[max(0, math.ceil(math.log2(max(end - start, 1.0) / 60.0)))].append((start, end, payload))
        self._groups = []
        for cls, rows in groups.items():
            rows.sort(key=lambda r: r[0])
            self._groups.append(
                (60.0 * 2.0**cls, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
            )

    def overlapping(self, start: float, end: float) -> Iterator[tuple[float, float, Any]]:
        """Intervals meeting `[start, end]`."""
        for max_len, starts, ends, payloads in self._groups:
            lo = bisect_left(starts, start - max_len)
            hi = bisect_right(starts, end)
            for k in range(lo, hi):
                if ends[k] >= start:
                    yield starts[k], ends[k], payloads[k]


#: An incident as the sweep holds it: (window start, window end, incident id, lat, lon).
Window = tuple[float, float, int, Any, Any]


class _Nearest:
    """Windows sorted by start, grouped by length class: the few starting nearest a time among those meeting a
    span are found by walking outwards from that time, never by visiting every overlapping window."""

    def __init__(self, rows: Iterable[Window]) -> None:
        groups: dict[int, list[Window]] = defaultdict(list)
        for row in rows:
            groups[max(0, math.ceil(math.log2(max(row[1] - row[0], 1.0) / 60.0)))].append(row)
        self._groups = []
        for cls, members in groups.items():
            members.sort(key=itemgetter(0))
            self._groups.append((60.0 * 2.0**cls, [r[0] for r in members], members))

    def nearest(self, lo: float, hi: float, count: int) -> list[Window]:
        """The `count` windows meeting `[lo, hi]` whose starts lie nearest `lo` (ties: the lowest id)."""
        picked: list[Window] = []
        for max_len, starts, rows in self._groups:
            mid = bisect_left(starts, lo)
            taken, last, k = 0, None, mid
            while k < len(starts) and starts[k] <= hi:  # later starts: each one further from lo
                if taken >= count and starts[k] != last:
                    break
                if rows[k][1] >= lo:
                    picked.append(rows[k])
                    taken, last = taken + 1, starts[k]
                k += 1
            taken, last, k, floor = 0, None, mid - 1, lo - max_len
            while k >= 0 and starts[k] >= floor:  # earlier starts, the window must still reach lo
                if taken >= count and starts[k] != last:
                    break
                if rows[k][1] >= lo:
                    picked.append(rows[k])
                    taken, last = taken + 1, starts[k]
                k -= 1
        if len(picked) > count:
            picked = heapq.nsmallest(count, picked, key=lambda r: (abs(r[0] - lo), r[2]))
        return picked


#: Recordings per sweep batch, and GPS fixes per batch (a batch closes at whichever comes first).
BATCH_FOOTAGE = 5_000
BATCH_FIXES = 200_000
#: Recordings whose padded span exceeds this are swept on their own, so that one long recording or one badly
#: drifting clock does not make every batch index a long stretch of incidents.
WIDE_S = 2 * 86400.0


def _incident_stream(db: sqlite_utils.Database, opts: LinkOptions) -> Iterator[Window]:
    """Every incident with a window, in window-start order (SQLite sorts)."""
    epochs = [EPOCH.format(c) for c in ("received_utc", "dispatched_utc", "arrived_utc", "cleared_utc")]
    first = f"COALESCE({epochs[1]}, {epochs[0]}, {epochs[2]})"
    sql = f"SELECT id, {', '.join(epochs)}, lat, lon FROM incidents WHERE {first} IS NOT NULL ORDER BY {first}"
    for iid, rec, dis, arr, clr, lat, lon in db.conn.execute(sql):
        window = incident_window(rec, dis, arr, clr, opts)
        if window is not None:
            yield window[0], window[1], iid, lat, lon


def _unit_keys(db: sqlite_utils.Database, ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The unit and officer keys of the given incidents."""
    keys: dict[int, list[tuple[str, str]]] = defaultdict(list)
    sql = "SELECT incident_id, unit, officer FROM incident_units WHERE incident_id IN (SELECT value FROM json_each(?))"
    for iid, unit, officer in db.conn.execute(sql, [json.dumps(ids)]):
        if unit:
            keys[iid].append(("unit", unit.strip().upper()))
        if officer:
            keys[iid].append(("officer", officer.strip().upper()))
    return keys


def _load_roster(db: sqlite_utils.Database) -> dict[str, list[tuple[float, float, str | None, str | None]]]:
    roster: dict[str, list[tuple[float, float, str | None, str | None]]] = defaultdict(list)
    sql = f"SELECT camera_serial, {EPOCH.format('from_utc')}, {EPOCH.format('to_utc')}, officer, unit FROM assignments"
    for serial, start, end, officer, unit in db.conn.execute(sql):
        if serial:
            roster[serial.strip().upper()].append(
                (start if start is not None else -math.inf, end if end is not None else math.inf, officer, unit)
            )
    return roster


def _footage_stream(db: sqlite_utils.Database, opts: LinkOptions, wide: bool) -> Iterator[tuple[Any, ...]]:
    """Recordings with a start time, narrow or wide ones (WIDE_S), in order of their padded start (SQLite sorts):
    (id, start, end, duration, serial, officer, unit, lat, lon, pad, fix_count)."""
    pad = ("CASE WHEN zone_kind IS NULL OR zone_kind IN ('', 'unknown') THEN :unknown"
           " WHEN drift_s IS NOT NULL AND abs(drift_s) > :threshold THEN abs(drift_s) ELSE 0.0 END")
    sql = (
        f"SELECT * FROM (SELECT id, {EPOCH.format('start_utc')} AS s, {EPOCH.format('end_utc')} AS e, duration_s,"
        f" serial, officer, unit, lat, lon, {pad} AS pad, fix_count FROM footage"
        " WHERE start_utc IS NOT NULL) WHERE s IS NOT NULL"
        " AND (COALESCE(e, s + COALESCE(duration_s, 0.0)) - s + 2 * pad > :wide) = :is_wide ORDER BY s - pad"
    )
    yield from db.conn.execute(sql, {"unknown": opts.unknown_zone_s, "threshold": opts.drift_threshold_s,
                                     "wide": WIDE_S, "is_wide": int(wide)})


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in batches of at most BATCH_FOOTAGE recordings or (past the first) BATCH_FIXES fixes."""
    batch: list[tuple[Any, ...]] = []
    fixes = 0
    for row in rows:
        if batch and (len(batch) >= BATCH_FOOTAGE or fixes + (row[10] or 0) > BATCH_FIXES):
            yield batch
            batch, fixes = [], 0
        batch.append(row)
        fixes += row[10] or 0
    if batch:
        yield batch


def _fixes_of(db: sqlite_utils.Database, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    """The GPS fixes of the given recordings."""
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    sql = (f"SELECT footage_id, {EPOCH.format('t_utc')}, t_offset_s, lat, lon FROM gps_fixes"
           " WHERE footage_id IN (SELECT value FROM json_each(?)) ORDER BY footage_id, rowid")
    for row in db.conn.execute(sql, [json.dumps(ids)]):
        found[row[0]].append(row)
    return found


def sweep(db: sqlite_utils.Database, opts: LinkOptions) -> Iterator[tuple[int, dict[int, tuple[str, float, str]],
                                                                      bool]]:
    """(footage id, its candidates, uncertain) for every recording with a start time.

    Recordings (by padded start) and incidents (by window start) are read in time order; each batch of recordings
    is matched against the incidents whose windows meet its span, so memory holds one batch and the incidents
    around it, whatever the totals."""
    roster = _load_roster(db)
    for wide in (False, True):
        incidents: Iterator[Window] | None = None  # opened (SQLite sorts them) at the first batch
        pending: Window | None = None
        active: list[Window] = []
        units: dict[int, list[tuple[str, str]]] = {}
        for batch in _batches(_footage_stream(db, opts, wide)):
            if incidents is None:
                incidents = _incident_stream(db, opts)
                pending = next(incidents, None)
            lo = batch[0][1] - batch[0][9]
            hi = max(row[2] if row[2] is not None else row[1] + (row[3] or 0.0) for row in batch)
            hi += max(row[9] for row in batch)
            active = [r for r in active if r[1] >= lo]
            added = []
            while pending is not None and pending[0] <= hi:
                if pending[1] >= lo:
                    active.append(pending)
                    added.append(pending[2])
                pending = next(incidents, None)
            units = {r[2]: units[r[2]] for r in active if r[2] in units}
            if added:
                units |= _unit_keys(db, added)
            linker = Linker(active, units, roster, opts)
            yield from linker.link(batch, _fixes_of(db, [row[0] for row in batch]))


class Linker:
    """The indexes over one stretch of incidents (in window-start order, with their units) and the roster."""

    def __init__(self, rows: list[Window], unit_keys: dict[int, list[tuple[str, str]]],
                 roster: dict[str, list[tuple[float, float, str | None, str | None]]], opts: LinkOptions) -> None:
        # numpy is imported by the commands that link, not at every start-up
        from .placejoin import PlaceJoin

        self.opts = opts
        self.cell = opts.radius_m / M_PER_DEG
        self.placed = [r for r in rows if r[3] is not None and r[4] is not None]
        self.places = PlaceJoin([r[0] for r in self.placed], [r[1] for r in self.placed],
                                [r[3] for r in self.placed], [r[4] for r in self.placed], self.cell)
        self.all = _Nearest(rows)
        self.unplaced = _Nearest(r for r in rows if r[3] is None or r[4] is None)
        windows = {r[2]: r for r in rows}
        self.units: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
        for iid, keys in unit_keys.items():
            window = windows.get(iid)
            if window is not None:
                for key in keys:
                    self.units[key].append((window[0], window[1], iid))
        self.roster = roster

    def link(self, batch: list[tuple[Any, ...]], fixes: dict[int, list[tuple[Any, ...]]]
             ) -> Iterator[tuple[int, dict[int, tuple[str, float, str]], bool]]:
        """(footage id, best automatic (method, score, reason) per incident, uncertain) for each recording of a
        batch, number rule excluded. An incident keeps the first of equal offers: identity keys, then points in
        fix order, then time-only."""
        points: list[tuple[float, float, float, float, str, int, int]] = []
        spans = []  # per recording: lo, hi and its points' range
        los: list[float] = []
        his: list[float] = []
        for row in batch:
            start, end, duration, lat, lon, pad = row[1], row[2], row[3], row[7], row[8], row[9]
            end = end if end is not None else start + (duration or 0.0)
            lo, hi = start - pad, end + pad
            first = len(points)
            points += self._points(start, end, pad, lat, lon, fixes.get(row[0], ()))
            spans.append((lo, hi, first, len(points)))
            los += [lo] * (len(points) - first)
            his += [hi] * (len(points) - first)
        hits_p: list[int] = []
        hits_i: list[int] = []
        if points:
            lat, lon, t0, t1, _labels, ky, kx = zip(*points, strict=True)
            hits_p, hits_i = self.places.pairs(lat, lon, ky, kx, (t0, los), (t1, his), self.opts.radius_m)
        hit, n_hits = 0, len(hits_p)
        radius, placed = self.opts.radius_m, self.placed
        for row, (lo, hi, first, stop) in zip(batch, spans, strict=True):
            found = self._assignments(row, lo, hi)
            while hit < n_hits and hits_p[hit] < stop:
                plat, plon, _t0, _t1, what, _ky, _kx = points[hits_p[hit]]
                _ws, _we, iid, ilat, ilon = placed[hits_i[hit]]
                hit += 1
                d = haversine_m(plat, plon, ilat, ilon)
                if d <= radius:
                    score = round(0.8 - 0.3 * d / radius, 3)
                    best = found.get(iid)
                    if best is None or best[1] < score:
                        found[iid] = ("time+place", score, f"{what} {d:.0f} m from the incident within its window")
            positioned = stop > first
            index = self.unplaced if positioned else self.all
            reason = "times overlap; " + ("incident has no position" if positioned else "footage has no position")
            for _ws, _we, iid, _lat, _lon in index.nearest(lo, hi, self.opts.max_time_only):
                if iid not in found:
                    found[iid] = ("time-only", SCORES["time-only"], reason)
            yield row[0], found, row[9] > 0

    def _assignments(self, row: tuple[Any, ...], lo: float, hi: float) -> dict[int, tuple[str, float, str]]:
        """The assignment rule's offers for one recording."""
        found: dict[int, tuple[str, float, str]] = {}
        serial, officer, unit = row[4], row[5], row[6]
        if self.units and (serial or officer or unit):
            for key, why in self._identity_keys(serial, officer, unit, lo, hi):
                reason = f"{why} is on the incident; times overlap"
                for ws, we, iid in self.units.get(key, ()):
                    if ws <= hi and we >= lo and iid not in found:
                        found[iid] = ("assignment", SCORES["assignment"], reason)
        return found

    def _identity_keys(
        self, serial: str | None, officer: str | None, unit: str | None, lo: float, hi: float
    ) -> Iterator[tuple[tuple[str, str], str]]:
        if officer:
            yield ("officer", officer.strip().upper()), f"footage officer {officer}"
        if unit:
            yield ("unit", unit.strip().upper()), f"footage unit {unit}"
        if serial:
            for a_from, a_to, a_officer, a_unit in self.roster.get(serial.strip().upper(), ()):
                if a_from <= hi and a_to >= lo:
                    if a_officer:
                        yield ("officer", a_officer.strip().upper()), f"camera {serial} (roster: officer {a_officer})"
                    if a_unit:
                        yield ("unit", a_unit.strip().upper()), f"camera {serial} (roster: unit {a_unit})"

    def _points(
        self,
        start: float,
        end: float,
        pad: float,
        lat: float | None,
        lon: float | None,
        fixes: Iterable[tuple[Any, ...]],
    ) -> list[tuple[float, float, float, float, str, int, int]]:
        """(lat, lon, from, to, label, cell row, cell column) for each distinct fix cell; the representative point
        when no fix. Non-finite coordinates are no position."""
        points: dict[tuple[int, int, float, float], tuple[float, float, float, float, str, int, int]] = {}
        cell, floor, finite = self.cell, math.floor, math.isfinite
        for _fid, t_utc, t_off, flat, flon in fixes:
            if flat - flat or flon - flon:  # infinite (SQLite stores no NaN)
                continue
            ky, kx = floor(flat / cell), floor(flon / cell)
            if t_utc is not None:
                t0 = t1 = t_utc
                slot = round(t_utc, -2)
                key = (ky, kx, slot, slot)
            else:
                if t_off is not None:
                    t0, t1 = start + t_off - pad, start + t_off + pad
                else:
                    t0, t1 = start - pad, end + pad
                key = (ky, kx, round(t0, -2), round(t1, -2))
            if key not in points:
                points[key] = (flat, flon, t0, t1, "GPS fix", ky, kx)
        if not points and lat is not None and lon is not None and finite(lat) and finite(lon):
            return [(lat, lon, start - pad, end + pad, "footage position (no fixes)", math.floor(lat / cell),
                     math.floor(lon / cell))]
        return list(points.values())


def _number_links(db: sqlite_utils.Database) -> Iterator[tuple[int, int, str]]:
    sql = """
        SELECT h.footage_id, i.id, h.value, h.source FROM footage_hints h JOIN incidents i ON i.number = h.normalized
        UNION
        SELECT h.footage_id, a.incident_id, h.value, h.source FROM footage_hints h
            JOIN incident_aliases a ON a.alias = h.normalized
    """
    for fid, iid, value, source in db.execute(sql):
        yield fid, iid, f"footage carries incident number {value!r}" + (f" ({source})" if source else "")


def relink(db: sqlite_utils.Database, opts: LinkOptions | None = None) -> LinkStats:
    """Rebuild every automatic link; manual links and exclusions are kept as they are.

    One write transaction: the run reads one state of footage and incidents, and its links replace the old ones
    all at once (an interruption leaves the previous links). Foreign keys are not checked row by row while it
    runs (outside a caller's transaction): every link it writes names a recording and an incident read in the
    same transaction, and nothing references links."""
    with _without_foreign_keys(db), immediate(db):
        return _relink(db, opts or LinkOptions())


@contextmanager
def _without_foreign_keys(db: sqlite_utils.Database) -> Iterator[None]:
    """Foreign-key enforcement off for the enclosed transaction, when no transaction is open (SQLite ignores the
    pragma inside one), and back as it was after."""
    if db.conn.in_transaction or not db.conn.execute("PRAGMA foreign_keys").fetchone()[0]:
        yield
        return
    db.conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        db.conn.execute("PRAGMA foreign_keys = ON")


def _relink(db: sqlite_utils.Database, opts: LinkOptions) -> LinkStats:
    created = now_utc()
    insert = ("INSERT INTO links (footage_id, incident_id, method, score, reason, manual, excluded, uncertain,"
              " created_utc) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?)")
    footage_count = 0
    with db.atomic():
        if db.conn.execute("SELECT 1 FROM links WHERE manual != 0 LIMIT 1").fetchone():
            db.conn.execute("DELETE FROM links WHERE manual = 0")
        else:
            db.conn.execute("DELETE FROM links")  # without WHERE (and foreign keys off) SQLite drops the pages
        # The secondary indexes are rebuilt once after the bulk insert instead of updated row by row (same
        # transaction: an interruption leaves them as they were).
        indexes = db.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'links'"
                                  " AND sql IS NOT NULL").fetchall()
        for name, _sql in indexes:
            db.conn.execute(f'DROP INDEX "{name}"')
        batch: list[tuple[Any, ...]] = []
        for fid, found, uncertain in sweep(db, opts):
            footage_count += 1
            batch.extend((fid, iid, m, s, r, int(uncertain), created) for iid, (m, s, r) in found.items())
            if len(batch) >= BATCH_FOOTAGE:
                db.conn.executemany(insert, (row for row in batch))  # Python between rows: Ctrl-C lands there
                batch.clear()
        db.conn.executemany(insert, (row for row in batch))
        db.conn.executemany(  # a number link replaces the pair's other rule
            insert + " ON CONFLICT (footage_id, incident_id, manual) DO UPDATE SET method = excluded.method,"
            " score = excluded.score, reason = excluded.reason, uncertain = 0",
            ((f, i, "number", SCORES["number"], r, 0, created) for f, i, r in _number_links(db)))
        for _name, sql in indexes:
            db.conn.execute(sql)
    counts = dict(db.execute("SELECT method, COUNT(*) FROM links WHERE manual = 0 GROUP BY method ORDER BY method"))
    uncertain, manual = db.execute("SELECT COALESCE(SUM(uncertain * (manual = 0)), 0), COALESCE(SUM(manual), 0)"
                                   " FROM links").fetchone()
    first = "COALESCE(" + ", ".join(EPOCH.format(c) for c in ("dispatched_utc", "received_utc", "arrived_utc")) + ")"
    incidents = db.execute(f"SELECT COUNT(*) FROM incidents WHERE {first} IS NOT NULL").fetchone()[0]
    return LinkStats(incidents=incidents, footage=footage_count, links=counts, uncertain=uncertain,
                     manual_kept=manual)


def _resolve_pair(db: sqlite_utils.Database, footage: str, incident: str) -> tuple[int, int]:
    return reference_footage(db, footage), reference_incident(db, incident)


def add_manual(db: sqlite_utils.Database, footage: str, incident: str, reason: str, user: str | None = None) -> int:
    """Link a recording to an incident by hand (wins over automatic rules); audited. Returns the link id."""
    return _manual(db, footage, incident, reason, user, excluded=False)


def remove_link(db: sqlite_utils.Database, footage: str, incident: str, reason: str, user: str | None = None) -> int:
    """Exclude a pairing by hand so re-linking never restores it; audited. Returns the exclusion's link id."""
    return _manual(db, footage, incident, reason, user, excluded=True)


def _manual(db: sqlite_utils.Database, footage: str, incident: str, reason: str, user: str | None, excluded: bool) -> int:
    if not reason or not reason.strip():
        raise InputError("a manual link change needs --reason")
    with audit.change(db) as log:  # the link and its audit entry commit together; the chain never forks
        fid, iid = _resolve_pair(db, footage, incident)
        number = db.execute("SELECT number FROM incidents WHERE id = ?", [iid]).fetchone()[0]
        path = db.execute("SELECT COALESCE(path, dems_id) FROM footage WHERE id = ?", [fid]).fetchone()[0]
        db.execute(
            "INSERT INTO links (footage_id, incident_id, method, score, reason, manual, excluded, uncertain,"
            " created_utc) VALUES (?, ?, 'manual', ?, ?, 1, ?, 0, ?)"
            " ON CONFLICT (footage_id, incident_id, manual) DO UPDATE SET"
            " score = excluded.score, reason = excluded.reason, excluded = excluded.excluded,"
            " created_utc = excluded.created_utc",
            [fid, iid, 0.0 if excluded else 1.0, reason.strip(), int(excluded), now_utc()],
        )
        link_id = db.execute(
            "SELECT id FROM links WHERE footage_id = ? AND incident_id = ? AND manual = 1", [fid, iid]
        ).fetchone()[0]
        log("link.remove" if excluded else "link.add",
            {"footage_id": fid, "footage": path, "incident_id": iid, "incident": number, "reason": reason.strip(),
             "link_id": link_id}, user)
    return link_id
