"""The auditor's gap report: every incident in exactly one state, rates over required incidents, orphans, clocks,
import and clock warnings, and the manifest that makes it reproducible.

States (`STATES`), judged under a `Policy` (`reports/policy.py`):

- `not required`: the policy does not require footage (the rule is named and counted in `summary.exclusions`);
- `covered`: certain evidence records at least `policy.covered` of the window `[arrived − before, cleared + after]`;
- `partial`: certain evidence, below that share (0 % when the linked recordings miss the window);
- `in doubt`: only uncertain evidence (recording zone unknown, clock drift beyond the threshold, a link made over a
  widened window, a time-only match, a recording without a time);
- `no footage`: nothing linked.

`build_report` returns plain data; its JSON keys: `report`, `version` (2), `manifest`, `policy`, `filters`,
`summary` (counts per state, `required`, `covered_pct` and `recorded_pct` over required incidents, the
`denominator` in words, `exclusions` per rule), `by_group`, `by_month`, `officers` (required incident × officer, see
`reports/officers.py`), `officer_summary` (by officer, unit, precinct, type, month), `explained` (for each incident without footage, the
nearest candidate recordings and why each did not count: `reports/explain.py`), `dems_audit` (inventory entries
without an incident number or category), `retention` (linked footage whose category may be deleted before the
policy allows: `reports/retention.py`), `incidents` (every incident
in scope with its state), `no_footage`, `partial`, `in_doubt`, `orphans`, `orphans_by_camera`, `clocks`, `data_warnings`, `points`,
`warnings`. Percentages are 0–100 with one decimal; times are UTC (`…_utc`) with the agency's local time beside
them (`…_local`) when the policy names its zone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..lookup import ACCEPTED, EPOCH
from ..model import TimeCandidate
from ..resolve import FLAG_PREFIXES, rank
from ..txn import snapshot
from . import policy as policies
from . import retention
from .coverage import coverage_span, union_seconds
from .manifest import manifest

if TYPE_CHECKING:
    import sqlite_utils

GROUPS = ("unit", "officer", "precinct", "type", "month")
STATES = ("covered", "partial", "in doubt", "no footage", "not required")
#: SQL over `footage f`: its times are in doubt (zone unknown, or clock drift beyond `:drift` seconds).
_DOUBTFUL_TIME = "(f.zone_kind IS NULL OR f.zone_kind = 'unknown' OR ABS(COALESCE(f.drift_s, 0)) > :drift)"
NONE = "(none)"


@dataclass(frozen=True)
class ReportOptions:
    """Filters (ISO UTC bounds, exact matches), grouping, the as-of time and the policy for one report."""

    since: str | None = None
    until: str | None = None
    type: str | None = None
    priority: str | None = None
    precinct: str | None = None
    requires_footage_only: bool = False
    by: str = "unit"
    as_of: str | None = None
    policy: policies.Policy = field(default_factory=policies.Policy)


def _scope(opts: ReportOptions, as_of: str) -> tuple[str, list[Any]]:
    ref = "COALESCE(received_utc, dispatched_utc, arrived_utc)"
    where, args = [f"({ref} IS NULL OR {ref} <= ?)"], [as_of]
    for column, value in (("type", opts.type), ("priority", opts.priority), ("precinct", opts.precinct)):
        if value is not None:
            where.append(f"UPPER({column}) = UPPER(?)")
            args.append(value)
    if opts.since:
        where.append(f"{ref} >= ?")
        args.append(opts.since)
    if opts.until:
        where.append(f"{ref} < ?")
        args.append(opts.until)
    return " AND ".join(where), args


def pct(part: float, whole: float) -> float | None:
    """`part / whole` as a percentage with one decimal; None when `whole` is 0."""
    return round(100.0 * part / whole, 1) if whole else None


def requirement(row: dict[str, Any], policy: policies.Policy) -> tuple[bool, str]:
    """Whether the policy requires footage for an incident, and the rule that decided it (plain words)."""
    if policy.use_of_force and row["use_of_force"]:
        return True, "use of force"
    for text in (row["type"], row["type_description"]):
        pattern = policies.matches(text, policy.exclude_call_types)
        if pattern:
            return False, f"excluded call type {pattern}"
    pattern = policies.matches(row["type_description"], policy.exclude_clearance)
    if pattern:
        return False, f"excluded clearance {pattern}"
    if policy.min_on_scene_s and row["arrived"] is not None and row["cleared"] is not None \
            and row["cleared"] - row["arrived"] < policy.min_on_scene_s:
        return False, f"under {policy.min_on_scene_s:g} s on scene"
    if row["priority"] is not None and str(row["priority"]).strip().upper() in policy.priorities:
        return True, f"priority {row['priority']}"
    for text in (row["type"], row["type_description"]):
        pattern = policies.matches(text, policy.call_types)
        if pattern:
            return True, f"call type {pattern}"
    if policy.import_flag and row["requires_footage"]:
        return True, "marked at import"
    return False, "not a required call"


@cache
def gps_timed(source: str | None) -> bool:
    """True when a recording's chosen start time is GPS time (the resolver's top rank)."""
    if not source:
        return False
    return rank(TimeCandidate(source, datetime(2000, 1, 1, tzinfo=UTC), "utc"))[0] == 0


@dataclass
class Evidence:
    """One accepted link's recording, with whether its times can be trusted."""

    footage_id: int
    method: str
    start: float | None
    end: float | None
    doubt: str | None  # why the evidence is uncertain, None when certain
    serial: str | None = None
    officer: str | None = None
    unit: str | None = None
    pre_event_s: float | None = None  # the pre-event buffer the file shows, None when it shows none


