"""Motorola/WatchGuard Evidence Library export pairs: `<clip>.json` (`DataPoints[].Time`, UTC) and
`<clip>.vtt` (WebVTT cues whose bodies are JSON with `gpsCoordinates` and `officer`).

The i-th DataPoint pairs with the i-th cue: the JSON gives the UTC time, the cue the position and the
time from the start of the clip.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .common import load_json, parse_iso

SOURCE = "watchguard"
MAX_ITEMS = 1_000_000
_TIMING = re.compile(r"(?:(\d+):)?(\d\d):(\d\d)\.(\d{3})\s*-->\s*(?:(\d+):)?(\d\d):(\d\d)\.(\d{3})")
_COORDS = re.compile(r"^\s*([NS])\s*(\d+(?:\.\d+)?)\s+([EW])\s*(\d+(?:\.\d+)?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Cue:
    """One WebVTT cue: start and end in seconds and its body parsed as JSON (None when not JSON)."""

    start_s: float
    end_s: float
    body: dict[str, object] | None


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000.0


def vtt_cues(text: str) -> list[Cue]:
    """The cues of a WebVTT file, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise ExtractError("not a WebVTT file (no WEBVTT header)")
    found: list[Cue] = []
    i = 0
    while i < len(lines):
        timing = _TIMING.search(lines[i]) if "-->" in lines[i] else None
        i += 1
        if timing is None:
            continue
        body: list[str] = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i])
            i += 1
        try:
            parsed = json.loads("\n".join(body))
        except (ValueError, RecursionError):
            parsed = None
        g = timing.groups()
        found.append(Cue(_seconds(*g[:4]), _seconds(*g[4:]), parsed if isinstance(parsed, dict) else None))
        if len(found) > MAX_ITEMS:
            raise ExtractError(f"WebVTT file has more than {MAX_ITEMS} cues")
    return found


def datapoint_times(text: str) -> list[datetime | None]:
    """`DataPoints[].Time` of a WatchGuard JSON file as aware UTC datetimes (None where unreadable)."""
    data = load_json(text, "WatchGuard JSON")
    if not isinstance(data, dict):
        raise ExtractError("WatchGuard JSON is not an object")
    points = next((v for k, v in data.items() if str(k).lower() == "datapoints"), None)
    if not isinstance(points, list):
        raise ExtractError("WatchGuard JSON has no DataPoints list")
    if len(points) > MAX_ITEMS:
        raise ExtractError(f"WatchGuard JSON has more than {MAX_ITEMS} DataPoints")
    times: list[datetime | None] = []
    for point in points:
        value = (
            next((v for k, v in point.items() if str(k).lower() == "time"), None)
            if isinstance(point, dict)
            else None
        )
        parsed = parse_iso(value, assume_utc=True)
        times.append(parsed.astimezone(UTC) if parsed else None)
    return times


def _coordinates(body: dict[str, object] | None) -> tuple[float, float] | None:
    match = _COORDS.match(str((body or {}).get("gpsCoordinates", "")))
    if match is None:
        return None
    lat = float(match.group(2)) * (-1 if match.group(1).upper() == "S" else 1)
    lon = float(match.group(4)) * (-1 if match.group(3).upper() == "W" else 1)
    return (lat, lon) if valid_position(lat, lon) else None


def parse(json_text: str | None, vtt_text: str | None) -> Extraction:
    """Merge a WatchGuard JSON/VTT pair (either may be missing) into one extraction."""
    if json_text is None and vtt_text is None:
        raise ExtractError("neither the WatchGuard .json nor the .vtt is present")
    times = datapoint_times(json_text) if json_text is not None else []
    cues = vtt_cues(vtt_text) if vtt_text is not None else []
    extraction = Extraction(container=SOURCE)
    if times and cues and len(times) != len(cues):
        extraction.warnings.append(f"WatchGuard pair: {len(times)} DataPoints but {len(cues)} VTT cues")
    for i, cue in enumerate(cues):
        position = _coordinates(cue.body)
        if position is None:
            extraction.dropped_fixes += 1
            continue
        t_utc = times[i] if i < len(times) else None
        extraction.track.append(GpsFix(position[0], position[1], t_utc, cue.start_s, source=SOURCE))
    officers = [str(c.body["officer"]).strip() for c in cues if c.body and c.body.get("officer")]
    if officers:
        extraction.identity = Identity(officer=officers[0][:256])
        extraction.tags[f"{SOURCE}.officer"] = officers[0][:256]
        if len(set(officers)) > 1:
            extraction.warnings.append(f"WatchGuard cues name {len(set(officers))} different officers")
    first = next(((t, i) for i, t in enumerate(times) if t is not None), None)
    if first is not None:
        t0, i = first
        offset = cues[i].start_s if i < len(cues) else 0.0
        note = f"DataPoints[{i}].Time {t0.isoformat()}" + (
            f" minus cue start {offset:.3f} s" if offset else ""
        )
        try:
            extraction.times.append(TimeCandidate(f"{SOURCE}.time", t0 - timedelta(seconds=offset), "utc", note))
        except OverflowError:  # a cue time (hours are unbounded digits) beyond what a datetime can hold
            extraction.warnings.append(f"WatchGuard cue at {offset:.0f} s is out of range; DataPoints time ignored")
        extraction.tags[f"{SOURCE}.first_time"] = t0.isoformat()
    if cues:
        extraction.duration_s = max(cue.end_s for cue in cues)
    extraction.location = extraction.track[0] if extraction.track else None
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} WatchGuard cues had no valid gpsCoordinates")
    return extraction
