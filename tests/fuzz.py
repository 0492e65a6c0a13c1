"""Hypothesis strategies shared by the parsers' mutation tests."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def mutated(draw: st.DrawFn, data: bytes, max_changes: int = 6) -> bytes:
    """`data` with up to `max_changes` bytes overwritten and possibly truncated."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, max_changes))):
        buf[draw(st.integers(0, len(buf) - 1))] = draw(st.integers(0, 255))
    return bytes(buf[: draw(st.one_of(st.just(len(buf)), st.integers(0, len(buf))))])
