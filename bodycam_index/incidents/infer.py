"""Infer a column map for an export no preset knows, from its header names and the contents of its first rows.

Each column gets the content kinds its sample of cells fits (`number`, `datetime`, `date`, `time`, `code`, `flag`,
`lat`, `lon`, `projected`, `point`, `text`); each field scores each column by its header (a synonym list per field,
exact, or contained as whole words or at the start or end of a run-together word, earlier synonyms weigh more) and
whether the kind fits: a text field (unit, officer, type, precinct …) never takes a column of times, coordinates or
yes/no flags. Columns are assigned best score first, one
field per column. The proposal is usable when `number` and a time field are found and no other column comes close
to the chosen one for either; otherwise the importer stops with the proposal (exit 2) so the user can fix it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .csvread import clean, header_key
from .normalize import TimeParser, number_key, parse_clock, parse_float, parse_point
from .presets import TIME_FIELDS

SAMPLE_ROWS = 500

# Per field: synonyms as `header_key` gives them, most telling first (weight falls by 0.02 per place, at most 0.2).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("incidentnumber", "incidentno", "incidentnum", "incidentid", "incident", "cadeventnumber",
               "cadincidentnumber", "eventnumber", "eventno", "eventnum", "eventid", "cfs", "cfsnumber", "cfsno",
               "cfsid", "callnumber", "callno", "callid", "cadnumber", "cadno", "cadid", "masterincidentnumber",
               "incnumber", "incno", "itemnumber", "nopditem", "item", "pibfilenumber", "filenumber", "casenumber",
               "caseno", "case", "crimeid", "reportnumber", "reportno"),
    "aliases": ("generaloffensenumber", "gonumber", "offensenumber", "rmsnumber", "casenumber", "reportnumber"),
    "type": ("calltype", "finalcalltype", "incidenttype", "eventtype", "nature", "natureofcall", "calltypecode",
             "type", "problem", "problemtype", "eventclearancegroup", "originalcrimetypename", "useofforcelevel"),
    "type_description": ("calltypedescription", "calltypetext", "typedescription", "typetext", "initialcalltype",
                         "natureofcalldescription", "naturetext", "typedesc", "description", "eventclearancedescription", "useofforcetype"),
    "priority": ("priority", "callpriority", "prioritycode", "pri", "priorityname", "prioritylevel"),
    "received": ("callreceived", "received", "timereceived", "receivedtime", "receiveddatetime", "datereceived",
                 "callreceivedtime", "calldatetime", "calltime", "calldate", "timecreate", "createtime",
                 "createddatetime", "originaltimequeued", "timequeued", "entrytime", "opentime", "reporteddatetime",
                 "reported", "datetime", "incidentdatetime", "incidentdate", "eventdate", "occurreddatetime",
                 "occureddatetime", "dateoccurred", "occurred", "calltimestamp", "starttime", "startdatetime", "date", "timestamp"),
    "dispatched": ("timedispatched", "dispatched", "dispatchtime", "dispatchdatetime", "dispatchdate",
                   "timedispatch", "firstdispatched", "unitdispatched", "dispatch"),
    "arrived": ("onscene", "timeonscene", "onscenetime", "arrived", "timearrived", "arrivaltime", "arrivedtime",
                "atscenetime", "atscene", "timearrive", "firstonscene", "firstarrived", "unitarrived"),
    "cleared": ("cleared", "timecleared", "cleartime", "cleareddatetime", "closed", "timeclosed", "closetime",
                "closeddatetime", "eventclearancedate", "completed", "endtime", "unitcleared", "clear"),
    "lat": ("latitude", "lat", "blurredlatitude", "ylatitude", "geolat"),
    "lon": ("longitude", "lon", "long", "lng", "blurredlongitude", "xlongitude", "geolon"),
    "x": ("mapx", "x", "xcoordinate", "xcoord", "pointx", "xcoor", "easting"),
    "y": ("mapy", "y", "ycoordinate", "ycoord", "pointy", "ycoor", "northing"),
    "point": ("location", "geolocation", "point", "coordinates", "incidentlocation", "thegeom", "geom", "latlon"),
    "precinct": ("precinct", "district", "policedistrict", "division", "area", "areaocc", "command", "bureau"),
    "sector": ("sector", "districtsector", "zone"),
    "beat": ("beat", "zonebeat", "rptdist", "reportingarea", "reportingdistrict", "post"),
    "unit": ("unit", "unitid", "unitnumber", "assignedunit", "units", "primaryunit", "unitname", "callsign"),
    "officer": ("officerid", "officer", "badge", "badgenumber", "badgeno", "employeeid", "officerbadge",
                "officerserial", "serialnumber"),
}

# Kinds of content each field accepts (fields not listed accept any).
_KINDS: dict[str, frozenset[str]] = {
    "number": frozenset({"number"}),
    "aliases": frozenset({"number"}),
    **{f: frozenset({"datetime", "date"}) for f in TIME_FIELDS},
    "lat": frozenset({"lat"}),
    "lon": frozenset({"lon", "lat"}),
    "x": frozenset({"projected"}),
    "y": frozenset({"projected"}),
    "point": frozenset({"point"}),
    "priority": frozenset({"code", "number"}),
}
#: Kinds no text field (one `_KINDS` leaves open: unit, officer, type, precinct …) takes: `Officer Initiated` holds
#: yes/no, `Dispatch Time Primary Unit` times.
_NOT_TEXT = frozenset({"flag", "datetime", "date", "time", "lat", "lon", "point"})
#: Cells of a yes/no column.
_FLAG_VALUES = frozenset({"y", "n", "yes", "no", "true", "false", "t", "f"})
#: Where a header splits into words: anything but a letter or digit, and a lower-to-upper case change.
_WORD_BREAK = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])")
# Fields a column may take on content alone (no header synonym), with this score.
_BY_CONTENT = {"point": 0.3}
REQUIRED = ("number", "received")
# Header words that describe a person or a thing rather than identify or time it (`Officer Race`, `Officer Age`).
_ATTRIBUTE_WORDS = ("race", "ethnic", "gender", "sex", "age", "name", "years", "injur", "rank", "hospital", "arrest",
                    "influenc", "build", "height", "weight", "count", "reason", "status")
_CLOSE = 0.05  # a runner-up this close to the best column makes a required field ambiguous


@dataclass(frozen=True)
class Choice:
    """One field's column, how sure, and why."""

    field: str
    column: str
    confidence: float
    why: str


