"""Dash-cam timed GPS and identity inside ISO-BMFF files (placeholder until the dash-cam work lands)."""

from __future__ import annotations

from ..model import Extraction
from .boxes import Box, Track
from .reader import Reader


def add_dashcam_data(reader: Reader, top: list[Box], tracks: list[Track], extraction: Extraction) -> None:
    """Add dash-cam GPS, identity and times found in `top`-level boxes and `tracks` to `extraction`."""
