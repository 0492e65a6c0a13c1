"""Robust, streaming CSV reading for agency exports.

Handles a UTF-8 BOM (or a Windows-1252 file), CRLF / LF / bare-CR line ends, a delimiter sniffed from the header
line (comma, TAB, semicolon or pipe, whatever the extension says), quoted cells spanning lines, header rows repeated
inside the data (loosely: case, spaces and punctuation ignored, or most cells naming columns) and totals or
footer lines (left out and noted in `dropped` with the reason), null tokens (`NULL`, `-`, `N/A`, `X`, empty) and
garbage cells (`System.Xml.XmlElement`, `#VALUE!`).
Rows come out one at a time with the line they start on, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..model import InputError

DELIMITERS = ",\t;|"
NULL_TOKENS = frozenset({"", "null", "-", "--", "n/a", "x", "none", "nan"})
_GARBAGE = re.compile(r"^(?:System\.[A-Za-z.]+|#(?:VALUE!|REF!|N/A|NAME\?|DIV/0!|NULL!))$")
_SAMPLE = 64 * 1024
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_FOOTER = re.compile(
    r"^\W*(?:grand\s+)?(?:totals?|sum|count|record\s+count|records|rows|end\s+of\s+(?:report|file|data|list)|"
    r"page\s+\d+|(?:report\s+)?(?:generated|printed|run|created)\s+(?:on|at|by)|report\s+(?:generated|printed|run))\b",
    re.IGNORECASE)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def header_key(name: str) -> str:
    """A column name reduced for loose matching: lower case, letters and digits only (`Case #` → `case`)."""
    return _NON_ALNUM.sub("", name.lower())


def junk_reason(cells: list[str], keys: list[str], names: frozenset[str]) -> str | None:
    """Why a data row is not data, or None: it repeats the header (every cell as `keys` once reduced by
    `header_key`, or most of its non-empty cells name columns), or it is a totals / footer line (`Total`, `Count:
    16648`, `Page 3 of 9`, `Report generated on …` with at most half the cells filled)."""
    first = next((c for c in cells if c.strip()), "")
    first_key = header_key(first) if len(first) < 100 else ""
    if first_key in names:
        filled = [header_key(c) for c in cells if c.strip()]
        if [header_key(c) for c in cells] == keys or sum(k in names for k in filled) * 2 > len(filled) >= 2 or (
                len(keys) == 1 and filled == keys):
            return "repeated header row"
    if _FOOTER.match(first) and sum(bool(c.strip()) for c in cells) * 2 <= max(len(keys), 2):
        return "totals or footer line"
    return None


def clean(cell: str) -> str | None:
    """A cell stripped (and out of Excel's `="0012345"`, the text formula that keeps leading zeros), or None when it
    is a null token or a garbage value."""
    cell = cell.strip()
    if cell[:2] == '="' and len(cell) >= 3 and cell[-1] == '"':
        cell = cell[2:-1].strip()
    if len(cell) <= 4:
        return None if cell.lower() in NULL_TOKENS else cell
    if cell[0] in "S#" and _GARBAGE.match(cell):
        return None
    return cell


class CleanCache(dict[str, str | None]):
    """`clean` for one column with its results remembered (a column of few distinct values costs a dict lookup);
    emptied when full, so memory stays bounded."""

    limit = 50_000

    def __missing__(self, cell: str) -> str | None:
        if len(self) >= self.limit:
            self.clear()
        value = self[cell] = clean(cell)
        return value


@dataclass
class Row:
    """One data row: the line it starts on and its raw cells (same order as the header)."""

    line: int
    cells: list[str]


def _encoding(sample: bytes) -> str:
    """`utf-8-sig` when the sample decodes as UTF-8 (a cut multi-byte tail allowed), else Windows-1252."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:
            return "cp1252"
    return "utf-8-sig"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that occurs most often outside quotes in the header line (comma on a tie or none)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


class CsvFile:
    """A CSV export opened for streaming: `header` (names as written) and `rows()` (data rows with line numbers)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            with self.path.open("rb") as fh:
                sample = fh.read(_SAMPLE)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        if b"\0" in sample:
            raise InputError(f"{path}: not a text file")
        self.encoding = _encoding(sample)
        text = sample.decode(self.encoding, errors="replace")
        first = next((line for line in text.splitlines() if line.strip()), "")
        if not first:
            raise InputError(f"{path}: empty file, no header row")
        self.delimiter = sniff_delimiter(first)
        self.header: list[str] = []
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as fh:
            for cells in csv.reader(fh, delimiter=self.delimiter):
                if any(c.strip() for c in cells):
                    self.header = [c.strip() for c in cells]
                    break
        if not self.header:
            raise InputError(f"{path}: empty file, no header row")
        self.dropped: list[tuple[int, str]] = []  # (line, reason) of rows `records` left out as not data

    def rows(self) -> Iterator[Row]:
        """Data rows in file order; the header, repeated header rows and blank lines are left out."""
        return (Row(line, cells) for line, cells in self.records())

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """`rows()` as plain `(line, cells)` tuples (the importers' fast path); repeated headers and footer lines
        go to `dropped` instead."""
        keys = [header_key(c) for c in self.header]
        names = frozenset(k for k in keys if k)
        dropped = self.dropped
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            end = 0
            in_header = True
            for cells in reader:
                start, end = end + 1, reader.line_num
                if not any(cells):
                    continue
                if in_header:
                    in_header = not any(c.strip() for c in cells)
                    continue
                reason = None if cells[0][:1].isdigit() else junk_reason(cells, keys, names)  # names start with letters
                if reason:
                    dropped.append((start, reason))
                    continue
                yield start, cells