@dataclass
class Proposal:
    """An inferred mapping: the choices, what is wrong with it (nothing when usable), a suggested kind."""

    choices: list[Choice] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kind: str = "cad"

    @property
    def ok(self) -> bool:
        """Usable without the user's help."""
        return not self.problems

    @property
    def mapping(self) -> dict[str, str]:
        """field → column."""
        return {c.field: c.column for c in self.choices}

    def map_line(self) -> str:
        """The proposal as ready `--map` options (and `--kind` when not CAD)."""
        parts = [f"--map {shlex.quote(f'{c.field}={c.column}')}" for c in self.choices]
        if self.kind != "cad":
            parts.append(f"--kind {self.kind}")
        return " ".join(parts)

    def describe(self) -> list[str]:
        """One line per choice and per problem."""
        lines = [f"  {c.field:<16} = {c.column!r:<28} confidence {c.confidence:.2f} ({c.why})" for c in self.choices]
        return lines + [f"  problem: {p}" for p in self.problems]


def column_kinds(values: Iterable[str]) -> frozenset[str]:
    """What a column's sample of cleaned, non-empty values can be (a column of large integers is both `number`
    and `projected`); empty for an empty sample."""
    values = [v for v in values if v]
    if not values:
        return frozenset()
    n = len(values)
    kinds = {"text"}

    def share(test: Callable[[str], object]) -> float:
        hits = 0
        for v in values:
            try:
                hits += bool(test(v))
            except (ValueError, OverflowError):
                pass
        return hits / n

    parser = TimeParser()
    fits = share(parser)
    if fits < 0.9 and share(day_first := TimeParser(day_first=True)) >= 0.9:
        parser, fits = day_first, 1.0  # 28/01/2023: the plan settles the order for the whole file
    if fits >= 0.9:
        times = [parser(v) for v in values[:50] if _parses(parser, v)]
        real = [t for t, has_time in times if has_time and (t.hour, t.minute, t.second) != (0, 0, 0)]
        kinds.add("datetime" if real else "date")
    elif share(lambda v: ":" in v and parse_clock(v)) >= 0.9:
        kinds.add("time")
    if share(parse_point) >= 0.9:
        kinds.add("point")
    floats = [parse_float(v) for v in values]
    nums = [f for f in floats if f is not None]
    if len(nums) == n:
        decimals = sum("." in v for v in values) / n
        if decimals >= 0.5 and any(nums) and all(-180 <= f <= 180 for f in nums):
            kinds.add("lat" if all(-90 <= f <= 90 for f in nums) else "lon")
        if sum(abs(f) >= 10_000 for f in nums) / n >= 0.8:
            kinds.add("projected")
    if len(set(values)) <= 12 and all(len(v) <= 4 for v in values):
        kinds.add("code")
    if all(v.lower() in _FLAG_VALUES for v in values):
        kinds.add("flag")
    if share(number_key) >= 0.9:
        kinds.add("number")
    return frozenset(kinds)


