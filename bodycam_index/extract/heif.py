"""HEIF / HEIC stills (iPhone and Android default): the EXIF item, found through `meta`'s `iinf` and `iloc`.

ISO/IEC 23008-12: the top-level `meta` FullBox lists items in `iinf` (`infe` v2/v3 entries: item ID and a 4cc
type, `Exif` for EXIF) and where their bytes are in `iloc` (extents in the file, or in `meta`'s own `idat`). An EXIF
item starts with a u32 offset to its TIFF header (usually 6, skipping `Exif\\0\\0`). Only the box headers, `iinf`,
`iloc` and the EXIF item's bytes are read; the image data never is.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import ExtractError, Extraction
from . import exif, makernotes
from .boxes import Box, children, first, iter_boxes, payload
from .reader import Reader, be_u16, be_u32

#: Largest EXIF item read.
MAX_EXIF = 4 * 1024 * 1024
#: Most items one file may list.
MAX_ITEMS = 65_536


@dataclass(frozen=True)
class Extent:
    """Where part of an item's bytes are: `offset` into the file (method 0) or into `idat` (method 1)."""

    offset: int
    length: int


def extract(reader: Reader) -> Extraction:
    """Time, GPS and identity from a HEIF still's EXIF item."""
    top = list(iter_boxes(reader, 0, reader.size))
    meta = first(top, b"meta")
    if meta is None:
        raise ExtractError("HEIF file without a 'meta' box")
    boxes = children(reader, meta, skip=4)
    exif_ids = _exif_items(reader, first(boxes, b"iinf"))
    if not exif_ids:
        out = Extraction(container="heif")
        out.warnings.append("no EXIF item in the HEIF file")
        return out
    locations = _locations(reader, first(boxes, b"iloc"))
    item = exif_ids[0]
    if item not in locations:
        raise ExtractError(f"HEIF EXIF item {item} has no location in 'iloc'")
    method, extents = locations[item]
    data = _item_bytes(reader, method, extents, first(boxes, b"idat"))
    if len(data) < 4:
        raise ExtractError("HEIF EXIF item shorter than its 4-byte header")
    start = 4 + be_u32(data)
    if start >= len(data):
        raise ExtractError(f"HEIF EXIF item: TIFF header offset {start - 4} is past its {len(data)} bytes")
    tiff = data[start:]
    if tiff[:6] == b"Exif\x00\x00":  # some writers count the offset to the `Exif` marker, not past it
        tiff = tiff[6:]
    if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        raise ExtractError("HEIF EXIF item does not hold a TIFF header")
    out = exif.from_exif(tiff, "heif")
    makernotes.add_serial(tiff, out)
    return out


def _exif_items(reader: Reader, iinf: Box | None) -> list[int]:
    """IDs of the `Exif` items listed in `iinf`."""
    if iinf is None:
        return []
    head = reader.read(iinf.payload, min(8, iinf.payload_size))
    if len(head) < 6:
        raise ExtractError("HEIF 'iinf' box too short")
    skip = 4 + (2 if head[0] == 0 else 4)
    found: list[int] = []
    for count, infe in enumerate(iter_boxes(reader, iinf.payload + skip, iinf.end)):
        if count >= MAX_ITEMS:
            raise ExtractError(f"HEIF 'iinf' lists more than {MAX_ITEMS} items")
        if infe.type != b"infe" or infe.payload_size < 12:
            continue
        data = reader.read(infe.payload, 12)
        version = data[0]
        if version == 2 and data[8:12] == b"Exif":
            found.append(be_u16(data, 4))
        elif version >= 3 and infe.payload_size >= 14 and reader.read(infe.payload + 10, 4) == b"Exif":
            found.append(be_u32(data, 4))
    return found


def _uint(data: bytes, pos: int, size: int) -> int:
    """A big-endian unsigned field of 0, 2, 4 or 8 bytes (0 reads as 0), or ExtractError."""
    if size not in (0, 2, 4, 8) or pos + size > len(data):
        raise ExtractError(f"HEIF 'iloc': field of {size} bytes at {pos} is invalid or cut off")
    return int.from_bytes(data[pos : pos + size], "big")


def _locations(reader: Reader, iloc: Box | None) -> dict[int, tuple[int, list[Extent]]]:
    """Item ID → (construction method, extents), from `iloc` versions 0, 1 and 2."""
    if iloc is None:
        raise ExtractError("HEIF file without an 'iloc' box")
    data = payload(reader, iloc)
    if len(data) < 8:
        raise ExtractError("HEIF 'iloc' box too short")
    version = data[0]
    offset_size, length_size = data[4] >> 4, data[4] & 15
    base_size, index_size = data[5] >> 4, (data[5] & 15 if version in (1, 2) else 0)
    if version > 2:
        raise ExtractError(f"HEIF 'iloc' version {version} is not supported")
    pos = 6
    id_size = 4 if version == 2 else 2
    count = _uint(data, pos, id_size)
    pos += id_size
    if count > MAX_ITEMS:
        raise ExtractError(f"HEIF 'iloc' lists {count} items (more than {MAX_ITEMS})")
    out: dict[int, tuple[int, list[Extent]]] = {}
    for _ in range(count):
        item = _uint(data, pos, id_size)
        pos += id_size
        method = 0
        if version in (1, 2):
            method = _uint(data, pos, 2) & 15
            pos += 2
        pos += 2  # data_reference_index
        base = _uint(data, pos, base_size)
        pos += base_size
        if pos + 2 > len(data):
            raise ExtractError("HEIF 'iloc' cut off")
        extents = be_u16(data, pos)
        pos += 2
        if index_size + offset_size + length_size == 0:  # no fields: every extent is the same (base, to the end)
            extents = min(extents, 1)
        parts = []
        for _ in range(extents):
            pos += index_size
            offset = _uint(data, pos, offset_size)
            pos += offset_size
            length = _uint(data, pos, length_size)
            pos += length_size
            parts.append(Extent(base + offset, length))
        out[item] = (method, parts)
    return out


def _item_bytes(reader: Reader, method: int, extents: list[Extent], idat: Box | None) -> bytes:
    """An item's bytes joined from its extents (in the file, or in `idat`), at most `MAX_EXIF`."""
    if method not in (0, 1):
        raise ExtractError(f"HEIF EXIF item uses construction method {method}, which is not supported")
    if method == 1 and idat is None:
        raise ExtractError("HEIF EXIF item stored in 'idat' but the file has none")
    base, end = (idat.payload, idat.end) if method == 1 and idat is not None else (0, reader.size)
    spans = [(base + e.offset, e.length or end - base - e.offset) for e in extents]  # length 0: to the end
    if any(start < base or length < 0 or start + length > end for start, length in spans):
        raise ExtractError("HEIF EXIF extent runs past the end of its data")
    if sum(length for _, length in spans) > MAX_EXIF:
        raise ExtractError(f"HEIF EXIF item larger than {MAX_EXIF} bytes")
    return b"".join(reader.read(start, length) for start, length in spans)
