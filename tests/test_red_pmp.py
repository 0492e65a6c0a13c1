"""RED R3D and Sony PMP headers read without FFmpeg: the corpus files against ExifTool's ground truth, and headers
built here from the layouts ExifTool's Red.pm and Sony.pm document (RED1, damaged and hostile variants)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import GROUNDTRUTH, MEDIA

from bodycam_index.extract import extract_media, identify
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError


def _truth(name: str) -> dict[str, object]:
    return json.loads((GROUNDTRUTH / f"exiftool__{name}.exiftool.json").read_text())  # type: ignore[no-any-return]


def _et_time(text: object) -> datetime:
    return datetime.strptime(str(text), "%Y:%m:%d %H:%M:%S")


@pytest.mark.corpus
def test_r3d_matches_exiftool() -> None:
    truth = _truth("Red.r3d")
    path = MEDIA / "exiftool" / "Red.r3d"
    with Reader.open(path) as reader:
        found = extract_media(reader)
        assert reader.bytes_read <= 2 * 1024 + path.stat().st_size  # the head sniff and the first block only
    assert found.container == "r3d"
    assert (found.identity.model, found.identity.serial, found.identity.firmware) == (
        truth["Red:Model"], truth["Red:SerialNumber"], truth["Red:FirmwareVersion"])
    (when,) = found.times
    assert (when.source, when.zone, when.value) == ("r3d.date_created", "local",
                                                     _et_time(truth["Composite:DateTimeOriginal"]))
    assert found.tags["r3d.storage_serial"] == truth["Red:StorageSerialNumber"]
    assert found.tags["r3d.start_timecode"] == truth["Red:StartTimecode"]
    assert found.tags["r3d.original_file_name"] == truth["Red:OriginalFileName"]


@pytest.mark.corpus
def test_pmp_matches_exiftool() -> None:
    truth = _truth("Sony.pmp")
    with Reader.open(MEDIA / "exiftool" / "Sony.pmp") as reader:
        found = extract_media(reader)
    assert found.container == "pmp"
    assert (found.identity.make, found.identity.model) == (truth["ExifTool:Make"], truth["ExifTool:Model"])
    (when,) = found.times
    assert (when.source, when.zone, when.value) == ("pmp.datetimeoriginal", "local",
                                                     _et_time(truth["Sony:DateTimeOriginal"]))
    assert found.tags["pmp.image_size"] == f"{truth['Sony:SonyImageWidth']}x{truth['Sony:SonyImageHeight']}"


@pytest.mark.corpus
def test_neither_loads_ffmpeg() -> None:
    """The two files went through PyAV before (~0.1-0.2 s of import for each scan that met one): no longer."""
    code = ("import sys\nfrom pathlib import Path\nfrom bodycam_index.recording import record\n"
            f"for name in ('Red.r3d', 'Sony.pmp'):\n    print(record(Path({str(MEDIA / 'exiftool')!r}) / name)"
            ".extraction.container)\nprint('av' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["r3d", "pmp", "False"]


def _entry(tag: int, text: bytes) -> bytes:
    value = text + b"\0"
    return struct.pack(">HH", 4 + len(value), tag) + value


def _directory(*entries: bytes) -> bytes:
    body = b"".join(entries)
    return struct.pack(">H", len(body)) + body


_ENTRIES = (_entry(0x1071, b"EPIC-X"), _entry(0x1006, b"101-222-ABC"), _entry(0x1023, b"20120704"),
            _entry(0x1024, b"081530"), _entry(0x1025, b"4.1.0"))


def test_synthetic_red1_directory_in_second_block(tmp_path: Path) -> None:
    """A version-1 file: the Red directory starts 0x22 bytes into the second block."""
    first = struct.pack(">I4s", 0x60, b"RED1") + b"\0" * (0x60 - 8)
    second = struct.pack(">I4s", 0x200, b"RDVO") + b"\0" * (0x22 - 8) + _directory(*_ENTRIES)
    path = tmp_path / "A001_C001.R3D"
    path.write_bytes(first + second)
    assert identify(path.read_bytes()[:1024]) == "r3d"
    with Reader.open(path) as reader:
        found = extract_media(reader)
    assert (found.identity.make, found.identity.model, found.identity.serial) == ("RED", "EPIC-X", "101-222-ABC")
    assert [(t.value, t.zone) for t in found.times] == [(datetime(2012, 7, 4, 8, 15, 30), "local")]


def test_synthetic_red2_prefers_datetime_original(tmp_path: Path) -> None:
    head = bytearray(0x44 + 2 * 0x18)
    head[4:8] = b"RED2"
    head[0x40] = 2  # two rdi records before the directory
    block = bytes(head) + _directory(*_ENTRIES, _entry(0x1005, b"20120704091011"))
    block = struct.pack(">I", len(block)) + block[4:]
    path = tmp_path / "clip.R3D"
    path.write_bytes(block)
    with Reader.open(path) as reader:
        found = extract_media(reader)
    assert [(t.source, t.value) for t in found.times] == [("r3d.datetime_original", datetime(2012, 7, 4, 9, 10, 11))]


@pytest.mark.parametrize("damage", ["entry runs past the directory", "zero-length entry", "impossible date",
                                    "block size below 8", "truncated header"])
def test_synthetic_r3d_damage_is_bounded(tmp_path: Path, damage: str) -> None:
    head = bytearray(0x44 + 0x18)
    head[4:8] = b"RED2"
    head[0x40] = 1
    entries = list(_ENTRIES)
    if damage == "entry runs past the directory":
        entries.append(struct.pack(">HH", 0xFFF0, 0x1019) + b"A")
    elif damage == "zero-length entry":
        entries.insert(0, struct.pack(">HH", 0, 0x1019))
    elif damage == "impossible date":
        entries[2] = _entry(0x1023, b"20121399")
    block = bytes(head) + _directory(*entries)
    size = 4 if damage == "block size below 8" else len(block)
    block = struct.pack(">I", size) + block[4:]
    if damage == "truncated header":
        block = block[:0x30]
    path = tmp_path / "bad.R3D"
    path.write_bytes(block)
    with Reader.open(path) as reader:
        if damage in ("block size below 8", "truncated header"):
            with pytest.raises(ExtractError):
                extract_media(reader)
            return
        found = extract_media(reader)
    if damage == "zero-length entry":  # the walk stops at the bad entry: nothing after it is trusted
        assert found.identity.model is None and found.times == []
    elif damage == "impossible date":
        assert found.times == [] and found.warnings == ["R3D header without a recording date and time"]
    else:
        assert found.identity.model == "EPIC-X" and "r3d.camera_type" not in found.tags


def _pmp_header(stamp: bytes) -> bytes:
    header = bytearray(124)
    header[8:12] = b"\0\0\0\x7c"
    header[22:26] = struct.pack(">HH", 640, 480)
    header[76:82] = stamp
    return bytes(header) + b"\xff\xd8\xff\xdb" + b"\0" * 64


@pytest.mark.parametrize(("stamp", "expected"), [(bytes([99, 12, 31, 23, 59, 58]), datetime(1999, 12, 31, 23, 59, 58)),
                                                 (bytes([3, 1, 2, 3, 4, 5]), datetime(2003, 1, 2, 3, 4, 5)),
                                                 (bytes([98, 13, 1, 0, 0, 0]), None)])
def test_synthetic_pmp_years_and_bad_dates(tmp_path: Path, stamp: bytes, expected: datetime | None) -> None:
    """Years below 70 are 20xx, others 19xx (Sony.pm); month 13 is no date, with a warning."""
    path = tmp_path / "DSC00001.PMP"
    path.write_bytes(_pmp_header(stamp))
    with Reader.open(path) as reader:
        found = extract_media(reader)
    assert [t.value for t in found.times] == ([expected] if expected else [])
    assert bool(found.warnings) == (expected is None)


def test_synthetic_pmp_signature_needs_the_jpeg() -> None:
    """The JPEG offset alone does not make a PMP: the JPEG's markers must sit at 124."""
    header = _pmp_header(bytes([98, 9, 1, 20, 19, 57]))
    assert identify(header) == "pmp"
    assert identify(header[:124] + b"\0" * 68) != "pmp"
