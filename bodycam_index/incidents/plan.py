"""Which columns an import reads: a named preset, `--map`, a preset detected from the header, or a mapping inferred
from header names and cell contents; with `--kind` (use-of-force or CAD rules) and `--crs` (the projection of X/Y
columns, checked on the first rows: most points must fall in the projection's area of use) applied on top; and the
date order of `05/01/2023`-style dates (`--date-order`, else the first date whose day or month is past 12)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time
from itertools import islice

from ..model import InputError
from . import presets
from .csvread import CsvFile, clean
from .infer import SAMPLE_ROWS, Proposal, infer
from .normalize import Projector, TimeParser, date_order_evidence, parse_float
from .presets import DEFAULT_CAD_RULES, TIME_FIELDS, USE_OF_FORCE_RULES, Preset

KINDS = ("cad", "use-of-force")
DATE_ORDERS = ("month-first", "day-first")
_EPSG = re.compile(r"^(?:EPSG:)?(\d{4,6})$", re.IGNORECASE)


class MappingError(InputError):
    """No preset fits and the inferred mapping is not certain: the proposal goes to the user (exit 2)."""

    def __init__(self, path: str, proposal: Proposal) -> None:
        self.proposal = proposal
        lines = [f"{path}: no preset matches these columns and the inferred mapping is not certain:",
                 *proposal.describe(), f"proposal: {proposal.map_line()}"]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Plan:
    """The preset an import uses, its fields' column positions, and the inferred proposal when there was one."""

    preset: Preset
    positions: dict[str, list[int]]
    proposal: Proposal | None = None
    notes: tuple[str, ...] = ()  # what the user should know: an assumption the file could not settle


def parse_crs(text: str) -> int:
    """`EPSG:NNNN` (or NNNN) as an EPSG code pyproj knows; InputError otherwise."""
    m = _EPSG.match(text.strip())
    if not m:
        raise InputError(f"--crs wants EPSG:NNNN, got {text!r}")
    code = int(m.group(1))
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_epsg(code)
    except CRSError as exc:
        raise InputError(f"--crs: pyproj does not know EPSG:{code}") from exc
    return code


def _chosen(csv_file: CsvFile, preset: str | None, mapping: dict[str, str] | None) -> tuple[Preset, Proposal | None]:
    base = presets.get(preset) if preset else None
    if mapping:
        return presets.from_mapping(mapping, base), None
    if base:
        return base, None
    found = presets.detect(csv_file.header)
    if found is not None:
        return found, None
    proposal = infer(csv_file.header, (cells for _, cells in csv_file.records()))
    csv_file.dropped.clear()  # the sample's junk rows are reported by the import itself
    if not proposal.ok:
        raise MappingError(str(csv_file.path), proposal)
    rules = USE_OF_FORCE_RULES if proposal.kind == "use-of-force" else DEFAULT_CAD_RULES
    inferred = presets.from_mapping(proposal.mapping)
    return replace(inferred, name="inferred", description="column map inferred from the header and cells",
                   use_of_force=proposal.kind == "use-of-force", rules=rules), proposal


def plan_import(csv_file: CsvFile, *, preset: str | None = None, mapping: dict[str, str] | None = None,
                kind: str | None = None, crs: str | None = None, date_order: str | None = None) -> Plan:
    """The import's plan (module docstring); InputError (MappingError) when it cannot be made."""
    chosen, proposal = _chosen(csv_file, preset, mapping)
    if kind is not None:
        if kind not in KINDS:
            raise InputError(f"--kind wants one of {', '.join(KINDS)}, got {kind!r}")
        chosen = replace(chosen, use_of_force=kind == "use-of-force",
                         rules=USE_OF_FORCE_RULES if kind == "use-of-force" else DEFAULT_CAD_RULES)
    if crs is not None:
        chosen = replace(chosen, epsg=parse_crs(crs))
    positions = presets.resolve_columns(chosen.columns, csv_file.header)
    missing = [chosen.columns[f][0] for f in (mapping or {}) if f not in positions]
    if "number" not in positions or missing:
        names = missing or [chosen.columns["number"][0]]
        raise InputError(f"{csv_file.path}: column(s) {', '.join(map(repr, names))} not in the header "
                         f"({', '.join(csv_file.header)})")
    time_columns = {f: p[0] for f, p in positions.items() if f in TIME_FIELDS}
    if date_order is None and chosen.date_order is not None:  # the agency's own order: nothing to settle
        day_first, notes = chosen.date_order == "day-first", ()
    else:
        day_first, notes = settle_date_order(csv_file, time_columns, date_order)
    chosen = replace(chosen, day_first=day_first)
    date_only = _placeholder_midnight(csv_file, {f: at for f, at in time_columns.items()
                                                 if f + "_time" not in positions}, day_first)
    if date_only:
        chosen = replace(chosen, date_only=date_only)
    if "x" in positions and "y" in positions:
        if chosen.epsg is None:
            raise InputError(f"{csv_file.path}: X/Y columns need their projection: give --crs EPSG:NNNN")
        _check_area(csv_file, chosen.epsg, positions["x"][0], positions["y"][0])
    return Plan(chosen, positions, proposal, notes)


