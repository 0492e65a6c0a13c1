"""Normalising what agencies write: incident numbers, local times, coordinates.

**Incident numbers.** Normalising is conservative: two different raw numbers get the same key only when one of these
declared rules says they are the same number written differently; anything else (a sign, a letter prefix, another
year, another digit) keeps them apart, because merging two incidents loses one.

1. Case, surrounding spaces and separators (`-`, `_`, `/`, `.`, spaces) inside the number: `ftn2021-0378 ` =
   `FTN2021-0378`; leading zeros of a sequence: `FTN2021-0378` = `FTN2021-378`, `00251` = `251`.
2. A two-digit year is the year 20YY (19YY when that lies more than a year ahead): `18-0052973` = `2018-52973`.
3. Seattle's digit-only forms of one event (by width, so two numbers of the same width never meet):
   11 digits `YY00SSSSSSS` (`16000104006`), 10 digits `YYYYSSSSSS` (`2016104006`) and 13 digits
   `YYYYSSSSSSSSS` (`2023000319821`) are `YYYY-SEQ`: `2016-104006`, `2016-104006`, `2023-319821`.
4. A leading word that only says "this is a number" (`Case #`, `INC:`, `No.`, `Report`) is dropped; a system
   prefix (`GO`, `CAD`, `RMS`, any letters) is part of the number (`GO-1727` = `go1727`, apart from `1727`).

Hints, aliases and incidents' own numbers all go through this one normalisation (`number_key`), so a recording
that carries `GO 1727` links to the incident numbered `GO-1727`.

A leading sign is part of the number (`-1727` is not `1727`). The key is `[PREFIX]YYYY-SEQ` when a year can be read,
else the upper-case letters and digits without separators and with the leading zeros of each digit run dropped
(`P151941002`, `A0000116` → `A116`).

Text that is not a number gives None: words (`system check`, `Training Scenario 1`: more than four letters besides a
label), dates (`3/26/2015`, `2015-03-26`, `20150326`) and fewer than three digits.

**Times.** `TimeParser` detects a column's form once (12/24 h, padded or not, 2- or 4-digit years, ISO with or
without fraction and offset, date only) and `TimeZoneConverter` turns local wall-clock time into UTC with DST,
flagging ambiguous and non-existent local times instead of failing.

**Coordinates.** `parse_point` reads `(lat, lon)` and WKT `POINT (lon lat)`; `Projector` converts projected
coordinates (State Plane feet, e.g. EPSG:3452) to WGS84 with pyproj.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import TypeVar

from ..zones import TimeZoneConverter  # one home for zone conversion (re-exported here)

_CACHE_LIMIT = 100_000
_HOUR = timedelta(hours=1)
K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V) -> V:
    """Store `value` under `key`, emptying the cache first when it is full (memory stays bounded); returns value."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value

# ---------------------------------------------------------------------------------------------- incident numbers

_LABEL = re.compile(r"^(?:CASE|INCIDENT|INC|EVENT|EVT|REPORT|RPT|NO|NUM|NUMBER)\b[\s#:.\-]*")
_YEAR_SEQ = re.compile(r"^([A-Z]{0,4})[\s#\-_/.]*((?:19|20)\d\d|\d\d)[\s\-_/.]+(\d+)$")
_DATE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))(?:[ T]\d{1,2}:\d\d(?::\d\d)?)?$"
)
_DIGIT_RUN = re.compile(r"\d+")
_THIS_YY = datetime.now(UTC).year % 100


def expand_year(yy: int) -> int:
    """A two-digit year as a full year: 20YY unless that lies more than a year ahead, then 19YY."""
    return 2000 + yy if yy <= _THIS_YY + 1 else 1900 + yy


def _is_date_digits(digits: str) -> bool:
    if len(digits) != 8 or not digits.startswith(("19", "20")):
        return False
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _digits_key(digits: str) -> str | None:
    """Rule 3 by width (one reading per width, so same-width numbers stay distinct), else the number itself."""
    if _is_date_digits(digits):
        return None
    width = len(digits)
    if width == 11 and digits[2:4] == "00":
        return f"{expand_year(int(digits[:2]))}-{int(digits[2:])}"
    if width in (10, 13) and digits.startswith(("19", "20")):
        return f"{digits[:4]}-{int(digits[4:])}"
    return str(int(digits))


