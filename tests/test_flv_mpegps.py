"""FLV and MPEG program stream parsers: clips the ffmpeg CLI writes, checked against ffprobe (and ExifTool for FLV
metadata), and bytes built here from the specifications (FLV v10.1 Annex E with AMF0; ISO/IEC 13818-1 packs and
PES headers, ISO/IEC 11172-1 for MPEG-1)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import require_ffmpeg
from fuzz import mutated as fuzz_mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bodycam_index.extract import extract_media, flv, identify, mpegps
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction


def _clip(path: Path, *args: str) -> Path:
    require_ffmpeg()
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", *args, str(path)], check=True, capture_output=True,
                   timeout=60)
    return path


def _ffprobe_duration(path: Path) -> float:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                          capture_output=True, check=True, text=True)
    return float(json.loads(done.stdout)["format"]["duration"])


@pytest.mark.parametrize(("name", "rate", "args"), [
    ("mpeg2.mpg", "5", ("-t", "1", "-c:v", "mpeg2video", "-f", "vob")),       # 5 fps through the MPEG-2 extension
    ("mpeg2.vob", "30000/1001", ("-t", "3", "-c:v", "mpeg2video", "-f", "vob")),
    ("mpeg1.mpg", "25", ("-t", "2", "-c:v", "mpeg1video", "-f", "mpeg")),
    ("hour.mpg", "1", ("-t", "3600", "-c:v", "mpeg2video", "-f", "vob")),     # an hour at 1 frame/s, 1.5 MB
])
def test_ffmpeg_program_streams_agree_with_ffprobe(tmp_path: Path, name: str, rate: str, args: tuple[str, ...]) -> None:
    path = _clip(tmp_path / name, "-i", f"testsrc=size=32x32:rate={rate}", *args)
    with Reader.open(path) as reader:
        found = extract_media(reader)
        assert reader.bytes_read <= mpegps.HEAD + mpegps.TAIL + 1024
    assert found.container == "mpeg-ps"
    assert found.duration_s == pytest.approx(_ffprobe_duration(path), abs=1e-3)
    assert found.times == [] and found.warnings == []


def test_ffmpeg_flv_metadata_agrees_with_ffprobe_and_exiftool(tmp_path: Path) -> None:
    path = _clip(tmp_path / "dated.flv", "-i", "testsrc=size=32x32:rate=5", "-t", "2", "-c:v", "flv1",
                 "-metadata", "creation_time=2024-03-01T02:33:26Z", "-metadata", "make=Axon",
                 "-metadata", "model=Body 3", "-metadata", "location=+47.6153-122.3162/")
    with Reader.open(path) as reader:
        found = extract_media(reader)
        assert reader.bytes_read < 2048
    assert found.container == "flv"
    assert found.duration_s == pytest.approx(_ffprobe_duration(path))
    (when,) = found.times
    # FFmpeg wrote it (encoder Lavf…), so its creation_time is UTC, as for FFmpeg's MP4 header times
    assert (when.source, when.zone, when.value) == ("flv.creation_time", "utc", datetime(2024, 3, 1, 2, 33, 26,
                                                                                          tzinfo=UTC))
    assert found.tags["flv.writer_rule"] == "ffmpeg"
    assert found.location is not None and (found.location.lat, found.location.lon) == (47.6153, -122.3162)
    if shutil.which("exiftool"):
        et = json.loads(subprocess.run(["exiftool", "-j", "-n", str(path)], capture_output=True, check=True,
                                       text=True).stdout)[0]
        assert (found.identity.make, found.identity.model) == (et["Make"], et["Model"])
        assert found.duration_s == pytest.approx(et["Duration"])


def test_ffmpeg_flv_without_duration_uses_the_last_tag(tmp_path: Path) -> None:
    path = _clip(tmp_path / "live.flv", "-i", "testsrc=size=32x32:rate=5", "-t", "2", "-c:v", "flv1",
                 "-flvflags", "no_duration_filesize")
    with Reader.open(path) as reader:
        found = flv.extract(reader)
    assert found.tags["flv.duration"] == "last tag timestamp"
    assert found.duration_s == pytest.approx(_ffprobe_duration(path))
    assert found.times == []


# --- synthetic ---------------------------------------------------------------------------------------------------


def _amf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack(">H", len(raw)) + raw


def _flv(script: bytes, tags: list[tuple[int, int, bytes]] = ()) -> bytes:
    out = b"FLV\x01\x01" + struct.pack(">I", 9) + struct.pack(">I", 0)
    for kind, stamp, data in [(18, 0, script), *tags]:
        out += bytes([kind]) + len(data).to_bytes(3, "big") + (stamp & 0xFFFFFF).to_bytes(3, "big")
        out += bytes([stamp >> 24]) + b"\0\0\0" + data + struct.pack(">I", 11 + len(data))
    return out


def test_synthetic_flv_unknown_writer_keeps_wall_clock_flagged() -> None:
    props = (_amf_string("duration") + b"\x00" + struct.pack(">d", 12.5)
             + _amf_string("creation_time") + b"\x02" + _amf_string("2021-07-04 09:15:00")
             + _amf_string("make") + b"\x02" + _amf_string("Coban")
             + _amf_string("keyframes") + b"\x03" + _amf_string("times") + b"\x0a" + struct.pack(">I", 1)
             + b"\x00" + struct.pack(">d", 0.0) + b"\x00\x00\x09" + b"\x00\x00\x09")
    data = _flv(b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", 3) + props)
    assert identify(data[:1024]) == "flv"
    found = flv.extract(Reader.from_bytes(data))
    assert found.duration_s == 12.5 and found.identity.make == "Coban"
    (when,) = found.times
    assert (when.zone, when.value, found.tags["flv.writer_rule"]) == ("local", datetime(2021, 7, 4, 9, 15), "unknown")


def test_synthetic_flv_extended_timestamp_in_the_last_tag() -> None:
    """No onMetaData duration: the last tag's UI24 timestamp with its UI8 extension as the upper bits."""
    data = _flv(b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", 0) + b"\x00\x00\x09",
                [(9, 0, b"\x12" * 10), (9, 20_000_000, b"\x12" * 10)])
    assert flv.extract(Reader.from_bytes(data)).duration_s == pytest.approx(20_000.0)


