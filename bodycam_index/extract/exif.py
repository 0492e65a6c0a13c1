"""JPEG stills: EXIF time (with offset and sub-seconds), GPS position and UTC time, make, model and serial.

Only the start of the file is read (EXIF lives in APP1 right after the SOI marker); exifread gets its TIFF block cut
down to the tags read.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import exifread

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from . import exifclip, makernotes
from .reader import Reader

#: Bytes of the file handed to exifread.
HEAD = 256 * 1024
#: exifread logs every oddity of a corrupt file as a warning; the parser reports those itself.
logging.getLogger("exifread").setLevel(logging.ERROR)
_XMP_MARK = b"http://ns.adobe.com/xap/1.0/\x00"
_SERIAL_TAGS = ("EXIF BodySerialNumber", "MakerNote SerialNumber", "MakerNote InternalSerialNumber")
#: EXIF `YYYY:MM:DD HH:MM:SS` and `YYYY:MM:DD`, and an OffsetTime `±HH:MM`, read as `strptime`'s `%Y:%m:%d %H:%M:%S`,
#: `%Y:%m:%d` and `%z` would (one or two digits, any run of blanks), without loading `_strptime` (~5 ms) for them.
_DATE = r"([0-9]{4}):([0-9]{1,2}):([0-9]{1,2})"
_DATE_TIME = re.compile(_DATE + r"\s+([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})")
_DATE_ONLY = re.compile(_DATE)
_OFFSET = re.compile(r"([+-])([0-9]{2}):?([0-5][0-9])(?::?([0-5][0-9]))?|Z")


def _exif_datetime(text: str, pattern: re.Pattern[str] = _DATE_TIME) -> datetime:
    """An EXIF date (and time) as a naive datetime; ValueError when it is not one."""
    match = pattern.fullmatch(text)
    if match is None:
        raise ValueError(f"not an EXIF date: {text!r}")
    return datetime(*(int(g) for g in match.groups()))


def _exif_offset(text: str) -> timezone:
    """An EXIF offset (`+03:00`, `-0530`, `Z`) as a fixed zone; ValueError when it is not one."""
    match = _OFFSET.fullmatch(text)
    if match is None:
        raise ValueError(f"not an offset: {text!r}")
    if text == "Z":
        return UTC
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3]), seconds=int(match[4] or 0)))


def _text(tags: dict, name: str) -> str | None:
    """A tag's printable text, stripped; None when absent or empty."""
    tag = tags.get(name)
    if tag is None:
        return None
    text = str(tag.printable).replace("\x00", "").strip()
    return text or None


def _ratios(tags: dict, name: str) -> list[float] | None:
    """A RATIONAL tag's values as floats; None when absent or with a zero denominator."""
    tag = tags.get(name)
    values = getattr(tag, "values", None)
    if not isinstance(values, list) or not values:
        return None
    try:
        return [float(v.num) / float(v.den) if hasattr(v, "den") else float(v) for v in values]
    except (ZeroDivisionError, TypeError, ValueError):
        return None


def _degrees(tags: dict, name: str, negative_ref: str) -> float | None:
    """Degrees from a (d, m, s) GPS tag and its N/S or E/W reference tag."""
    parts = _ratios(tags, name)
    if parts is None:
        return None
    parts = (parts + [0.0, 0.0])[:3]
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    ref = (_text(tags, f"{name}Ref") or "").upper()[:1]
    return -value if ref == negative_ref else value


