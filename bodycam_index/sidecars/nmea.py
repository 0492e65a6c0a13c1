"""NMEA 0183 logs (`.nmea`, `.log`, `.txt`) and BlackVue `.gps` files (NMEA lines with `[ms]` prefixes).

Sentences are read by `bodycam_index.nmea` (GGA joined to the RMC of the same time, checksum mismatches counted);
this module adds the sidecar's warnings, the GGA-only fallback and the BlackVue first `[ms]` tag.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .. import nmea
from ..model import ExtractError, Extraction

_PREFIX = re.compile(r"^\s*\[(\d{1,16})\]", re.MULTILINE)
_LOOKS_NMEA = re.compile(r"\$[A-Z]{2}(?:RMC|GGA),")


def looks_like_nmea(text: str) -> bool:
    """True when the text holds at least one RMC or GGA sentence."""
    return _LOOKS_NMEA.search(text) is not None


def parse(text: str, blackvue: bool = False) -> Extraction:
    """GPS fixes from the RMC (and GGA) sentences of an NMEA log; `blackvue` names the `.gps` variant."""
    source = "blackvue.gps" if blackvue else "nmea"
    extraction = Extraction(container="blackvue-gps" if blackvue else "nmea")
    found = nmea.parse(text, source)
    extraction.dropped_fixes = found.dropped
    extraction.track = list(found.fixes)
    if not found.fixes and found.gga_only:
        extraction.warnings.append("no RMC sentences: GGA fixes have a time of day but no date")
        extraction.track.extend(found.gga_only)
    if not extraction.track and not found.dropped and not (found.fixes or found.gga):
        raise ExtractError("no readable RMC or GGA sentences")
    extraction.track.sort(key=lambda fix: fix.t_utc or datetime.max.replace(tzinfo=UTC))
    extraction.location = extraction.track[0] if extraction.track else None
    if found.bad_checksums:
        extraction.warnings.append(
            f"{found.bad_checksums} NMEA sentences had a checksum that does not match (kept)"
        )
    if found.unreadable:
        extraction.warnings.append(f"{found.unreadable} NMEA sentences could not be read")
    if found.truncated:
        extraction.warnings.append(f"over {nmea.MAX_SENTENCES} NMEA sentences; the rest were not read")
    if extraction.dropped_fixes:
        extraction.warnings.append(f"{extraction.dropped_fixes} RMC fixes were void (status V) or 0/0")
    first_prefix = _PREFIX.search(text)
    if first_prefix is not None:
        extraction.tags[f"{source}.first_ms"] = first_prefix.group(1)
    return extraction
