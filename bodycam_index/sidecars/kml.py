"""KML positions: `gx:Track` (`when` + `gx:coord`) and timed `Placemark/Point` (defusedxml, no entities)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix
from .common import parse_iso, to_float

SOURCE = "kml"
MAX_ELEMENTS = 5_000_000


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _find(element: Element, name: str) -> Element | None:
    return next((e for e in element.iter() if _local(e.tag) == name), None)


def _utc(text: str | None) -> datetime | None:
    value = parse_iso(text)
    return value.astimezone(UTC) if value is not None else None


def _position(text: str | None, separator: str | None) -> tuple[float, float, float | None] | None:
    """(lat, lon, alt) from KML's `lon<sep>lat[<sep>alt]`."""
    values = [to_float(v) for v in (text or "").strip().split(separator)] if text else []
    if len(values) < 2 or values[0] is None or values[1] is None:
        return None
    return values[1], values[0], values[2] if len(values) > 2 else None


def parse(text: str) -> Extraction:
    """GPS fixes from gx:Track elements and Placemark points that carry a TimeStamp."""
    try:
        root = fromstring(text)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise ExtractError(f"KML is not well-formed or unsafe XML: {str(exc)[:80]}") from exc
    if _local(root.tag) != "kml":
        raise ExtractError(f"not a KML document (root element {_local(root.tag)!r})")
    extraction = Extraction(container="kml")
    candidates: list[tuple[datetime | None, tuple[float, float, float | None] | None]] = []
    for count, element in enumerate(root.iter()):
        if count > MAX_ELEMENTS:
            raise ExtractError(f"KML has more than {MAX_ELEMENTS} elements")
        name = _local(element.tag)
        if name == "Track":
            whens = [_utc(e.text) for e in _children(element, "when")]
            coords = [_position(e.text, None) for e in _children(element, "coord")]
            if len(whens) != len(coords):
                extraction.warnings.append(f"gx:Track has {len(whens)} times but {len(coords)} coordinates")
            candidates.extend(zip(whens, coords, strict=False))
        elif name == "Placemark":
            point = _find(element, "Point")
            stamp = _find(element, "TimeStamp")
            if point is None:
                continue
            coordinates = _find(point, "coordinates")
            when = _find(stamp, "when") if stamp is not None else None
            position = _position(coordinates.text if coordinates is not None else None, ",")
            candidates.append((_utc(when.text) if when is not None else None, position))
    for t_utc, position in candidates:
        if position is None or not valid_position(position[0], position[1]):
            extraction.dropped_fixes += 1
            continue
        lat, lon, alt = position
        extraction.track.append(GpsFix(lat=lat, lon=lon, t_utc=t_utc, alt_m=alt, source=SOURCE))
    far_future = datetime.max.replace(tzinfo=UTC)
    extraction.track.sort(key=lambda fix: fix.t_utc or far_future)
    extraction.location = extraction.track[0] if extraction.track else None
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} KML positions were missing or invalid")
    return extraction
