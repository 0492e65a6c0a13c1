"""Matroska parser: a file built byte by byte (the corpus has none) and a real one made by ffmpeg."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fuzz import mutated
from hypothesis import HealthCheck, given, settings

from bodycam_index.extract import matroska
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction

UNKNOWN = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def size(n: int) -> bytes:
    """An 8-byte EBML size."""
    return (0x01 << 56 | n).to_bytes(8, "big")


def el(eid: int, body: bytes) -> bytes:
    """One EBML element."""
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + size(len(body)) + body


def uint(eid: int, value: int) -> bytes:
    return el(eid, value.to_bytes(8, "big"))


def simple_tag(name: str, value: str) -> bytes:
    return el(0x67C8, el(0x45A3, name.encode()) + el(0x4487, value.encode()))


def synthetic_mkv(cluster_bytes: int = 4000, unknown_segment: bool = True) -> bytes:
    """EBML header, Segment with SeekHead → Info, a Cluster, then Tags reached only through the SeekHead."""
    ns = int((datetime(2010, 2, 3, 21, 17, 48, tzinfo=UTC) - matroska.EPOCH_2001).total_seconds()) * 10**9
    info = el(0x1549A966, uint(0x2AD7B1, 1_000_000) + el(0x4489, struct.pack(">d", 148608.0))
              + el(0x4461, struct.pack(">q", ns)) + el(0x4D80, b"synthetic muxer") + el(0x5741, b"bodycam test"))
    cluster = el(0x1F43B675, b"\xa3" + b"\x00" * cluster_bytes)
    tags = el(0x1254C367, el(0x7373, el(0x63C0, b"") + simple_tag("DATE_RECORDED", "2010-02-03 13:17:48")
                             + simple_tag("LOCATION", "+47.6062-122.3321+056.0/")))

    def seekhead(info_at: int, tags_at: int) -> bytes:
        seek = [el(0x4DBB, el(0x53AB, eid.to_bytes(4, "big")) + uint(0x53AC, at))
                for eid, at in ((0x1549A966, info_at), (0x1254C367, tags_at))]
        return el(0x114D9B74, b"".join(seek))

    head = len(seekhead(0, 0))
    body = seekhead(head, head + len(info) + len(cluster)) + info + cluster + tags
    ebml = el(0x1A45DFA3, el(0x4282, b"matroska") + uint(0x4287, 4))
    return ebml + b"\x18\x53\x80\x67" + (UNKNOWN if unknown_segment else size(len(body))) + body


def test_synthetic_mkv_dateutc_duration_tags_without_reading_clusters() -> None:
    data = synthetic_mkv()
    reader = Reader.from_bytes(data)
    found = matroska.extract(reader)
    assert reader.bytes_read < len(data) - 3500  # the 4000-byte Cluster was skipped
    assert found.container == "matroska"
    assert found.duration_s == pytest.approx(148.608)
    utc = next(t for t in found.times if t.source == "mkv.dateutc")
    assert utc.zone == "utc" and utc.value == datetime(2010, 2, 3, 21, 17, 48, tzinfo=UTC)
    recorded = next(t for t in found.times if t.source == "mkv.tag.date_recorded")
    assert recorded.zone == "local" and recorded.value == datetime(2010, 2, 3, 13, 17, 48)
    assert found.tags["mkv.muxingapp"] == "synthetic muxer"
    assert found.tags["mkv.writingapp"] == "bodycam test"
    assert found.tags["mkv.doctype"] == "matroska"
    assert found.location is not None
    assert (found.location.lat, found.location.lon, found.location.alt_m) == (47.6062, -122.3321, 56.0)


def test_synthetic_mkv_known_segment_size() -> None:
    found = matroska.extract(Reader.from_bytes(synthetic_mkv(unknown_segment=False)))
    assert found.duration_s == pytest.approx(148.608)
    assert len(found.times) == 2


def test_synthetic_mkv_truncated_before_tags_keeps_info() -> None:
    data = synthetic_mkv()
    found = matroska.extract(Reader.from_bytes(data[: len(data) - 40]))
    assert found.duration_s == pytest.approx(148.608)
    assert [t.source for t in found.times] == ["mkv.dateutc"]


def test_not_matroska() -> None:
    with pytest.raises(ExtractError):
        matroska.extract(Reader.from_bytes(b"\x1a\x45\xdf\xa3\x00"))


def test_vint() -> None:
    assert matroska.read_vint(b"\x81", 0) == (1, 1)
    assert matroska.read_vint(b"\x40\x02", 0) == (2, 2)
    assert matroska.read_vint(b"\xff", 0) == (None, 1)
    assert matroska.read_vint(b"\x1a\x45\xdf\xa3", 0, keep_marker=True) == (0x1A45DFA3, 4)


@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg")
def test_ffmpeg_made_mkv_agrees_with_ffprobe(tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48", "-metadata",
         "creation_time=2021-05-06T07:08:09Z", "-metadata", "LOCATION=+40.7128-074.0060/", str(out)],
        check=True, timeout=60,
    )
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_format", "-of", "json", str(out)],
                                      check=True, capture_output=True, timeout=60).stdout)["format"]
    with Reader.open(out) as reader:
        found = matroska.extract(reader)
    assert found.duration_s == pytest.approx(float(probe["duration"]), abs=1e-3)
    (utc,) = [t for t in found.times if t.source == "mkv.dateutc"]
    assert utc.value == datetime.fromisoformat(probe["tags"]["creation_time"])
    assert utc.value == datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert found.tags["mkv.muxingapp"] == probe["tags"]["ENCODER"]
    assert found.location is not None and (found.location.lat, found.location.lon) == (40.7128, -74.006)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(synthetic_mkv(cluster_bytes=40)))
def test_mutated_mkv_gives_a_result_or_extract_error(data: bytes) -> None:
    try:
        found = matroska.extract(Reader.from_bytes(data))
    except ExtractError:
        return
    assert isinstance(found, Extraction)