@pytest.mark.parametrize("script", [
    b"\x02" + _amf_string("onMetaData") + b"\x03" * 5000,                      # objects nested without end
    b"\x02" + _amf_string("onMetaData") + b"\x0a" + struct.pack(">I", 2**31),  # a strict array of 2^31 values
    b"\x02" + _amf_string("onMetaData") + b"\x02\xff\xff",                     # a string longer than the tag
])
def test_synthetic_flv_hostile_metadata_is_a_warning(script: bytes) -> None:
    found = flv.extract(Reader.from_bytes(_flv(script)))
    assert any("onMetaData not read" in w for w in found.warnings)


def test_synthetic_flv_cut_short_has_no_duration() -> None:
    data = _flv(b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", 0) + b"\x00\x00\x09",
                [(9, 4000, b"\x12" * 10)])[:-7]
    found = flv.extract(Reader.from_bytes(data))
    assert found.duration_s is None and any("duration unknown" in w for w in found.warnings)
    with pytest.raises(ExtractError):
        flv.extract(Reader.from_bytes(b"FLV\x01"))


def _pts_bytes(pts: int, prefix: int) -> bytes:
    return bytes([prefix << 4 | ((pts >> 30) & 7) << 1 | 1, (pts >> 22) & 0xFF, ((pts >> 15) & 0x7F) << 1 | 1,
                  (pts >> 7) & 0xFF, (pts & 0x7F) << 1 | 1])