def number_key(text: str) -> str | None:
    """The canonical key of a number as written (module docstring), or None when the text is not an incident
    number."""
    s = text.strip().upper()
    if s.isascii() and s.isdigit():
        return _digits_key(s) if len(s) >= 3 else None
    if s[:1] in "+-" and s[1:2].isdigit():  # a sign is part of the number
        rest = number_key(s[1:])
        return s[0] + rest if rest else None
    if not s or _DATE.match(s):
        return None
    s = _LABEL.sub("", s).strip()
    m = _YEAR_SEQ.match(s)
    if m:
        prefix, year, seq = m.groups()
        full = int(year) if len(year) == 4 else expand_year(int(year))
        return f"{prefix}{full}-{int(seq)}"
    compact = re.sub(r"[^A-Z0-9]", "", s)
    letters = sum(c.isalpha() for c in compact)
    digits = len(compact) - letters
    if letters > 4 or digits < 3:
        return None
    if letters == 0:
        return _digits_key(compact)
    return _DIGIT_RUN.sub(lambda d: str(int(d.group())), compact)


def incident_key(text: str) -> str:
    """The stored key of an incident's own number: `number_key`, else the text upper-cased with spaces collapsed."""
    return number_key(text) or " ".join(text.upper().split())


def digit_keys(texts: Sequence[str]) -> list[str] | None:
    """`incident_key` of each text, worked on the whole column at once, when all are ASCII digits of one width and
    one rule of `_digits_key` holds for all (no possible date, same reading of the width); otherwise None."""
    joined = "".join(texts)
    if not (joined.isascii() and joined.isdigit()):
        return None
    widths = set(map(len, texts))
    width = widths.pop()
    if widths or width < 3 or width == 8:
        return None
    if width in (10, 13):
        starts = set(map(itemgetter(slice(0, 2)), texts))
        if starts <= {"19", "20"}:  # YYYY-SEQ
            return [f"{text[:4]}-{int(text[4:])}" for text in texts]
        if not starts.isdisjoint({"19", "20"}):
            return None
    elif width == 11 and "00" in set(map(itemgetter(slice(2, 4)), texts)):
        return None
    return list(map(str, map(int, texts)))


#: `number_key` with results remembered, for numbers that repeat (hints, aliases); an incident's own number, nearly
#: always new, goes to `incident_key` directly.
canonical_number = lru_cache(maxsize=65536)(number_key)


# ---------------------------------------------------------------------------------------------- times

ParseResult = tuple[datetime, bool]  # (value, has time of day); value aware when the text carries an offset

_US = re.compile(
    r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*([AaPp])?\.?[Mm]?\.?)?$"
)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:([AaPp])\.?[Mm]\.?)?$")
_HHMM = re.compile(r"^\d{1,4}$")


def _hour12(hour: int, ampm: str | None) -> int:
    if not ampm:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError("hour out of range for 12-hour time")
    return hour % 12 + (12 if ampm in "Pp" else 0)


def _parse_iso(text: str) -> ParseResult:
    value = datetime.fromisoformat(text)
    return value, len(text) > 10


_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?=$|[ T])", re.ASCII)


def _parse_ymd_slash(text: str) -> ParseResult:
    """`2021/04/15 03:14:07+00`, the form ArcGIS Hub's CSV downloads write: ISO but for its slashes (an offset, when
    given, makes the value aware: its own UTC, whatever `--tz` says)."""
    m = _YMD_SLASH.match(text)
    if not m:
        raise ValueError(f"not a Y/M/D date: {text!r}")
    y, mo, d = m.groups()
    return _parse_iso(f"{y}-{int(mo):02d}-{int(d):02d}{text[m.end():]}")


@lru_cache(maxsize=8192)
def _numeric_date(text: str, day_first: bool = False) -> date:
    """`M/D/Y` (`M-D-Y`), or `D/M/Y` (`D.M.Y`, `D-M-Y`) when `day_first`; a two-digit year expanded."""
    parts = re.split(r"[/.-]" if day_first else r"[/-]", text)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        raise ValueError(f"not a {'D/M/Y' if day_first else 'M/D/Y'} date: {text!r}")
    first, second, y = parts
    d, mo = (first, second) if day_first else (second, first)
    return date(int(y) if len(y) == 4 else expand_year(int(y)), int(mo), int(d))


@lru_cache(maxsize=100_000)
def _us_clock(text: str) -> tuple[int, int, int, int]:
    m = _US.match("1/1/2000 " + text)
    if not m or m.group(4) is None:
        raise ValueError(f"not a time of day: {text!r}")
    hh, mi, ss, frac, ampm = m.groups()[3:]
    return _hour12(int(hh), ampm), int(mi), int(ss or 0), int(frac.ljust(6, "0")) if frac else 0


def _parse_numeric(text: str, day_first: bool) -> ParseResult:
    """A numeric date with an optional time; date and clock parts are parsed (and cached) separately."""
    date_text, _, clock_text = text.strip().partition(" ")
    day = _numeric_date(date_text, day_first)
    if not clock_text:
        return datetime(day.year, day.month, day.day), False
    return datetime(day.year, day.month, day.day, *_us_clock(clock_text.strip())), True


def _parse_us(text: str) -> ParseResult:
    """M/D/Y with an optional time (the United States order)."""
    return _parse_numeric(text, False)


