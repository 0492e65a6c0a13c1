"""ASF/WMV header parser: clips the ffmpeg CLI writes, checked against ffprobe and ExifTool, and headers built here
from the ASF specification (§3.1 Header Object, §3.2 File Properties, §3.11 Extended Content Description)."""

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

from bodycam_index.extract import extract_media, identify
from bodycam_index.extract.asf import EXTENDED_CONTENT, FILE_PROPERTIES, HEADER_GUID, extract
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction


def _clip(folder: Path, name: str, *meta: str) -> Path:
    require_ffmpeg()
    path = folder / name
    argv = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-t", "2", "-c:v", "wmv2"]
    for item in meta:
        argv += ["-metadata", item]
    subprocess.run([*argv, str(path)], check=True, capture_output=True, timeout=60)
    return path


def test_ffmpeg_wmv_agrees_with_ffprobe_and_exiftool(tmp_path: Path) -> None:
    path = _clip(tmp_path, "dated.wmv", "creation_time=2024-03-01T02:33:26Z", "make=Axon", "model=Body 3",
                 "location=+47.6153-122.3162/")
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)],
                                      capture_output=True, check=True, text=True).stdout)["format"]
    with Reader.open(path) as reader:
        found = extract_media(reader)
        assert reader.bytes_read < 4096  # the header alone
    assert found.container == "asf"
    assert found.duration_s == pytest.approx(float(probe["duration"]), abs=1e-6)
    assert (found.identity.make, found.identity.model) == (probe["tags"]["make"], probe["tags"]["model"])
    assert found.location is not None and (found.location.lat, found.location.lon) == (47.6153, -122.3162)
    (when,) = found.times
    assert (when.source, when.zone, when.value) == ("asf.creation_date", "utc", datetime(2024, 3, 1, 2, 33, 26,
                                                                                          tzinfo=UTC))
    if shutil.which("exiftool"):
        et = json.loads(subprocess.run(["exiftool", "-j", "-n", str(path)], capture_output=True, check=True,
                                       text=True).stdout)[0]
        assert et["CreationDate"] == "2024:03:01 02:33:26Z"
        # ExifTool prints the Play Duration, which includes the preroll (spec §3.2); FFmpeg and we subtract it
        assert et["Duration"] == pytest.approx(found.duration_s + et["Preroll"] / 1000, abs=1e-6)


def test_ffmpeg_wmv_without_creation_time_has_no_start(tmp_path: Path) -> None:
    """FFmpeg writes Unix time 0 (1970-01-01) as the FILETIME when no creation_time is set: not a start."""
    with Reader.open(_clip(tmp_path, "plain.wmv")) as reader:
        found = extract(reader)
    assert found.times == []
    assert any("1970-01-01" in w for w in found.warnings)
    assert found.duration_s == pytest.approx(2.0)


def _object(guid: bytes, body: bytes) -> bytes:
    return guid + struct.pack("<Q", 24 + len(body)) + body


def _properties(created: int, play: int, preroll: int, flags: int) -> bytes:
    body = bytes(16) + struct.pack("<QQQQQQIIII", 0, created, 1, play, play, preroll, flags, 3200, 3200, 100000)
    return _object(FILE_PROPERTIES, body)


def _descriptor(name: str, value: str) -> bytes:
    raw_name, raw_value = (name + "\0").encode("utf-16-le"), (value + "\0").encode("utf-16-le")
    return struct.pack("<H", len(raw_name)) + raw_name + struct.pack("<HH", 0, len(raw_value)) + raw_value


def _header(*objects: bytes, count: int | None = None, size: int | None = None) -> bytes:
    body = b"".join(objects)
    total = 30 + len(body) if size is None else size
    return HEADER_GUID + struct.pack("<QIBB", total, len(objects) if count is None else count, 1, 2) + body


# 2020-06-15 12:00:00 UTC as a FILETIME: (Unix seconds + 11644473600) × 10^7
_FILETIME_2020 = (1592222400 + 11644473600) * 10**7


def test_synthetic_asf_header_from_the_spec() -> None:
    extended = _object(EXTENDED_CONTENT, struct.pack("<H", 3) + _descriptor("WM/EncodingSettings", "CarCam 2.1")
                       + _descriptor("make", "WatchGuard") + _descriptor("model", "4RE"))
    data = _header(_properties(_FILETIME_2020, 95_000_000 + 31_000_000, 3100, 2), extended)
    assert identify(data[:1024]) == "asf"
    found = extract(Reader.from_bytes(data + bytes(100)))
    (when,) = found.times
    assert when.value == datetime(2020, 6, 15, 12, tzinfo=UTC) and when.zone == "utc"
    assert found.duration_s == pytest.approx(9.5)
    assert (found.identity.make, found.identity.model, found.identity.firmware) == ("WatchGuard", "4RE", "CarCam 2.1")


def test_synthetic_asf_broadcast_flag_means_no_date_or_duration() -> None:
    found = extract(Reader.from_bytes(_header(_properties(_FILETIME_2020, 10**8, 0, 1))))
    assert (found.times, found.duration_s) == ([], None)
    assert any("broadcast" in w for w in found.warnings)


@pytest.mark.parametrize("data", [
    _header(_properties(_FILETIME_2020, 10**8, 0, 2), count=10**6),                  # hostile object count
    HEADER_GUID + b"\x00" * 5,                                                        # cut inside the header
])
def test_synthetic_asf_hostile_counts_and_cuts_raise_one_error(data: bytes) -> None:
    with pytest.raises(ExtractError):
        extract(Reader.from_bytes(data))


def test_synthetic_asf_bad_object_size_stops_the_walk_with_a_warning() -> None:
    bad = FILE_PROPERTIES + struct.pack("<Q", 2**62)
    found = extract(Reader.from_bytes(_header(bad, size=10**12)))
    assert found.duration_s is None
    assert any("bad size" in w for w in found.warnings) and any("truncated" in w for w in found.warnings)
    cut = _object(EXTENDED_CONTENT, struct.pack("<H", 5) + _descriptor("make", "X")[:-3])
    found = extract(Reader.from_bytes(_header(_properties(_FILETIME_2020, 10**8, 0, 2), cut)))
    assert found.identity.make is None and found.duration_s == pytest.approx(10.0)


_SEED = _header(_properties(_FILETIME_2020, 10**8, 3100, 2),
                _object(EXTENDED_CONTENT, struct.pack("<H", 2) + _descriptor("make", "A") + _descriptor("location",
                                                                                                     "+47.6-122.3/")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzz_mutated(_SEED))
def test_mutated_asf_gives_a_result_or_extract_error(data: bytes) -> None:
    try:
        found = extract(Reader.from_bytes(data))
    except ExtractError:
        return
    assert isinstance(found, Extraction)