def _evidence(db: sqlite_utils.Database, policy: policies.Policy) -> tuple[dict[int, list[Evidence]], int]:
    """Accepted links per incident (time-only ones, unless the policy counts them, as uncertain and only from
    recordings that no number, unit or place ties elsewhere)."""
    out: dict[int, list[Evidence]] = defaultdict(list)
    widened = 0
    sql = (
        f"SELECT l.incident_id, l.footage_id, l.method, l.uncertain, {EPOCH.format('f.start_utc')},"
        f" {EPOCH.format('f.end_utc')}, f.duration_s, (f.zone_kind IS NULL OR f.zone_kind = 'unknown'),"
        f" ABS(COALESCE(f.drift_s, 0)) > :drift, f.time_source, f.serial, f.officer, f.unit, f.pre_event_s"
        f" FROM links l JOIN footage f ON f.id = l.footage_id WHERE {ACCEPTED} ORDER BY l.incident_id, l.footage_id"
    )
    # A recording that number, unit or place ties to an incident is accounted for: its time overlap with other
    # incidents is no evidence for them (in a busy city it would put every uncovered incident in doubt).
    placed = {fid for (fid,) in db.execute(
        f"SELECT DISTINCT l.footage_id FROM links l WHERE {ACCEPTED} AND l.method != 'time-only'", {"time_only": 0})}
    for iid, fid, method, uncertain, start, end, duration, zone_unknown, drifted, source, *who in db.execute(
        sql, {"time_only": 1, "drift": policy.drift_threshold_s}
    ):
        if method == "time-only" and not policy.time_only_counts and fid in placed:
            continue
        widened += uncertain
        if gps_timed(source):  # the start came from GPS time: a drifting camera clock does not put it in doubt
            drifted = uncertain = 0
        if start is not None and end is None:
            end = start + (duration or 0.0)
        doubt = ("recording time unknown" if start is None else "recording zone unknown" if zone_unknown
                 else "recording clock drift" if drifted else "matched over a widened window" if uncertain
                 else "time-only match" if method == "time-only" and not policy.time_only_counts else None)
        out[iid].append(Evidence(fid, method, start, end, doubt, *who))
    return out, widened


