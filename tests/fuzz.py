"""Hypothesis strategies shared by the parsers' mutation tests."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few bytes overwritten and possibly truncated."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 6))):
        buf[draw(st.integers(0, len(buf) - 1))] = draw(st.integers(0, 255))
    return bytes(buf[: draw(st.one_of(st.just(len(buf)), st.integers(0, len(buf))))])