def _parses(parser: TimeParser, value: str) -> bool:
    try:
        parser(value)
    except ValueError:
        return False
    return True


def header_words(name: str) -> list[str]:
    """A header's words in lower case (`CREATE_TIME_INCIDENT`, `createTimeIncident` → create, time, incident)."""
    return [w.lower() for w in _WORD_BREAK.split(name) if w]


def _contains(synonym: str, words: list[str]) -> bool:
    """Whether the header names `synonym` as a run of its words, or at the start or end of one run-together word
    (`respondingunit`, `dispatchtimeprimaryunit`) -- never inside a word (`unit` in `community`)."""
    for i in range(len(words)):
        run = ""
        for word in words[i:]:
            run += word
            if run == synonym:
                return True
            if not synonym.startswith(run):
                break
    return any(len(w) > len(synonym) and (w.startswith(synonym) or w.endswith(synonym)) for w in words)


def _header_score(fld: str, key: str, words: list[str]) -> tuple[float, str]:
    """How well a header (its `header_key` and `header_words`) names a field: exact synonym ≥ 0.8, a synonym in
    it (`_contains`) 0.5."""
    synonyms = SYNONYMS.get(fld, ())
    if key in synonyms:
        return 1.0 - min(synonyms.index(key) * 0.02, 0.2), "header"
    if any(word in key for word in _ATTRIBUTE_WORDS):
        return 0.0, ""
    for synonym in synonyms:
        if len(synonym) >= 4 and _contains(synonym, words):
            return 0.5, f"header contains {synonym!r}"
    return 0.0, ""


