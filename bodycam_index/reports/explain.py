"""Explained gaps: for each required incident without footage, the nearest candidate recordings and why each one
did not count (N s outside the window, N m beyond the radius, zone unknown, camera not on the roster that day or
its officer not on the incident, incident number one edit away, linked to another incident).

Candidates come from an interval index over recording times (nearest `PER_INCIDENT` by time within `HORIZON_S`,
or `UNKNOWN_ZONE_S` for recordings whose zone is unknown), from the units on the incident, and from a
deletion-neighbourhood index of the numbers recordings carry; never from comparing every pair.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..link import IntervalIndex, LinkOptions, haversine_m
from ..lookup import ACCEPTED, EPOCH
from .officers import Roster, _key

if TYPE_CHECKING:
    import sqlite_utils

PER_INCIDENT = 3
HORIZON_S = 6 * 3600.0
UNKNOWN_ZONE_S = 14 * 3600.0


def _deletions(text: str) -> set[str]:
    """`text` and every string one character shorter."""
    return {text} | {text[:k] + text[k + 1:] for k in range(len(text))}


def one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by exactly one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(map(str.__ne__, a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[k:] == long_[k + 1:]


class _Recordings:
    """Recordings with a start time, their identities, hints and accepted incidents, loaded once."""

    def __init__(self, db: sqlite_utils.Database, time_only: bool) -> None:
        self.info: dict[int, tuple[Any, ...]] = {}
        known, unknown = [], []
        for fid, path, start, end, duration, zone, serial, officer, unit, lat, lon in db.execute(
            f"SELECT id, COALESCE(path, 'dems:' || dems_id), {EPOCH.format('start_utc')}, {EPOCH.format('end_utc')},"
            " duration_s, zone_kind, serial, officer, unit, lat, lon FROM footage"
            " WHERE status != 'error' AND start_utc IS NOT NULL"
        ):
            end = end if end is not None else start + (duration or 0.0)
            zone_unknown = not zone or zone == "unknown"
            self.info[fid] = (path, start, end, zone_unknown, serial, officer, unit, lat, lon)
            (unknown if zone_unknown else known).append((start, end, fid))
        self.known, self.unknown = IntervalIndex(known), IntervalIndex(unknown)
        self.hints: dict[str, set[tuple[int, str]]] = defaultdict(set)
        for fid, value, norm in db.execute(  # only numbers that name no incident: the others are not typos
            "SELECT footage_id, value, normalized FROM footage_hints h WHERE normalized IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.number = h.normalized)"
            " AND NOT EXISTS (SELECT 1 FROM incident_aliases a WHERE a.alias = h.normalized)"
        ):
            for variant in _deletions(norm):
                self.hints[variant].add((fid, f"{value}\x00{norm}"))
        self.linked: dict[int, list[str]] = defaultdict(list)
        for fid, number in db.execute(
            f"SELECT l.footage_id, COALESCE(i.number_raw, i.number) FROM links l JOIN incidents i"
            f" ON i.id = l.incident_id WHERE {ACCEPTED} ORDER BY l.footage_id, i.number",
            {"time_only": int(time_only)},
        ):
            self.linked[fid].append(number)

    def near_numbers(self, number: str) -> dict[int, str]:
        """Recordings carrying a number one edit away from `number`: id → the number as written."""
        found: dict[int, str] = {}
        for variant in _deletions(number):
            for fid, both in self.hints.get(variant, ()):
                value, norm = both.split("\x00", 1)
                if one_edit(norm, number):
                    found[fid] = value
        return found


def _fix_distance(db: sqlite_utils.Database, fid: int, lat: float, lon: float,
                  rep: tuple[float | None, float | None]) -> float | None:
    best = None
    for flat, flon in db.execute("SELECT lat, lon FROM gps_fixes WHERE footage_id = ?", [fid]):
        d = haversine_m(lat, lon, flat, flon)
        best = d if best is None or d < best else best
    if best is None and rep[0] is not None and rep[1] is not None:
        best = haversine_m(lat, lon, rep[0], rep[1])  # type: ignore[arg-type]
    return best


def _reasons(db: sqlite_utils.Database, rec: tuple[Any, ...], fid: int, incident: dict[str, Any],
             window: tuple[float, float], on_incident: tuple[set[str], set[str]], roster: Roster,
             radius_m: float, number_hint: str | None, linked: list[str]) -> list[str]:
    _path, start, end, zone_unknown, serial, officer, unit, lat, lon = rec
    out = []
    if start > window[1]:
        out.append(f"starts {start - window[1]:,.0f} s after the window")
    elif end < window[0]:
        out.append(f"ends {window[0] - end:,.0f} s before the window")
    else:
        out.append("overlaps the window")
    if zone_unknown:
        out.append("zone unknown (its time may be hours off)")
    if incident["lat"] is not None and incident["lon"] is not None:
        if out[-1] == "overlaps the window" or lat is None or lon is None:  # the nearest GPS fix where it matters
            d = _fix_distance(db, fid, incident["lat"], incident["lon"], (lat, lon))
        else:  # else the recording's representative point
            d = haversine_m(incident["lat"], incident["lon"], lat, lon)
        if d is None:
            out.append("no position to compare")
        elif d > radius_m:
            out.append(f"{d:,.0f} m from the incident (radius {radius_m:,.0f} m)")
        else:
            out.append(f"{d:,.0f} m from the incident (within the radius)")
    officers, units = on_incident
    if serial:
        spans = roster.at("serial", _key(serial), start)
        if not spans:
            out.append(f"camera {serial} not on the roster that day")
        elif (officers or units) and not any(s.officer in officers or s.unit in units for s in spans):
            holders = ", ".join(sorted({s.officer or s.unit or "?" for s in spans}))
            out.append(f"camera {serial} was {holders}'s, not on the incident")
    elif (officers or units) and not (_key(officer) in officers or _key(unit) in units):
        out.append("no camera serial; its officer/unit not on the incident")
    if number_hint:
        out.append(f"carries incident number {number_hint!r}, one edit from {incident['number']}")
    if linked:
        out.append(f"linked to {', '.join(linked[:3])}{' …' if len(linked) > 3 else ''}")
    return out


def _nearest(index: IntervalIndex, lo: float, hi: float, horizon: float, gap: Any) -> list[tuple[float, float, int]]:
    """The PER_INCIDENT recordings nearest `[lo, hi]` within `horizon`, searched in widening steps (15 min, 1 h,
    then the horizon): when a step already holds PER_INCIDENT, nothing farther can be nearer."""
    for step in (900.0, 3600.0, horizon):
        step = min(step, horizon)
        found = heapq.nsmallest(PER_INCIDENT, index.overlapping(lo - step, hi + step), key=gap)
        if len(found) >= PER_INCIDENT or step >= horizon:
            return found
    return []


def explain(db: sqlite_utils.Database, gaps: list[tuple[dict[str, Any], tuple[float, float] | None]],
            time_only: bool) -> list[dict[str, Any]]:
    """Rows (incident, recording, path, start, reasons) for each incident without footage and its candidates;
    an incident with none gets one row saying so."""
    if not gaps:
        return []
    recs = _Recordings(db, time_only)
    roster = Roster(db)
    radius = LinkOptions().radius_m
    wanted = {row["id"] for row, _ in gaps}
    on_incident: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for iid, unit, officer in db.execute("SELECT incident_id, unit, officer FROM incident_units"):
        if iid in wanted:
            if _key(officer):
                on_incident[iid][0].add(_key(officer))  # type: ignore[arg-type]
            if _key(unit):
                on_incident[iid][1].add(_key(unit))  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = []
    for incident, window in gaps:
        near_numbers = recs.near_numbers(incident["number"])
        chosen: dict[int, float] = {}
        if window is not None:
            lo, hi = window

            def gap(item: tuple[float, float, int], lo: float = lo, hi: float = hi) -> float:
                return max(0.0, item[0] - hi, lo - item[1])

            for index, horizon in ((recs.known, HORIZON_S), (recs.unknown, UNKNOWN_ZONE_S)):
                for item in _nearest(index, lo, hi, horizon, gap):
                    chosen.setdefault(item[2], gap(item))
        for fid in near_numbers:
            chosen.setdefault(fid, math.inf)
        best = sorted(chosen.items(), key=lambda kv: (kv[1], kv[0]))
        if not best:
            rows.append({"incident": incident["number_raw"], "footage_id": None, "path": None, "start_utc": None,
                         "why": ["no recording within 6 h (14 h for unknown zones) and none carries a near number"]})
            continue
        for fid, _gap in best:
            rec = recs.info[fid]
            why = _reasons(db, rec, fid, incident, window or (rec[1], rec[2]), on_incident[incident["id"]], roster,
                           radius, near_numbers.get(fid), recs.linked.get(fid, []))
            rows.append({"incident": incident["number_raw"], "footage_id": fid, "path": rec[0],
                         "start_utc": _iso(rec[1]), "why": why})
    return rows


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(round(epoch, 3), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # julianday: ~50 µs
