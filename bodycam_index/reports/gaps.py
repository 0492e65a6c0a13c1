"""The auditor's gap report: which incidents lack footage, how well linked footage covers each incident, orphans
and clock problems, with summaries by group and month.

`build_report` returns plain data; its JSON form (`render.to_json`) has these stable keys:

- `report` ("bodycam-index gaps"), `version` (1), `generated_utc`, `filters` and `options` as given.
- `summary`: `incidents` (in scope), `requiring_footage`, `with_footage` (requiring incidents with at least one
  accepted link), `rate` (with_footage / requiring_footage, null when none), `no_footage`, `partial`, `orphans`,
  `clock_issues` (recordings), `uncertain_links` (accepted links whose window was widened).
- `by_group` and `by_month`: `{"by": name, "rows": [{"group", "incidents", "requiring_footage", "with_footage",
  "rate"}]}`; an incident with several units or officers counts in each; `(none)` when it has none; months are UTC.
- `no_footage`: `[{"incident", "type", "priority", "precinct", "received_utc", "arrived_utc", "units", "lat",
  "lon"}]` for incidents requiring footage with no accepted link.
- `partial`: `[{"incident", "type", "priority", "precinct", "arrived_utc", "cleared_utc", "coverage" (0–1),
  "activation_delay_s", "early_stop_s", "missing_s", "footage" (ids), "uncertain"}]`: coverage of `[arrived,
  cleared]` (falling back to dispatched/received and a default duration) below `min_coverage`; `uncertain` is true
  when a linked recording's time is in doubt (zone unknown or drift beyond `drift_threshold_s`), and with it the
  coverage figures.
- `orphans`: `[{"footage_id", "path" (`dems:<id>` for an inventory entry), "camera", "officer", "unit",
  "start_utc", "end_utc", "zone_unknown", "candidates"}]`, readable recordings (status not `error`) with no accepted
  link; `zone_unknown` is true when the recording's start is wall-clock time in an unknown zone (its times are as
  read, not UTC); `candidates` counts time-only suggestions.
- `orphans_by_camera`: `[{"camera", "officer", "count"}]`.
- `clocks`: `[{"camera", "recordings", "unknown_zone", "max_abs_drift_s", "footage"}]` per camera serial.
- `points`: `[{"incident", "lat", "lon", "requires_footage", "has_footage"}]` for the map.
- `warnings`: notes about the data (e.g. no incident marked as requiring footage).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..db import now_utc
from ..link import ACCEPTED, EPOCH
from .snapshot import read_snapshot

if TYPE_CHECKING:
    import sqlite_utils

GROUPS = ("unit", "officer", "precinct", "type", "month")
#: SQL over `footage f`: its times are in doubt (zone unknown, or clock drift beyond `:drift` seconds).
_DOUBTFUL_TIME = "(f.zone_kind IS NULL OR f.zone_kind = 'unknown' OR ABS(COALESCE(f.drift_s, 0)) > :drift)"
NONE = "(none)"


@dataclass(frozen=True)
class ReportOptions:
    """Filters (ISO UTC bounds, exact matches) and thresholds for one report."""

    since: str | None = None
    until: str | None = None
    type: str | None = None
    priority: str | None = None
    precinct: str | None = None
    requires_footage_only: bool = False
    min_coverage: float = 0.8
    by: str = "unit"
    accept_time_only: bool = False
    drift_threshold_s: float = 120.0
    default_duration_s: float = 3600.0


def _scope(opts: ReportOptions) -> tuple[str, list[Any]]:
    ref = "COALESCE(received_utc, dispatched_utc, arrived_utc)"
    where, args = ["1"], []
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
    if opts.requires_footage_only:
        where.append("requires_footage = 1")
    return " AND ".join(where), args


def union_seconds(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Seconds of `[lo, hi]` covered by the union of `spans` (epoch seconds)."""
    covered, reach = 0.0, lo
    for start, end in sorted(spans):
        start, end = max(start, reach), min(end, hi)
        if end > start:
            covered += end - start
            reach = end
    return covered


