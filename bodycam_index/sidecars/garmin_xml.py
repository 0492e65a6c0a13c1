"""Garmin XML track logs: Training Center (`.tcx`) and the older ForerunnerLogbook `History` (`.xml`).

Both list `Trackpoint` elements with an ISO-8601 UTC `Time` and a `Position`: `LatitudeDegrees`/`LongitudeDegrees`
in TCX, `Latitude`/`Longitude` in the logbook; altitude is `AltitudeMeters` or `Position/Altitude`.
Parsed with defusedxml, so no entity is ever expanded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..coords import make_fix
from ..model import ExtractError, Extraction
from .common import parse_iso, to_float

SOURCE = "garmin.xml"
MAX_POINTS = 2_000_000


def looks_like_garmin_xml(text: str) -> bool:
    """True when XML text holds Garmin Trackpoint elements."""
    return "<Trackpoint" in text


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Element, *names: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) in names and child.text:
            return child.text.strip()
    return None


def parse(text: str) -> Extraction:
    """The timed positions of a TCX or ForerunnerLogbook file, in time order."""
    body = text.lstrip()
    if body.startswith("<?xml"):
        body = body[body.find("?>") + 2 :]
    try:
        root = fromstring(body)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise ExtractError(f"Garmin XML is not well-formed or unsafe XML: {str(exc)[:80]}") from exc
    extraction = Extraction(container="garmin-xml")
    points = [e for e in root.iter() if _local(e.tag) == "Trackpoint"]
    if not points:
        raise ExtractError("no Trackpoint elements in the XML")
    for point in points[:MAX_POINTS]:
        lat = to_float(_text(point, "LatitudeDegrees", "Latitude"))
        lon = to_float(_text(point, "LongitudeDegrees", "Longitude"))
        if lat is None or lon is None:
            continue  # a Trackpoint with heart rate only: no position to drop
        when = parse_iso(_text(point, "Time"))
        fix = make_fix(lat, lon, SOURCE, when.astimezone(UTC) if when else None, None,
                       to_float(_text(point, "AltitudeMeters", "Altitude")))
        if fix is None:
            extraction.dropped_fixes += 1
        else:
            extraction.track.append(fix)
    if len(points) > MAX_POINTS:
        extraction.warnings.append(f"over {MAX_POINTS} Trackpoints; the rest were not read")
    extraction.track.sort(key=lambda fix: fix.t_utc or datetime.max.replace(tzinfo=UTC))
    extraction.location = extraction.track[0] if extraction.track else None
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} Trackpoints had an invalid position")
    return extraction
