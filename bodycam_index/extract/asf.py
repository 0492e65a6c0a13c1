"""ASF / WMV (older in-car video systems): creation date, duration, make/model and location from the Header Object.

Only the Header Object at the start of the file is read (each child object's 24-byte head, then the bodies of the
few objects that carry metadata); the Data Object's packets are never touched. Layouts from the ASF specification
(revision 01.20.05, §3):

- Header Object (§3.1): GUID, QWORD size, DWORD object count, two reserved bytes (30 bytes), then child objects,
  each a GUID and a QWORD size that includes its 24-byte head.
- File Properties Object (§3.2): File ID GUID, then QWORDs File Size, Creation Date (100-ns units since
  1601-01-01 UTC, so a UTC time by definition), Data Packets Count, Play Duration (100 ns), Send Duration (100 ns),
  Preroll (ms), then DWORD Flags: bit 0 (Broadcast) means the creation date and durations are not valid. The
  presentation times start at the preroll, so the play duration includes it: duration = Play Duration - Preroll
  (as FFmpeg's demuxer and Windows compute it).
- Content Description Object (§3.10): five WORD lengths, then Title, Author, Copyright, Description, Rating as
  UTF-16LE text.
- Extended Content Description Object (§3.11): WORD count, then per descriptor a WORD name length, the UTF-16LE
  name, a WORD value type (0 text, 1 bytes, 2 BOOL, 3 DWORD, 4 QWORD, 5 WORD), a WORD value length and the value.
  FFmpeg's muxer keeps `make`, `model` and `location` there, and its version in `WM/EncodingSettings`.
"""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, datetime, timedelta

from ..coords import parse_iso6709, valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .reader import Reader

HEADER_GUID = uuid.UUID("75B22630-668E-11CF-A6D9-00AA0062CE6C").bytes_le
FILE_PROPERTIES = uuid.UUID("8CABDCA1-A947-11CF-8EE4-00C00C205365").bytes_le
CONTENT_DESCRIPTION = uuid.UUID("75B22633-668E-11CF-A6D9-00AA0062CE6C").bytes_le
EXTENDED_CONTENT = uuid.UUID("D2D0A440-E307-11D2-97F0-00A0C95EA850").bytes_le
#: The most child objects walked in one Header Object (real files have fewer than 20).
MAX_OBJECTS = 1000
#: Largest description object read (they hold short texts; a bigger one is skipped with a warning).
MAX_DESCRIPTION = 256 * 1024
#: The most descriptors read from one Extended Content Description Object.
MAX_DESCRIPTORS = 1000
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
#: 1970-01-01 00:00 UTC as a FILETIME: FFmpeg's muxer writes it when the file has no creation_time (Unix time 0).
UNIX_EPOCH_FILETIME = 116_444_736_000_000_000
_UTC_NOTE = "ASF File Properties Creation Date: 100-ns units since 1601-01-01 UTC (ASF spec §3.2)"
#: Extended content names (lower case) that name the make, the model or the writing software.
_MAKE = ("make", "wm/make", "camera make")
_MODEL = ("model", "wm/model", "camera model")
_SOFTWARE = ("wm/encodingsettings", "wm/toolname", "encoder", "software")


def is_asf(head: bytes) -> bool:
    """Whether the bytes start with an ASF Header Object."""
    return head[:16] == HEADER_GUID


def _text(data: bytes) -> str:
    """UTF-16LE text without its terminating NUL and surrounding blanks."""
    return data[: len(data) & ~1].decode("utf-16-le", "replace").split("\x00", 1)[0].strip()


