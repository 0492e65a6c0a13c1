"""Officer-level expectation: for each required incident, each unit on it resolved to officers and cameras through
the roster's dated assignments, and each officer's own recordings judged against that unit's times.

Per incident × officer (`pairs`), one row even when the officer is on the incident under two units (`units` lists
them; the times are the earliest dispatch and arrival and the latest clear of those units, each unit's own times or
the incident's when it has none): the state under the policy (`covered`, `partial`, `in doubt`, `no footage`),
`activation_after_dispatch_s` and `activation_after_arrival_s` (first recording start minus dispatch / arrival:
negative when the camera was already recording), `stopped_before_clear_s` (clear minus last recording end: negative
when it recorded past the clear), seconds and share of `[arrived, cleared]` recorded (overlapping recordings counted
once), and `pre_event_s` / `pre_event`: the pre-event buffer the officer's first recording shows (`ok`, `missing
pre-event buffer` below the policy's `min_pre_event`, or `not shown by the file`: never a guessed value). A unit
whose officer the roster does not name is expected as the unit itself (`officer` empty).

A recording belongs to an officer when its own officer field names them, or when the roster assigns its camera
to them at the recording's start; to a unit likewise. Only recordings accepted for the incident count."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..lookup import EPOCH
from ..resolve import median
from .coverage import coverage_span
from .gaps import Evidence, judge, pct

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


def _expected(db: sqlite_utils.Database, required: list[dict[str, Any]], roster: Roster
              ) -> dict[int, list[dict[str, Any]]]:
    """Who is expected on each required incident: one entry per officer (their units together, the earliest
    dispatch and arrival and the latest clear of those units), or per unit when the roster names no officer."""
    by_id = {row["id"]: row for row in required}
    cols = ", ".join(EPOCH.format(c) for c in ("dispatched_utc", "arrived_utc", "cleared_utc"))
    found: dict[int, dict[tuple[str | None, str | None], dict[str, Any]]] = defaultdict(dict)
    for iid, unit, officer, *times in db.execute(
        f"SELECT incident_id, unit, officer, {cols}, dispatched_utc, arrived_utc, cleared_utc FROM incident_units"
        " ORDER BY incident_id, unit, officer"
    ):
        row = by_id.get(iid)
        if row is None:
            continue
        own = times[:3] != [None, None, None]
        # each unit's own time, else the incident's: (epoch, text) per field
        dispatched, arrived, cleared = (
            (t, txt) if t is not None else (row[name], row[f"{name}_utc"])
            for t, txt, name in zip(times[:3], times[3:], ("dispatched", "arrived", "cleared"), strict=True))
        ref = next((t for t in (arrived[0], dispatched[0], row["received"]) if t is not None), None)
        people = [_key(officer)] if _key(officer) else sorted(
            {s.officer for s in roster.at("unit", _key(unit), ref) if s.officer})
        for person in people or [None]:
            key = (person, None if person else _key(unit))
            entry = found[iid].setdefault(key, {"officer": person, "units": [], "own": set(), "ref": ref,
                                                "dispatched": [], "arrived": [], "cleared": []})
            if unit and unit not in entry["units"]:
                entry["units"].append(unit)
            entry["own"].add(own)
            for name, value in (("dispatched", dispatched), ("arrived", arrived), ("cleared", cleared)):
                if value[0] is not None:
                    entry[name].append(value)
    out: dict[int, list[dict[str, Any]]] = {}
    for iid, entries in found.items():
        out[iid] = []
        for entry in entries.values():
            entry["dispatched"] = min(entry["dispatched"], default=(None, None))
            entry["arrived"] = min(entry["arrived"], default=(None, None))
            entry["cleared"] = max(entry["cleared"], default=(None, None))
            entry["times_from"] = {frozenset({True}): "unit", frozenset({False}): "incident"}.get(
                frozenset(entry.pop("own")), "unit and incident")
            out[iid].append(entry)
    return out


def _pre_event(mine: list[Evidence], minimum: float) -> tuple[float | None, str | None]:
    """The pre-event buffer of the officer's first recording and its check: `ok`, `missing pre-event buffer`
    (below the policy's minimum) or `not shown by the file`; (None, None) without a recording. Records starting
    within a second of the first are the same recording (the file and its DEMS inventory entry): the one that shows
    a buffer gives it."""
    timed = sorted((e for e in mine if e.start is not None), key=lambda e: (e.start, e.footage_id))
    if not timed:
        return None, None
    first = timed[0].start
    buffer = next((e.pre_event_s for e in timed if e.start - first <= 1.0 and e.pre_event_s is not None), None)
    if buffer is None:
        return None, "not shown by the file"
    return round(buffer, 1), "missing pre-event buffer" if buffer < minimum else "ok"


def _pair_rows(
    db: sqlite_utils.Database, required: list[dict[str, Any]], evidence: dict[int, list[Evidence]], policy: Policy,
) -> list[dict[str, Any]]:
    roster = Roster(db)
    expected = _expected(db, required, roster)
    owners: dict[int, tuple[set[str], set[str]]] = {}
    rows = []
    for row in required:
        iid = row["id"]
        for entry in expected.get(iid, []):
            person, units = entry["officer"], entry["units"]
            (dispatched, d_txt), (arrived, a_txt), (cleared, c_txt) = (
                entry["dispatched"], entry["arrived"], entry["cleared"])
            ref = entry["ref"]
            mine = [e for e in evidence.get(iid, []) if _belongs(e, person, [_key(u) for u in units], roster, owners)]
            window = coverage_span(row["received"], dispatched, arrived, cleared, policy.default_duration_s)
            if window is not None:
                window = (window[0] - policy.before_s, window[1] + policy.after_s)
            state, figures = judge(window, mine, policy.covered)
            certain = [e for e in mine if e.doubt is None and e.start is not None]
            first = min((e.start for e in certain), default=None)  # type: ignore[type-var]
            last = max((e.end for e in certain), default=None)  # type: ignore[type-var]
            pre_event_s, pre_event_check = _pre_event(mine, policy.min_pre_event_s)
            rows.append({
                "incident": row["number_raw"], "number": row["number"], "unit": ", ".join(units) or None,
                "units": units, "officer": person,
                "cameras": sorted({s.serial for s in roster.at("officer", person, ref) if s.serial}) if person else [],
                "type": row["type"], "precinct": row["precinct"], "month": (row["ref"] or "")[:7] or None,
                "dispatched_utc": d_txt, "arrived_utc": a_txt, "cleared_utc": c_txt,
                "times_from": entry["times_from"],
                "state": state, "recorded": state in ("covered", "partial"),
                "activation_after_dispatch_s": _diff(first, dispatched),
                "activation_after_arrival_s": _diff(first, arrived),
                "stopped_before_clear_s": _diff(cleared, last),
                "covered_s": figures.get("covered_s"), "window_s": figures.get("window_s"),
                "coverage_pct": figures.get("coverage_pct"),
                "pre_event_s": pre_event_s, "pre_event": pre_event_check,
                "footage": sorted({e.footage_id for e in mine}),
                "window_utc": [_iso(window[0]), _iso(window[1])] if window else None,
                "recordings": [{"footage_id": e.footage_id, "start_utc": _iso(e.start), "end_utc": _iso(e.end),
                                "certain": e.doubt is None, "pre_event_s": e.pre_event_s}
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


def _belongs(e: Evidence, officer: str | None, units: list[str | None], roster: Roster,
             owners: dict[int, tuple[set[str], set[str]]]) -> bool:
    """Whether recording `e` is this officer's (or, without an officer, one of these units')."""
    if e.footage_id not in owners:
        officers = {o for o in (_key(e.officer),) if o}
        units = {u for u in (_key(e.unit),) if u}
        for span in roster.at("serial", _key(e.serial), e.start):
            if span.officer:
                officers.add(span.officer)
            if span.unit:
                units.add(span.unit)
        owners[e.footage_id] = (officers, units)
    officers, own_units = owners[e.footage_id]
    return officer in officers if officer else any(u in units for u in own_units)


def summaries(pairs: list[dict[str, Any]], goal: float) -> dict[str, list[dict[str, Any]]]:
    """Per officer, unit, precinct, call type and month: expected pairs, recorded, rates, delays, coverage."""
    out = {}
    for by in SUMMARY_GROUPS:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for pair in pairs:
            for key in (pair["units"] if by == "unit" else [pair[by]]) or [None]:
                groups[key or "(none)"].append(pair)
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
                "pre_event_missing": sum(p["pre_event"] == "missing pre-event buffer" for p in members),
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
