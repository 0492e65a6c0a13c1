"""Officer-level expectation: for each required incident, each unit on it resolved to officers and cameras through
the roster's dated assignments, and each officer's own recordings judged against that unit's times.

Per incident × officer (`pairs`): the unit's dispatched / arrived / cleared times (the incident's when the unit has
none), the state under the policy (`covered`, `partial`, `in doubt`, `no footage`), `activation_after_dispatch_s`
and `activation_after_arrival_s` (first recording start minus dispatch / arrival: negative when the camera was
already recording), `stopped_before_clear_s` (clear minus last recording end: negative when it recorded past the
clear), seconds and share of `[arrived, cleared]` recorded (overlapping recordings counted once). A unit whose
officer the roster does not name is expected as the unit itself (`officer` empty).

A recording belongs to an officer when its own officer field names them, or when the roster assigns its camera
to them at the recording's start; to a unit likewise. Only recordings accepted for the incident count.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median
from typing import TYPE_CHECKING, Any

from ..link import EPOCH
from .gaps import Evidence, coverage_span, judge, pct

if TYPE_CHECKING:
    import sqlite_utils

    from .policy import Policy

SUMMARY_GROUPS = ("officer", "unit", "precinct", "type", "month")


def _key(text: str | None) -> str | None:
    text = (text or "").strip().upper()
    return text or None


@dataclass(frozen=True)
class _Span:
    start: float
    end: float
    officer: str | None
    unit: str | None
    serial: str | None


class Roster:
    """Dated assignments, looked up by unit, officer or camera at a moment (each list sorted by start)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        by: dict[str, dict[str, list[_Span]]] = {"unit": defaultdict(list), "officer": defaultdict(list),
                                                 "serial": defaultdict(list)}
        sql = f"SELECT camera_serial, officer, unit, {EPOCH.format('from_utc')}, {EPOCH.format('to_utc')} FROM assignments"
        for serial, officer, unit, start, end in db.execute(sql):
            span = _Span(start if start is not None else -math.inf, end if end is not None else math.inf,
                         _key(officer), _key(unit), _key(serial))
            for kind, value in (("unit", span.unit), ("officer", span.officer), ("serial", span.serial)):
                if value:
                    by[kind][value].append(span)
        self.by = {kind: {k: sorted(v, key=lambda s: s.start) for k, v in table.items()} for kind, table in by.items()}
        self.starts = {kind: {k: [s.start for s in v] for k, v in table.items()} for kind, table in self.by.items()}

    def at(self, kind: str, value: str | None, when: float | None) -> list[_Span]:
        """Assignments of a unit, officer or camera (`kind`) valid at `when` (all of them when `when` is None)."""
        spans = self.by[kind].get(value or "", [])
        if when is None:
            return spans
        upto = bisect_right(self.starts[kind][value or ""], when) if spans else 0
        return [s for s in spans[:upto] if s.end > when]


