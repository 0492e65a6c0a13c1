"""Matroska / WebM: `Info` (DateUTC, Duration, apps) and `Tags` (DATE_RECORDED, LOCATION), never Clusters.

The Segment's children are walked up to the first Cluster; `Info` and `Tags` elements that lie beyond it are
reached through the SeekHead's positions, so the media data is never read.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from ..coords import parse_iso6709, valid_position
from ..isotime import parse_date
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .reader import Reader

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SEGMENT, SEEKHEAD, INFO, TAGS, CLUSTER = 0x18538067, 0x114D9B74, 0x1549A966, 0x1254C367, 0x1F43B675
#: Largest Info / Tags / SeekHead element read into memory.
MAX_META = 16 * 1024 * 1024
#: Most Segment children walked before giving up (hostile files of tiny elements).
MAX_CHILDREN = 10_000
EPOCH_2001 = datetime(2001, 1, 1, tzinfo=UTC)
_TEXT = {0x4D80: "mkv.muxingapp", 0x5741: "mkv.writingapp", 0x7BA9: "mkv.title"}


def read_vint(data: bytes, pos: int, keep_marker: bool = False) -> tuple[int | None, int]:
    """(value, length) of the EBML variable-length integer at `pos`; value None for "unknown size"."""
    if pos >= len(data) or data[pos] == 0:
        raise ExtractError(f"bad EBML length at byte {pos}")
    length = 9 - data[pos].bit_length()
    if pos + length > len(data):
        raise ExtractError(f"EBML number at byte {pos} runs past its data")
    raw = int.from_bytes(data[pos : pos + length], "big")
    if keep_marker:
        return raw, length
    value = raw & ((1 << (7 * length)) - 1)
    return (None if value == (1 << (7 * length)) - 1 else value), length


def _header(data: bytes, pos: int = 0) -> tuple[int, int | None, int]:
    """(element id, size or None when unknown, header length) of the element at `pos` in `data`."""
    eid, id_len = read_vint(data, pos, keep_marker=True)
    if id_len > 4:
        raise ExtractError(f"EBML id longer than 4 bytes at byte {pos}")
    size, size_len = read_vint(data, pos + id_len)
    return eid, size, id_len + size_len  # type: ignore[return-value]


def children(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(id, payload) of each element in an in-memory master element; an unknown size takes the rest."""
    pos = 0
    while pos < len(data):
        eid, size, head = _header(data, pos)
        end = len(data) if size is None else pos + head + size
        if end > len(data):
            raise ExtractError(f"EBML element {eid:#x} runs past its parent")
        yield eid, data[pos + head : end]
        pos = end


def _uint(data: bytes) -> int:
    return int.from_bytes(data[:8], "big")


def _float(data: bytes) -> float | None:
    if len(data) == 4:
        return struct.unpack(">f", data)[0]
    if len(data) == 8:
        return struct.unpack(">d", data)[0]
    return None


def _text(data: bytes) -> str:
    return data.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()


