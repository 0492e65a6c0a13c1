"""Sony DSC-F1 PMP stills: the camera's make and model and the shot's wall-clock time from the 124-byte header
in front of the JPEG, without FFmpeg.

Layout (ExifTool's Sony.pm, "PMP" table; big-endian): int32 at 8 is the JPEG's offset (always 124, where the JPEG's
SOI and DQT markers follow), int16 width and height at 22 and 24, and at 76 six bytes year (+1900, or +2000 below 70),
month, day, hour, minute, second: DateTimeOriginal, the camera's wall clock. Only the header is read.
"""

from __future__ import annotations

from datetime import datetime

from ..model import ExtractError, Extraction, Identity, TimeCandidate
from .reader import Reader

HEADER = 124
_JPEG_AT = b"\0\0\0\x7c"
_JPEG_START = b"\xff\xd8\xff\xdb"


def is_pmp(head: bytes) -> bool:
    """Whether the bytes are a PMP header: the JPEG offset 124 at byte 8 and the JPEG's SOI + DQT at 124."""
    return len(head) >= HEADER + 4 and head[8:12] == _JPEG_AT and head[HEADER : HEADER + 4] == _JPEG_START


def shot_time(header: bytes) -> datetime | None:
    """DateTimeOriginal at offset 76 as a naive wall-clock datetime; None when the bytes are not a date."""
    year, month, day, hour, minute, second = header[76:82]
    try:
        return datetime(year + (2000 if year < 70 else 1900), month, day, hour, minute, second)
    except ValueError:
        return None


def extract(reader: Reader) -> Extraction:
    """Make, model and shot time of a PMP still."""
    header = reader.read_upto(0, HEADER + 4)
    if not is_pmp(header):
        raise ExtractError("not a Sony PMP file (no 124-byte header before a JPEG)")
    out = Extraction(container="pmp", identity=Identity(make="Sony", model="DSC-F1"))
    out.tags["pmp.image_size"] = f"{int.from_bytes(header[22:24], 'big')}x{int.from_bytes(header[24:26], 'big')}"
    when = shot_time(header)
    if when is None:
        out.warnings.append("PMP header without a valid DateTimeOriginal")
    else:
        out.times.append(TimeCandidate("pmp.datetimeoriginal", when, "local", "Sony PMP DateTimeOriginal: camera "
                                       "wall clock"))
    return out