def judge(window: tuple[float, float] | None, evidence: list[Evidence], covered_share: float
          ) -> tuple[str, dict[str, Any]]:
    """State and coverage figures of a required incident from its evidence."""
    certain = [e for e in evidence if e.doubt is None]
    if not evidence:
        return "no footage", {}
    if not certain:
        return "in doubt", {"doubt": sorted({e.doubt for e in evidence if e.doubt})}
    if window is None:
        return "in doubt", {"doubt": ["incident has no times"]}
    start, end = window
    length = round(max(end - start, 1.0), 3)  # to the millisecond: julianday arithmetic is good to ~50 µs
    spans = [(e.start, e.end) for e in certain]  # type: ignore[misc]
    covered = round(union_seconds(spans, start, end), 3)  # type: ignore[arg-type]
    first = min(s for s, _ in spans)
    last = max(e for _, e in spans)
    figures = {
        "coverage_pct": round(100.0 * covered / length, 1),
        "covered_s": round(covered, 1),
        "window_s": round(length, 1),
        "missing_s": round(length - covered, 1),
        "activation_delay_s": round(first - start, 1),
        "early_stop_s": round(end - last, 1),
    }
    return ("covered" if covered / length >= covered_share else "partial"), figures


class _Clock:
    """UTC text → agency local text, cached per distinct value."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone) if zone else None

    def local(self, utc_text: str | None) -> str | None:
        if not utc_text or self.zone is None:
            return None
        value = datetime.fromisoformat(utc_text).astimezone(self.zone)
        return value.strftime("%Y-%m-%d %H:%M:%S %Z")


def build_report(db: sqlite_utils.Database, opts: ReportOptions | None = None) -> dict[str, Any]:
    """Compute every section of the gap report for the incidents and recordings in scope, in one read snapshot."""
    opts = opts or ReportOptions()
    if opts.by not in GROUPS:
        raise ValueError(f"--by must be one of {', '.join(GROUPS)}")
    with snapshot(db):
        return _build(db, opts)


def _incidents(db: sqlite_utils.Database, opts: ReportOptions, as_of: str) -> list[dict[str, Any]]:
    where, args = _scope(opts, as_of)
    times = ", ".join(f"{EPOCH.format(c + '_utc')} AS {c}" for c in ("received", "dispatched", "arrived", "cleared"))
    sql = (
        f"SELECT id, number, COALESCE(number_raw, number) AS number_raw, type, type_description, priority,"
        f" precinct, received_utc, dispatched_utc, arrived_utc, cleared_utc, lat, lon, requires_footage, use_of_force, time_flags,"
        f" COALESCE(received_utc, dispatched_utc, arrived_utc) AS ref, {times}"
        f" FROM incidents WHERE {where} ORDER BY ref, number, id"
    )
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor]


def _build(db: sqlite_utils.Database, opts: ReportOptions) -> dict[str, Any]:
    policy = opts.policy
    as_of = opts.as_of or now_as_of()
    as_of_epoch = datetime.fromisoformat(as_of).timestamp()
    clock = _Clock(policy.zone)
    incidents = _incidents(db, opts, as_of)
    evidence, widened = _evidence(db, policy)
    units: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
    for iid, unit, officer in db.execute("SELECT incident_id, unit, officer FROM incident_units"):
        units[iid].append((unit, officer))

    counts = dict.fromkeys(STATES, 0)
    exclusions: dict[str, int] = defaultdict(int)
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    months: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    rows, no_footage, partial, in_doubt, points = [], [], [], [], []
    required_rows: list[dict[str, Any]] = []
    unexplained: list[tuple[dict[str, Any], tuple[float, float] | None]] = []
    for row in incidents:
        iid = row["id"]
        required, rule = requirement(row, policy)
        window = coverage_span(row["received"], row["dispatched"], row["arrived"], row["cleared"],
                               policy.default_duration_s)
        if window is not None:
            window = (window[0] - policy.before_s, window[1] + policy.after_s)
        if required and window is not None and window[1] > as_of_epoch - policy.upload_grace_s:
            required, rule = False, "within the upload grace period"
        if required:
            required_rows.append(row)
            state, figures = judge(window, evidence.get(iid, []), policy.covered)
        else:
            state, figures = "not required", {}
            exclusions[rule] += 1
        counts[state] += 1
        for key in _group_keys(row, units[iid], opts.by):
            groups[key][state] += 1
        months[(row["ref"] or "")[:7] or NONE][state] += 1
        base = {
            "incident": row["number_raw"], "number": row["number"], "type": row["type"],
            "priority": row["priority"], "precinct": row["precinct"],
            "received_utc": row["received_utc"], "received_local": clock.local(row["received_utc"]),
        }
        linked = sorted({e.footage_id for e in evidence.get(iid, [])})
        rows.append({**base, "state": state, "rule": rule, "coverage_pct": figures.get("coverage_pct"),
                     "footage": linked})
        if state == "no footage":
            unexplained.append((row, window))
            no_footage.append({**base, "arrived_utc": row["arrived_utc"],
                               "units": sorted({u for u, _ in units[iid] if u}), "lat": row["lat"],
                               "lon": row["lon"]})
        elif state == "partial":
            partial.append({**base, "arrived_utc": row["arrived_utc"], "cleared_utc": row["cleared_utc"],
                            **figures, "footage": linked})
        elif state == "in doubt":
            in_doubt.append({**base, "why": figures["doubt"], "footage": linked})
        if row["lat"] is not None and row["lon"] is not None:
            points.append({"incident": row["number_raw"], "lat": row["lat"], "lon": row["lon"], "state": state})

    required_n = len(incidents) - counts["not required"]
    from . import explain, officers  # here: both build on this module

    pairs, officer_summary = officers.expectations(db, required_rows, evidence, policy)
    orphans = _orphans(db, opts, as_of)
    by_camera: dict[tuple[str, str], int] = defaultdict(int)
    for o in orphans:
        by_camera[(o["camera"] or NONE, o["officer"] or NONE)] += 1
    clocks = _clocks(db, policy)
    at_risk = retention.risks(db, policy, as_of)
    warnings = []
    if incidents and not required_n:
        warnings.append("no incident in scope requires footage under this policy: nothing can be missing")
    return {
        "report": "bodycam-index gaps",
        "version": 2,
        "manifest": manifest(db, as_of, policy),
        "policy": {"source": policy.source, "sha256": policy.digest(), "rules": policy.as_dict()},
        "filters": {"since": opts.since, "until": opts.until, "type": opts.type, "priority": opts.priority,
                    "precinct": opts.precinct, "requires_footage_only": opts.requires_footage_only, "by": opts.by},
        "summary": {
            "incidents": len(incidents), "required": required_n, **{k.replace(" ", "_"): v for k, v in counts.items()},
            "covered_pct": pct(counts["covered"], required_n),
            "recorded_pct": pct(counts["covered"] + counts["partial"], required_n),
            "goal_pct": round(100 * policy.goal, 1),
            "denominator": f"{required_n} required incidents of {len(incidents)} in scope",
            "exclusions": dict(sorted(exclusions.items(), key=lambda kv: (-kv[1], kv[0]))),
            "orphans": len(orphans), "clock_issues": sum(c["recordings"] for c in clocks),
            "uncertain_links": widened,
            "pre_event_missing": sum(p["pre_event"] == "missing pre-event buffer" for p in pairs),
            "retention_risks": len(at_risk),
        },
        "by_group": _group_rows(groups, opts.by, policy.goal),
        "by_month": _group_rows(months, "month", policy.goal),
        "officers": pairs,
        "officer_summary": officer_summary,
        "incidents": [r for r in rows if r["state"] != "not required" or not opts.requires_footage_only],
        "no_footage": no_footage,
        "explained": explain.explain(db, unexplained, policy.time_only_counts),
        "partial": partial,
        "in_doubt": in_doubt,
        "orphans": orphans,
        "orphans_by_camera": [
            {"camera": cam, "officer": off, "count": n}
            for (cam, off), n in sorted(by_camera.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "clocks": clocks,
        "dems_audit": dems_audit(db, policy, as_of),
        "retention": at_risk,
        "data_warnings": _data_warnings(incidents, db),
        "points": points,
        "warnings": warnings,
    }


def _group_rows(counts: dict[str, dict[str, int]], by: str, goal: float) -> dict[str, Any]:
    rows = []
    for group in sorted(counts, key=lambda g: (g == NONE, g)):
        c = counts[group]
        required = sum(c.values()) - c["not required"]
        rate = pct(c["covered"], required)
        rows.append({
            "group": group, "incidents": sum(c.values()), "required": required, "covered": c["covered"],
            "partial": c["partial"], "in_doubt": c["in doubt"], "no_footage": c["no footage"], "covered_pct": rate,
            "meets_goal": None if rate is None else rate >= round(100 * goal, 1),
        })
    return {"by": by, "rows": rows}


def _group_keys(row: dict[str, Any], units: list[tuple[str | None, str | None]], by: str) -> list[str]:
    if by == "unit":
        keys = sorted({u for u, _ in units if u})
    elif by == "officer":
        keys = sorted({o for _, o in units if o})
    elif by == "month":
        keys = [(row["ref"] or "")[:7]]
    else:
        keys = [row[by]]
    return [k for k in keys if k] or [NONE]


def _orphans(db: sqlite_utils.Database, opts: ReportOptions, as_of: str) -> list[dict[str, Any]]:
    where, args = ["f.status != 'error'", "(f.start_utc IS NULL OR f.start_utc <= :as_of)"], {
        "time_only": int(opts.policy.time_only_counts), "as_of": as_of}
    if opts.since:
        where.append("f.start_utc >= :since")
        args["since"] = opts.since
    if opts.until:
        where.append("f.start_utc < :until")
        args["until"] = opts.until
    sql = f"""
        SELECT f.id, COALESCE(f.path, 'dems:' || f.dems_id), f.serial, f.officer, f.unit, f.start_utc, f.end_utc,
               (f.zone_kind IS NULL OR f.zone_kind = 'unknown'),
               (SELECT COUNT(*) FROM links c WHERE c.footage_id = f.id AND c.method = 'time-only'
                AND c.manual = 0) AS candidates
        FROM footage f
        WHERE {' AND '.join(where)}
          AND NOT EXISTS (SELECT 1 FROM links l WHERE l.footage_id = f.id AND {ACCEPTED})
        ORDER BY f.serial, f.start_utc, f.id
    """
    keys = ("footage_id", "path", "camera", "officer", "unit", "start_utc", "end_utc", "zone_unknown", "candidates")
    rows = [dict(zip(keys, r, strict=True)) for r in db.execute(sql, args)]
    for row in rows:
        row["zone_unknown"] = bool(row["zone_unknown"])
    return rows


def _clocks(db: sqlite_utils.Database, policy: policies.Policy) -> list[dict[str, Any]]:
    sql = f"""
        SELECT COALESCE(f.serial, '{NONE}'), f.id, f.zone_kind, f.drift_s FROM footage f
        WHERE f.status != 'error' AND f.start_utc IS NOT NULL AND {_DOUBTFUL_TIME}
        ORDER BY 1, f.id
    """
    cams: dict[str, dict[str, Any]] = {}
    for camera, fid, zone, drift in db.execute(sql, {"drift": policy.drift_threshold_s}):
        cam = cams.setdefault(camera, {"camera": camera, "recordings": 0, "unknown_zone": 0,
                                       "max_abs_drift_s": None, "footage": []})
        cam["recordings"] += 1
        cam["unknown_zone"] += zone in (None, "unknown")
        if drift is not None and abs(drift) > policy.drift_threshold_s:
            cam["max_abs_drift_s"] = max(cam["max_abs_drift_s"] or 0.0, round(abs(drift), 1))
        cam["footage"].append(fid)
    return list(cams.values())


def dems_audit(db: sqlite_utils.Database, policy: policies.Policy, as_of: str) -> list[dict[str, Any]]:
    """DEMS inventory entries without an incident number (typed text that is not a number counts as none) or
    without a category, with the incidents they were linked to by other evidence (the number to enter). When no
    entry has a category (the export has no such column) that is said once, where the policy sets retention rules,
    instead of for every entry."""
    linked: dict[int, list[str]] = defaultdict(list)
    for fid, number in db.execute(
        f"SELECT l.footage_id, COALESCE(i.number_raw, i.number) FROM links l JOIN incidents i ON i.id = l.incident_id"
        f" JOIN footage f ON f.id = l.footage_id WHERE f.origin = 'dems' AND {ACCEPTED} ORDER BY 1, 2",
        {"time_only": int(policy.time_only_counts)},
    ):
        linked[fid].append(number)
    in_scope = "f.origin = 'dems' AND f.status != 'error' AND (f.start_utc IS NULL OR f.start_utc <= ?)"
    any_category = db.execute(f"SELECT 1 FROM footage f WHERE {in_scope} AND f.dems_category IS NOT NULL LIMIT 1",
                              [as_of]).fetchone() is not None
    rows = []
    for fid, dems_id, officer, start, category, typed, numbered in db.execute(
        "SELECT f.id, f.dems_id, f.officer, f.start_utc, f.dems_category, (SELECT GROUP_CONCAT(h.value, '; ')"
        " FROM footage_hints h WHERE h.footage_id = f.id), EXISTS (SELECT 1 FROM footage_hints h"
        " WHERE h.footage_id = f.id AND h.normalized IS NOT NULL)"
        f" FROM footage f WHERE {in_scope} AND (f.dems_category IS NULL OR NOT EXISTS (SELECT 1 FROM footage_hints h"
        " WHERE h.footage_id = f.id AND h.normalized IS NOT NULL)) ORDER BY f.start_utc, f.id", [as_of]
    ):
        issues = [*([] if numbered else ["no incident number"]),
                  *([] if category is not None or not any_category else ["no category"])]
        if not issues:
            continue
        actions = []
        if not numbered:
            actions.append(f"enter {', '.join(linked[fid])}" if linked.get(fid) else "find its incident")
        if "no category" in issues:
            actions.append("set its category")
        rows.append({"footage_id": fid, "dems_id": dems_id, "officer": officer, "start_utc": start,
                     "typed": typed, "category": category, "issue": ", ".join(issues),
                     "linked_to": linked.get(fid, []), "action": "; ".join(actions)})
    has_entries = db.execute(f"SELECT 1 FROM footage f WHERE {in_scope} LIMIT 1", [as_of]).fetchone() is not None
    checks = policy.use_of_force_retention_days != 0 or policy.retention_call_types or policy.retention_days
    if has_entries and not any_category and checks:
        rows.append({"footage_id": None, "dems_id": None, "officer": None, "start_utc": None, "typed": None,
                     "category": None, "issue": "no entry has a category", "linked_to": [],
                     "action": "import an inventory that lists categories to check retention"})
    return rows


_FLAG_WORDS = {
    "date_only": "only a date was given (time of day unknown)",
    "ambiguous": "local time falls in the repeated DST hour",
    "nonexistent": "local time falls in the skipped DST hour",
}


def _data_warnings(incidents: list[dict[str, Any]], db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Import warnings (incident time flags) and footage zone problems, one row each, for their own section."""
    out: list[dict[str, Any]] = []
    for row in incidents:
        if not row["time_flags"]:
            continue
        try:
            flags = json.loads(row["time_flags"])
        except ValueError:
            flags = [row["time_flags"]]
        for flag in flags if isinstance(flags, list) else [flags]:
            out.append({"kind": "import", "subject": row["number_raw"], "issue": str(flag),
                        "detail": _FLAG_WORDS.get(str(flag).split(":")[0], str(flag))})
    for fid, path, zone, time_source in db.execute(
        "SELECT id, COALESCE(path, 'dems:' || dems_id), zone_kind, time_source FROM footage"
        " WHERE status != 'error' AND start_utc IS NOT NULL AND (zone_kind IS NULL OR zone_kind = 'unknown')"
        " ORDER BY id"
    ):
        out.append({"kind": "clock", "subject": f"recording {fid}: {path}", "issue": "zone unknown",
                    "detail": f"start time from {time_source or 'an unnamed source'} is wall-clock time in an unknown"
                              " zone: its UTC time is in doubt (scan with --tz)"})
    for fid, path, warnings in db.execute(
        "SELECT id, COALESCE(path, 'dems:' || dems_id), warnings FROM footage"
        " WHERE status != 'error' AND warnings IS NOT NULL ORDER BY id"
    ):
        try:
            texts = json.loads(warnings)
        except ValueError:
            texts = [warnings]
        for text in texts if isinstance(texts, list) else [texts]:
            if str(text).startswith(FLAG_PREFIXES):
                out.append({"kind": "clock", "subject": f"recording {fid}: {path}",
                            "issue": str(text).split(":")[0], "detail": str(text)})
    return out


def has_gaps(report: dict[str, Any]) -> bool:
    """True when a required incident has no footage or only partial coverage."""
    return bool(report["no_footage"] or report["partial"])


def now_as_of() -> str:
    """The current time as the report's as-of text (whole seconds, so it is easy to repeat with --as-of)."""
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
