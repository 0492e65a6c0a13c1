"""GPX 1.0/1.1 tracks and routes, read with defusedxml (no entity is ever expanded) and without a GPX library.

Per the GPX schemas (topografix.com GPX/1/0 and GPX/1/1, the same element names in both namespaces): `trk/trkseg/
trkpt` and `rte/rtept` points carry `lat` and `lon` attributes in decimal degrees (WGS84), an optional `ele` (metres)
and an optional `time`, an ISO 8601 `xsd:dateTime` that the schema says is UTC. Waypoints (`wpt`) are places, not a
track, and are left out; extensions are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix

SOURCE = "gpx"
MAX_ELEMENTS = 5_000_000


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _time(text: str | None) -> datetime | str | None:
    """A point's time as written (aware, or naive when it has no zone), None when absent, the text when unreadable."""
    if text is None or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return text.strip()[:40]


def _points(root: Element) -> list[Element]:
    """Track points, then route points, in file order (at most MAX_ELEMENTS elements looked at)."""
    tracks: list[Element] = []
    routes: list[Element] = []
    for count, element in enumerate(root.iter()):
        if count > MAX_ELEMENTS:
            raise ExtractError(f"GPX has more than {MAX_ELEMENTS} elements")
        name = _local(element.tag)
        if name == "trkpt":
            tracks.append(element)
        elif name == "rtept":
            routes.append(element)
    return tracks + routes


def parse(text: str) -> Extraction:
    """Track and route points of a GPX file, sorted by time (points without a time keep file order, last)."""
    body = text.lstrip()
    if body.startswith("<?xml"):
        body = body[body.find("?>") + 2 :]  # the declared encoding no longer applies to decoded text
    try:
        root = fromstring(body)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise ExtractError(f"GPX is not well-formed or unsafe XML: {str(exc)[:80]}") from exc
    if _local(root.tag) != "gpx":
        raise ExtractError(f"not a GPX document (root element {_local(root.tag)!r})")
    points = _points(root)
    extraction = Extraction(container="gpx")
    zone_less = unreadable = 0
    first_text = None
    for point in points:
        lat, lon = _number(point.get("lat")), _number(point.get("lon"))
        children = {_local(child.tag): child.text for child in point}
        written = _time(children.get("time"))
        if first_text is None:
            first_text = f"{lat} {lon} {written}"
        if lat is None or lon is None or not valid_position(lat, lon):
            extraction.dropped_fixes += 1
            continue
        if isinstance(written, str):
            unreadable += 1
            written = None
        # GPX times are UTC by the schema, but a zone-less one is not trusted
        t_utc = written.astimezone(UTC) if written is not None and written.tzinfo is not None else None
        zone_less += written is not None and t_utc is None
        extraction.track.append(GpsFix(lat=lat, lon=lon, t_utc=t_utc, alt_m=_number(children.get("ele")),
                                       source=SOURCE))
    if zone_less:
        extraction.warnings.append(
            f"{zone_less} GPX points have a time without a zone; their times were ignored"
        )
    if unreadable:
        extraction.warnings.append(
            f"{unreadable} GPX points have a time that is not ISO 8601; their times were ignored"
        )
    timed = [fix.t_utc for fix in extraction.track if fix.t_utc is not None]
    if any(a > b for a, b in pairwise(timed)):
        extraction.warnings.append("GPX points were out of time order and have been sorted")
        far_future = datetime.max.replace(tzinfo=UTC)
        extraction.track.sort(key=lambda fix: fix.t_utc or far_future)
    if extraction.track:
        extraction.location = extraction.track[0]
        extraction.tags["gpx.first_in_file"] = first_text or ""
    extraction.tags["gpx.points"] = str(len(points))
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} GPX points had an invalid position")
    return extraction
