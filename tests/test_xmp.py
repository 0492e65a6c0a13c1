"""Camera identity kept only in a JPEG's XMP packet, checked against ExifTool's dumps, and byte-built JPEGs."""

from __future__ import annotations

import json
import struct

import pytest
from conftest import GROUNDTRUTH, MEDIA
from hypothesis import given, settings
from hypothesis import strategies as st

from bodycam_index.extract import exif, xmp
from bodycam_index.extract.reader import Reader


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["metadata-extractor-images/jpg/Nikon D5000.jpg",
                                  "metadata-extractor-images/jpg/Olympus FE230-X790.jpg",
                                  "test-assets/thompson-springs.jpg"])
def test_xmp_serial_matches_exiftool(name: str) -> None:
    oracle = json.loads((GROUNDTRUTH / (name.replace("/", "__") + ".exiftool.json")).read_text())
    oracle = oracle[0] if isinstance(oracle, list) else oracle
    with Reader.open(MEDIA / name) as reader:
        found = exif.extract(reader)
    assert found.identity.serial == str(oracle["XMP-aux:SerialNumber"])
    assert found.identity.make == oracle.get("IFD0:Make")
    assert found.identity.model == oracle.get("IFD0:Model")


def _jpeg(packet: str, app1_exif: bytes = b"") -> bytes:
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode()
    segments = app1_exif + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    return b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + segments + b"\xff\xda\x00\x02"


PACKET = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Make="Acme" tiff:Model="BWC-9"/>
<rdf:Description xmlns:exifEX="http://cipa.jp/exif/1.0/"><exifEX:BodySerialNumber>AB123</exifEX:BodySerialNumber>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def test_synthetic_xmp_identity_as_attributes_and_elements() -> None:
    data = _jpeg(PACKET)
    assert xmp.jpeg_xmp(data) is not None
    found = exif.extract(Reader.from_bytes(data))
    assert (found.identity.make, found.identity.model, found.identity.serial) == ("Acme", "BWC-9", "AB123")
    assert found.tags["xmp.serial"] == "AB123"


def test_synthetic_broken_or_hostile_xmp_gives_nothing() -> None:
    entity = '<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    for packet in ("<x:xmpmeta", entity):
        assert xmp.identity(packet) == xmp.Identity()
    assert xmp.jpeg_xmp(b"\xff\xd8\xff\xe1\x00") is None  # cut off inside a segment header


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["mapillary_tools/adobe_coords.jpg", "metadata-extractor-images/jpg/Nikon D5000.jpg"])
def test_xmp_position_matches_exiftool_where_exif_has_none(name: str) -> None:
    oracle = json.loads((GROUNDTRUTH / (name.replace("/", "__") + ".exiftool.json")).read_text())
    oracle = oracle[0] if isinstance(oracle, list) else oracle
    with Reader.open(MEDIA / name) as reader:
        found = exif.extract(reader)
    assert found.location is not None and found.location.source == "xmp.gps"
    assert found.location.lat == pytest.approx(oracle["XMP-exif:GPSLatitude"], abs=1e-9)
    assert found.location.lon == pytest.approx(oracle["XMP-exif:GPSLongitude"], abs=1e-9)
    assert found.location.alt_m == pytest.approx(oracle["XMP-exif:GPSAltitude"], abs=1e-6)


@pytest.mark.parametrize(("text", "degrees"), [
    ("0,4.21601S", -(4.21601 / 60)), ("34,22.91611E", 34 + 22.91611 / 60), ("48,53,19.5N", 48 + 53 / 60 + 19.5 / 3600),
    ("12.5W", -12.5), ("12,3", None), ("", None), ("a,bN", None), ("1,2,3,4N", None),
])
def test_xmp_coordinate_forms(text: str, degrees: float | None) -> None:
    found = xmp.coordinate(text)
    assert found == (pytest.approx(degrees) if degrees is not None else None)


@pytest.mark.corpus
def test_ricoh_maker_note_serial_matches_exiftool() -> None:
    oracle = json.loads((GROUNDTRUTH / "exiftool__Ricoh2.jpg.exiftool.json").read_text())
    oracle = oracle[0] if isinstance(oracle, list) else oracle
    with Reader.open(MEDIA / "exiftool/Ricoh2.jpg") as reader:
        found = exif.extract(reader)
    assert found.identity.serial == oracle["Ricoh:InternalSerialNumber"]


def test_synthetic_maker_note_walk_is_bounded() -> None:
    from bodycam_index.extract import makernotes

    # IFD0 whose ExifIFD pointer and maker note offset point past the block
    tiff = b"MM\x00*\x00\x00\x00\x08" + b"\x00\x01" + struct.pack(">HHII", 0x8769, 4, 1, 0xFFFFFF) + b"\x00" * 4
    assert makernotes.maker_note(tiff) is None
    assert makernotes.serial(tiff, "RICOH") is None
    assert makernotes.tiff_of_jpeg(b"\xff\xd8\xff\xe1\x00") is None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=64))
def test_maker_note_walk_never_raises(tail: bytes) -> None:
    from bodycam_index.extract import makernotes

    for head in (b"MM\x00*", b"II*\x00"):
        assert makernotes.serial(head + tail, "RICOH") is None or isinstance(makernotes.serial(head + tail, "RICOH"), str)
