"""Plain-text tables for the terminal (reports and the CLI's lists), linear in rows (rich's tables measure every cell repeatedly: 69 s at 20k rows).

Cells arrive already made visible and capped (`safe.visible`, `safe.cap`); a column is at most `fold` cells wide
and longer cells continue on the next lines of their row.
"""

from __future__ import annotations


def cell_len(text: str) -> int:
    """Terminal cells `text` takes (wide characters count two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len as wide_len  # here, not at start-up

    return wide_len(text)


def _pieces(text: str, width: int) -> list[str]:
    """`text` cut into pieces of at most `width` terminal cells."""
    if cell_len(text) <= width:
        return [text]
    pieces, current, used = [], [], 0
    for char in text:
        w = cell_len(char)
        if used + w > width and current:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += w
    pieces.append("".join(current))
    return pieces


def render_table(title: str | None, columns: list[str], rows: list[list[str]], fold: int = 80) -> str:
    """A table (titled unless `title` is None) with a header rule; columns as wide as their widest cell, at most
    `fold`."""
    widths = [min(fold, cell_len(c)) for c in columns]
    for row in rows:
        for k, cell in enumerate(row):
            widths[k] = min(fold, max(widths[k], cell_len(cell)))
    lines = [] if title is None else [title]

    def emit(cells: list[str]) -> None:
        parts = [_pieces(c, widths[k]) for k, c in enumerate(cells)]
        for n in range(max(len(p) for p in parts)):
            line = "  ".join(
                (p[n] if n < len(p) else "") + " " * (widths[k] - cell_len(p[n] if n < len(p) else ""))
                for k, p in enumerate(parts)
            )
            lines.append("  " + line.rstrip())

    emit(columns)
    lines.append("  " + "  ".join("─" * w for w in widths))
    for row in rows:
        emit(row)
    return "\n".join(lines) + "\n"
