"""FFmpeg fallback for files no built-in parser recognises (ffprobe on a file ffmpeg makes in a tmp dir)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from bodycam_index.extract import extract_media, fallback
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg and ffprobe"
)


@pytest.fixture(scope="module")
def nut_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NUT file (no built-in parser) with a creation time and a make tag."""
    out = tmp_path_factory.mktemp("fallback") / "clip.nut"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=d=2:s=64x48", "-metadata",
         "creation_time=2022-03-04T05:06:07Z", "-metadata", "make=Acme", "-metadata", "model=BWC-9", str(out)],
        check=True, timeout=60,
    )
    return out


@needs_ffmpeg
def test_ffprobe_fallback_reads_duration_time_and_make(nut_file: Path) -> None:
    found = fallback.probe_with_ffmpeg(nut_file)
    assert found.container == "ffprobe:nut"
    assert found.duration_s == pytest.approx(2.0, abs=0.05)
    (when,) = found.times
    assert (when.source, when.zone, when.value) == ("ffprobe.creation_time", "local", datetime(2022, 3, 4, 5, 6, 7))
    assert found.tags["ffprobe.creation_time"] == "2022-03-04T05:06:07.000000Z"
    assert "ffprobe.fallback" in found.tags
    assert any("ffprobe" in w for w in found.warnings)
    assert (found.identity.make, found.identity.model) == ("Acme", "BWC-9")


@needs_ffmpeg
def test_unrecognised_file_goes_to_ffprobe(nut_file: Path) -> None:
    with Reader.open(nut_file) as reader:
        assert extract_media(reader).container == "ffprobe:nut"


@needs_ffmpeg
def test_non_media_file_is_an_extract_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a video\n" * 50)
    with pytest.raises(ExtractError, match="not a recognised media file"):
        fallback.probe_with_ffmpeg(junk)


def test_missing_ffprobe_is_an_extract_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExtractError, match="not a recognised media file"):
        fallback.probe_with_ffmpeg(tmp_path / "clip.nut")


def test_ffprobe_timeout_is_an_extract_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired("ffprobe", fallback.TIMEOUT_S)

    monkeypatch.setattr(fallback.shutil, "which", lambda name: "/usr/bin/ffprobe")
    monkeypatch.setattr(fallback.subprocess, "run", slow)
    with pytest.raises(ExtractError):
        fallback.probe_with_ffmpeg(tmp_path / "clip.nut")
