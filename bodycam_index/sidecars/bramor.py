"""Bramor gEO (UAV) columned text logs: one fix per line, whitespace-separated, ending in `ypr`.

`? index latitude longitude altitude track DD/MM/YYYY HH:MM:SS direction pitch roll ypr`. The time carries no zone
marker; it is GPS-derived UTC, as ExifTool's Geotag reader takes it (timegm). Blank lines between rows are normal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..coords import make_fix
from ..model import ExtractError, Extraction
from .common import to_float

SOURCE = "bramor.log"
MAX_LINES = 2_000_000
_ROW = re.compile(r"^\s*\d+\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d\d:\d\d(?:\.\d+)?\s+"
                  r"\S+\s+\S+\s+\S+\s+ypr\s*$", re.MULTILINE)


def looks_like_bramor(text: str) -> bool:
    """True when a line has the twelve columns of a Bramor gEO log."""
    return _ROW.search(text) is not None


def parse(text: str) -> Extraction:
    """The fixes of a Bramor gEO log, timed in UTC."""
    extraction = Extraction(container="bramor-log")
    rows = 0
    for match in _ROW.finditer(text):
        rows += 1
        if rows > MAX_LINES:
            extraction.warnings.append(f"over {MAX_LINES} log rows; the rest were not read")
            break
        parts = match.group(0).split()
        lat, lon, alt = to_float(parts[2]), to_float(parts[3]), to_float(parts[4])
        try:
            when = datetime.strptime(f"{parts[6]} {parts[7]}", "%d/%m/%Y %H:%M:%S" + (".%f" if "." in parts[7] else ""))
        except ValueError:
            when = None
        fix = None
        if lat is not None and lon is not None and when is not None:
            fix = make_fix(lat, lon, SOURCE, when.replace(tzinfo=UTC), None, alt)
        if fix is None:
            extraction.dropped_fixes += 1
        else:
            extraction.track.append(fix)
    if not rows:
        raise ExtractError("no Bramor gEO log rows")
    extraction.track.sort(key=lambda fix: fix.t_utc or datetime.max.replace(tzinfo=UTC))
    extraction.location = extraction.track[0] if extraction.track else None
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} log rows had an invalid position or time")
    return extraction
