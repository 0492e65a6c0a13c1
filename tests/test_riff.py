"""AVI (RIFF) parser: real Canon files from the corpus and a synthetic dash-cam AVI built byte by byte."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime

import pytest
from conftest import GROUNDTRUTH, MEDIA
from fuzz import mutated
from hypothesis import HealthCheck, given, settings

from bodycam_index.extract import riff
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction


def chunk(cid: bytes, body: bytes) -> bytes:
    """One RIFF chunk, padded to an even length."""
    return cid + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def riff_list(kind: bytes, form: bytes, *parts: bytes) -> bytes:
    """A RIFF or LIST chunk of `form` holding `parts`."""
    return chunk(kind, form + b"".join(parts))


def sentence(body: str) -> bytes:
    """An NMEA sentence with its checksum."""
    check = 0
    for char in body.encode():
        check ^= char
    return f"${body}*{check:02X}\r\n".encode()


def synthetic_avi(idit: bytes = b"2009/10/27 12:14:34\x00") -> bytes:
    """An AVI as a dash cam writes it: 30 fps × 450 frames, IDIT, `movi`, INFO at the end, a `gps0` trailer."""
    avih = struct.pack("<14I", 33366, 0, 0, 0x10, 400, 0, 1, 0, 640, 480, 0, 0, 0, 0)
    strh = struct.pack("<4s4sIHHIIIIIIIIhhhh", b"vids", b"MJPG", 0, 0, 0, 0, 1001, 30000, 0, 450, 0, 0, 0, 0, 0, 0, 0)
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"avih", avih), riff_list(b"LIST", b"strl", chunk(b"strh", strh)),
                     chunk(b"IDIT", idit))
    movi = riff_list(b"LIST", b"movi", chunk(b"00dc", b"\xff" * 5000))
    info = riff_list(b"LIST", b"INFO", chunk(b"ISFT", b"DashCam FW 1.2\x00"), chunk(b"ICRD", b"2020-08-28\x00"))
    body = riff_list(b"RIFF", b"AVI ", hdrl, movi, info)
    nmea = sentence("GPRMC,121434.00,A,4807.038,N,01131.000,E,022.4,084.4,271009,,,A") + sentence(
        "GPRMC,121435.00,V,4807.038,N,01131.000,E,022.4,084.4,271009,,,A"
    )
    return body + chunk(b"gps0", nmea)


def run(data: bytes) -> Extraction:
    return riff.extract(Reader.from_bytes(data))


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "when", "duration", "software"),
    [
        ("metadata-extractor-images/avi/MVI_4823.AVI", datetime(2012, 9, 10, 20, 52), 2.599974, "CanonMVI06"),
        ("exiftool/RIFF.avi", datetime(2003, 3, 10, 15, 4, 43), 15.533178, "CanonMVI01"),
    ],
)
def test_canon_avi_matches_ground_truth(name: str, when: datetime, duration: float, software: str) -> None:
    with Reader.open(MEDIA / name) as reader:
        found = riff.extract(reader)
        assert reader.bytes_read < 4096  # headers only; `movi` is skipped
    truth = json.loads((GROUNDTRUTH / (name.replace("/", "__") + ".exiftool.json")).read_text())
    assert found.container == "avi"
    assert found.times[0].source == "avi.idit"
    assert found.times[0].zone == "local"
    assert found.times[0].value == when
    assert found.times[0].value == datetime.strptime(truth["RIFF:DateTimeOriginal"], "%Y:%m:%d %H:%M:%S")
    assert found.duration_s == pytest.approx(duration, abs=1e-6)
    assert found.duration_s == pytest.approx(truth["Composite:Duration"], abs=1e-6)
    assert found.tags["avi.isft"] == software == truth["RIFF:Software"]
    assert found.identity.firmware == software


def test_synthetic_dashcam_avi_with_info_at_end_and_gps0_trailer() -> None:
    data = synthetic_avi()
    reader = Reader.from_bytes(data)
    found = riff.extract(reader)
    assert reader.bytes_read < len(data) - 5000  # the movi payload was never read
    assert found.duration_s == pytest.approx(450 * 1001 / 30000)
    assert found.times[0].value == datetime(2009, 10, 27, 12, 14, 34)
    assert found.tags["avi.icrd"] == "2020-08-28"
    assert any("date without a time" in w for w in found.warnings)
    assert len(found.times) == 1  # the date-only ICRD is not a start time
    assert found.identity.firmware == "DashCam FW 1.2"
    assert len(found.track) == 1 and found.dropped_fixes == 1
    fix = found.track[0]
    assert (round(fix.lat, 5), round(fix.lon, 5)) == (48.1173, 11.51667)
    assert fix.t_utc == datetime(2009, 10, 27, 12, 14, 34, tzinfo=UTC)
    assert found.location == fix


def test_synthetic_avi_duration_from_avih_without_video_strh() -> None:
    avih = struct.pack("<14I", 40000, 0, 0, 0, 250, 0, 1, 0, 320, 240, 0, 0, 0, 0)
    data = riff_list(b"RIFF", b"AVI ", riff_list(b"LIST", b"hdrl", chunk(b"avih", avih)))
    found = run(data)
    assert found.duration_s == pytest.approx(10.0)
    assert found.times == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MON SEP 10 20:52:00 2012\n", datetime(2012, 9, 10, 20, 52)),
        ("Mon Mar 10 15:04:43 2003", datetime(2003, 3, 10, 15, 4, 43)),
        ("2009/10/27 12:14:34", datetime(2009, 10, 27, 12, 14, 34)),
        ("2009:10:27 12:14:34", datetime(2009, 10, 27, 12, 14, 34)),
        ("2020-08-28T09:01:02", datetime(2020, 8, 28, 9, 1, 2)),
        ("2020-08-28", None),
        ("garbage", None),
    ],
)
def test_avi_date_forms(text: str, expected: datetime | None) -> None:
    assert riff.parse_avi_date(text) == expected


def test_unreadable_idit_is_a_warning() -> None:
    found = run(synthetic_avi(idit=b"yesterday\x00"))
    assert found.times == []
    assert any("not understood" in w for w in found.warnings)


def test_not_an_avi_is_an_error() -> None:
    with pytest.raises(ExtractError):
        run(b"RIFF\x00\x00\x00\x00WAVEfmt ")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(synthetic_avi()))
def test_mutated_avi_gives_a_result_or_extract_error(data: bytes) -> None:
    try:
        found = run(data)
    except ExtractError:
        return
    assert isinstance(found, Extraction)


def _avi_with_junk(junk: bytes) -> bytes:
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"IDIT", b"2009/10/27 12:14:34\x00"))
    return riff_list(b"RIFF", b"AVI ", hdrl, chunk(b"JUNK", junk), riff_list(b"LIST", b"movi"))


def test_synthetic_pentax_rs1000_junk_gives_the_model() -> None:
    # ExifTool RIFF.pm `PentaxJunk` (JUNK starting IIII\x01\0) → Pentax.pm %Junk: Model at 0x0c, string[32]
    junk = bytearray(0x2C + 20)
    junk[:6] = b"IIII\x01\x00"
    junk[0x0C : 0x0C + 12] = b"Optio RS1000"
    found = run(_avi_with_junk(bytes(junk)))
    assert (found.identity.make, found.identity.model) == (None, "Optio RS1000")
    assert found.tags["avi.junk.model"] == "Optio RS1000"


def test_synthetic_pentax_rz18_junk_gives_make_and_model() -> None:
    # ExifTool `PentaxJunk2` (JUNK starting PENTDigital Camera) → Pentax.pm %Junk2: Make 0x12, Model 0x2c, string[24]
    junk = bytearray(0x140)
    junk[:18] = b"PENTDigital Camera"
    junk[0x12 : 0x12 + 6] = b"PENTAX"
    junk[0x2C : 0x2C + 11] = b"Optio RZ18 "
    found = run(_avi_with_junk(bytes(junk)))
    assert (found.identity.make, found.identity.model) == ("PENTAX", "Optio RZ18")


def test_plain_junk_padding_gives_no_identity() -> None:
    found = run(_avi_with_junk(b"\x00" * 200))
    assert found.identity.make is None and found.identity.model is None
