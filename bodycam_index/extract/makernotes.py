"""Camera serial numbers kept only in a maker note, read from the TIFF block of an EXIF segment.

The maker note is EXIF tag 0x927C in the Exif IFD (pointer 0x8769 in IFD0). Decoded here (ExifTool's Ricoh.pm):
Ricoh notes starting `Ricoh` (or `MM\\0*`/`II*\\0`, or blanks) hold an IFD 8 bytes in, in either byte order, whose tag
0x0005 InternalSerialNumber is 16 bytes shown as hex; value offsets count from the TIFF header. Every offset and
count is bounded by the bytes given.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from ..model import Extraction

_MAX_ENTRIES = 512
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}


def tiff_of_jpeg(jpeg: bytes) -> bytes | None:
    """The TIFF block of a JPEG's APP1 `Exif` segment, or None."""
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker, length = jpeg[pos + 1], int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        if marker == 0xDA or length < 2:
            return None
        if marker == 0xE1 and jpeg[pos + 4 : pos + 10] == b"Exif\x00\x00":
            return jpeg[pos + 10 : pos + 2 + length]
        pos += 2 + length
    return None


def _entries(tiff: bytes, at: int, order: str) -> dict[int, tuple[int, int, int]]:
    """Tag → (type, count, value/offset field position) of the IFD at `at`; empty when out of bounds."""
    if at < 0 or at + 2 > len(tiff):
        return {}
    count = struct.unpack_from(order + "H", tiff, at)[0]
    if count > _MAX_ENTRIES or at + 2 + 12 * count > len(tiff):
        return {}
    out = {}
    for i in range(count):
        tag, kind, n = struct.unpack_from(order + "HHI", tiff, at + 2 + 12 * i)
        out[tag] = (kind, n, at + 2 + 12 * i + 8)
    return out


def _value(tiff: bytes, entry: tuple[int, int, int], order: str) -> bytes | None:
    kind, count, field = entry
    size = _TYPE_SIZES.get(kind, 0) * count
    if size <= 4:
        return tiff[field : field + size]
    offset = struct.unpack_from(order + "I", tiff, field)[0]
    return tiff[offset : offset + size] if offset + size <= len(tiff) else None


def ifd0_texts(tiff: bytes, tags: tuple[int, ...]) -> dict[int, str]:
    """The ASCII values of `tags` in a TIFF block's first IFD (Canon CR3 keeps IFD0 in `CMT1` and the Exif IFD in
    `CMT2`, each as its own TIFF block); empty when it is no TIFF block."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return {}
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = _entries(tiff, struct.unpack_from(order + "I", tiff, 4)[0], order)
    out = {}
    for tag in tags:
        entry = ifd0.get(tag)
        value = _value(tiff, entry, order) if entry is not None and entry[0] == 2 else None
        text = value.split(b"\x00")[0].decode("latin-1").strip() if value else ""
        if text:
            out[tag] = text
    return out


def maker_note(tiff: bytes) -> tuple[int, bytes] | None:
    """(offset in the TIFF block, bytes) of the maker note, or None."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = _entries(tiff, struct.unpack_from(order + "I", tiff, 4)[0], order)
    pointer = ifd0.get(0x8769)
    if pointer is None:
        return None
    exif_ifd = _entries(tiff, struct.unpack_from(order + "I", tiff, pointer[2])[0], order)
    note = exif_ifd.get(0x927C)
    if note is None or note[1] > len(tiff):
        return None
    offset = struct.unpack_from(order + "I", tiff, note[2])[0] if note[1] > 4 else note[2]
    data = tiff[offset : offset + note[1]]
    return (offset, data) if len(data) == note[1] else None


def serial(tiff: bytes, make: str | None) -> str | None:
    """The serial number a maker note holds (Ricoh InternalSerialNumber), or None."""
    if not make or not make.upper().startswith("RICOH"):
        return None
    found = maker_note(tiff)
    if found is None:
        return None
    offset, note = found
    if not note.startswith((b"Ricoh", b"RICOH", b"MM\x00*", b"II*\x00", b"      ")):
        return None
    start = offset + 8
    for order in (">", "<"):  # ExifTool: byte order "Unknown", i.e. whichever gives a sane IFD
        entry = _entries(tiff, start, order).get(0x0005)
        if entry is not None and entry[0] == 7 and entry[1] == 16:
            value = _value(tiff, entry, order)
            return value.hex() if value else None
    return None


def add_serial(tiff: bytes | None, out: Extraction) -> None:
    """Fill the extraction's empty serial number from its maker note."""
    if tiff is None or out.identity.serial is not None:
        return
    found = serial(tiff, out.identity.make)
    if found:
        out.identity = replace(out.identity, serial=found)
        out.tags["makernote.serial"] = found
