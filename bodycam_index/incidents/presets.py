"""Named column maps, one per agency export, and the rules that say which incidents should have footage.

A preset maps the importer's fields to one or more candidate column names; names are matched loosely (case, spaces
and punctuation ignored), so one preset serves both a portal's CSV export (`NOPD_Item`, `Call Date Time`) and its
API field names (`nopd_item`, `call_dttm`).

Fields: `number` (required), `aliases` (other numbers of the same event), `type`, `type_description`,
`priority`, `received`, `dispatched`, `arrived`, `cleared` (each a date-time, or a date completed by
`<field>_time`), `lat`, `lon`, `point` (`(lat, lon)` or WKT), `x`, `y` (projected, in the preset's `epsg`),
`precinct`, `sector`, `beat`, `unit`, `officer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from ..model import InputError
from .csvread import header_key

FIELDS = (
    "number", "aliases", "type", "type_description", "priority",
    "received", "received_time", "dispatched", "dispatched_time", "arrived", "arrived_time",
    "cleared", "cleared_time", "lat", "lon", "point", "x", "y", "precinct", "sector", "beat", "unit", "officer",
)
TIME_FIELDS = ("received", "dispatched", "arrived", "cleared")


@dataclass(frozen=True)
class Rules:
    """Which incidents require footage: all of them, or those whose type matches a glob (`ASLT*`, matched
    case-insensitively against type and type description) or whose priority is listed (`1` also matches `1A`)."""

    all: bool = False
    types: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()

    def requires(self, type_: str | None, description: str | None, priority: str | None) -> bool:
        """Whether an incident with these values should have footage."""
        if self.all:
            return True
        if self.types:
            for text in (type_, description):
                if text and any(fnmatchcase(text.upper(), pattern.upper()) for pattern in self.types):
                    return True
        if priority:
            p = priority.strip().upper()
            return any(p == q or (p.startswith(q) and p[len(q):].isalpha()) for q in self.priorities)
        return False

    def describe(self) -> str:
        """The rules in one line."""
        if self.all:
            return "all incidents"
        parts = [f"type {' | '.join(self.types)}"] if self.types else []
        if self.priorities:
            parts.append(f"priority {', '.join(self.priorities)}")
        return " or ".join(parts) or "none"


#: CAD default: the top two priority levels, however the agency spells them.
DEFAULT_CAD_RULES = Rules(priorities=("1", "2", "HIGH", "EMERGENCY"))
USE_OF_FORCE_RULES = Rules(all=True)


@dataclass(frozen=True)
class Preset:
    """One agency export: its fields' candidate column names, what kind of file it is, its projection."""

    name: str
    description: str
    columns: dict[str, tuple[str, ...]]
    use_of_force: bool = False
    epsg: int | None = None
    rules: Rules = field(default=DEFAULT_CAD_RULES)
    date_only: frozenset[str] = frozenset()  # time fields whose time of day is a placeholder (always midnight)
    day_first: bool = False  # dates such as 05/01/2023 are D/M/Y (the plan decides it from the cells or --date-order)
    date_order: str | None = None  # the agency's known order ("month-first" for the United States presets)


