"""Retention risk: DEMS footage linked to an incident the policy gives a minimum retention (use of force,
`[retention] call_types`) whose category keeps it for less, or whose category the policy does not know.

A recording with several categories is kept for the longest of them (as DEMS systems apply them). Categories are
the inventory's cell split at `;`, `,` or `|`. Periods are whole days; None is "indefinite" (kept until deleted).
Nothing is assumed: a category missing from the policy is "retention not known", a recording without one is
"no category".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..lookup import ACCEPTED
from . import policy as policies

if TYPE_CHECKING:
    import sqlite_utils

_SPLIT = re.compile(r"[;,|]")


def categories(cell: str | None) -> list[str]:
    """The categories written in one inventory cell, in order, without blanks or repeats."""
    seen: list[str] = []
    for part in _SPLIT.split(cell or ""):
        name = part.strip()
        if name and name.upper() not in (s.upper() for s in seen):
            seen.append(name)
    return seen


def days_text(days: int | None) -> str:
    """A retention period for people: `3650 d` or `indefinite`."""
    return "indefinite" if days is None else f"{days} d"


def _longer(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


def required(incident: dict[str, Any], policy: policies.Policy) -> tuple[int | None, str] | None:
    """The minimum retention the policy sets for an incident's footage and the rules that set it; None when no
    rule applies."""
    found: list[tuple[int | None, str]] = []
    if incident["use_of_force"] and policy.use_of_force_retention_days != 0:
        found.append((policy.use_of_force_retention_days, "use of force"))
    for pattern, days in policy.retention_call_types.items():
        if any(policies.matches(t, (pattern,)) for t in (incident["type"], incident["type_description"])):
            found.append((days, f"call type {pattern}"))
    if not found:
        return None
    need: int | None = found[0][0]
    for days, _rule in found[1:]:
        need = _longer(need, days)
    return need, ", ".join(rule for _d, rule in found)


def _kept(names: list[str], policy: policies.Policy) -> tuple[int | None, list[str], bool]:
    """The longest retention of the known categories, the unknown ones, and whether any is known."""
    known = [policy.retention_days[n.upper()] for n in names if n.upper() in policy.retention_days]
    unknown = [n for n in names if n.upper() not in policy.retention_days]
    kept: int | None = known[0] if known else 0
    for days in known[1:]:
        kept = _longer(kept, days)
    return kept, unknown, bool(known)


def _enough(kept: int | None, need: int | None) -> bool:
    return kept is None or (need is not None and kept >= need)


def risks(db: sqlite_utils.Database, policy: policies.Policy, as_of: str) -> list[dict[str, Any]]:
    """One row per DEMS recording × incident at retention risk (see the module docstring), in incident order."""
    if policy.use_of_force_retention_days == 0 and not policy.retention_call_types:
        return []
    sql = (
        "SELECT f.id, f.dems_id, f.officer, f.start_utc, f.dems_category, i.number, COALESCE(i.number_raw, i.number),"
        " i.type, i.type_description, i.use_of_force FROM links l JOIN footage f ON f.id = l.footage_id"
        " JOIN incidents i ON i.id = l.incident_id"
        f" WHERE f.origin = 'dems' AND f.status != 'error' AND {ACCEPTED}"
        " AND COALESCE(i.received_utc, i.dispatched_utc, i.arrived_utc) <= :as_of"
        " ORDER BY COALESCE(i.received_utc, i.dispatched_utc, i.arrived_utc), i.number, f.start_utc, f.id"
    )
    rows = []
    for fid, dems_id, officer, start, cell, key, number, type_, type_desc, uof in db.execute(
        sql, {"time_only": int(policy.time_only_counts), "as_of": as_of}
    ):
        rule = required({"use_of_force": uof, "type": type_, "type_description": type_desc}, policy)
        if rule is None:
            continue
        need, why = rule
        names = categories(cell)
        kept, unknown, any_known = _kept(names, policy)
        if names and any_known and _enough(kept, need):
            continue
        if not names:
            issue, action = "no category", "set its category"
        elif unknown:
            issue = "retention not known"
            action = f"add {', '.join(unknown)} to the policy's [retention] categories, or re-categorise"
        else:
            issue, action = "retention shorter than required", "re-categorise before it is deleted"
        rows.append({
            "footage_id": fid, "dems_id": dems_id, "officer": officer, "start_utc": start, "incident": number,
            "number": key,
            "required_by": why, "required_days": need, "required": days_text(need),
            "category": "; ".join(names) or None,
            "kept_days": kept if any_known else None, "kept": days_text(kept) if any_known else None,
            "issue": issue, "action": action,
        })
    return rows
