"""FLV (Flash video): duration, creation time, make/model and location from the `onMetaData` script tag.

Only the file header, the first tag and, when the metadata has no duration, the last tag's head are read. Layouts
from Adobe's Video File Format Specification v10.1 (Annex E, and the AMF0 specification for the script data):

- header: `FLV`, version, flags, UI32 header size (9); then UI32 PreviousTagSize0 (0).
- tag: UI8 type (8 audio, 9 video, 18 script data), UI24 data size, UI24 timestamp (ms) + UI8 extension (its upper
  8 bits), UI24 stream id, then the data; each tag is followed by a UI32 PreviousTagSize (11 + data size), so the
  last tag is found from the file's last four bytes.
- script data: an AMF0 string (`onMetaData`) and an AMF0 ECMA array (UI32 count, then UI16-length UTF-8 names and
  typed values, ended by 00 00 09) or object. Value markers: 0 number (big-endian double), 1 boolean, 2 string (UI16
  length), 3 object, 8 ECMA array, 10 strict array (UI32 count), 11 date (double ms since 1970 UTC + SI16 zone),
  12 long string (UI32 length).

FFmpeg's muxer keeps its metadata here as strings (`encoder` Lavf…, `creation_time`, `make`, `model`,
`location`). FLV defines no zone for `creation_time`, so the writer decides as for MP4 header times
(`writers.header_rule`: FFmpeg → UTC, an unknown writer → wall clock, flagged).
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from typing import Any

from ..coords import parse_iso6709, valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from ..writers import WriterFacts, header_rule
from .reader import Reader

#: Largest script tag read (FFmpeg's metadata tag is a few hundred bytes; keyframe indexes can be larger).
MAX_SCRIPT = 1024 * 1024
#: The most properties and nesting levels read from the AMF0 data.
MAX_PROPERTIES = 10_000
MAX_DEPTH = 8


class _Amf:
    """A bounded AMF0 reader over one script tag's bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.count = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("AMF0 value runs past the script tag")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def string(self, long: bool = False) -> str:
        (n,) = struct.unpack(">I" if long else ">H", self.take(4 if long else 2))
        return self.take(n).decode("utf-8", "replace")

    def value(self, depth: int = 0) -> Any:
        """One typed value; nested containers beyond MAX_DEPTH or MAX_PROPERTIES raise ValueError."""
        self.count += 1
        if depth > MAX_DEPTH or self.count > MAX_PROPERTIES:
            raise ValueError("AMF0 data nested too deep or too large")
        marker = self.take(1)[0]
        if marker == 0:
            return struct.unpack(">d", self.take(8))[0]
        if marker == 1:
            return self.take(1) != b"\0"
        if marker in (2, 12):
            return self.string(long=marker == 12)
        if marker in (3, 8):
            if marker == 8:
                self.take(4)  # the count is a hint only; the 00 00 09 end marker is authoritative
            return self.properties(depth)
        if marker == 10:
            (n,) = struct.unpack(">I", self.take(4))
            if n > MAX_PROPERTIES:
                raise ValueError("AMF0 strict array too long")
            return [self.value(depth + 1) for _ in range(n)]
        if marker == 11:
            ms, _zone = struct.unpack(">dh", self.take(10))
            return ms
        if marker in (5, 6):  # null, undefined
            return None
        raise ValueError(f"AMF0 marker {marker} not read")

    def properties(self, depth: int) -> dict[str, Any]:
        found: dict[str, Any] = {}
        while True:
            name = self.string()
            if not name and self.data[self.pos : self.pos + 1] == b"\x09":
                self.pos += 1
                return found
            found[name] = self.value(depth + 1)


def extract(reader: Reader) -> Extraction:
    """Duration, creation time, make/model and location of an FLV file."""
    head = reader.read_upto(0, 13)
    if len(head) < 13 or head[:3] != b"FLV":
        raise ExtractError("not an FLV file (no FLV header)")
    (offset,) = struct.unpack_from(">I", head, 5)
    out = Extraction(container="flv")
    pos = offset + 4
    tag = reader.read_upto(pos, 11)
    meta: dict[str, Any] = {}
    if len(tag) == 11 and tag[0] & 0x1F == 18:
        size = int.from_bytes(tag[1:4], "big")
        if size > MAX_SCRIPT:
            out.warnings.append(f"FLV script tag of {size} bytes skipped")
        else:
            meta = _on_metadata(reader.read_upto(pos + 11, size), out)
    duration = meta.get("duration")
    if isinstance(duration, float) and math.isfinite(duration) and duration > 0:
        out.duration_s = duration
        out.tags["flv.duration"] = "onMetaData"
    else:
        _duration_from_last_tag(reader, pos, out)
    _metadata(meta, out)
    return out


def _on_metadata(data: bytes, out: Extraction) -> dict[str, Any]:
    """The `onMetaData` properties of a script tag, or {} with a warning when they cannot be read."""
    amf = _Amf(data)
    try:
        if amf.value() != "onMetaData":
            return {}
        found = amf.value()
    except (ValueError, struct.error) as exc:
        out.warnings.append(f"FLV onMetaData not read: {exc}")
        return {}
    return found if isinstance(found, dict) else {}


def _duration_from_last_tag(reader: Reader, first: int, out: Extraction) -> None:
    """Duration as the last tag's timestamp (the first tag's is 0), found through the last PreviousTagSize."""
    if reader.size < first + 15:
        out.warnings.append("FLV without tags; duration unknown")
        return
    (previous,) = struct.unpack(">I", reader.read(reader.size - 4, 4))
    start = reader.size - 4 - previous
    tag = reader.read_upto(start, 11) if first <= start <= reader.size - 15 else b""
    if len(tag) < 11 or tag[0] & 0x1F not in (8, 9, 18) or int.from_bytes(tag[1:4], "big") + 11 != previous:
        out.warnings.append("FLV has no duration in onMetaData and its last tag cannot be found; duration unknown")
        return
    out.duration_s = (int.from_bytes(tag[4:7], "big") | tag[7] << 24) / 1000
    out.tags["flv.duration"] = "last tag timestamp"


def _metadata(meta: dict[str, Any], out: Extraction) -> None:
    """Make, model, location, software and creation time from the metadata's string properties."""
    text = {k.lower(): v.strip() for k, v in meta.items() if isinstance(v, str) and v.strip()}
    for key in ("encoder", "metadatacreator", "creator", "make", "model", "location", "creation_time"):
        if key in text:
            out.tags[f"flv.{key}"] = text[key]
    software = text.get("encoder") or text.get("metadatacreator")
    out.identity = Identity(make=text.get("make"), model=text.get("model"), firmware=software)
    if "location" in text:
        point = parse_iso6709(text["location"].replace(" ", ""))
        if point is not None and valid_position(point[0], point[1]):
            out.location = GpsFix(point[0], point[1], alt_m=point[2], source="flv.location")
        else:
            out.dropped_fixes += 1
    if "creation_time" in text:
        rule = header_rule(WriterFacts(encoders=tuple(v.lower() for v in (software,) if v),
                                       make=text.get("make", "").lower()))
        out.tags["flv.writer_rule"] = rule.name
        try:
            stamp = datetime.fromisoformat(text["creation_time"])
        except ValueError:
            out.warnings.append(f"FLV creation_time not understood: {text['creation_time']!r}")
            return
        if rule.semantics == "utc":
            stamp = stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        else:
            stamp = stamp.replace(tzinfo=None)
        out.times.append(TimeCandidate("flv.creation_time", stamp, rule.semantics, rule.note))
