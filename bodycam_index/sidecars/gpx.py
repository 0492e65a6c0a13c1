"""GPX 1.0/1.1 tracks and routes (gpxpy), checked first with defusedxml so no entity is ever expanded."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix

SOURCE = "gpx"


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return None  # GPX times are UTC by the schema, but a zone-less one is not trusted
    return value.astimezone(UTC)


def parse(text: str) -> Extraction:
    """Track and route points of a GPX file, sorted by time (points without a time keep file order, last)."""
    import gpxpy  # imported here: most scans meet no GPX file
    import gpxpy.gpx

    body = text.lstrip()
    if body.startswith("<?xml"):
        body = body[body.find("?>") + 2 :]  # the declared encoding no longer applies to decoded text
    try:
        fromstring(body)
        document = gpxpy.parse(body)
    except (DefusedXmlException, ParseError) as exc:
        raise ExtractError(f"GPX is not well-formed or unsafe XML: {str(exc)[:80]}") from exc
    except (gpxpy.gpx.GPXException, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ExtractError(f"GPX cannot be read: {str(exc)[:80]}") from exc
    points = [p for track in document.tracks for segment in track.segments for p in segment.points]
    points += [p for route in document.routes for p in route.points]
    extraction = Extraction(container="gpx")
    zone_less = 0
    for point in points:
        lat, lon = float(point.latitude), float(point.longitude)
        if not valid_position(lat, lon):
            extraction.dropped_fixes += 1
            continue
        t_utc = _utc(point.time)
        zone_less += point.time is not None and t_utc is None
        extraction.track.append(GpsFix(lat=lat, lon=lon, t_utc=t_utc, alt_m=point.elevation, source=SOURCE))
    if zone_less:
        extraction.warnings.append(
            f"{zone_less} GPX points have a time without a zone; their times were ignored"
        )
    timed = [fix.t_utc for fix in extraction.track if fix.t_utc is not None]
    if any(a > b for a, b in pairwise(timed)):
        extraction.warnings.append("GPX points were out of time order and have been sorted")
        far_future = datetime.max.replace(tzinfo=UTC)
        extraction.track.sort(key=lambda fix: fix.t_utc or far_future)
    if extraction.track:
        extraction.location = extraction.track[0]
        first = points[0]
        extraction.tags["gpx.first_in_file"] = f"{first.latitude} {first.longitude} {first.time}"
    extraction.tags["gpx.points"] = str(len(points))
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} GPX points had an invalid position")
    return extraction