def settle_date_order(csv_file: CsvFile, columns: dict[str, int], given: str | None) -> tuple[bool, tuple[str, ...]]:
    """Whether `05/01/2023`-style dates are day-first, and a note when nothing in the file settled it. Only columns
    whose first rows hold such dates are looked at, and rows are read only until the first date whose first number
    is past 12 (day-first) or whose second is (month-first): early in any export that spans more than twelve days.
    `given` (--date-order) wins, but not against such a date. Used by every import of local times."""
    if given is not None and given not in DATE_ORDERS:
        raise InputError(f"--date-order wants one of {', '.join(DATE_ORDERS)}, got {given!r}")
    slashed = {at for _, cells in islice(csv_file.records(), SAMPLE_ROWS) for at in columns.values()
               if at < len(cells) and (_AMBIGUOUS_DATE.match(cells[at]) or date_order_evidence(cells[at]))}
    seen = None
    for line, cells in csv_file.records() if slashed else ():
        for at in slashed:
            if at < len(cells) and (found := date_order_evidence(cells[at])) is not None:
                seen = (found, line, cells[at].strip())
                break
        if seen:
            break
    csv_file.dropped.clear()  # junk rows met here are reported by the import itself
    if seen and given and seen[0] != given:
        raise InputError(f"{csv_file.path}: --date-order {given}, but line {seen[1]} has {seen[2]!r}, which can "
                         f"only be {seen[0]}")
    order = given or (seen[0] if seen else None)
    if order is None and slashed:
        return False, (_MONTH_FIRST_ASSUMED,)
    return order == "day-first", ()


_MONTH_FIRST_ASSUMED = ("no date in the file has a day past 12, so dates such as 05/01/2023 were read month-first "
                        "(United States order); give --date-order day-first if the export writes the day first")
#: A date whose first two numbers could each be the month (`05/01/2023`).
_AMBIGUOUS_DATE = re.compile(r"^\s*(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|1[0-2])[/.-]\d{2,4}(?:$|[ T])", re.ASCII)


def _placeholder_midnight(csv_file: CsvFile, columns: dict[str, int], day_first: bool) -> frozenset[str]:
    """Time fields whose column writes every date with the same midnight (`12/01/2021 12:00:00 AM` in each of
    the first rows, at least five): a date-only column in a date-time format, so midnight is no time of day."""
    seen: dict[str, list[bool]] = {f: [] for f in columns}
    parsers = {f: TimeParser(day_first) for f in columns}
    for _, cells in islice(csv_file.records(), SAMPLE_ROWS):
        for fld, at in columns.items():
            text = clean(cells[at]) if at < len(cells) else None
            if text is None:
                continue
            try:
                value, has_time = parsers[fld](text)
            except ValueError:
                continue
            seen[fld].append(has_time and value.time() == time())
    csv_file.dropped.clear()  # the sample's junk rows are reported by the import itself
    return frozenset(f for f, marks in seen.items() if len(marks) >= 5 and all(marks))


def _check_area(csv_file: CsvFile, epsg: int, x_at: int, y_at: int) -> None:
    """Most of the first rows' X/Y points must fall in the projection's area of use, else the CRS is wrong."""
    projector = Projector(epsg)
    inside = outside = 0
    for _, cells in islice(csv_file.records(), SAMPLE_ROWS):
        if max(x_at, y_at) >= len(cells):
            continue
        x, y = clean(cells[x_at]), clean(cells[y_at])
        fx, fy = parse_float(x) if x else None, parse_float(y) if y else None
        if fx is None or fy is None or (fx == 0 and fy == 0):
            continue
        if projector(fx, fy):
            inside += 1
        else:
            outside += 1
    csv_file.dropped.clear()  # the sample's junk rows are reported by the import itself
    if outside > inside:
        raise InputError(f"{csv_file.path}: {outside} of the first {inside + outside} X/Y points fall outside "
                         f"EPSG:{epsg}'s area of use: wrong --crs?")
