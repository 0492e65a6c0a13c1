"""Axis body-worn system exports: `*.metadata.json` (container or clip headers) and `*_gpstrail.json`.

The reference content destination stores Swift metadata headers as flat JSON with Go-canonicalised keys
(`Bwcserialnumber`), so keys are matched case-insensitively. All times are UTC (epoch and RFC 3339).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .common import from_epoch, load_json, parse_iso, to_float

MAX_ENTRIES = 1_000_000
_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*(\S+)\s+(\S+)(?:\s+\S+)?\s*\)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _lowered(data: object, what: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise ExtractError(f"{what} is not a JSON object")
    return {str(key).lower(): value for key, value in data.items()}


def _text(meta: dict[str, object], key: str) -> str | None:
    value = meta.get(key)
    return (str(value).strip() or None) if isinstance(value, str | int | float) else None


def _time(meta: dict[str, object], name: str) -> datetime | None:
    """`<name>ISO` (RFC 3339), else the epoch `<name>`."""
    return parse_iso(meta.get(f"{name}iso"), assume_utc=True) or from_epoch(meta.get(name, ""))


def _trigger_location(text: str, extraction: Extraction) -> None:
    """`TriggerOnLocation` `<lat><long><accuracy><epoch>`: signed numbers, read as lat, lon[, accuracy, epoch]."""
    numbers = [float(n) for n in _NUMBER.findall(text)]
    if len(numbers) < 2 or not valid_position(numbers[0], numbers[1]):
        extraction.warnings.append(f"Axis TriggerOnLocation not understood: {text[:64]!r}")
        return
    t_utc = from_epoch(numbers[3]) if len(numbers) > 3 else None
    quality = f"accuracy={numbers[2]:g}" if len(numbers) > 2 else None
    extraction.location = GpsFix(
        numbers[0], numbers[1], t_utc, quality=quality, source="axis.triggeronlocation"
    )


def _pre_event(start: datetime, trigger: datetime, stop: datetime | None, extraction: Extraction) -> None:
    """The pre-event buffer: a recording's `StartTime` includes the buffer, so it is `TriggerOnTime − StartTime`
    (kept only when the trigger falls between start and stop)."""
    buffer = (trigger - start).total_seconds()
    if buffer < 0 or (stop is not None and trigger > stop):
        extraction.warnings.append("Axis TriggerOnTime outside StartTime–StopTime: pre-event buffer not known")
        return
    extraction.pre_event_s = buffer
    extraction.pre_event_source = "axis.triggerontime-starttime"


def parse_metadata(text: str) -> Extraction:
    """Identity, start/stop times, pre-event buffer, zone and trigger location from an Axis metadata JSON file."""
    meta = _lowered(load_json(text, "Axis metadata"), "Axis metadata")
    extraction = Extraction(container="axis-metadata")
    extraction.identity = Identity(
        make="Axis" if meta.get("bwcserialnumber") or meta.get("bwcmodel") else None,
        model=_text(meta, "bwcmodel"),
        serial=_text(meta, "bwcserialnumber"),
        firmware=_text(meta, "firmwareversion"),
        officer=_text(meta, "userid"),
    )
    level = "recording" if "bwcserialnumber" in meta or "userid" in meta else "clip"
    start, stop = _time(meta, "starttime"), _time(meta, "stoptime")
    if start is not None:
        extraction.times.append(
            TimeCandidate("axis.starttime", start.astimezone(UTC), "utc", f"{level} start")
        )
    trigger = _time(meta, "triggerontime")
    if trigger is not None:
        extraction.times.append(
            TimeCandidate("axis.triggerontime", trigger.astimezone(UTC), "utc", "trigger on")
        )
    if start is not None and stop is not None and stop >= start:
        extraction.duration_s = (stop - start).total_seconds()
    if level == "recording" and start is not None and trigger is not None:
        _pre_event(start, trigger, stop, extraction)
    location = _text(meta, "triggeronlocation")
    if location:
        _trigger_location(location, extraction)
    for key in (
        "bwcserialnumber",
        "userid",
        "bwcmodel",
        "firmwareversion",
        "timezone",
        "scuserialnumber",
        "starttimeiso",
        "stoptimeiso",
        "triggerontimeiso",
        "triggeron",
        "triggeronlocation",
    ):
        value = _text(meta, key)
        if value is not None:
            extraction.tags[f"axis.{key}"] = value[:256]
    return extraction


def parse_gpstrail(text: str) -> Extraction:
    """GPS fixes from an Axis `*_gpstrail.json` (`POINT(lon lat)`, UTC `Timestamp`, `SecondsFromStart`)."""
    data = _lowered(load_json(text, "Axis GNSS trail"), "Axis GNSS trail")
    entries = data.get("coordinateentries")
    if not isinstance(entries, list):
        raise ExtractError("Axis GNSS trail has no CoordinateEntries list")
    if len(entries) > MAX_ENTRIES:
        raise ExtractError(f"Axis GNSS trail has more than {MAX_ENTRIES} entries")
    extraction = Extraction(container="axis-gpstrail")
    for entry in entries:
        point = _lowered(entry, "a CoordinateEntries item") if isinstance(entry, dict) else {}
        wkt = _WKT_POINT.match(str(point.get("locationwkt", "")))
        lon, lat = (to_float(wkt.group(1)), to_float(wkt.group(2))) if wkt else (None, None)
        if lat is None or lon is None or not valid_position(lat, lon):
            extraction.dropped_fixes += 1
            continue
        t_utc = parse_iso(point.get("timestamp"), assume_utc=True)
        offset = (
            to_float(point.get("secondsfromstart")) if point.get("secondsfromstart") is not None else None
        )
        extraction.track.append(
            GpsFix(lat, lon, t_utc.astimezone(UTC) if t_utc else None, offset, source="axis.gpstrail")
        )
    extraction.location = extraction.track[0] if extraction.track else None
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} Axis trail entries had no valid POINT")
    return extraction