def infer(header: list[str], rows: Iterable[list[str]]) -> Proposal:
    """Propose a mapping for `header` from a sample of data rows (see the module docstring)."""
    sample = [r for _, r in zip(range(SAMPLE_ROWS), rows, strict=False)]
    keys = [header_key(h) for h in header]
    words = [header_words(h) for h in header]
    kinds = [column_kinds(clean(r[i]) or "" for r in sample if i < len(r)) for i in range(len(header))]
    scored: list[tuple[float, str, int, str]] = []
    for fld in SYNONYMS:
        accepts = _KINDS.get(fld)
        for i, key in enumerate(keys):
            if not kinds[i]:
                continue
            score, why = _header_score(fld, key, words[i])
            if accepts is not None:
                fitting = sorted(kinds[i] & accepts)
            else:
                fitting = [] if kinds[i] & _NOT_TEXT else ["any"]
            if score and fitting:
                scored.append((score, fld, i, f"{why}, {fitting[0]} cells"))
            elif not score and fld in _BY_CONTENT and fitting:
                scored.append((_BY_CONTENT[fld], fld, i, f"{fitting[0]} cells"))
    scored.sort(key=lambda s: (-s[0], s[2]))
    proposal = Proposal()
    taken_fields: dict[str, float] = {}
    taken_columns: set[int] = set()
    for score, fld, i, why in scored:
        if fld in taken_fields or i in taken_columns:
            if fld in REQUIRED and fld in taken_fields and i not in taken_columns and \
                    score >= taken_fields[fld] - _CLOSE and score >= 0.5:
                proposal.problems.append(f"{fld}: {header[i]!r} fits as well as the column chosen")
            continue
        taken_fields[fld] = score
        taken_columns.add(i)
        proposal.choices.append(Choice(fld, header[i], round(score, 2), why))
    _pair_clock_columns(proposal, header, keys, kinds, taken_columns, sample)
    _check(proposal, header)
    type_at = [header.index(c.column) for c in proposal.choices if c.field == "type"]
    type_cells = [clean(r[type_at[0]]) or "" for r in sample if type_at and type_at[0] < len(r)]
    if any("force" in k for k in keys) or (type_cells and sum("FORCE" in c.upper() for c in type_cells) * 2 >
                                           len(type_cells)):
        proposal.kind = "use-of-force"
    order = {f: n for n, f in enumerate(SYNONYMS)}
    proposal.choices.sort(key=lambda c: order.get(c.field.removesuffix("_time"), 99))
    return proposal


#: Words a time-of-day column's name may add to its date column's (`Date` + `Time_24HR`, `Call Date` + `Call Time`).
_CLOCK_WORDS = re.compile("time|24hr|24h|hhmm|military")
#: A time of day written as 24-hour digits (`1432`, `915`).
_HHMM_CELL = re.compile(r"^([01]?\d|2[0-3])[0-5]\d$", re.ASCII)


def _clock_column(kinds: frozenset[str], values: list[str]) -> bool:
    """Whether a column holds times of day: `19:49`, `6:08 PM`, or 24-hour digits (`1432`) in nearly every cell."""
    if "time" in kinds:
        return True
    values = [v for v in values if v]
    return bool(values) and sum(bool(_HHMM_CELL.match(v)) for v in values) >= 0.9 * len(values)


def _pair_clock_columns(proposal: Proposal, header: list[str], keys: list[str], kinds: list[frozenset[str]],
                        taken: set[int], sample: list[list[str]]) -> None:
    """A time field on a date-only column takes the time-of-day column named like it (`Call Date` + `Call Time`,
    `Date` + `Time_24HR`)."""
    for choice in list(proposal.choices):
        if choice.field not in TIME_FIELDS:
            continue
        at = header.index(choice.column)
        if "date" not in kinds[at]:
            continue
        stem = keys[at].replace("date", "")
        for i, key in enumerate(keys):
            if i in taken or "time" not in key or _CLOCK_WORDS.sub("", key) != stem:
                continue
            if _clock_column(kinds[i], [clean(r[i]) or "" for r in sample if i < len(r)]):
                taken.add(i)
                proposal.choices.append(Choice(choice.field + "_time", header[i], choice.confidence,
                                               "time of day beside the date column"))
                break


def _check(proposal: Proposal, header: list[str]) -> None:
    """Problems that stop an import: a required field missing or weak, coordinates only half there."""
    found = proposal.mapping
    for fld in REQUIRED:
        if fld == "received" and fld not in found:
            others = [f for f in TIME_FIELDS if f in found]
            if others:
                continue  # another time (dispatched, arrived, cleared) carries the incident
            proposal.problems.append("no date/time column recognised for received (or dispatched/arrived/cleared)")
        elif fld not in found:
            proposal.problems.append(f"no column recognised for {fld} (columns: {', '.join(header)})")
    for choice in proposal.choices:
        if choice.field in REQUIRED and choice.confidence < 0.5:
            proposal.problems.append(f"{choice.field}: {choice.column!r} chosen from its content only")
    if ("lat" in found) != ("lon" in found):
        proposal.choices = [c for c in proposal.choices if c.field not in ("lat", "lon")]
    if ("x" in found) != ("y" in found):
        proposal.choices = [c for c in proposal.choices if c.field not in ("x", "y")]
