"""RED R3D clips (REDCODE): camera model, serial, firmware and the recording's wall-clock date and time from the
file's first block, without FFmpeg (which cannot open R3D).

Layout (as ExifTool's Red.pm documents it; all big-endian): the file is a run of blocks, each an int32 size and a
4-byte type; the first block is `RED1` or `RED2`. In a `RED2` block, byte 0x40 counts 0x18-byte `rdi` records from
0x44, and the Red directory follows them; in a `RED1` file it starts 0x22 bytes into the second block. The directory
is an int16 length, then entries of int16 length (the entry's own four bytes included), int16 tag and value; the
tag's top four bits are its format (1: NUL-terminated text). Only the first block (and for `RED1` the start of the
second) is read.
"""

from __future__ import annotations

import struct
from datetime import datetime

from ..model import ExtractError, Extraction, Identity, TimeCandidate
from .reader import Reader

#: Largest first block read (the corpus's is 1,160 bytes; ExifTool warns about directories over 2,048 bytes).
MAX_BLOCK = 64 * 1024
_RED1_DIRECTORY = 0x22
_RDI_RECORD = 0x18
#: Text tags kept (tag → name), from Red.pm's table.
TEXT_TAGS = {0x1000: "start_edge_code", 0x1001: "start_timecode", 0x1005: "datetime_original", 0x1006: "serial",
             0x1019: "camera_type", 0x101A: "reel", 0x101B: "take", 0x1023: "date_created",
             0x1024: "time_created", 0x1025: "firmware", 0x1032: "storage_serial", 0x1056: "original_file_name",
             0x1071: "model", 0x1086: "video_format"}


def is_r3d(head: bytes) -> bool:
    """Whether the bytes start an R3D file (a first block of type RED1 or RED2)."""
    return len(head) >= 8 and head[:2] == b"\0\0" and head[4:8] in (b"RED1", b"RED2")


def directory(block: bytes, start: int) -> dict[int, bytes]:
    """The entries of the Red directory at `start` in `block` (tag → value), each bounded by the directory."""
    if start + 2 > len(block):
        raise ExtractError("R3D header too short for its directory")
    (length,) = struct.unpack_from(">H", block, start)
    end = min(start + 2 + length, len(block))
    entries: dict[int, bytes] = {}
    pos = start + 2
    while pos + 4 <= end:
        size, tag = struct.unpack_from(">HH", block, pos)
        if size < 4 or pos + size > end:
            break
        entries.setdefault(tag, block[pos + 4 : pos + size])
        pos += size
    return entries


def _text(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode("latin-1").strip()


def _wall_clock(digits: str) -> datetime | None:
    """`YYYYMMDDhhmmss` (or longer) as a naive datetime; None when it is not a real date and time."""
    if len(digits) < 14 or not digits[:14].isdigit():
        return None
    try:
        return datetime(*(int(digits[a:b]) for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))))
    except ValueError:
        return None


def extract(reader: Reader) -> Extraction:
    """Identity and wall-clock recording time of an R3D clip."""
    head = reader.read_upto(0, 8)
    if not is_r3d(head):
        raise ExtractError("not an R3D file (no RED1/RED2 block)")
    (size,) = struct.unpack_from(">I", head)
    if size < 8:
        raise ExtractError(f"R3D first block of {size} bytes")
    block = reader.read_upto(0, min(size, MAX_BLOCK))
    if head[4:8] == b"RED2":
        if len(block) <= 0x40:
            raise ExtractError("R3D header too short")
        entries = directory(block, 0x44 + block[0x40] * _RDI_RECORD)
    else:
        entries = directory(reader.read_upto(size, MAX_BLOCK), _RED1_DIRECTORY)
    found = {name: _text(entries[tag]) for tag, name in TEXT_TAGS.items() if tag in entries}
    out = Extraction(container="r3d")
    out.tags.update({f"r3d.{name}": value for name, value in found.items() if value})
    out.identity = Identity(make="RED", model=found.get("model") or None, serial=found.get("serial") or None,
                            firmware=found.get("firmware") or None)
    original = _wall_clock(found.get("datetime_original", ""))
    created = _wall_clock(found.get("date_created", "") + found.get("time_created", ""))
    if original is not None:
        out.times.append(TimeCandidate("r3d.datetime_original", original, "local", "R3D DateTimeOriginal: camera "
                                       "wall clock"))
    elif created is not None:
        out.times.append(TimeCandidate("r3d.date_created", created, "local", "R3D DateCreated + TimeCreated: camera "
                                       "wall clock"))
    else:
        out.warnings.append("R3D header without a recording date and time")
    return out
