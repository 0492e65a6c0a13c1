"""Still identity and position beyond EXIF (XMP serials and positions, the Ricoh maker-note serial), checked
against ExifTool's dumps; the maker-note walk on hostile bytes."""

from __future__ import annotations

import json
import struct

import pytest
from conftest import GROUNDTRUTH, MEDIA
from hypothesis import given, settings
from hypothesis import strategies as st

from bodycam_index.extract import exif
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
