"""A reproducible review sample of incident × officer pairs, for reviewers to watch the footage by hand.

The population is every required incident × officer of a report (`officers`), plus required incidents with no
unit at all (officer empty). A quarter of the sample (at least one) is drawn from pairs without footage, so a
reviewer always checks some claimed gaps; the rest from all others. With `stratify` (officer or type) each
stratum gets a share proportional to its size, at least one while the sample allows. The same report, `n` and
`seed` always give the same sample.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

STRATA = ("officer", "type")


def population(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Required incident × officer pairs, and required incidents without units, in a fixed order."""
    with_units = {p["number"] for p in report["officers"]}
    pairs = [{k: p[k] for k in ("incident", "number", "type", "unit", "officer", "state", "coverage_pct",
                                "footage")} for p in report["officers"]]
    for row in report["incidents"]:
        if row["state"] != "not required" and row["number"] not in with_units:
            pairs.append({"incident": row["incident"], "number": row["number"], "type": row["type"], "unit": None,
                          "officer": None, "state": row["state"], "coverage_pct": row["coverage_pct"],
                          "footage": row["footage"]})
    return sorted(pairs, key=lambda p: (p["number"], p["unit"] or "", p["officer"] or ""))


def _draw(rng: random.Random, pool: list[dict[str, Any]], n: int, stratify: str | None) -> list[dict[str, Any]]:
    if n >= len(pool):
        return list(pool)
    if not stratify:
        return rng.sample(pool, n)
    strata: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pair in pool:
        strata[pair[stratify] or "(none)"].append(pair)
    names = sorted(strata)
    share = {s: max(1, round(n * len(strata[s]) / len(pool))) if n >= len(names) else 0 for s in names}
    if n < len(names):
        for s in rng.sample(names, n):
            share[s] = 1
    while sum(share.values()) > n:  # rounding up gave too many: take back from the largest shares
        share[max(names, key=lambda s: (share[s], s))] -= 1
    chosen = []
    for s in names:
        chosen += rng.sample(strata[s], min(share[s], len(strata[s])))
    return chosen


def draw(report: dict[str, Any], n: int, seed: int, stratify: str | None = None) -> list[dict[str, Any]]:
    """`n` pairs (fewer when the population is smaller), a quarter from pairs without footage."""
    if stratify is not None and stratify not in STRATA:
        raise ValueError(f"--stratify must be one of {', '.join(STRATA)}")
    rng = random.Random(seed)
    pool = population(report)
    gaps = [p for p in pool if p["state"] == "no footage"]
    rest = [p for p in pool if p["state"] != "no footage"]
    from_gaps = min(len(gaps), max(1, n // 4)) if n else 0
    if len(rest) < n - from_gaps:
        from_gaps = min(len(gaps), n - len(rest))
    chosen = _draw(rng, gaps, from_gaps, stratify) + _draw(rng, rest, n - from_gaps, stratify)
    return sorted(chosen, key=lambda p: (p["number"], p["unit"] or "", p["officer"] or ""))
