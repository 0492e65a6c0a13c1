"""DV (DIF): recording date/time from packs 0x62/0x63 and duration from frame count and rate, on clips the ffmpeg CLI
writes (its DV muxer stores creation_time in those packs), checked against ffprobe and ExifTool where installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bodycam_index.extract import extract_media, identify
from bodycam_index.extract.dv import recording_time
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError
from bodycam_index.timesources import lookup

REQUIRED = os.environ.get("BODYCAM_REQUIRE_CORPUS") == "1"
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None and not REQUIRED, reason="needs the ffmpeg CLI")


@pytest.fixture(scope="module", params=[("pal-dv", "720x576", 25), ("ntsc-dv", "720x480", 30000 / 1001)],
                ids=["pal", "ntsc"])
def clip(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target, size, rate = request.param
    path = tmp_path_factory.mktemp("dv") / f"{target}.dv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc=d=0.4:s={size}:r={rate}", "-f", "lavfi",
                    "-i", "sine=d=0.4:r=48000", "-ac", "2", "-metadata", "creation_time=2021-03-04T05:06:07Z",
                    "-target", target, str(path)], check=True, timeout=120)
    return path


@needs_ffmpeg
def test_dv_matches_ffprobe_and_exiftool(clip: Path) -> None:
    with Reader.open(clip) as reader:
        found = extract_media(reader)
        assert reader.bytes_read <= 12_000 + 1024
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_format", "-of", "json", str(clip)],
                                      capture_output=True, check=True, timeout=60).stdout)
    assert found.container == "dv"
    assert found.duration_s == pytest.approx(float(probe["format"]["duration"]), abs=1e-3)
    (when,) = found.times
    # FFmpeg's DV muxer writes the creation_time it was given into packs 0x62/0x63
    assert (when.source, when.zone, when.value) == ("dv.recdatetime", "local", datetime(2021, 3, 4, 5, 6, 7))
    if shutil.which("exiftool"):
        oracle = json.loads(subprocess.run(["exiftool", "-j", "-n", "-DateTimeOriginal", "-Duration", str(clip)],
                                           capture_output=True, check=True, timeout=60).stdout)[0]
        assert when.value == datetime.strptime(oracle["DateTimeOriginal"], "%Y:%m:%d %H:%M:%S")
        assert found.duration_s == pytest.approx(oracle["Duration"], abs=1e-6)


def _synthetic(date: bytes, time: bytes, dsf: int = 1) -> bytes:
    """One DIF sequence start: header block, two subcode blocks, three VAUX blocks (source, date, time packs)."""
    header = b"\x1f\x07\x00" + bytes([0x3F | dsf << 7]) + b"\xff" * 76
    subcode = (b"\x3f\x07\x00" + b"\xff" * 77) * 2
    packs = b"\x60\xff\xff\xe0\xff" + b"\x62" + date + b"\x63" + time + b"\xff" * 5 * 12
    vaux = b"\x56\x07\x00" + packs + b"\xff\xff" + (b"\x56\x07\x01" + b"\xff" * 77) * 2
    return (header + subcode + vaux).ljust(144_000 * 3, b"\x00")


def test_synthetic_dv_packs_give_wall_clock_and_duration() -> None:
    data = _synthetic(b"\xff\xd9\x12\x98", b"\xff\xd9\x85\xe3")  # 1998-12-19 23:05:59, with flag bits set
    assert identify(data[:1024]) == "dv"
    found = extract_media(Reader.from_bytes(data))
    assert found.times[0].value == datetime(1998, 12, 19, 23, 5, 59)
    assert found.duration_s == pytest.approx(3 / 25)  # three PAL frames of 144,000 bytes at 25 fps
    assert found.tags["dv.frames"] == "3"
    assert all(lookup(t.source) is not None for t in found.times)  # declared in timesources.py


def test_synthetic_dv_unset_date_is_a_warning() -> None:
    found = extract_media(Reader.from_bytes(_synthetic(b"\xff\xff\xff\xff", b"\xff\xff\xff\xff")))
    assert found.times == [] and "no DV recording date/time pack" in found.warnings
    assert recording_time([b"\x62\xff\x31\x02\x23", b"\x63\xff\x00\x00\x00"]) == (None, 0xFF)  # 31 February


def test_synthetic_truncated_dv_is_an_extract_error() -> None:
    with pytest.raises(ExtractError, match="shorter"):
        extract_media(Reader.from_bytes(_synthetic(b"\xff\xc4\x03\x21", b"\xff\x87\x86\xc5")[:200]))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_synthetic_mutated_dv_gives_result_or_extract_error(data: st.DataObject) -> None:
    raw = bytearray(_synthetic(b"\xff\xc4\x03\x21", b"\xff\x87\x86\xc5")[:2000])
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        extract_media(Reader.from_bytes(bytes(raw[: data.draw(st.integers(0, len(raw)))])))
    except ExtractError:
        pass