def coverage_span(
    received: float | None, dispatched: float | None, arrived: float | None, cleared: float | None,
    default_duration_s: float,
) -> tuple[float, float] | None:
    """The span footage should cover: `[arrived, cleared]`, falling back to dispatched/received for the start and
    start + `default_duration_s` for the end; None without any time."""
    start = next((t for t in (arrived, dispatched, received) if t is not None), None)
    if start is None:
        return None
    return start, cleared if cleared is not None else start + default_duration_s


def _coverage(
    row: dict[str, Any], spans: list[tuple[float, float]], opts: ReportOptions
) -> dict[str, Any] | None:
    span = coverage_span(row["received"], row["dispatched"], row["arrived"], row["cleared"], opts.default_duration_s)
    if span is None:
        return None
    start, end = span
    length = max(end - start, 1.0)
    covered = union_seconds(spans, start, end)
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    return {
        "coverage": round(covered / length, 4),
        "activation_delay_s": round(max(0.0, first - start), 1),
        "early_stop_s": round(max(0.0, end - last), 1),
        "missing_s": round(length - covered, 1),
    }


def _group_rows(counts: dict[str, list[int]], by: str) -> dict[str, Any]:
    rows = []
    for group in sorted(counts, key=lambda g: (g == NONE, g)):
        total, requiring, covered = counts[group]
        rows.append({
            "group": group, "incidents": total, "requiring_footage": requiring, "with_footage": covered,
            "rate": round(covered / requiring, 4) if requiring else None,
        })
    return {"by": by, "rows": rows}


def build_report(db: sqlite_utils.Database, opts: ReportOptions | None = None) -> dict[str, Any]:
    """Compute every section of the gap report for the incidents and recordings in scope, in one read snapshot."""
    opts = opts or ReportOptions()
    if opts.by not in GROUPS:
        raise ValueError(f"--by must be one of {', '.join(GROUPS)}")
    with read_snapshot(db):
        return _build(db, opts)


