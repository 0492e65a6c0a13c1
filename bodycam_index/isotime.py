"""ISO-8601-like date-time text to a datetime and the TimeCandidate zone kind it implies."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from .model import ZoneKind

_ISO_DATE = re.compile(
    r"(\d{4})[-:](\d\d)[-:](\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?\s*$")


def parse_date(text: str) -> tuple[datetime, ZoneKind] | None:
    """An ISO-8601-like date-time as (value, zone kind): aware `utc`/`offset` when it has a zone, else `local`."""
    match = _ISO_DATE.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                         round(float(fraction or 0) * 1_000_000))
    except ValueError:
        return None
    if zone is None:
        return value, "local"
    if zone == "Z":
        return value.replace(tzinfo=UTC), "utc"
    sign = -1 if zone[0] == "-" else 1
    minutes = sign * (int(zone[1:3]) * 60 + int(zone[-2:]))
    return value.replace(tzinfo=timezone(timedelta(minutes=minutes))), "offset"
