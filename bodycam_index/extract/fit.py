"""Garmin FIT tracks (VIRB action cameras, dash cams, watches) read with Garmin's own FIT SDK (`garmin-fit-sdk`).

A FIT file is a 12- or 14-byte header (`.FIT` at byte 8), definition and data messages, and a CRC. Positions are
in `record` messages (watches, dash cams) or `gps_metadata` messages (VIRB cameras): latitude and longitude in
semicircles (deg = v · 180 / 2³¹), `timestamp` in seconds since 1989-12-31T00:00:00Z, so every fix time is UTC.
`file_id` names the maker, the product and the serial number. The track starts at its first valid fix and ends at
its last; the file's `time_created` is kept as a second candidate.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..coords import valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .reader import Reader

#: Largest FIT file read (a day of 1 Hz records is a few MB).
MAX_FIT = 64 * 1024 * 1024
_SEMICIRCLE = 180.0 / 2**31
#: Messages that carry positions, in the order they are preferred.
_POSITION_MESSAGES = ("gps_metadata_mesgs", "record_mesgs")


def is_fit(head: bytes) -> bool:
    """Whether the bytes start with a FIT file header."""
    return len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT"


def _utc(value: object) -> datetime | None:
    """A FIT timestamp as the SDK gives it (an aware datetime, or seconds since the FIT epoch) as aware UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return None


def _fix(message: dict, source: str) -> GpsFix | None:
    """One position message as a fix, or None when it has no valid position."""
    lat, lon = message.get("position_lat"), message.get("position_long")
    if not isinstance(lat, int) or not isinstance(lon, int):
        return None
    lat_deg, lon_deg = lat * _SEMICIRCLE, lon * _SEMICIRCLE
    if not valid_position(lat_deg, lon_deg):
        return None
    alt = message.get("enhanced_altitude", message.get("altitude"))
    speed = message.get("enhanced_speed", message.get("speed"))
    when = _utc(message.get("utc_timestamp")) or _utc(message.get("timestamp"))
    if when is not None and isinstance(message.get("timestamp_ms"), int) and message.get("utc_timestamp") is None:
        when = when.replace(microsecond=message["timestamp_ms"] * 1000 % 1_000_000)
    return GpsFix(lat_deg, lon_deg, when, None, float(alt) if isinstance(alt, int | float) else None,
                  float(speed) if isinstance(speed, int | float) else None, None, source)


def extract(reader: Reader) -> Extraction:
    """Track, times and device identity of a FIT file."""
    from garmin_fit_sdk import Decoder, Stream  # imported only when a FIT file is read

    if reader.size > MAX_FIT:
        raise ExtractError(f"FIT file larger than {MAX_FIT} bytes")
    data = reader.read(0, reader.size)
    if not is_fit(data):
        raise ExtractError("not a FIT file (no .FIT header)")
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    try:
        messages, errors = decoder.read(expand_components=True, merge_heart_rates=False)
    except Exception as exc:
        raise ExtractError(f"unreadable FIT file: {exc}") from exc
    out = Extraction(container="fit")
    if errors:
        out.warnings.append(f"FIT: {errors[0]}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
    for name in _POSITION_MESSAGES:
        found = messages.get(name) or []
        source = f"fit.{name.removesuffix('_mesgs')}"
        fixes = [fix for fix in (_fix(m, source) for m in found if isinstance(m, dict)) if fix is not None]
        if fixes:
            out.track = fixes
            out.dropped_fixes = len(found) - len(fixes)
            break
        out.dropped_fixes += len(found)
    if not out.track and errors and not messages.get("file_id_mesgs"):
        raise ExtractError(f"unreadable FIT file: {errors[0]}")
    timed = sorted(f.t_utc for f in out.track if f.t_utc is not None)
    if timed:
        source = out.track[0].source
        out.times.append(TimeCandidate(source, timed[0], "utc", "first FIT fix (FIT timestamps are UTC)"))
        out.duration_s = (timed[-1] - timed[0]).total_seconds()
        out.tags["fit.first_fix"] = timed[0].isoformat()
        out.tags["fit.last_fix"] = timed[-1].isoformat()
    file_id = (messages.get("file_id_mesgs") or [{}])[0]
    created = _utc(file_id.get("time_created"))
    if created is not None:
        out.times.append(TimeCandidate("fit.time_created", created, "utc", "FIT file_id time_created (UTC)"))
        out.tags["fit.time_created"] = created.isoformat()
    make = file_id.get("manufacturer")
    model = file_id.get("garmin_product") or file_id.get("product_name") or file_id.get("product")
    serial = file_id.get("serial_number")
    out.identity = Identity(make=str(make) if make is not None else None,
                            model=str(model) if model is not None else None,
                            serial=str(serial) if serial is not None else None)
    for key, value in (("fit.manufacturer", make), ("fit.product", model), ("fit.serial_number", serial)):
        if value is not None:
            out.tags[key] = str(value)
    return out
