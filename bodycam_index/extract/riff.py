"""AVI (RIFF): duration from the headers, start time from IDIT/ICRD, software from ISFT, GPS from `gps0` trailers.

Chunks are walked with bounds; `movi` (the media data) is skipped without reading it. Times in AVI are
free-text camera wall-clock times, so every time found here is `local`.
"""

from __future__ import annotations

import re
import struct
from datetime import datetime

from ..model import ExtractError, Extraction, Identity, TimeCandidate
from .mpegts import add_rmc_fixes
from .reader import Reader

#: Text chunks larger than this are not metadata; they are skipped with a warning.
MAX_TEXT = 64 * 1024
#: The most chunks walked in one file (a guard against hostile files made of tiny chunks).
MAX_CHUNKS = 100_000
#: The deepest LIST nesting followed.
MAX_DEPTH = 8
_LISTS = {b"RIFF", b"LIST"}
_DATE_FORMATS = (
    "%a %b %d %H:%M:%S %Y",  # Canon "MON SEP 10 20:52:00 2012"
    "%Y/%m/%d %H:%M:%S",  # Pentax "2009/10/27 12:14:34"
    "%Y:%m:%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
)


#: JUNK chunk signature → (field, offset, length) of its maker strings.
_JUNK_LAYOUTS: tuple[tuple[bytes, tuple[tuple[str, int, int], ...]], ...] = (
    (b"IIII\x01\x00", (("model", 0x0C, 32),)),
    (b"PENTDigital Camera", (("make", 0x12, 24), ("model", 0x2C, 24))),
)


def _cstring(data: bytes) -> str | None:
    """A NUL-terminated Latin-1 string, stripped; None when empty."""
    return data.split(b"\x00", 1)[0].decode("latin-1").strip() or None


def parse_avi_date(text: str) -> datetime | None:
    """A naive datetime from an IDIT/ICRD text in one of the vendor forms, or None."""
    text = " ".join(text.replace("\x00", " ").split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


class _Avi:
    """State of one walk over an AVI file."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.out = Extraction(container="avi")
        self.avih: tuple[int, int] | None = None  # (µs per frame, total frames)
        self.video_strh: tuple[int, int, int] | None = None  # (scale, rate, length)
        self.chunks = 0

    def walk(self, start: int, end: int, path: str) -> None:
        """Visit the chunks in [start, end) of the list at `path` (e.g. `RIFF.AVI .hdrl`)."""
        pos = start
        while pos + 8 <= end:
            self.chunks += 1
            if self.chunks > MAX_CHUNKS:
                raise ExtractError(f"more than {MAX_CHUNKS} RIFF chunks")
            cid, size = struct.unpack("<4sI", self.reader.read(pos, 8))
            body, body_end = pos + 8, pos + 8 + size
            if body_end > end:
                self.out.warnings.append(f"chunk {cid!r} at {pos} runs past its parent; truncated file")
                body_end = end
            if cid in _LISTS and body_end - body >= 4:
                form = self.reader.read(body, 4)
                if path.count(".") >= MAX_DEPTH:
                    self.out.warnings.append(f"LIST nesting deeper than {MAX_DEPTH} at {pos}; skipped")
                elif form != b"movi":
                    self.walk(body + 4, body_end, f"{path}.{form.decode('latin-1').strip()}")
            else:
                self.chunk(cid, body, body_end - body, path)
            pos = body_end + (size & 1)

    def chunk(self, cid: bytes, body: int, size: int, path: str) -> None:
        """Read one leaf chunk if it carries metadata."""
        if cid == b"avih" and size >= 20:
            usec, _, _, _, frames = struct.unpack("<5I", self.reader.read(body, 20))
            self.avih = (usec, frames)
        elif cid == b"strh" and size >= 36:
            kind, _, _, _, _, _, scale, rate, _, length = struct.unpack("<4s4sIHHIIIII", self.reader.read(body, 36))
            if kind == b"vids" and self.video_strh is None:
                self.video_strh = (scale, rate, length)
        elif cid == b"IDIT" or path.endswith(".INFO"):
            self.text(cid, body, size)
        elif cid == b"gps0":
            self.gps(body, size)
        elif cid == b"JUNK" and size >= 0x2C:
            self.junk(body, size)

    def text(self, cid: bytes, body: int, size: int) -> None:
        """A text chunk: IDIT, or a LIST INFO entry (ICRD, ISFT, …)."""
        if size > MAX_TEXT:
            self.out.warnings.append(f"{cid!r} chunk of {size} bytes skipped")
            return
        raw = self.reader.read(body, size).split(b"\x00", 1)[0]
        value = raw.decode("latin-1").strip()
        name = cid.decode("latin-1").strip().lower()
        key = "avi.idit" if cid == b"IDIT" else f"avi.{name}"
        self.out.tags[key] = value
        if cid == b"ISFT" and value:
            self.out.identity = Identity(firmware=value).merged(self.out.identity)
        if cid in (b"IDIT", b"ICRD") and value:
            stamp = parse_avi_date(value)
            if stamp is not None:
                self.out.times.append(TimeCandidate(key, stamp, "local", "AVI text date, camera clock"))
            elif re.fullmatch(r"\d{4}[-:/]\d\d[-:/]\d\d", value):
                self.out.warnings.append(f"{key} holds a date without a time ({value}); not used as a start time")
            else:
                self.out.warnings.append(f"{key} date not understood: {value!r}")

    def junk(self, body: int, size: int) -> None:
        """Maker data some cameras keep in a JUNK chunk (ExifTool RIFF.pm JUNK conditions, Pentax.pm tables):
        Pentax RS1000 (`IIII\\x01\\0`: model at 0x0c, 32 bytes), Pentax RZ18 (`PENTDigital Camera`: make at 0x12 and
        model at 0x2c, 24 bytes each)."""
        data = self.reader.read(body, min(size, 0x44))
        for signature, fields in _JUNK_LAYOUTS:
            if not data.startswith(signature):
                continue
            found = {name: _cstring(data[at : at + length]) for name, at, length in fields}
            for name, value in found.items():
                if value:
                    self.out.tags[f"avi.junk.{name}"] = value
            self.out.identity = self.out.identity.merged(Identity(make=found.get("make"), model=found.get("model")))
            return

    def gps(self, body: int, size: int) -> None:
        """A dash-cam `gps0` chunk: NMEA RMC sentences as text."""
        data = self.reader.read(body, min(size, self.reader.max_read))
        add_rmc_fixes(data, "avi.gps0", self.out)

    def duration(self) -> float | None:
        """Duration from the video stream header, else from the main AVI header."""
        if self.video_strh and self.video_strh[1] and self.video_strh[2]:
            scale, rate, length = self.video_strh
            return length * scale / rate
        if self.avih and self.avih[0] and self.avih[1]:
            return self.avih[0] * self.avih[1] / 1e6
        return None


def extract(reader: Reader) -> Extraction:
    """Duration, start time, software and GPS of an AVI file."""
    head = reader.read_upto(0, 12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] not in (b"AVI ", b"AVIX"):
        raise ExtractError("not an AVI file (no RIFF AVI header)")
    avi = _Avi(reader)
    avi.walk(0, reader.size, "")
    out = avi.out
    out.duration_s = avi.duration()
    if out.duration_s is None:
        out.warnings.append("no frame count or rate in the AVI headers; duration unknown")
    if out.track:
        out.location = out.track[0]
    return out