def extract(reader: Reader) -> Extraction:
    """Creation date (UTC), duration, make/model, location and software of an ASF/WMV file."""
    head = reader.read_upto(0, 30)
    if len(head) < 30 or not is_asf(head):
        raise ExtractError("not an ASF file (no Header Object)")
    size, count = struct.unpack_from("<QI", head, 16)
    out = Extraction(container="asf")
    end = min(size, reader.size)
    if size > reader.size:
        out.warnings.append("ASF Header Object runs past the end of the file; truncated")
    if count > MAX_OBJECTS:
        raise ExtractError(f"ASF Header Object claims {count} objects (more than {MAX_OBJECTS})")
    pos, seen_properties = 30, False
    for _ in range(count):
        if pos + 24 > end:
            break
        guid, obj_size = struct.unpack("<16sQ", reader.read(pos, 24))
        if obj_size < 24 or pos + obj_size > end:
            out.warnings.append(f"ASF object at {pos} has a bad size ({obj_size}); header walk stopped")
            break
        body, body_size = pos + 24, obj_size - 24
        if guid == FILE_PROPERTIES and body_size >= 80:
            _file_properties(reader.read(body, 80), out)
            seen_properties = True
        elif guid in (CONTENT_DESCRIPTION, EXTENDED_CONTENT):
            if body_size > MAX_DESCRIPTION:
                out.warnings.append(f"ASF description object of {body_size} bytes skipped")
            elif guid == CONTENT_DESCRIPTION:
                _content_description(reader.read(body, body_size), out)
            else:
                _extended_content(reader.read(body, body_size), out)
        pos += obj_size
    if not seen_properties:
        out.warnings.append("no ASF File Properties Object; creation date and duration unknown")
    return out


def _file_properties(data: bytes, out: Extraction) -> None:
    """Creation date and duration from the File Properties Object's body (its first 80 bytes)."""
    created, _packets, play, _send, preroll, flags = struct.unpack_from("<QQQQQI", data, 24)
    out.tags["asf.flags"] = str(flags)
    if flags & 1:
        out.warnings.append("ASF broadcast flag set: creation date and duration are not valid")
        return
    if created == UNIX_EPOCH_FILETIME:
        out.warnings.append("ASF creation date is 1970-01-01 00:00 UTC, the value FFmpeg writes when none is set; "
                            "not used")
    elif created:
        try:
            stamp = FILETIME_EPOCH + timedelta(microseconds=created // 10)
        except OverflowError:
            out.warnings.append(f"ASF creation date out of range: {created}")
        else:
            out.tags["asf.creation_date"] = stamp.isoformat()
            out.times.append(TimeCandidate("asf.creation_date", stamp, "utc", _UTC_NOTE))
    out.tags["asf.play_duration"] = f"{play / 1e7:g}"
    out.tags["asf.preroll_ms"] = str(preroll)
    if play:
        out.duration_s = max(play - preroll * 10_000, 0) / 1e7


def _content_description(data: bytes, out: Extraction) -> None:
    """Title and author (kept as tags) from a Content Description Object."""
    if len(data) < 10:
        return
    lengths = struct.unpack_from("<5H", data)
    pos = 10
    for name, length in zip(("title", "author", "copyright", "description", "rating"), lengths, strict=True):
        if pos + length > len(data):
            out.warnings.append("ASF Content Description runs past its object; rest skipped")
            return
        value = _text(data[pos : pos + length])
        if value and name in ("title", "author"):
            out.tags[f"asf.{name}"] = value
        pos += length


def _extended_content(data: bytes, out: Extraction) -> None:
    """Make, model, location and software from an Extended Content Description Object."""
    if len(data) < 2:
        return
    (count,) = struct.unpack_from("<H", data)
    pos, make, model = 2, None, None
    for _ in range(min(count, MAX_DESCRIPTORS)):
        if pos + 2 > len(data):
            break
        (name_len,) = struct.unpack_from("<H", data, pos)
        if pos + 2 + name_len + 4 > len(data):
            break
        name = _text(data[pos + 2 : pos + 2 + name_len]).lower()
        kind, value_len = struct.unpack_from("<HH", data, pos + 2 + name_len)
        start = pos + 6 + name_len
        if start + value_len > len(data):
            out.warnings.append("ASF Extended Content Description runs past its object; rest skipped")
            break
        pos = start + value_len
        if kind != 0:  # only text values carry what we read
            continue
        value = _text(data[start:pos])
        if not value:
            continue
        if name in _MAKE:
            make = value
        elif name in _MODEL:
            model = value
        elif name in _SOFTWARE:
            out.tags[f"asf.{name}"] = value
            out.identity = out.identity.merged(Identity(firmware=value))
        elif name == "location":
            _location(value, out)
        else:
            continue
        out.tags.setdefault(f"asf.{name}", value)
    out.identity = Identity(make=make, model=model).merged(out.identity)


def _location(value: str, out: Extraction) -> None:
    """An ISO 6709 `location` text as the file's position."""
    point = parse_iso6709(value.replace(" ", ""))
    if point is not None and valid_position(point[0], point[1]):
        out.location = GpsFix(point[0], point[1], alt_m=point[2], source="asf.location")
    else:
        out.dropped_fixes += 1