def _parse_day_first(text: str) -> ParseResult:
    """D/M/Y (also `D.M.Y`, `D-M-Y`) with an optional time: exports from outside the United States."""
    return _parse_numeric(text, True)


#: A date's first two numbers (`05/01/2023`, `28.01.2023 14:32`): which of them is the month is the date order.
_TWO_FIELDS = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}(?:$|[ T])", re.ASCII)


def date_order_evidence(text: str) -> str | None:
    """`day-first` when a date's first number can only be a day (`28/01/2023`), `month-first` when its second can
    only be (`01/28/2023`), None when both read as months or the text is no such date."""
    m = _TWO_FIELDS.match(text)
    if not m:
        return None
    first, second = int(m.group(1)), int(m.group(2))
    if 12 < first <= 31 and 1 <= second <= 12:
        return "day-first"
    if 12 < second <= 31 and 1 <= first <= 12:
        return "month-first"
    return None


def parse_clock(text: str) -> time:
    """A time of day: `19:49`, `18:11:47`, `6:08 PM`, `0344` or an unpadded integer such as `344` (= 03:44)."""
    text = text.strip()
    m = _CLOCK.match(text)
    if m:
        hh, mi, ss, ampm = m.groups()
        return time(_hour12(int(hh), ampm), int(mi), int(ss or 0))
    if _HHMM.match(text):
        n = int(text)
        return time(n // 100, n % 100)
    raise ValueError(f"not a time of day: {text!r}")


_PARSERS: tuple[Callable[[str], ParseResult], ...] = (_parse_iso, _parse_us, _parse_ymd_slash)


_DAY_FIRST_PARSERS: tuple[Callable[[str], ParseResult], ...] = (_parse_iso, _parse_day_first, _parse_ymd_slash)


class TimeParser:
    """Parses one column's times: the form is detected on the first value and kept (re-detected on a miss).
    Dates such as `05/01/2023` are month-first (United States) unless `day_first`."""

    def __init__(self, day_first: bool = False) -> None:
        self.form: Callable[[str], ParseResult] | None = None
        self.parsers = _DAY_FIRST_PARSERS if day_first else _PARSERS

    def __call__(self, text: str) -> ParseResult:
        """`(datetime, has_time)`; raises ValueError when no known form fits."""
        if self.form is not None:
            try:
                return self.form(text)
            except ValueError:
                pass
        return self._detect(text)

    def _detect(self, text: str) -> ParseResult:
        for parser in self.parsers:
            try:
                result = parser(text)
            except ValueError:
                continue
            self.form = parser
            return result
        raise ValueError(f"unrecognised date/time {text!r}")


_CLOCK_TAIL = re.compile(r"^(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*(?:([AaPp])\.?[Mm]?\.?)?$", re.ASCII)


def _clock_tail(tail: str) -> tuple[str, str] | None:
    """What follows the hour in a clock text (`04:09 PM`): (`A`, `P` or `` for a 24-hour clock, stored
    `MM:SS.ffffffZ`), or None when it is not minutes [, seconds [, fraction]] [AM|PM] in range."""
    m = _CLOCK_TAIL.match(tail)
    if not m:
        return None
    mi, ss, frac, ampm = m.groups()
    minute, second = int(mi), int(ss or 0)
    if minute > 59 or second > 59:
        return None
    return (ampm or "").upper(), f"{minute:02d}:{second:02d}.{(frac or '').ljust(6, '0')}Z"


def _clock_hour(digits: str, marker: str) -> int | None:
    """The hour (0-23) of an hour text with its `_clock_tail` marker (`12`, `A` → 0; `4`, `P` → 16; `16` → 16)."""
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 2):
        return None
    try:
        hour = _hour12(int(digits), marker or None)
    except ValueError:
        return None
    return hour if hour < 24 else None