class _Mkv:
    """State of one walk over a Matroska file."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.out = Extraction(container="matroska")
        self.scale = 1_000_000
        self.duration: float | None = None
        self.done: set[int] = set()

    def element(self, pos: int) -> tuple[int, int | None, int]:
        """(id, size, header length) of the element at file offset `pos`."""
        return _header(self.reader.read_upto(pos, 12))

    def payload(self, pos: int, head: int, size: int | None, limit: int) -> bytes | None:
        """The bytes of a metadata element, or None (with a warning) when it is too large."""
        size = limit - pos - head if size is None else size
        if pos + head + size > limit:
            self.out.warnings.append(f"metadata element at {pos} runs past its Segment; skipped")
            return None
        if size > MAX_META:
            self.out.warnings.append(f"metadata element of {size} bytes at {pos} skipped")
            return None
        return self.reader.read(pos + head, size)

    def segment(self, start: int, end: int) -> None:
        """Walk the Segment's children up to the first Cluster, then follow the SeekHead."""
        seeks: dict[int, int] = {}
        pos = start
        for _ in range(MAX_CHILDREN):
            if pos >= end:
                break
            eid, size, head = self.element(pos)
            if eid == CLUSTER:
                break
            if eid in (INFO, TAGS, SEEKHEAD):
                data = self.payload(pos, head, size, end)
                if data is not None and eid == SEEKHEAD:
                    seeks.update(self.seekhead(data))
                elif data is not None:
                    self.master(eid, pos, data)
            if size is None:
                break
            pos += head + size
        for eid, rel in seeks.items():
            at = start + rel
            if eid in (INFO, TAGS) and at not in self.done and at < end:
                found, size, head = self.element(at)
                data = self.payload(at, head, size, end) if found == eid else None
                if data is not None:
                    self.master(eid, at, data)

    def seekhead(self, data: bytes) -> dict[int, int]:
        """Element id → position relative to the Segment's data, from a SeekHead."""
        seeks = {}
        for eid, seek in children(data):
            if eid == 0x4DBB:
                entry = dict(children(seek))
                if 0x53AB in entry and 0x53AC in entry:
                    seeks.setdefault(_uint(entry[0x53AB]), _uint(entry[0x53AC]))
        return seeks

    def master(self, eid: int, pos: int, data: bytes) -> None:
        """Parse an Info or Tags element once."""
        self.done.add(pos)
        if eid == INFO:
            self.info(data)
        else:
            for tag_id, tag in children(data):
                if tag_id == 0x7373:
                    for sub_id, simple in children(tag):
                        if sub_id == 0x67C8:
                            self.simple_tag(simple, 0)

    def info(self, data: bytes) -> None:
        """Segment Info: TimecodeScale, Duration, DateUTC, MuxingApp, WritingApp, Title."""
        for eid, value in children(data):
            if eid == 0x2AD7B1 and value:
                self.scale = _uint(value) or self.scale
            elif eid == 0x4489:
                self.duration = _float(value)
            elif eid == 0x4461 and len(value) == 8:
                self.date_utc(struct.unpack(">q", value)[0])
            elif eid in _TEXT:
                self.out.tags[_TEXT[eid]] = _text(value)

    def date_utc(self, ns: int) -> None:
        """Info/DateUTC: nanoseconds since 2001-01-01T00:00:00Z."""
        self.out.tags["mkv.dateutc"] = str(ns)
        try:
            stamp = EPOCH_2001 + timedelta(microseconds=ns // 1000)
        except OverflowError:
            self.out.warnings.append(f"DateUTC out of range: {ns}")
            return
        self.out.times.append(TimeCandidate("mkv.dateutc", stamp, "utc", "Matroska Info/DateUTC"))

    def simple_tag(self, data: bytes, depth: int) -> None:
        """One SimpleTag (TagName, TagString, nested SimpleTags)."""
        name, value = "", None
        for eid, payload in children(data):
            if eid == 0x45A3:
                name = _text(payload).upper()
            elif eid == 0x4487:
                value = _text(payload)
            elif eid == 0x67C8 and depth < 4:
                self.simple_tag(payload, depth + 1)
        if not name or value is None:
            return
        key = f"mkv.tag.{name.lower()}"
        self.out.tags.setdefault(key, value)
        if name == "DATE_RECORDED":
            self.date_recorded(key, value)
        elif name in ("MAKE", "MODEL") and value.strip():  # FFmpeg's muxer writes its make/model metadata so
            found = Identity(make=value.strip()) if name == "MAKE" else Identity(model=value.strip())
            self.out.identity = self.out.identity.merged(found)
        elif name in ("LOCATION", "RECORDING_LOCATION") and self.out.location is None:
            point = parse_iso6709(value.replace(" ", ""))
            if point is not None and valid_position(point[0], point[1]):
                self.out.location = GpsFix(point[0], point[1], alt_m=point[2], source=key)
            elif value.lstrip().startswith(("+", "-")):
                self.out.dropped_fixes += 1

    def date_recorded(self, key: str, value: str) -> None:
        """A DATE_RECORDED tag: ISO 8601, with or without a zone, sometimes a date only."""
        if len(value.strip()) <= 10 and value.strip()[:4].isdigit():
            self.out.warnings.append(f"{key} holds a date without a time ({value}); not used as a start time")
            return
        parsed = parse_date(value)
        if parsed is None:
            self.out.warnings.append(f"{key} not understood: {value!r}")
            return
        stamp, zone = parsed
        self.out.times.append(TimeCandidate(key, stamp, zone, "Matroska tag DATE_RECORDED"))


def extract(reader: Reader) -> Extraction:
    """Start time, duration, apps, tags and location of a Matroska / WebM file."""
    if reader.read_upto(0, 4) != EBML_MAGIC:
        raise ExtractError("not a Matroska file (no EBML header)")
    mkv = _Mkv(reader)
    _eid, size, head = mkv.element(0)
    if size is None or size > MAX_META:
        raise ExtractError("EBML header has no usable size")
    for sub, value in children(reader.read(head, size)):
        if sub == 0x4282:
            mkv.out.tags["mkv.doctype"] = _text(value)
    pos = head + size
    seg, seg_size, seg_head = mkv.element(pos)
    if seg != SEGMENT:
        raise ExtractError(f"no Segment after the EBML header (found {seg:#x})")
    start = pos + seg_head
    end = reader.size if seg_size is None else min(reader.size, start + seg_size)
    if seg_size is not None and start + seg_size > reader.size:
        mkv.out.warnings.append("Segment runs past the end of the file; truncated")
    mkv.segment(start, end)
    if mkv.duration is not None and math.isfinite(mkv.duration) and mkv.duration >= 0:
        mkv.out.duration_s = mkv.duration * mkv.scale / 1e9
    else:
        mkv.out.warnings.append("no Info/Duration; duration unknown")
    return mkv.out
