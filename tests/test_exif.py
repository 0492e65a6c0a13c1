"""JPEG / EXIF parser: the five camera JPEGs of the corpus and a JPEG with Exif 2.31 offsets built byte by byte."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import GROUNDTRUTH, MEDIA
from fuzz import mutated
from hypothesis import HealthCheck, given, settings

from bodycam_index.extract import exif
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction

ASCII, RATIONAL, BYTE, LONG = 2, 5, 1, 4


def ascii_(tag: int, text: str) -> tuple[int, int, int, bytes]:
    raw = text.encode() + b"\x00"
    return tag, ASCII, len(raw), raw


def rationals(tag: int, *pairs: tuple[int, int]) -> tuple[int, int, int, bytes]:
    return tag, RATIONAL, len(pairs), b"".join(struct.pack("<II", n, d) for n, d in pairs)


def ifd(entries: list[tuple[int, int, int, bytes]], base: int) -> bytes:
    """A little-endian TIFF IFD placed at `base`, its out-of-line values right after it."""
    data_at = base + 2 + 12 * len(entries) + 4
    head, data = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in sorted(entries):
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            head += struct.pack("<HHII", tag, kind, count, data_at + len(data))
            data += value + b"\x00" * (len(value) % 2)
    return head + b"\x00\x00\x00\x00" + data


def synthetic_jpeg(offset: str | None = "-04:00", gps_date: str | None = "2021:06:01") -> bytes:
    """A JPEG whose EXIF has Make/Model/serial, DateTimeOriginal with sub-seconds and offset, and GPS."""
    exif_entries = [ascii_(0x9003, "2021:06:01 10:00:00"), ascii_(0x9291, "25"), ascii_(0xA431, "BWC-0042")]
    if offset:
        exif_entries.append(ascii_(0x9011, offset))
    gps_entries = [
        ascii_(0x0001, "S"), rationals(0x0002, (33, 1), (52, 1), (3075, 100)),
        ascii_(0x0003, "W"), rationals(0x0004, (151, 1), (12, 1), (3600, 100)),
        (0x0005, BYTE, 1, b"\x01"), rationals(0x0006, (25, 2)),
        rationals(0x0007, (14, 1), (0, 1), (3, 1)),
    ]
    if gps_date:
        gps_entries.append(ascii_(0x001D, gps_date))

    def ifd0(exif_at: int, gps_at: int) -> bytes:
        return ifd([ascii_(0x010F, "Acme"), ascii_(0x0110, "BodyCam 3"),
                    (0x8769, LONG, 1, struct.pack("<I", exif_at)), (0x8825, LONG, 1, struct.pack("<I", gps_at))], 8)

    exif_at = 8 + len(ifd0(0, 0))
    exif_ifd = ifd(exif_entries, exif_at)
    gps_at = exif_at + len(exif_ifd)
    tiff = b"II*\x00\x08\x00\x00\x00" + ifd0(exif_at, gps_at) + exif_ifd + ifd(gps_entries, gps_at)
    app1 = b"Exif\x00\x00" + tiff
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"


def run(data: bytes) -> Extraction:
    return exif.extract(Reader.from_bytes(data))


def truth(name: str) -> dict:
    return json.loads((GROUNDTRUTH / (name.replace("/", "__") + ".exiftool.json")).read_text())


def read(name: str) -> Extraction:
    with Reader.open(MEDIA / name) as reader:
        found = exif.extract(reader)
        assert reader.bytes_read <= exif.HEAD
    return found


JPEGS = [
    # name, DateTimeOriginal, (lat, lon, alt), GPS UTC or None, make, model, serial
    ("exif-samples/gps/DSCN0010.jpg", datetime(2008, 10, 22, 16, 28, 39), (43.4674483333333, 11.8851266666639, None),
     datetime(2008, 10, 23, 14, 27, 7, 240000, tzinfo=UTC), "NIKON", "COOLPIX P6000", None),
    ("exif-samples/gps/DSCN0012.jpg", datetime(2008, 10, 22, 16, 29, 49), (43.4671566666639, 11.8853949999972, None),
     datetime(2008, 10, 23, 14, 28, 17, 240000, tzinfo=UTC), "NIKON", "COOLPIX P6000", None),
    ("exiftool/GPS.jpg", datetime(2002, 7, 13, 15, 58, 28), (54.9896666666667, -1.91416666666667, None),
     None, "FUJIFILM", "FinePixS1Pro", None),
    ("exiftool/Apple.jpg", datetime(2016, 9, 28, 18, 18, 5, 813000), (53.3828472222222, -1.45667777777778, 72.37),
     datetime(2016, 9, 28, 17, 17, 58, 650000, tzinfo=UTC), "Apple", "iPhone 7", None),
    ("exiftool/GoPro.jpg", datetime(2017, 10, 3, 10, 58, 29), (40.6584191999722, -73.9933542999722, -3.983),
     datetime(2017, 10, 3, 14, 58, 14, tzinfo=UTC), "GoPro", "HERO6 Black", "C3221324657219"),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "original", "position", "gps_utc", "make", "model", "serial"), JPEGS,
                         ids=[j[0].rsplit("/", 1)[1] for j in JPEGS])
def test_camera_jpeg_matches_ground_truth(name, original, position, gps_utc, make, model, serial) -> None:
    found = read(name)
    facts = truth(name)
    assert found.container == "jpeg"
    local = next(t for t in found.times if t.source == "exif.datetimeoriginal")
    assert local.zone == "local" and local.value == original
    assert local.value.replace(microsecond=0) == datetime.strptime(facts["ExifIFD:DateTimeOriginal"],
                                                                   "%Y:%m:%d %H:%M:%S")
    lat, lon, alt = position
    assert found.location is not None
    assert found.location.lat == pytest.approx(lat, abs=1e-9)
    assert found.location.lon == pytest.approx(lon, abs=1e-9)
    assert found.location.lat == pytest.approx(facts["Composite:GPSLatitude"], abs=1e-9)
    assert found.location.lon == pytest.approx(facts["Composite:GPSLongitude"], abs=1e-9)
    if alt is None:
        assert found.location.alt_m is None or found.location.alt_m == pytest.approx(0)
    else:
        assert found.location.alt_m == pytest.approx(alt, abs=0.005)
        assert found.location.alt_m == pytest.approx(facts["Composite:GPSAltitude"], abs=1e-6)
    assert found.location.t_utc == gps_utc
    gps_times = [t for t in found.times if t.source == "exif.gps"]
    if gps_utc is None:
        assert gps_times == []
        assert any("without GPSDateStamp" in w for w in found.warnings)
        assert found.tags["exif.gpstimestamp"] == "14:58:24.00"
    else:
        assert [(t.value, t.zone) for t in gps_times] == [(gps_utc, "utc")]
    assert (found.identity.make, found.identity.model, found.identity.serial) == (make, model, serial)
    assert found.identity.make == facts["IFD0:Make"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["exif-samples/gps/DSCN0010.jpg", "exif-samples/gps/DSCN0012.jpg"])
def test_nikon_clock_is_22_hours_behind_gps(name: str) -> None:
    found = read(name)
    offset = float(found.tags["exif.clock_offset_s"])
    assert offset == pytest.approx(-(21 * 3600 + 58 * 60 + 28.24), abs=0.01)


@pytest.mark.corpus
def test_apple_and_gopro_clock_offsets_are_their_zones() -> None:
    assert float(read("exiftool/Apple.jpg").tags["exif.clock_offset_s"]) == pytest.approx(3607.163, abs=0.001)
    assert float(read("exiftool/GoPro.jpg").tags["exif.clock_offset_s"]) == pytest.approx(-4 * 3600 + 15)


def test_synthetic_jpeg_with_offset_time_original() -> None:
    found = run(synthetic_jpeg())
    (original,) = [t for t in found.times if t.source == "exif.datetimeoriginal"]
    assert original.zone == "offset"
    assert original.value == datetime(2021, 6, 1, 10, 0, 0, 250000, tzinfo=timezone(timedelta(hours=-4)))
    assert found.tags["exif.offsettimeoriginal"] == "-04:00"
    (gps,) = [t for t in found.times if t.source == "exif.gps"]
    assert gps.value == datetime(2021, 6, 1, 14, 0, 3, tzinfo=UTC)
    assert float(found.tags["exif.clock_offset_s"]) == pytest.approx(-4 * 3600 - 2.75)
    loc = found.location
    assert loc is not None
    assert loc.lat == pytest.approx(-(33 + 52 / 60 + 30.75 / 3600))
    assert loc.lon == pytest.approx(-(151 + 12 / 60 + 36 / 3600))
    assert loc.alt_m == -12.5
    assert (found.identity.make, found.identity.model, found.identity.serial) == ("Acme", "BodyCam 3", "BWC-0042")


def test_synthetic_jpeg_without_offset_is_local_and_without_gps_date_has_no_utc() -> None:
    found = run(synthetic_jpeg(offset=None, gps_date=None))
    assert [(t.source, t.zone) for t in found.times] == [("exif.datetimeoriginal", "local")]
    assert "exif.clock_offset_s" not in found.tags
    assert found.location is not None and found.location.t_utc is None


def test_jpeg_without_exif() -> None:
    found = run(b"\xff\xd8\xff\xdb\x00\x04\x00\x00\xff\xd9")
    assert found.times == [] and found.location is None


def test_not_a_jpeg() -> None:
    with pytest.raises(ExtractError):
        run(b"GIF89a")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(synthetic_jpeg()))
def test_mutated_jpeg_gives_a_result_or_extract_error(data: bytes) -> None:
    try:
        found = run(data)
    except ExtractError:
        return
    assert isinstance(found, Extraction)


_DATE_TEXTS = ["2020:01:02 03:04:05", "2020:1:2 3:4:5", "2020:01:02  03:04:05", "2020:01:02\t03:04:05",
               "0000:00:00 00:00:00", "2020:13:01 00:00:00", "2020:01:02 24:00:00", "2020:01:02 23:60:00",
               "2020:02:30 00:00:00", "2020-01-02 03:04:05", "    :  :     :  :  ", "2020:01:02 03:04",
               "2020:01:02 03:04:05Z"]
_OFFSET_TEXTS = ["+03:00", "-05:30", "+0530", "Z", "-00:00", "+03:00:30", "+24:00", "03:00", "+3:00", "+03:60"]


def _or_error(parse, text):  # type: ignore[no-untyped-def]
    try:
        return parse(text)
    except ValueError:
        return "error"


@pytest.mark.parametrize("text", _DATE_TEXTS)
def test_exif_date_reads_as_strptime_does(text: str) -> None:
    """EXIF dates are read without `_strptime` (5 ms to load), accepting and refusing what strptime does."""
    assert _or_error(exif._exif_datetime, text) == _or_error(lambda t: datetime.strptime(t, "%Y:%m:%d %H:%M:%S"), text)
    day = text[:10]
    assert _or_error(lambda t: exif._exif_datetime(t, exif._DATE_ONLY), day) == _or_error(
        lambda t: datetime.strptime(t, "%Y:%m:%d"), day)
    for offset in _OFFSET_TEXTS:
        assert _or_error(exif._exif_offset, offset) == _or_error(lambda t: datetime.strptime(t, "%z").tzinfo, offset)