class _Cache(dict[K, V]):
    """A dict that computes a missing value with `compute` (so `map(cache.__getitem__, ...)` runs in C for hits);
    emptied when full, so memory stays bounded."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: K) -> V:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        value = self[key] = self.compute(key)
        return value


_NO_TAIL = ("-", "")  # `_clock_tail` of a text that is not a clock: its marker finds no hour prefix


class ColumnTimes:
    """One column's times: `parse` detects the column's form once; `column_utc` turns the common `M/D/Y h:mm[:ss]
    [AM|PM]` form straight into stored UTC text from small caches, each text split at its first colon: the clock
    after the hour (`04:09 PM`, at most 7,200 forms a file) → (AM/PM marker, `MM:SS.ffffffZ`), and the date with
    the hour and marker (`11/04/2023 6P`) → the UTC `YYYY-MM-DDTHH:` that local hour starts at (from the date's 24
    hours, `TimeZoneConverter.offset`). A column is worked in a few passes of `map` over it, Python code running
    only for texts not cached yet."""

    def __init__(self, converter: TimeZoneConverter, day_first: bool = False) -> None:
        self.parse = TimeParser(day_first)
        self.tz = converter
        self._tails: _Cache[str, tuple[str, str]] = _Cache(lambda tail: _clock_tail(tail.rstrip()) or _NO_TAIL)
        self._heads: _Cache[tuple[str, str], str | None] = _Cache(self._hour_prefix)
        self._days: dict[str, list[str | None]] = {}

    def fast_utc(self, text: str) -> str | None:
        """`column_utc` of one text."""
        return self.column_utc((text,))[0]

    def column_utc(self, texts: Sequence[str]) -> list[str | None]:
        """Each text's stored UTC text once the column is known to be M/D/Y with a time of day, or None where the
        value needs the general path: another form, a date only, a DST-flagged hour, an offset of part of an hour."""
        if self.parse.form is not _parse_us:
            return [None] * len(texts)
        parts = list(map(str.partition, texts, repeat(":")))
        tails = list(map(self._tails.__getitem__, map(itemgetter(2), parts)))
        prefixes = map(self._heads.__getitem__, zip(map(itemgetter(0), parts), map(itemgetter(0), tails)))
        return [None if prefix is None else prefix + tail[1] for prefix, tail in zip(prefixes, tails)]

    def _hour_prefix(self, key: tuple[str, str]) -> str | None:
        """The UTC `YYYY-MM-DDTHH:` of (`M/D/Y h`, its AM/PM marker: `A`, `P` or ``), or None (not that form, or
        an hour the general path must take)."""
        head, marker = key
        if marker == _NO_TAIL[0]:
            return None
        date_text, _, hour_text = head.lstrip().partition(" ")
        hour = _clock_hour(hour_text, marker)
        if hour is None:
            return None
        day = self._days.get(date_text)
        if day is None:
            try:
                day = remember(self._days, date_text, self._day_prefixes(_numeric_date(date_text)))
            except ValueError:
                return None
        return day[hour]

    def _day_prefixes(self, day: date) -> list[str | None]:
        """Per local hour of `day`: the UTC `YYYY-MM-DDTHH:` it starts at, or None (flagged or odd offset)."""
        prefixes: list[str | None] = []
        for hour in range(24):
            local = datetime(day.year, day.month, day.day, hour)
            offset, flag = self.tz.offset(local)
            prefixes.append(utc_text(local - offset)[:14] if flag is None and not offset % _HOUR else None)
        return prefixes


def utc_text(value: datetime) -> str:
    """A naive-UTC datetime as stored text (same form as `db.iso_utc`)."""
    return value.isoformat(timespec="microseconds") + "Z"


# ---------------------------------------------------------------------------------------------- coordinates

_NUM = r"[-+]?\d+(?:\.\d+)?"
_LATLON = re.compile(rf"^\(?\s*({_NUM})\s*[, ]\s*({_NUM})\s*\)?$")
_WKT = re.compile(rf"^POINT\s*\(\s*({_NUM})\s+({_NUM})\s*\)$", re.IGNORECASE)


def valid_latlon(lat: float, lon: float) -> bool:
    """A usable WGS84 position: finite, in range, not 0/0."""
    return (
        math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        and not (lat == 0 and lon == 0)
    )


def parse_point(text: str) -> tuple[float, float] | None:
    """`(lat, lon)` or WKT `POINT (lon lat)` as (lat, lon); None when unreadable or invalid."""
    text = text.strip()
    m = _WKT.match(text)
    if m:
        lat, lon = float(m.group(2)), float(m.group(1))
    else:
        m = _LATLON.match(text)
        if not m:
            return None
        lat, lon = float(m.group(1)), float(m.group(2))
    return (lat, lon) if valid_latlon(lat, lon) else None


class Projector:
    """Projected coordinates (e.g. EPSG:3452, Louisiana South, US feet) → WGS84, refusing points outside the
    projection's area of use (garbage such as swapped or mistyped values)."""

    def __init__(self, epsg: int) -> None:
        from pyproj import CRS, Transformer

        crs = CRS.from_epsg(epsg)
        self._transformer = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
        area = crs.area_of_use
        self._bounds = (area.west - 1, area.south - 1, area.east + 1, area.north + 1) if area else None

    def __call__(self, x: float, y: float) -> tuple[float, float] | None:
        """(lat, lon) of a projected point, or None when it falls outside the projection's area."""
        lon, lat = self._transformer.transform(x, y)
        if not valid_latlon(lat, lon):
            return None
        if self._bounds:
            west, south, east, north = self._bounds
            if not (west <= lon <= east and south <= lat <= north):
                return None
        return lat, lon


def parse_float(text: str) -> float | None:
    """A number cell as float (thousands commas allowed), or None."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
