"""In-process FFmpeg (PyAV) fallback for media no built-in parser reads, checked against the ffprobe CLI on clips
the ffmpeg CLI writes at test time."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bodycam_index.extract import extract_media, fallback
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError
from bodycam_index.writers import DOUBT

HAVE_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(
    not HAVE_FFMPEG and os.environ.get("BODYCAM_REQUIRE_CORPUS") != "1", reason="needs the ffmpeg and ffprobe CLIs"
)
#: Containers no built-in parser reads, as the ffmpeg CLI writes them (file suffix → FFmpeg format name).
FORMATS = {".nut": "nut", ".ogg": "ogg"}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One 2-second clip per format, with a creation time and make/model tags where the muxer keeps them."""
    folder = tmp_path_factory.mktemp("fallback")
    out = {}
    for suffix in FORMATS:
        path = folder / f"clip{suffix}"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=2:s=64x48", "-metadata",
             "creation_time=2022-03-04T05:06:07Z", "-metadata", "make=Acme", "-metadata", "model=BWC-9", str(path)],
            check=True, timeout=60,
        )
        out[suffix] = path
    return out


def _ffprobe(path: Path) -> dict:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
                          capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)


@needs_ffmpeg
@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_fallback_agrees_with_ffprobe(clips: dict[str, Path], suffix: str) -> None:
    path = clips[suffix]
    oracle = _ffprobe(path)
    fmt = oracle["format"]
    with Reader.open(path) as reader:
        found = extract_media(reader)
    assert found.container == f"ffmpeg:{FORMATS[suffix]}"
    assert found.tags["ffmpeg.format_name"] == fmt["format_name"]
    # PyAV bundles a newer FFmpeg than Debian's ffprobe; their MPEG-PS duration estimates differ by a frame (40 ms)
    assert found.duration_s == pytest.approx(float(fmt["duration"]), abs=0.041)
    tags = {k.lower(): v for k, v in fmt.get("tags", {}).items()}
    for stream in oracle["streams"]:
        for key, value in stream.get("tags", {}).items():
            tags.setdefault(key.lower(), value)
    assert (found.identity.make, found.identity.model) == (tags.get("make"), tags.get("model"))
    if "creation_time" in tags:
        (when,) = found.times
        expected = datetime.fromisoformat(tags["creation_time"]).astimezone(UTC)
        # written by FFmpeg (encoder Lavf…, or Lavc… where only the stream carries tags), so the time is UTC
        assert tags["encoder"].startswith(("Lavf", "Lavc"))
        assert (when.source, when.zone, when.value) == ("ffmpeg.creation_time", "utc", expected)
        assert found.tags["ffmpeg.writer_rule"] == "ffmpeg"
    else:
        assert found.times == []
    assert any("FFmpeg" in w for w in found.warnings)


@needs_ffmpeg
@pytest.mark.parametrize(("make", "rule"), [(None, "unknown"), ("Canon", "camera")])
def test_creation_time_without_ffmpeg_writer_stays_wall_clock(clips: dict[str, Path], tmp_path: Path,
                                                              make: str | None, rule: str) -> None:
    """A NUT clip whose encoder tag names a camera, not FFmpeg: its creation_time is kept as wall clock, by the
    header-time rule table MP4/MOV use (`writers.RULES`), flagged when the writer is unknown."""
    path = tmp_path / "camera.nut"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clips[".nut"]), "-c", "copy", "-fflags", "+bitexact",
                    "-metadata", "creation_time=2022-03-04T05:06:07Z", "-metadata:s:v:0", "encoder=CamCorp",
                    *(["-metadata", f"make={make}"] if make else []), str(path)], check=True, timeout=60)
    oracle = _ffprobe(path)
    assert oracle["format"]["tags"]["creation_time"] == "2022-03-04T05:06:07.000000Z"
    assert [s["tags"].get("encoder") for s in oracle["streams"]] == ["CamCorp"]
    found = fallback.probe_in_process(path)
    (when,) = found.times
    assert (when.zone, when.value) == ("local", datetime(2022, 3, 4, 5, 6, 7))
    assert found.tags["ffmpeg.writer_rule"] == rule
    assert (DOUBT in when.note) == (rule == "unknown")


@needs_ffmpeg
def test_slow_stream_is_cut_off_by_the_time_bound(tmp_path: Path) -> None:
    """A stream that trickles bytes (a hung network share) stops probing at the time bound."""
    path = tmp_path / "clip.mpg"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=2:s=64x48", str(path)], check=True,
                   timeout=60)
    data = path.read_bytes()

    class Trickle(io.RawIOBase):
        def __init__(self) -> None:
            self.pos = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            time.sleep(0.02)
            chunk = data[self.pos % len(data) :][: min(len(buffer), 2048)]
            buffer[: len(chunk)] = chunk
            self.pos += len(chunk)
            return len(chunk)

    started = time.monotonic()
    try:
        fallback.probe_stream(Trickle(), timeout_s=0.3)  # type: ignore[arg-type]
    except ExtractError:
        pass
    assert time.monotonic() - started < 3.0


def test_text_is_never_probed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_probe(*args: object, **kwargs: object) -> None:
        raise AssertionError("a text file was handed to FFmpeg")

    monkeypatch.setattr(fallback, "probe_in_process", no_probe)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video\n" * 50)
    with Reader.open(notes) as reader, pytest.raises(ExtractError, match=r"not a recognised media file \(plain text\)"):
        extract_media(reader)


def test_unknown_binary_that_ffmpeg_cannot_open_is_an_extract_error(tmp_path: Path) -> None:
    junk = tmp_path / "blob.bin"
    junk.write_bytes(bytes(range(1, 256)) * 40)
    with pytest.raises(ExtractError, match="not a recognised media file"):
        fallback.probe_in_process(junk)


def test_unreadable_path_is_an_extract_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="cannot read"):
        fallback.probe_in_process(tmp_path / "missing.nut")