def shot_time(original: str | None, subsec: str | None = None, offset: str | None = None,
              gps_utc: datetime | None = None, source: str = "exif.datetimeoriginal"
              ) -> tuple[list[TimeCandidate], list[str]]:
    """The shot time of a still from plain EXIF values, as candidates for `resolve`, and warnings.

    The shot time is DateTimeOriginal + SubSecTimeOriginal, placed by OffsetTimeOriginal when there is one. The GPS
    stamp (GPSDateStamp + GPSTimeStamp, or a maker-note UTC stamp) is the time of the last fix, often 10-100 s before
    the shot: it becomes the `exif.gps` candidate, from which `resolve` learns the zone offset rounded to a quarter
    hour; it is the shot time only for a still with no camera clock. Reusable by any container that carries EXIF.
    """
    candidates: list[TimeCandidate] = []
    warnings: list[str] = []
    stamp = None
    if original:
        try:
            stamp = _exif_datetime(original.strip()[:19])
        except ValueError:
            warnings.append(f"{source} not understood: {original!r}")
    if stamp is not None:
        digits = (subsec or "").strip()
        if digits.isdigit():
            stamp = stamp.replace(microsecond=int(digits[:6].ljust(6, "0")))
        zoned = _with_offset(stamp, offset) if offset else None
        if offset and zoned is None:
            warnings.append(f"OffsetTimeOriginal not understood: {offset!r}")
        if zoned is not None:
            candidates.append(TimeCandidate(source, zoned, "offset", f"EXIF time with offset {offset.strip()}"))
        else:
            candidates.append(TimeCandidate(source, stamp, "local", "EXIF camera clock, zone not recorded"))
    if gps_utc is not None:
        candidates.append(TimeCandidate("exif.gps", gps_utc, "utc",
                                        "EXIF GPS stamp: time of the last fix, gives the zone offset"))
    return candidates, warnings


def _original_time(tags: dict, out: Extraction) -> None:
    """DateTimeOriginal (else IFD0 DateTime) with sub-seconds and offset, as a candidate."""
    for name, source in (("EXIF DateTimeOriginal", "exif.datetimeoriginal"), ("Image DateTime", "exif.datetime")):
        raw = _text(tags, name)
        if raw is None:
            continue
        out.tags[source] = raw
        original = name == "EXIF DateTimeOriginal"
        offset = (_text(tags, "EXIF OffsetTimeOriginal") or _text(tags, "EXIF OffsetTime")) if original else None
        candidates, warnings = shot_time(raw, _text(tags, "EXIF SubSecTimeOriginal") if original else None,
                                         offset, source=source)
        out.warnings.extend(warnings)
        if offset and candidates and candidates[0].zone == "offset":
            out.tags["exif.offsettimeoriginal"] = offset
        out.times.extend(candidates)
        if candidates:
            return


def _xmp_packet(data: bytes) -> str | None:
    """The XMP packet of a JPEG's APP1 `http://ns.adobe.com/xap/1.0/` segment, if it is in `data`."""
    at = data.find(_XMP_MARK)
    start = data.find(b"<x:xmpmeta", at) if at >= 0 else -1
    end = data.find(b"</x:xmpmeta>", start) if start >= 0 else -1
    return data[start : end + 12].decode("utf-8", "replace") if end > start else None


def _from_xmp(xmp: str, out: Extraction) -> None:
    """What XMP adds to EXIF: the zone of DateTimeOriginal when EXIF has none (the same wall-clock reading with an
    offset), the body serial (aux/exifEX SerialNumber) and a GPS position EXIF lacks."""
    from ..isotime import parse_date
    from .isobmff import _xmp_gps, _xmp_value

    for i, cand in enumerate(out.times):
        if cand.source != "exif.datetimeoriginal" or cand.zone != "local":
            continue
        for prefix, name in (("exif", "DateTimeOriginal"), ("xmp", "CreateDate")):
            text = _xmp_value(xmp, prefix, name)
            parsed = parse_date(text) if text else None
            if parsed is None or parsed[1] == "local":
                continue
            if parsed[0].replace(tzinfo=None, microsecond=0) == cand.value.replace(microsecond=0):
                out.times[i] = TimeCandidate(cand.source, cand.value.replace(tzinfo=parsed[0].tzinfo), "offset",
                                             f"EXIF time with the offset of XMP {prefix}:{name} {text!r}")
                out.tags[f"xmp.{name.lower()}"] = text
                break
    serial = _xmp_value(xmp, "aux", "SerialNumber") or _xmp_value(xmp, "exifEX", "SerialNumber")
    if serial and not out.identity.serial:
        out.identity = replace(out.identity, serial=serial)
        out.tags["xmp.serial"] = serial
    point = _xmp_gps(xmp) if out.location is None else None
    if point is not None and valid_position(point[0], point[1]):
        out.location = GpsFix(point[0], point[1], alt_m=point[2], source="xmp.gps")