def _pack2() -> bytes:
    return mpegps.PACK + bytes([0x44, 0, 4, 0, 4, 1, 0, 0, 3, 0xF8])  # MPEG-2 pack header, no stuffing


def _pes2(stream: int, pts: int, payload: bytes) -> bytes:
    body = bytes([0x80, 0x80, 5]) + _pts_bytes(pts, 2) + payload
    return b"\x00\x00\x01" + bytes([stream]) + struct.pack(">H", len(body)) + body


def _pes1(stream: int, pts: int, payload: bytes) -> bytes:
    body = b"\xff\xff" + bytes([0x40 | 0x20, 0x00]) + _pts_bytes(pts, 2) + payload  # stuffing, STD buffer, PTS
    return b"\x00\x00\x01" + bytes([stream]) + struct.pack(">H", len(body)) + body


def test_synthetic_mpeg2_program_stream_reads_both_ends_only() -> None:
    filler = b"\x00\x00\x01\xbe" + struct.pack(">H", 2000) + b"\xff" * 2000  # padding stream packets
    middle = (_pack2() + filler) * 1000
    data = (_pack2() + _pes2(0xE0, 90_000, b"\x00" * 50) + _pes2(0xC0, 80_000, b"\x00" * 20) + middle
            + _pack2() + _pes2(0xE0, 90_000 + 42 * 90_000, b"\x00" * 50) + mpegps.PACK[:3] + b"\xb9")
    assert identify(data[:1024]) == "mpeg-ps"
    reader = Reader.from_bytes(data)
    found = mpegps.extract(reader)
    assert found.duration_s == pytest.approx(42.0)  # no sequence header: no frame added
    assert reader.bytes_read <= mpegps.HEAD + mpegps.TAIL + 1024 < len(data)


def test_synthetic_mpeg1_pes_headers_and_a_pts_wrap() -> None:
    pack1 = mpegps.PACK + bytes([0x21, 0, 1, 0, 1, 0x80, 0, 1])  # MPEG-1 pack header ('0010')
    start = (1 << 33) - 90_000  # one second before the 33-bit clock wraps
    data = pack1 + _pes1(0xE0, start, b"\x00" * 10) + pack1 + _pes1(0xE0, 4 * 90_000, b"\x00" * 10)
    assert mpegps.extract(Reader.from_bytes(data)).duration_s == pytest.approx(5.0)


def test_synthetic_program_stream_without_time_stamps_has_no_duration() -> None:
    found = mpegps.extract(Reader.from_bytes(_pack2() + b"\x00\x00\x01\xbe\x00\x04\xff\xff\xff\xff"))
    assert found.duration_s is None and any("duration unknown" in w for w in found.warnings)
    with pytest.raises(ExtractError):
        mpegps.extract(Reader.from_bytes(b"\x00\x00\x01\xb3" + bytes(100)))


# --- mutations: a result or one ExtractError, never another exception ------------------------------------------------

_FLV_SEED = _flv(b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", 2) + _amf_string("duration")
                 + b"\x00" + struct.pack(">d", 3.0) + _amf_string("make") + b"\x02" + _amf_string("Coban")
                 + b"\x00\x00\x09", [(9, 0, b"\x12" * 10), (9, 3000, b"\x12" * 10)])
_PS_SEED = (_pack2() + _pes2(0xE0, 90_000, b"\x00\x00\x01\xb3\x02\x00\x20\x13" + b"\x00" * 8) + _pack2()
            + _pes2(0xE0, 180_000, b"\x00" * 8))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(fuzz_mutated(_FLV_SEED), fuzz_mutated(_PS_SEED)))
def test_mutated_flv_and_program_streams_give_a_result_or_extract_error(data: bytes) -> None:
    for parser in (flv, mpegps):
        try:
            found = parser.extract(Reader.from_bytes(data))
        except ExtractError:
            continue
        assert isinstance(found, Extraction)
