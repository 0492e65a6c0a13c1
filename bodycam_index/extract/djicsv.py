"""DJI flight logs exported as CSV: Airdata (`datetime(utc)`, `latitude`, `longitude`, `time(millisecond)`,
`altitude_above_seaLevel(feet|meters)`) and the DJI log viewers / TXTlogToCSVtool (`OSD.latitude`,
`OSD.longitude`, `OSD.flyTime`, `CUSTOM.date [local]` + `CUSTOM.updateTime [local]`, sometimes after a `sep=,`
line).

Airdata's `datetime(utc)` is UTC, so every fix is timed; the log viewers' CUSTOM times are the phone's local wall
clock, so the first one is kept as a `local` candidate and the fixes carry their offset from the first row.
Columns are found by name (case and spacing ignored), so the other columns of either export may come and go.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .reader import Reader

#: Largest CSV read (a long flight at 10 Hz is ~30 MB with every column).
MAX_CSV = 64 * 1024 * 1024
_FEET = 0.3048
_MPH = 0.44704
_HEADER_MARKS = (("datetime(utc)", "latitude"), ("osd.latitude", "osd.longitude"))
_LAT = ("latitude", "osd.latitude")
_LON = ("longitude", "osd.longitude")
_ALT = ("altitude_above_sealevel(meters)", "altitude_above_sealevel(feet)", "osd.altitude[m]", "osd.altitude[ft]")
_SPEED = ("speed(m/s)", "speed(mph)", "osd.hspeed[m/s]", "osd.hspeed[mph]")
_OFFSET = ("time(millisecond)", "osd.flytime[s]", "osd.flytime")
_LOCAL_FORMATS = ("%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S.%f %p", "%m/%d/%Y %I:%M:%S %p",
                  "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


def looks_like_dji_csv(head: bytes) -> bool:
    """Whether the first line of the bytes is the header of a DJI flight-log CSV export."""
    lines = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 2)
    line = lines[1 if lines[0].startswith(b"sep=") and len(lines) > 1 else 0].lower().replace(b" ", b"")
    return any(all(mark.encode() in line for mark in marks) for marks in _HEADER_MARKS)


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _column(header: dict[str, int], names: tuple[str, ...]) -> tuple[str, int] | None:
    return next(((name, header[name]) for name in names if name in header), None)


def _number(row: list[str], column: tuple[str, int] | None) -> float | None:
    if column is None or column[1] >= len(row):
        return None
    try:
        return float(row[column[1]])
    except ValueError:
        return None


def _airdata_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip()[:26], "%Y-%m-%d %H:%M:%S" + (".%f" if "." in text else "")
                                 ).replace(tzinfo=UTC)
    except ValueError:
        return None


def _local_time(text: str) -> datetime | None:
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def extract(reader: Reader) -> Extraction:
    """Track and start time of a DJI flight-log CSV."""
    if reader.size > MAX_CSV:
        raise ExtractError(f"flight-log CSV larger than {MAX_CSV} bytes")
    text = reader.read(0, reader.size).decode("utf-8-sig", "replace")
    if text.startswith("sep="):  # the log viewers' hint line for spreadsheet programs
        text = text.split("\n", 1)[-1]
    rows = csv.reader(io.StringIO(text))
    try:
        header = {_key(name): i for i, name in enumerate(next(rows))}
    except (StopIteration, csv.Error) as exc:
        raise ExtractError("empty DJI flight-log CSV") from exc
    lat_col, lon_col = _column(header, _LAT), _column(header, _LON)
    if lat_col is None or lon_col is None:
        raise ExtractError("DJI flight-log CSV without latitude/longitude columns")
    alt_col, speed_col, offset_col = _column(header, _ALT), _column(header, _SPEED), _column(header, _OFFSET)
    utc_col = header.get("datetime(utc)")
    date_col = header.get("custom.date[local]")
    local_col = header.get("custom.updatetime[local]", header.get("custom.updatetime"))
    alt_feet = alt_col is not None and ("feet" in alt_col[0] or "[ft]" in alt_col[0])
    speed_mph = speed_col is not None and "mph" in speed_col[0]
    out = Extraction(container="dji-csv", identity=Identity(make="DJI"))
    first_local: datetime | None = None
    try:
        for row in rows:
            if not row:
                continue
            lat, lon = _number(row, lat_col), _number(row, lon_col)
            offset = _number(row, offset_col)
            if offset is not None and offset_col is not None and offset_col[0] == "time(millisecond)":
                offset /= 1000
            when = _airdata_time(row[utc_col]) if utc_col is not None and utc_col < len(row) else None
            if first_local is None and local_col is not None and local_col < len(row):
                stamp = row[local_col] if date_col is None or date_col >= len(row) else (
                    f"{row[date_col]} {row[local_col]}")
                first_local = _local_time(stamp)
            if lat is None or lon is None or not valid_position(lat, lon):
                out.dropped_fixes += 1
                continue
            alt, speed = _number(row, alt_col), _number(row, speed_col)
            if alt is not None and alt_feet:
                alt *= _FEET
            if speed is not None and speed_mph:
                speed *= _MPH
            out.track.append(GpsFix(lat, lon, when, offset, alt, speed, None, "djicsv.gps"))
    except csv.Error as exc:
        raise ExtractError(f"DJI flight-log CSV line {rows.line_num}: {exc}") from exc
    timed = [f.t_utc for f in out.track if f.t_utc is not None]
    if timed:
        out.times.append(TimeCandidate("djicsv.datetime_utc", min(timed), "utc", "Airdata datetime(utc) of the "
                                       "first fix"))
        out.duration_s = (max(timed) - min(timed)).total_seconds()
    if first_local is not None:
        out.times.append(TimeCandidate("djicsv.updatetime_local", first_local, "local",
                                       "DJI log CUSTOM time: the phone's wall clock, zone not recorded"))
    offsets = [f.t_offset_s for f in out.track if f.t_offset_s is not None]
    if offsets and (out.duration_s is None or out.duration_s < max(offsets) - min(offsets)):
        out.duration_s = max(offsets) - min(offsets)
    return out