def _with_offset(stamp: datetime, offset: str) -> datetime | None:
    """`stamp` with an EXIF offset such as `+03:00` or `-05:30`."""
    try:
        return stamp.replace(tzinfo=_exif_offset(offset.strip()))
    except ValueError:
        return None


def _gps(tags: dict, out: Extraction) -> datetime | None:
    """The GPS position and UTC time; the UTC time if it has a date."""
    t_utc = None
    clock = _ratios(tags, "GPS GPSTimeStamp")
    date = _text(tags, "GPS GPSDate") or _text(tags, "GPS GPSDateStamp")
    if clock is not None and len(clock) == 3:
        h, m, s = clock
        out.tags["exif.gpstimestamp"] = f"{h:02.0f}:{m:02.0f}:{s:05.2f}"
        if date:
            out.tags["exif.gpsdatestamp"] = date
            try:
                day = _exif_datetime(date[:10], _DATE_ONLY).replace(tzinfo=UTC)
                t_utc = day + timedelta(hours=h, minutes=m, seconds=s)
            except (ValueError, OverflowError):
                out.warnings.append(f"GPSDateStamp not understood: {date!r}")
        else:
            out.warnings.append("GPSTimeStamp without GPSDateStamp; GPS time kept as a tag only")
    if t_utc is not None:
        out.times.extend(shot_time(None, gps_utc=t_utc)[0])
    lat = _degrees(tags, "GPS GPSLatitude", "S")
    lon = _degrees(tags, "GPS GPSLongitude", "W")
    if lat is None or lon is None:
        return t_utc
    alt = _ratios(tags, "GPS GPSAltitude")
    alt_m = alt[0] if alt else None
    ref = getattr(tags.get("GPS GPSAltitudeRef"), "values", None)
    if alt_m is not None and isinstance(ref, list) and ref and ref[0] == 1:
        alt_m = -alt_m
    status = _text(tags, "GPS GPSStatus")
    if status == "V" or not valid_position(lat, lon):
        out.dropped_fixes += 1
        return t_utc
    out.location = GpsFix(lat, lon, t_utc=t_utc, alt_m=alt_m, quality=status, source="exif.gps")
    return t_utc


def extract(reader: Reader) -> Extraction:
    """Time, GPS and identity from a JPEG's EXIF."""
    head = reader.read_upto(0, HEAD)
    if head[:3] != b"\xff\xd8\xff":
        raise ExtractError("not a JPEG file (no SOI marker)")
    out = from_exif(head, "jpeg")
    makernotes.add_serial(makernotes.tiff_of_jpeg(head), out)
    return out


def from_exif(data: bytes, container: str) -> Extraction:
    """Time, GPS and identity from EXIF bytes: a JPEG's start, or a TIFF-header EXIF block (HEIF, RIFF).

    exifread sees only the TIFF block, cut down to the tags read (`exifclip`), so a hostile entry count costs nothing.
    """
    tiff = exifclip.clip((makernotes.tiff_of_jpeg(data) if data[:2] == b"\xff\xd8" else data) or b"")
    try:
        tags = exifread.process_file(io.BytesIO(tiff), details=False) if tiff else {}
    except Exception as exc:
        raise ExtractError(f"unreadable EXIF: {exc}") from exc
    out = Extraction(container=container)
    if not tags:
        out.warnings.append("no EXIF data")
        return out
    _original_time(tags, out)
    gps_utc = _gps(tags, out)
    clock = next((t.value for t in out.times if t.source != "exif.gps"), None)
    if clock is not None and gps_utc is not None:
        offset = clock.replace(tzinfo=UTC) - gps_utc  # the camera's clock read as if it were UTC
        out.tags["exif.clock_offset_s"] = f"{offset.total_seconds():.3f}"
    serial = next((s for s in (_text(tags, t) for t in _SERIAL_TAGS) if s), None)
    out.identity = Identity(
        make=_text(tags, "Image Make"),
        model=_text(tags, "Image Model"),
        serial=serial,
        firmware=_text(tags, "Image Software"),
    )
    for key, value in (("exif.make", out.identity.make), ("exif.model", out.identity.model),
                       ("exif.serial", serial), ("exif.software", out.identity.firmware)):
        if value:
            out.tags[key] = value
    xmp = _xmp_packet(data)
    if xmp is not None:
        _from_xmp(xmp, out)
    return out
