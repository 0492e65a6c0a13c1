"""HEIF/HEIC stills: the EXIF item through iinf/iloc, checked against ExifTool's dump of each corpus file, and
byte-built files for the iloc layouts the corpus lacks (ISO/IEC 23008-12 and 14496-12 box layouts)."""

from __future__ import annotations

import json
import struct
from datetime import datetime, timedelta, timezone

import pytest
from conftest import GROUNDTRUTH, MEDIA

from bodycam_index.extract import extract_media, identify
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError

HEIC = ["exif-at-eof.heic", "IMG_2927.HEIC", "Issue 437 (dotnet).heic", "Issue 263 dotnet.heic"]


def _oracle(name: str) -> dict:
    data = json.loads((GROUNDTRUTH / f"metadata-extractor-images__heic__{name}.exiftool.json").read_text())
    return data[0] if isinstance(data, list) else data


@pytest.mark.corpus
@pytest.mark.parametrize("name", HEIC)
def test_heic_matches_exiftool(name: str) -> None:
    oracle = _oracle(name)
    with Reader.open(MEDIA / "metadata-extractor-images" / "heic" / name) as reader:
        found = extract_media(reader)
        assert reader.bytes_read < 64 * 1024  # box headers, iinf, iloc and the EXIF item only
    assert found.container == "heif"
    assert (found.identity.make, found.identity.model) == (oracle["IFD0:Make"], oracle["IFD0:Model"])
    assert found.identity.firmware == str(oracle["IFD0:Software"])
    wall = datetime.strptime(oracle["ExifIFD:DateTimeOriginal"], "%Y:%m:%d %H:%M:%S")
    wall += timedelta(milliseconds=int(oracle["ExifIFD:SubSecTimeOriginal"]))
    (shot,) = [t for t in found.times if t.source == "exif.datetimeoriginal"]
    offset = oracle.get("ExifIFD:OffsetTimeOriginal")
    if offset:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        assert (shot.zone, shot.value) == ("offset", wall.replace(tzinfo=zone))
    else:
        assert (shot.zone, shot.value) == ("local", wall)
    if "Composite:GPSLatitude" in oracle:
        assert found.location is not None
        assert found.location.lat == pytest.approx(oracle["Composite:GPSLatitude"], abs=1e-9)
        assert found.location.lon == pytest.approx(oracle["Composite:GPSLongitude"], abs=1e-9)
        if "Composite:GPSAltitude" in oracle:
            assert found.location.alt_m == pytest.approx(oracle["Composite:GPSAltitude"], abs=1e-6)
    else:
        assert found.location is None


# --- byte-built files ----------------------------------------------------------------------------------------

def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, version: int, body: bytes) -> bytes:
    return _box(kind, bytes([version, 0, 0, 0]) + body)


def _tiff(make: bytes) -> bytes:
    """A little-endian TIFF header with one IFD0 entry: Make (ASCII)."""
    value = make + b"\x00"
    ifd_at, value_at = 8, 8 + 2 + 12 + 4
    return (b"II*\x00" + struct.pack("<I", ifd_at) + struct.pack("<H", 1)
            + struct.pack("<HHII", 0x010F, 2, len(value), value_at) + struct.pack("<I", 0) + value)


def _heif(exif_item: bytes, *, iloc_version: int = 1, method: int = 0, infe_version: int = 2,
          brand: bytes = b"heic") -> bytes:
    """ftyp + meta(hdlr, iinf(infe Exif id 7), iloc, [idat]) + mdat holding the EXIF item (or idat does)."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x00\x00mif1" + brand)
    if infe_version == 2:
        infe = _full(b"infe", 2, struct.pack(">HH4s", 7, 0, b"Exif") + b"\x00")
    else:
        infe = _full(b"infe", 3, struct.pack(">IH4s", 7, 0, b"Exif") + b"\x00")
    iinf = _full(b"iinf", 0, struct.pack(">H", 1) + infe)
    hdlr = _full(b"hdlr", 0, b"\x00" * 4 + b"pict" + b"\x00" * 13)
    idat = _box(b"idat", exif_item) if method == 1 else b""

    def iloc(offset: int) -> bytes:
        body = bytes([0x44, 0x00 if iloc_version == 0 else 0x40])  # offset 4, length 4, base 4 (v1) / 0
        body += struct.pack(">H", 1) + struct.pack(">H", 7)
        if iloc_version == 1:
            body += struct.pack(">H", method)
        body += struct.pack(">H", 0)  # data_reference_index
        if iloc_version == 1:
            body += struct.pack(">I", 0)  # base_offset
        body += struct.pack(">H", 1) + struct.pack(">II", offset, len(exif_item))
        return _full(b"iloc", iloc_version, body)

    meta_len = len(_full(b"meta", 0, hdlr + iinf + iloc(0) + idat))
    offset = 0 if method == 1 else len(ftyp) + meta_len + 8
    meta = _full(b"meta", 0, hdlr + iinf + iloc(offset) + idat)
    mdat = _box(b"mdat", b"" if method == 1 else exif_item)
    return ftyp + meta + mdat


def _extract(data: bytes):
    return extract_media(Reader.from_bytes(data))


@pytest.mark.parametrize(("iloc_version", "method", "infe_version"), [(0, 0, 2), (1, 0, 2), (1, 1, 2), (1, 0, 3)])
def test_synthetic_heif_iloc_layouts(iloc_version: int, method: int, infe_version: int) -> None:
    item = struct.pack(">I", 6) + b"Exif\x00\x00" + _tiff(b"Acme")
    found = _extract(_heif(item, iloc_version=iloc_version, method=method, infe_version=infe_version))
    assert (found.container, found.identity.make) == ("heif", "Acme")


def test_synthetic_heif_identified_by_brand() -> None:
    item = struct.pack(">I", 0) + _tiff(b"Acme")
    data = _heif(item, brand=b"mif1")
    assert identify(data[:1024]) == "heif"
    assert _extract(data).identity.make == "Acme"


def test_synthetic_heif_without_exif_item_is_a_warning() -> None:
    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    meta = _full(b"meta", 0, _full(b"iinf", 0, struct.pack(">H", 0)))
    found = _extract(ftyp + meta)
    assert found.warnings == ["no EXIF item in the HEIF file"]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.replace(struct.pack(">H", 1) + struct.pack(">H", 7), struct.pack(">H", 60000) + struct.pack(">H", 7), 1),
     "iloc"),
    (lambda d: d[: d.index(b"mdat") + 4], "truncated"),
    (lambda d: d.replace(b"\x00\x00\x00\x06Exif", b"\x7f\xff\xff\xffExif", 1), "TIFF header offset"),
])
def test_synthetic_heif_hostile_fields_are_one_line_errors(mutate, message: str) -> None:
    data = mutate(_heif(struct.pack(">I", 6) + b"Exif\x00\x00" + _tiff(b"Acme")))
    with pytest.raises(ExtractError, match=message):
        _extract(data)
