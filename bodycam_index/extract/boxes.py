"""ISO-BMFF box walking and track sample tables, shared by the MP4/MOV parser and the dash-cam parsers.

Walks with bounds: 64-bit sizes, size 0 to the end, boxes that overrun their parent are an error (at the top level
of a truncated file, a data box that runs past the end is cut to what is there, `Box.missing` saying how much is
lost; in `moov`, the boxes before a damaged one are kept, as ExifTool does). Only box headers and the payloads asked for are read, never the media data.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from ..model import ExtractError
from .reader import Reader, be_u32, be_u64

#: Boxes whose payload is a sequence of boxes.
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf", b"gmhd", b"mvex", b"moof",
              b"traf"}
#: Most boxes a single container may hold before the file is taken as hostile.
MAX_CHILDREN = 100_000
#: Most samples a track may declare.
MAX_SAMPLES = 10_000_000


@dataclass(frozen=True)
class Box:
    """One box: its type, where it starts, where its payload starts and where it ends (exclusive)."""

    type: bytes
    start: int
    payload: int
    end: int
    missing: int = 0  # bytes the box claims beyond the end of a truncated file (then `end` is the file's end)

    @property
    def payload_size(self) -> int:
        """Bytes of payload after the header."""
        return self.end - self.payload


def _name(kind: bytes) -> str:
    """A box type for a message: its text when printable, else its hex."""
    return kind.decode("latin-1") if all(32 <= c < 127 for c in kind) else f"0x{kind.hex()}"


def iter_boxes(reader: Reader, start: int, end: int, cut_last: bool = False) -> Iterator[Box]:
    """The boxes between `start` and `end`; a box that overruns `end` raises ExtractError, except, with `cut_last`
    (the top level of a file), a box that is not a container: it is the last, cut at `end`."""
    pos = start
    count = 0
    while pos + 8 <= end:
        header = reader.read(pos, 8)
        size, kind = be_u32(header), header[4:8]
        header_len = 8
        if size == 1:
            if pos + 16 > end:
                raise ExtractError(f"box '{_name(kind)}' at byte {pos}: 64-bit size cut off (truncated file?)")
            size = be_u64(reader.read(pos + 8, 8))
            header_len = 16
        elif size == 0:
            size = end - pos
        if size < header_len:
            raise ExtractError(f"box '{_name(kind)}' at byte {pos}: size {size} is smaller than its header (corrupt)")
        if pos + size > end and cut_last and kind not in CONTAINERS and kind != b"meta":
            yield Box(kind, pos, pos + header_len, end, pos + size - end)
            return
        if pos + size > end:
            raise ExtractError(f"box '{_name(kind)}' at byte {pos} claims {size} bytes but its parent ends at byte "
                               f"{end} (truncated or corrupt file)")
        yield Box(kind, pos, pos + header_len, pos + size)
        pos += size
        count += 1
        if count > MAX_CHILDREN:
            raise ExtractError(f"more than {MAX_CHILDREN} boxes in one container")


def children(reader: Reader, box: Box, skip: int = 0) -> list[Box]:
    """The boxes inside `box`'s payload, after `skip` bytes (4 for FullBox containers)."""
    return list(iter_boxes(reader, box.payload + skip, box.end))


def children_until_damage(reader: Reader, box: Box, warnings: list[str]) -> list[Box]:
    """The boxes inside `box` up to the first damaged one (a warning says which); the damage is an error when no
    box before it could be read."""
    found: list[Box] = []
    try:
        found.extend(iter_boxes(reader, box.payload, box.end))
    except ExtractError as exc:
        if not found:
            raise
        warnings.append(f"{exc}; the rest of '{box.type.decode('latin-1')}' not read")
    return found


def first(boxes: list[Box], kind: bytes) -> Box | None:
    """The first box of a type in a list, or None."""
    return next((b for b in boxes if b.type == kind), None)


def find_path(reader: Reader, boxes: list[Box], *path: bytes) -> Box | None:
    """Follow a path of box types down from a list of boxes (e.g. b"mdia", b"minf", b"stbl")."""
    box: Box | None = None
    for kind in path:
        box = first(boxes, kind)
        if box is None:
            return None
        boxes = children(reader, box) if kind in CONTAINERS else []
    return box


def payload(reader: Reader, box: Box) -> bytes:
    """A box's whole payload (bounded by the reader's read limit)."""
    return reader.read(box.payload, box.payload_size)


@dataclass(frozen=True)
class Sample:
    """One sample of a track: file offset, size, time and duration in seconds from the track start."""

    offset: int
    size: int
    time_s: float
    duration_s: float


