"""The recording stage shared by `scan` and `probe`: one file (with its sidecars and name) → extraction → resolved
record, so `probe` shows exactly what `scan` stores.

A track file indexed on its own (GPX, NMEA, IGC … paired with no recording) starts at its first timed fix and ends
at its last; the file's mtime is a candidate of last resort only, and flagged when chosen.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .bounds import bound_extraction
from .extract import extract_recording
from .filenames import from_filename
from .model import ExtractError, Extraction, Footage, TimeCandidate
from .resolve import resolve
from .sidecars import read_sidecar


@dataclass
class Recording:
    """What one recording yields: the merged extraction, its resolved record and its warnings (de-duplicated)."""

    extraction: Extraction
    footage: Footage
    warnings: list[str] = field(default_factory=list)


def dedupe(warnings: Iterable[str]) -> list[str]:
    """Each distinct warning once, in first-seen order, with `(×N)` when it was given N > 1 times."""
    counts = Counter(warnings)
    return [text if counts[text] == 1 else f"{text} (×{counts[text]})" for text in counts]


def _mtime_candidate(stat: os.stat_result) -> list[TimeCandidate]:
    try:
        when = datetime.fromtimestamp(stat.st_mtime, UTC)
    except (OverflowError, OSError, ValueError):  # an mtime no datetime can hold
        return []
    return [TimeCandidate("fs.mtime", when, "utc", "file modification time: last resort, often the copy time")]


def add_track_span(extraction: Extraction) -> None:
    """A track on its own: start at its first timed fix, duration to its last."""
    times = [fix.t_utc for fix in extraction.track if fix.t_utc is not None]
    if not times:
        return
    first, last = min(times), max(times)
    extraction.times.append(TimeCandidate("track.first_fix", first, "utc",
                                          f"first of {len(times)} timed fixes; last {last.isoformat()}"))
    if extraction.duration_s is None:
        extraction.duration_s = (last - first).total_seconds()


def extract(path: Path, sidecars: Sequence[Path] = (), sidecar_only: bool = False,
            incident_pattern: str | None = None) -> Extraction:
    """The merged extraction of a recording, or of a sidecar/track file indexed on its own."""
    if not sidecar_only:
        return extract_recording(path, sidecars, incident_pattern)
    found = read_sidecar(path)
    if found is None:
        raise ExtractError("not a recognised media or sidecar file")
    found.merge(from_filename(path, incident_pattern))
    add_track_span(found)
    return found


def finish(extraction: Extraction, stat: os.stat_result, tz: str | None = None) -> Recording:
    """Add the mtime of last resort, drop out-of-range values, and resolve."""
    extraction.times.extend(_mtime_candidate(stat))
    bound_extraction(extraction)
    footage = resolve(extraction, tz)
    return Recording(extraction, footage, dedupe([*extraction.warnings, *footage.flags]))


def record(path: Path, sidecars: Sequence[Path] = (), sidecar_only: bool = False, tz: str | None = None,
           incident_pattern: str | None = None) -> Recording:
    """Extract and resolve one recording; ExtractError for a file that cannot be read as what it claims to be."""
    return finish(extract(path, sidecars, sidecar_only, incident_pattern), path.stat(), tz)