def _p(name: str, description: str, *, use_of_force: bool = False, epsg: int | None = None,
       **columns: str | tuple[str, ...]) -> Preset:
    cols = {k: (v,) if isinstance(v, str) else v for k, v in columns.items()}
    rules = USE_OF_FORCE_RULES if use_of_force else DEFAULT_CAD_RULES
    return Preset(name, description, cols, use_of_force, epsg, rules, date_order="month-first")  # all US agencies


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _p("seattle-cad", "Seattle Police current CAD call data",
           number="CAD Event Number", type="Final Call Type", type_description="Initial Call Type",
           priority="Priority", received="Original Time Queued", arrived="Arrived Time", precinct="Precinct",
           sector="Sector", beat="Beat", lon="Blurred_Longitude", lat="Blurred_Latitude"),
        _p("seattle-911", "Seattle Police legacy 911 incident response",
           number="CAD Event Number", aliases="General Offense Number", type="Event Clearance Group",
           type_description="Event Clearance Description", cleared="Event Clearance Date",
           arrived="At Scene Time", sector="District/Sector", beat="Zone/Beat", lon="Longitude",
           lat="Latitude", point="Incident Location"),
        _p("dallas-active", "Dallas Police active calls (one row per assigned unit)",
           number="incident_number", type="nature_of_call", priority="priority", received="date_time",
           precinct="division", beat="beat", unit="unit_number"),
        _p("nopd-cfs", "New Orleans Police calls for service (MapX/MapY in Louisiana South State Plane feet)",
           epsg=3452, number=("NOPD_Item", "Item_Number"), type=("Type_", "Type"),
           type_description="TypeText", priority="Priority", received="TimeCreate",
           dispatched="TimeDispatch", arrived="TimeArrive", cleared="TimeClosed", x="MapX", y="MapY",
           precinct="PoliceDistrict", beat="Beat", point="Location"),
        _p("nopd-uof", "New Orleans Police use of force (date only)", use_of_force=True,
           number="PIB File Number", type="Use of Force Level", type_description="Use of Force Type",
           received="Date Occurred", precinct="Division level", sector="Division"),
        _p("seattle-uof", "Seattle Police use of force (one row per officer and subject)", use_of_force=True,
           number="Incident_Num", type="Incident_Type", received="Occured_date_time", precinct="Precinct",
           sector="Sector", beat="Beat", officer="Officer_ID"),
        _p("baltimore-cfs", "Baltimore Police 911 calls for service",
           number="callNumber", type="description", priority="priority", received="callDateTime",
           precinct="district", point="location"),
        _p("sf-cfs", "San Francisco Police calls for service (separate date and time columns)",
           number="Crime Id", type="Original Crime Type Name", type_description="Disposition",
           received="Call Date", received_time="Call Time"),
        _p("la-cfs", "Los Angeles Police calls for service (separate date and time columns)",
           number="Incident Number", type="Call Type Code", type_description="Call Type Text",
           received="Dispatch Date", received_time="Dispatch Time", precinct="Area Occ", beat="Rpt Dist"),
    )
}


def resolve_columns(columns: dict[str, tuple[str, ...]], header: list[str]) -> dict[str, list[int]]:
    """Field → header positions of the first candidate column present for it (aliases may list several)."""
    positions: dict[str, list[int]] = {}
    index = {}
    for i, name in enumerate(header):
        index.setdefault(header_key(name), i)
    for fld, candidates in columns.items():
        found = [index[header_key(c)] for c in candidates if header_key(c) in index]
        if found:
            positions[fld] = found if fld == "aliases" else found[:1]
    return positions


def mapped_columns(columns: dict[str, tuple[str, ...]], mapping: dict[str, str] | None,
                   header: list[str]) -> dict[str, int]:
    """Field → column position for a one-column-per-field file (inventory, roster): `mapping`'s columns
    (`--map field=column`) first, then `columns`' names; InputError for a field unknown here or a mapped column
    missing from the header."""
    names = dict(columns)
    keys = {header_key(h) for h in header}
    for fld, column in (mapping or {}).items():
        if fld not in names:
            raise InputError(f"--map: no field {fld!r} here (fields: {', '.join(columns)})")
        if header_key(column) not in keys:
            raise InputError(f"--map {fld}={column}: no such column (columns: {', '.join(header)})")
        names[fld] = (column,)
    return {k: v[0] for k, v in resolve_columns(names, header).items()}


def detect(header: list[str]) -> Preset | None:
    """The preset whose number and time columns are all present and that matches the most columns."""
    best, best_score = None, 0
    for preset in PRESETS.values():
        found = resolve_columns(preset.columns, header)
        needed = [f for f in preset.columns if f == "number" or f in TIME_FIELDS]
        if any(f not in found for f in needed):
            continue
        score = len(found) / len(preset.columns) + len(found)
        if score > best_score:
            best, best_score = preset, score
    return best


def from_mapping(mapping: dict[str, str], base: Preset | None = None) -> Preset:
    """A preset from `--map field=column` pairs (on top of a named preset when given)."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field(s) in --map: {', '.join(unknown)} (fields: {', '.join(FIELDS)})")
    columns = dict(base.columns) if base else {}
    columns.update({k: (v,) for k, v in mapping.items()})
    if "number" not in columns:
        raise InputError("--map needs at least number=COLUMN")
    if base:
        return Preset(base.name, base.description, columns, base.use_of_force, base.epsg, base.rules,
                      date_order=base.date_order)
    return Preset("custom", "column map given with --map", columns)


def get(name: str) -> Preset:
    """The preset named, or InputError listing the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})") from None
