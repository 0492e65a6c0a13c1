"""An EXIF TIFF block cut down to the tags `exif.py` reads, before exifread sees it.

exifread walks every entry of every IFD it finds and unpacks up to 999 values per entry, one seek and read each,
whatever the bytes hold: an inflated entry or value count in a 16 KiB file costs it tens of milliseconds. Here the
IFDs are walked once, bounded by the block: IFD0 (its chain to the thumbnail IFD cut), the Exif IFD and the GPS IFD,
each entry count clipped to the entries the block holds (at most 256). Every entry but the first of each tag read (make, model,
software, dates and offsets, body serial, GPS position, altitude, status and time) gets field type 0, which exifread
skips, as it does an entry whose value lies outside the block or is longer than any value read (1 KiB of text, 64
bytes else). Nothing else changes, so the tags kept read as before; the cost is bounded by the few entries kept.
"""

from __future__ import annotations

import struct

#: Bytes per value of each TIFF field type (13 is an IFD offset).
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_ASCII = 2
#: Longest value kept: text (make, model, software, dates) up to 1 KiB, anything else up to 64 bytes (three
#: rationals of a GPS position or time take 24).
_MAX_TEXT, _MAX_VALUE = 1024, 64
#: Tags read per IFD, and the IFD0 tags that point to the other two.
_KEEP = {
    "ifd0": {0x010F, 0x0110, 0x0131, 0x0132},
    "exif": {0x9003, 0x9010, 0x9011, 0x9291, 0xA431},
    "gps": {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0009, 0x001D},
}
_POINTERS = {0x8769: "exif", 0x8825: "gps"}
#: Entries read per IFD (a camera's Exif IFD has some 60; the tags read come first, sorted by tag as TIFF requires).
_MAX_ENTRIES = 256


def clip(tiff: bytes) -> bytes:
    """`tiff` (from its `II*\\0` / `MM\\0*` header) with every entry exifread need not read disabled; empty when it is
    no TIFF block or its IFD0 lies outside it (exifread then finds no EXIF)."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 10:
        return b""
    out = bytearray(tiff)
    first = struct.unpack_from(order + "I", out, 4)[0]
    if not 8 <= first <= len(out) - 2:
        return b""
    spans: list[tuple[int, int]] = []
    todo: list[tuple[int, str, int | None]] = [(first, "ifd0", None)]
    while todo:
        at, kind, pointer = todo.pop()
        count = min(struct.unpack_from(order + "H", out, at)[0], (len(out) - at - 2) // 12, _MAX_ENTRIES)
        end = at + 2 + 12 * count + 4
        if pointer is not None and any(at < done_end and done_at < end for done_at, done_end in spans):
            struct.pack_into(order + "H", out, pointer + 2, 0)  # IFDs sharing bytes: the later one is not read
            continue
        spans.append((at, end))
        struct.pack_into(order + "H", out, at, count)
        seen: set[int] = set()
        for entry in range(at + 2, at + 2 + 12 * count, 12):
            tag, field, n = struct.unpack_from(order + "HHI", out, entry)
            target = _pointer(out, order, entry, tag, field, n) if kind == "ifd0" and tag not in seen else None
            if target is not None:
                todo.append((target, _POINTERS[tag], entry))
            elif tag in seen or tag not in _KEEP[kind] or not _fits(out, order, entry, field, n):
                struct.pack_into(order + "H", out, entry + 2, 0)
            seen.add(tag)
        if kind == "ifd0" and end <= len(out):
            struct.pack_into(order + "I", out, end - 4, 0)  # no IFD1 (thumbnail): nothing read there
    return bytes(out)


def _fits(out: bytearray, order: str, entry: int, field: int, n: int) -> bool:
    """Whether an entry's value is no longer than any value read and lies inside the block."""
    size = _TYPE_SIZES.get(field, 0) * n
    if not 0 < size <= (_MAX_TEXT if field == _ASCII else _MAX_VALUE):
        return False
    return size <= 4 or struct.unpack_from(order + "I", out, entry + 8)[0] + size <= len(out)


def _pointer(out: bytearray, order: str, entry: int, tag: int, field: int, n: int) -> int | None:
    """The offset an IFD0 Exif or GPS pointer entry gives, if it is one and inside the block."""
    if tag not in _POINTERS or field not in (4, 13) or n != 1:
        return None
    target = struct.unpack_from(order + "I", out, entry + 8)[0]
    return target if 8 <= target <= len(out) - 2 else None