def _build(db: sqlite_utils.Database, opts: ReportOptions) -> dict[str, Any]:
    where, args = _scope(opts)
    times = ", ".join(f"{EPOCH.format(c + '_utc')} AS {c}" for c in ("received", "dispatched", "arrived", "cleared"))
    sql = (
        f"SELECT id, number, type, priority, precinct, received_utc, arrived_utc, cleared_utc, lat, lon,"
        f" requires_footage, COALESCE(received_utc, dispatched_utc, arrived_utc) AS ref, {times}"
        f" FROM incidents WHERE {where} ORDER BY ref, number"
    )
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    incidents = [dict(zip(names, r, strict=True)) for r in cursor]
    flag = {"time_only": int(opts.accept_time_only)}
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    footage_of: dict[int, list[int]] = defaultdict(list)
    uncertain = 0
    unsure_of: set[int] = set()
    for iid, fid, start, end, unsure, doubtful in db.execute(
        f"SELECT l.incident_id, l.footage_id, {EPOCH.format('f.start_utc')}, {EPOCH.format('f.end_utc')},"
        f" l.uncertain, {_DOUBTFUL_TIME} FROM links l JOIN footage f ON f.id = l.footage_id WHERE {ACCEPTED}",
        {**flag, "drift": opts.drift_threshold_s},
    ):
        footage_of[iid].append(fid)
        uncertain += unsure
        if doubtful:
            unsure_of.add(iid)
        if start is not None:
            spans[iid].append((start, end if end is not None else start))
    units: dict[int, list[tuple[str | None, str | None]]] = defaultdict(list)
    for iid, unit, officer in db.execute("SELECT incident_id, unit, officer FROM incident_units"):
        units[iid].append((unit, officer))

    no_footage, partial, points = [], [], []
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    requiring = covered_count = 0
    for row in incidents:
        iid, needs = row["id"], bool(row["requires_footage"])
        has = iid in footage_of
        requiring += needs
        covered_count += needs and has
        for key in _group_keys(row, units[iid], opts.by):
            _count(groups[key], needs, has)
        _count(months[(row["ref"] or "")[:7] or NONE], needs, has)
        unit_list = sorted({u for u, _ in units[iid] if u})
        if needs and not has:
            no_footage.append({
                "incident": row["number"], "type": row["type"], "priority": row["priority"],
                "precinct": row["precinct"], "received_utc": row["received_utc"], "arrived_utc": row["arrived_utc"],
                "units": unit_list, "lat": row["lat"], "lon": row["lon"],
            })
        if has and spans[iid]:
            metrics = _coverage(row, spans[iid], opts)
            if metrics is not None and metrics["coverage"] < opts.min_coverage:
                partial.append({
                    "incident": row["number"], "type": row["type"], "priority": row["priority"],
                    "precinct": row["precinct"], "arrived_utc": row["arrived_utc"],
                    "cleared_utc": row["cleared_utc"], **metrics, "footage": sorted(footage_of[iid]),
                    "uncertain": iid in unsure_of,
                })
        if row["lat"] is not None and row["lon"] is not None:
            points.append({"incident": row["number"], "lat": row["lat"], "lon": row["lon"],
                           "requires_footage": needs, "has_footage": has})

    orphans = _orphans(db, opts, flag)
    by_camera: dict[tuple[str, str], int] = defaultdict(int)
    for o in orphans:
        by_camera[(o["camera"] or NONE, o["officer"] or NONE)] += 1
    clocks = _clocks(db, opts)
    warnings = []
    if incidents and not requiring:
        warnings.append("no incident in scope is marked as requiring footage: the no-footage list is empty")
    return {
        "report": "bodycam-index gaps",
        "version": 1,
        "generated_utc": now_utc(),
        "filters": {k: v for k, v in asdict(opts).items() if k in ("since", "until", "type", "priority", "precinct",
                                                                    "requires_footage_only")},
        "options": {k: v for k, v in asdict(opts).items() if k in ("min_coverage", "by", "accept_time_only",
                                                                    "drift_threshold_s", "default_duration_s")},
        "summary": {
            "incidents": len(incidents), "requiring_footage": requiring, "with_footage": covered_count,
            "rate": round(covered_count / requiring, 4) if requiring else None,
            "no_footage": len(no_footage), "partial": len(partial), "orphans": len(orphans),
            "clock_issues": sum(c["recordings"] for c in clocks), "uncertain_links": uncertain,
        },
        "by_group": _group_rows(groups, opts.by),
        "by_month": _group_rows(months, "month"),
        "no_footage": no_footage,
        "partial": partial,
        "orphans": orphans,
        "orphans_by_camera": [
            {"camera": cam, "officer": off, "count": n}
            for (cam, off), n in sorted(by_camera.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "clocks": clocks,
        "points": points,
        "warnings": warnings,
    }


def _count(cell: list[int], needs: bool, has: bool) -> None:
    cell[0] += 1
    cell[1] += needs
    cell[2] += needs and has


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


def _orphans(db: sqlite_utils.Database, opts: ReportOptions, flag: dict[str, int]) -> list[dict[str, Any]]:
    where, args = ["f.status != 'error'"], dict(flag)
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


def _clocks(db: sqlite_utils.Database, opts: ReportOptions) -> list[dict[str, Any]]:
    sql = f"""
        SELECT COALESCE(f.serial, '{NONE}'), f.id, f.zone_kind, f.drift_s FROM footage f
        WHERE f.status != 'error' AND f.start_utc IS NOT NULL AND {_DOUBTFUL_TIME}
        ORDER BY 1, f.id
    """
    cams: dict[str, dict[str, Any]] = {}
    for camera, fid, zone, drift in db.execute(sql, {"drift": opts.drift_threshold_s}):
        cam = cams.setdefault(camera, {"camera": camera, "recordings": 0, "unknown_zone": 0,
                                       "max_abs_drift_s": None, "footage": []})
        cam["recordings"] += 1
        cam["unknown_zone"] += zone in (None, "unknown")
        if drift is not None and abs(drift) > opts.drift_threshold_s:
            cam["max_abs_drift_s"] = max(cam["max_abs_drift_s"] or 0.0, round(abs(drift), 1))
        cam["footage"].append(fid)
    return list(cams.values())


def has_gaps(report: dict[str, Any]) -> bool:
    """True when the report lists incidents without footage or with partial coverage."""
    return bool(report["no_footage"] or report["partial"])