def _pair_rows(
    db: sqlite_utils.Database, required: list[dict[str, Any]], evidence: dict[int, list[Evidence]], policy: Policy,
) -> list[dict[str, Any]]:
    roster = Roster(db)
    by_id = {row["id"]: row for row in required}
    units: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    cols = ", ".join(EPOCH.format(c) for c in ("dispatched_utc", "arrived_utc", "cleared_utc"))
    for iid, unit, officer, dispatched, arrived, cleared, d_txt, a_txt, c_txt in db.execute(
        f"SELECT incident_id, unit, officer, {cols}, dispatched_utc, arrived_utc, cleared_utc FROM incident_units"
        " ORDER BY incident_id, unit, officer"
    ):
        if iid in by_id:
            units[iid].append((unit, officer, dispatched, arrived, cleared, d_txt, a_txt, c_txt))
    owners: dict[int, tuple[set[str], set[str]]] = {}
    rows = []
    for row in required:
        iid = row["id"]
        for unit, officer, u_dis, u_arr, u_clr, d_txt, a_txt, c_txt in units.get(iid, []):
            dispatched = u_dis if u_dis is not None else row["dispatched"]
            arrived = u_arr if u_arr is not None else row["arrived"]
            cleared = u_clr if u_clr is not None else row["cleared"]
            ref = next((t for t in (arrived, dispatched, row["received"]) if t is not None), None)
            officers = [_key(officer)] if _key(officer) else sorted(
                {s.officer for s in roster.at("unit", _key(unit), ref) if s.officer})
            for person in officers or [None]:
                mine = [e for e in evidence.get(iid, []) if _belongs(e, person, _key(unit), roster, owners)]
                window = coverage_span(row["received"], dispatched, arrived, cleared, policy.default_duration_s)
                if window is not None:
                    window = (window[0] - policy.before_s, window[1] + policy.after_s)
                state, figures = judge(window, mine, policy.covered)
                certain = [e for e in mine if e.doubt is None and e.start is not None]
                first = min((e.start for e in certain), default=None)  # type: ignore[type-var]
                last = max((e.end for e in certain), default=None)  # type: ignore[type-var]
                rows.append({
                    "incident": row["number_raw"], "number": row["number"], "unit": unit,
                    "officer": person, "cameras": sorted({s.serial for s in roster.at("officer", person, ref)
                                                          if s.serial}) if person else [],
                    "type": row["type"], "precinct": row["precinct"], "month": (row["ref"] or "")[:7] or None,
                    "dispatched_utc": d_txt or row["dispatched_utc"], "arrived_utc": a_txt or row["arrived_utc"],
                    "cleared_utc": c_txt or row["cleared_utc"],
                    "times_from": "unit" if (u_dis, u_arr, u_clr) != (None, None, None) else "incident",
                    "state": state, "recorded": state in ("covered", "partial"),
                    "activation_after_dispatch_s": _diff(first, dispatched),
                    "activation_after_arrival_s": _diff(first, arrived),
                    "stopped_before_clear_s": _diff(cleared, last),
                    "covered_s": figures.get("covered_s"), "window_s": figures.get("window_s"),
                    "coverage_pct": figures.get("coverage_pct"),
                    "footage": sorted({e.footage_id for e in mine}),
                    "window_utc": [_iso(window[0]), _iso(window[1])] if window else None,
                    "recordings": [{"footage_id": e.footage_id, "start_utc": _iso(e.start), "end_utc": _iso(e.end),
                                    "certain": e.doubt is None}
                                   for e in sorted(mine, key=lambda e: (e.start or 0.0, e.footage_id))
                                   if e.start is not None],
                })
    return rows


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(round(epoch, 3), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 1)


def _belongs(e: Evidence, officer: str | None, unit: str | None, roster: Roster,
             owners: dict[int, tuple[set[str], set[str]]]) -> bool:
    """Whether recording `e` is this officer's (or, without an officer, this unit's)."""
    if e.footage_id not in owners:
        officers = {o for o in (_key(e.officer),) if o}
        units = {u for u in (_key(e.unit),) if u}
        for span in roster.at("serial", _key(e.serial), e.start):
            if span.officer:
                officers.add(span.officer)
            if span.unit:
                units.add(span.unit)
        owners[e.footage_id] = (officers, units)
    officers, units = owners[e.footage_id]
    return officer in officers if officer else unit in units


def summaries(pairs: list[dict[str, Any]], goal: float) -> dict[str, list[dict[str, Any]]]:
    """Per officer, unit, precinct, call type and month: expected pairs, recorded, rates, delays, coverage."""
    out = {}
    for by in SUMMARY_GROUPS:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for pair in pairs:
            groups[pair[by] or "(none)"].append(pair)
        rows = []
        for group in sorted(groups, key=lambda g: (g == "(none)", g)):
            members = groups[group]
            recorded = sum(p["recorded"] for p in members)
            covered = sum(p["state"] == "covered" for p in members)
            delays = [p["activation_after_arrival_s"] for p in members if p["activation_after_arrival_s"] is not None]
            shares = [p["coverage_pct"] for p in members if p["coverage_pct"] is not None]
            rate = pct(covered, len(members))
            rows.append({
                "group": group, "expected": len(members), "recorded": recorded, "covered": covered,
                "in_doubt": sum(p["state"] == "in doubt" for p in members),
                "recorded_pct": pct(recorded, len(members)), "covered_pct": rate,
                "median_activation_after_arrival_s": round(median(delays), 1) if delays else None,
                "mean_coverage_pct": round(sum(shares) / len(shares), 1) if shares else None,
                "meets_goal": rate >= round(100 * goal, 1) if rate is not None else None,
            })
        out[by] = rows
    return out


def expectations(
    db: sqlite_utils.Database, required: list[dict[str, Any]], evidence: dict[int, list[Evidence]], policy: Policy,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Incident × officer rows for the required incidents, and their summaries against the policy's goal."""
    pairs = _pair_rows(db, required, evidence, policy)
    return pairs, summaries(pairs, policy.goal)
