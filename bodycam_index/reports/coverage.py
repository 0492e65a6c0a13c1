"""Coverage arithmetic shared by the gap report and an incident's record (`show`): the span footage should cover
and how much of it a set of recordings covers (epoch seconds)."""

from __future__ import annotations


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
    return start, cleared if cleared is not None and cleared >= start else start + default_duration_s