@dataclass
class Track:
    """A `trak` box with the facts parsers need: handler, sample entry format, timescale, samples."""

    reader: Reader
    box: Box
    handler: bytes = b""
    handler_name: str = ""
    vendor: bytes = b""
    format: bytes = b""
    timescale: int = 0
    stbl: Box | None = None
    _stbl_children: list[Box] = field(default_factory=list)

    @classmethod
    def parse(cls, reader: Reader, trak: Box) -> Track:
        """Read a track's handler, sample entry format and media timescale."""
        track = cls(reader, trak)
        mdia = find_path(reader, children(reader, trak), b"mdia")
        if mdia is None:
            return track
        mdia_boxes = children(reader, mdia)
        hdlr = first(mdia_boxes, b"hdlr")
        if hdlr is not None and hdlr.payload_size >= 12:
            data = payload(reader, hdlr)
            track.handler = data[8:12]
            track.vendor = data[12:16]
            track.handler_name = data[24:].strip(b"\x00").lstrip(b"\x0b").decode("utf-8", "replace").strip()
        mdhd = first(mdia_boxes, b"mdhd")
        if mdhd is not None and mdhd.payload_size >= 24:
            data = reader.read(mdhd.payload, 24)
            track.timescale = be_u32(data, 20 if data[0] == 1 else 12)
        track.stbl = find_path(reader, mdia_boxes, b"minf", b"stbl")
        if track.stbl is not None:
            track._stbl_children = children(reader, track.stbl)
            stsd = first(track._stbl_children, b"stsd")
            if stsd is not None and stsd.payload_size >= 16:
                track.format = reader.read(stsd.payload + 12, 4)
        return track

    def _table(self, kind: bytes) -> bytes | None:
        box = first(self._stbl_children, kind)
        return payload(self.reader, box) if box is not None else None

    @cached_property
    def samples(self) -> list[Sample]:
        """Every sample's offset, size and time, from stco/co64, stsc, stsz and stts."""
        sizes = _sample_sizes(self._table(b"stsz"), self.reader.size)
        offsets = _chunk_offsets(self._table(b"stco"), self._table(b"co64"))
        per_chunk = _samples_per_chunk(self._table(b"stsc"), len(offsets))
        durations = _sample_durations(self._table(b"stts"), len(sizes))
        scale = self.timescale or 1
        samples: list[Sample] = []
        index, clock = 0, 0
        for chunk_offset, count in zip(offsets, per_chunk):
            pos = chunk_offset
            for _ in range(count):
                if index >= len(sizes):
                    return samples
                duration = durations[index] if index < len(durations) else 0
                samples.append(Sample(pos, sizes[index], clock / scale, duration / scale))
                pos += sizes[index]
                clock += duration
                index += 1
        return samples

    def chunk_spans(self) -> list[tuple[int, int]]:
        """(start, end) of every chunk of media data the track indexes, from stco/co64, stsc and stsz."""
        sizes = _sample_sizes(self._table(b"stsz"), self.reader.size)
        offsets = _chunk_offsets(self._table(b"stco"), self._table(b"co64"))
        ends = list(accumulate(sizes, initial=0))
        spans: list[tuple[int, int]] = []
        index = 0
        for offset, count in zip(offsets, _samples_per_chunk(self._table(b"stsc"), len(offsets))):
            last = min(index + count, len(sizes))
            spans.append((offset, offset + ends[last] - ends[index]))
            index = last
        return spans


def _count(data: bytes, pos: int, entry: int, what: str) -> int:
    n = be_u32(data, pos)
    if n > MAX_SAMPLES or (len(data) - pos - 4) < n * entry:
        raise ExtractError(f"{what}: {n} entries do not fit in {len(data)} bytes")
    return n


def _sample_sizes(data: bytes | None, file_size: int) -> list[int]:
    """Sample sizes; with one size for all, only as many samples as the file can hold (a hostile count costs
    nothing: a few KiB claiming millions of samples took seconds to list)."""
    if data is None or len(data) < 12:
        return []
    uniform = be_u32(data, 4)
    n = be_u32(data, 8)
    if n > MAX_SAMPLES:
        raise ExtractError(f"stsz: {n} samples is more than {MAX_SAMPLES}")
    if uniform:
        return [uniform] * min(n, file_size // uniform)
    n = _count(data, 8, 4, "stsz")
    return list(struct.unpack_from(f">{n}I", data, 12))


def _chunk_offsets(stco: bytes | None, co64: bytes | None) -> list[int]:
    if co64 is not None and len(co64) >= 8:
        n = _count(co64, 4, 8, "co64")
        return list(struct.unpack_from(f">{n}Q", co64, 8))
    if stco is not None and len(stco) >= 8:
        n = _count(stco, 4, 4, "stco")
        return list(struct.unpack_from(f">{n}I", stco, 8))
    return []


def _samples_per_chunk(data: bytes | None, chunks: int) -> list[int]:
    if data is None or len(data) < 8:
        return [1] * chunks
    n = _count(data, 4, 12, "stsc")
    entries = list(struct.iter_unpack(">II4x", data[8:8 + 12 * n]))
    result: list[int] = []
    for i, (first_chunk, per_chunk) in enumerate(entries):
        last = entries[i + 1][0] - 1 if i + 1 < len(entries) else chunks
        result.extend([per_chunk] * max(0, min(last, chunks) - first_chunk + 1))
        if len(result) >= chunks:  # entries out of order must not repeat the whole table
            break
    return result[:chunks]


def _sample_durations(data: bytes | None, limit: int) -> list[int]:
    if data is None or len(data) < 8:
        return []
    n = _count(data, 4, 8, "stts")
    durations: list[int] = []
    for count, delta in struct.iter_unpack(">II", data[8:8 + 8 * n]):
        durations.extend([delta] * min(count, limit - len(durations)))
        if len(durations) >= limit:
            break
    return durations


def language(code: int) -> str:
    """ISO-639-2 code from its packed 3×5-bit form (mdhd, udta strings)."""
    return "".join(chr(((code >> shift) & 0x1F) + 0x60) for shift in (10, 5, 0))

