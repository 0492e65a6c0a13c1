"""Helpers shared by the sidecar parsers: bounded text reading, JSON, ISO and epoch times, numbers."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..extract.reader import MAX_WHOLE_FILE, Reader, read_whole
from ..model import ExtractError

#: Largest sidecar file read (a sidecar is text; anything bigger is not one we should load).
MAX_SIDECAR = MAX_WHOLE_FILE


def read_text(path: Path, limit: int = MAX_SIDECAR) -> str:
    """The whole file as text (UTF-8, undecodable bytes replaced); ExtractError when larger than `limit`."""
    try:
        data = read_whole(path, limit)
    except OSError as exc:
        raise ExtractError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return data.decode("utf-8-sig", errors="replace")


def read_head(path: Path, length: int = 65536) -> str:
    """Up to `length` bytes from the start of a file as text ('' when unreadable)."""
    try:
        with Reader.open(path) as reader:
            return reader.read_upto(0, length).decode("utf-8", errors="replace")
    except (OSError, ExtractError):
        return ""


def load_json(text: str, what: str) -> Any:
    """Parsed JSON, or ExtractError naming `what`."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ExtractError(f"{what} is not valid JSON: {str(exc)[:80]}") from exc


def parse_iso(text: object, assume_utc: bool = False) -> datetime | None:
    """An aware datetime from ISO-8601 text (`Z` or an offset); naive values only when `assume_utc`."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC) if assume_utc else None
    return parsed


def from_epoch(text: object) -> datetime | None:
    """UTC datetime from Unix seconds (or milliseconds when the number is that large)."""
    try:
        seconds = float(str(text).strip())
    except ValueError:
        return None
    if seconds > 1e11:
        seconds /= 1000.0
    if not math.isfinite(seconds) or not 0 < seconds < 32503680000:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def to_float(text: object) -> float | None:
    """A finite float from text, or None."""
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
