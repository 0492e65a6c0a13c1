"""Robust, streaming CSV reading for agency exports.

Handles a UTF-8 BOM (or a Windows-1252 file), CRLF / LF / bare-CR line ends, a delimiter sniffed from the header
line (comma, TAB, semicolon or pipe, whatever the extension says), quoted cells spanning lines, header rows repeated
inside the data, null tokens (`NULL`, `-`, `N/A`, `X`, empty) and garbage cells (`System.Xml.XmlElement`, `#VALUE!`).
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

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def header_key(name: str) -> str:
    """A column name reduced for loose matching: lower case, letters and digits only (`Case #` → `case`)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def clean(cell: str) -> str | None:
    """A cell stripped, or None when it is a null token or a garbage value."""
    cell = cell.strip()
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

    def rows(self) -> Iterator[Row]:
        """Data rows in file order; the header, repeated header rows and blank lines are left out."""
        return (Row(line, cells) for line, cells in self.records())

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """`rows()` as plain `(line, cells)` tuples (the importers' fast path)."""
        keys = [header_key(c) for c in self.header]
        first = self.header[0].lower()
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
                if (
                    cells[0].strip().lower() == first
                    and len(cells) == len(keys)
                    and [header_key(c) for c in cells] == keys
                ):
                    continue
                yield start, cells
