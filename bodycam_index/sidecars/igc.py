"""IGC flight logs (FAI IGC Technical Specification, Appendix A): `HFDTE` date header and `B` fix records.

`B HHMMSS DDMMmmm{N|S} DDDMMmmm{E|W} {A|V} PPPPP GGGGG`: time of day in UTC, position in degrees and thousandths of
minutes, fix validity (A: 3D fix, V: 2D or no GPS), pressure and GNSS altitude in metres. Times wrap past midnight
onto the next day. A `V` record is kept only as counted-dropped: its position is not a 3D fix.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from ..coords import make_fix
from ..model import ExtractError, Extraction

SOURCE = "igc"
MAX_RECORDS = 2_000_000
_DATE = re.compile(r"^HFDTE(?:DATE:)?(\d\d)(\d\d)(\d\d)", re.MULTILINE)
_B = re.compile(r"^B(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d{3})([NS])(\d{3})(\d\d)(\d{3})([EW])([AV])([-\d]\d{4})([-\d]\d{4})",
                re.MULTILINE)


def looks_like_igc(text: str) -> bool:
    """True when the text has an IGC date header or B record at the start of a line."""
    return _DATE.search(text) is not None or _B.search(text) is not None


def parse(text: str) -> Extraction:
    """The B-record fixes of an IGC file, timed in UTC from the HFDTE date."""
    header = _DATE.search(text)
    day: date | None = None
    if header is not None:
        dd, mm, yy = (int(g) for g in header.groups())
        try:
            day = date(2000 + yy if yy < 80 else 1900 + yy, mm, dd)
        except ValueError:
            day = None
    extraction = Extraction(container="igc")
    if day is None:
        extraction.warnings.append("IGC file without a readable HFDTE date: fixes have no time")
    previous: int | None = None
    for count, match in enumerate(_B.finditer(text)):
        if count >= MAX_RECORDS:
            extraction.warnings.append(f"over {MAX_RECORDS} IGC B records; the rest were not read")
            break
        (hh, mi, ss, lat_d, lat_m, lat_f, ns, lon_d, lon_m, lon_f, ew, validity, _pressure, gnss) = match.groups()
        seconds = int(hh) * 3600 + int(mi) * 60 + int(ss)
        if day is not None and previous is not None and seconds < previous - 3600:
            day += timedelta(days=1)  # past midnight UTC
        previous = seconds
        if validity != "A" or int(hh) > 23 or int(mi) > 59 or int(ss) > 59:
            extraction.dropped_fixes += 1
            continue
        lat = (int(lat_d) + (int(lat_m) + int(lat_f) / 1000) / 60) * (1 if ns == "N" else -1)
        lon = (int(lon_d) + (int(lon_m) + int(lon_f) / 1000) / 60) * (1 if ew == "E" else -1)
        t_utc = datetime.combine(day, datetime.min.time(), UTC) + timedelta(seconds=seconds) if day else None
        fix = make_fix(lat, lon, SOURCE, t_utc, None, float(gnss))
        if fix is None:
            extraction.dropped_fixes += 1
        else:
            extraction.track.append(fix)
    if not extraction.track and not extraction.dropped_fixes:
        raise ExtractError("no IGC B records")
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} IGC fixes were not valid 3D fixes (V) or 0/0")
    extraction.location = extraction.track[0] if extraction.track else None
    if header is not None:
        extraction.tags["igc.date"] = header.group(0)
    return extraction
