"""In-process file classification: media by signature, sidecars, files worth a probe, and known non-media."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MEDIA, SAMPLE_MEDIA

from bodycam_index.extract import HEAD_BYTES, classify
from bodycam_index.extract.filekind import classify_unknown, text_kind


def _classify(path: Path):
    with open(path, "rb") as stream:
        return classify(path, stream.read(HEAD_BYTES))


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"\n", "plain text"),
    (b'{"DataPoints": []}\n', "JSON text"),
    (b"\xef\xbb\xbf[1, 2, 3]", "JSON text"),
    (b"# Evidence notes\n\nSee the log.\n", "Markdown text"),
    (b"case,officer,when\n2016-1,Smith,2016-01-02\n", "CSV text"),
    (b'<?xml version="1.0"?><x/>', "XML text"),
    (b"2024-05-01 12:00:01 INFO upload done\n" * 40, "plain text"),
    ("Beamter Müller, Streife 7\n".encode() * 60, "plain text"),
    ("UTF-16 notes".encode("utf-16"), "plain text"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(200), "PDF document"),
    (b"PK\x03\x04\x14\x00" + bytes(200), "ZIP archive"),
    (b"SQLite format 3\x00" + bytes(200), "SQLite database"),
    (b"\x01\x02\x03\x04\x05", "5-byte file"),
])
def test_synthetic_non_media_is_skipped(data: bytes, reason: str) -> None:
    found = classify_unknown(data[:HEAD_BYTES])
    assert (found.kind, found.reason) == ("skip", reason)


@pytest.mark.parametrize(("data", "reason"), [
    (b"OggS\x00\x02" + bytes(300), "Ogg"),
    (b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(300), "WAVE audio"),
    (bytes(range(1, 256)) * 4, "unknown binary"),
])
def test_synthetic_possible_media_is_probed(data: bytes, reason: str) -> None:
    found = classify_unknown(data[:HEAD_BYTES])
    assert (found.kind, found.reason) == ("probe", reason)


def test_a_multibyte_character_cut_at_the_end_of_the_head_is_still_text() -> None:
    data = ("é" * 600).encode()[:HEAD_BYTES - 1]
    assert text_kind(data) == "plain text"
    assert text_kind(b"abc\xff\xfedef" * 20) is None


@pytest.mark.corpus
@pytest.mark.parametrize("name", [
    "gpmf-parser/max-heromode.mp4", "gpmf-parser/hero5.raw", "metadata-extractor-images/avi/MVI_4823.AVI",
    "exiftool/M2TS.mts", "jcodec/issue365/test.mkv", "exiftool/GPS.jpg", "metadata-extractor-images/mov/with-gps.mov",
])
def test_corpus_media_is_media(name: str) -> None:
    assert _classify(MEDIA / name).kind == "media"


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "kind"), [
    ("DJI_SRT_Parser/air2s.srt", "sidecar"), ("exiftool/Geotag.gpx", "sidecar"),
    ("exiftool/Geotag2.log", "sidecar"), ("blackvue-tools/20170709_085527_N.gps", "sidecar"),
    ("MANIFEST.md", "skip"), ("gpmf-parser/SAMPLES.md", "skip"), ("exif-samples/gps/README", "skip"),
])
def test_corpus_sidecars_and_documents(name: str, kind: str) -> None:
    assert _classify(MEDIA / name).kind == kind


def test_sample_media_exports_are_not_media() -> None:
    for path in sorted((SAMPLE_MEDIA / "exports").iterdir()):
        found = _classify(path)
        assert (found.kind, found.reason) == ("skip", "CSV text"), path


@pytest.mark.corpus
def test_scan_counts_non_media_as_skipped_and_never_opens_a_parser_for_them(tmp_path: Path) -> None:
    from bodycam_index import db as store
    from bodycam_index.scan import scan_paths

    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "README.md").write_text("# Batch 0412\n\nChain of custody notes.\n")
    (folder / "export.json").write_text('{"cases": []}\n')
    (folder / "calls.csv").write_text("case,unit,when\n2016-1,3B12,2016-01-02\n")
    (folder / "one-byte").write_bytes(b"\x01")
    (folder / "empty.MP4").write_bytes(b"")  # named as media: a damaged recording is an error row, not skipped
    (folder / "GPS.jpg").write_bytes((MEDIA / "exiftool/GPS.jpg").read_bytes())
    summary = scan_paths(store.connect(tmp_path / "index.db"), [folder], hash=False)
    assert summary.skipped == 4
    assert sorted(Path(p).name for p, _ in summary.skipped_files) == ["README.md", "calls.csv", "export.json",
                                                                      "one-byte"]
    assert {Path(p).name: why for p, why in summary.skipped_files}["calls.csv"] == "not media: CSV text"
    assert (summary.new, summary.failed) == (2, 1)


def test_synthetic_camera_thumbnail_is_skipped_although_it_is_a_jpeg(tmp_path: Path) -> None:
    """GoPro and Canon cards hold a `.THM` JPEG preview beside each video: skipped with its reason, never a
    recording timed by its mtime."""
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
    found = classify(tmp_path / "GX010042.THM", jpeg)
    assert (found.kind, found.reason) == ("skip", "camera thumbnail of a recording")
    assert classify(tmp_path / "IMG_0001.JPG", jpeg).kind == "media"


def test_synthetic_archives_are_named_in_the_scan_summary(tmp_path: Path) -> None:
    """A DEMS download left zipped holds footage the scan cannot see: the summary says so, not only the skip list."""
    import zipfile

    from click.testing import CliRunner

    from bodycam_index.cli import main

    folder = tmp_path / "batch"
    folder.mkdir()
    with zipfile.ZipFile(folder / "evidence-export.zip", "w") as archive:
        archive.writestr("AXON_Body_3_Video_2024-03-01_1814.mp4", b"\x00\x00\x00\x18ftypmp42")
    (folder / "notes.txt").write_text("chain of custody\n")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "index.db"), "scan", "--no-hash", str(folder)])
    assert result.exit_code == 0, result.output
    assert (f"1 archives (ZIP, gzip, 7-Zip, RAR) were not opened: footage inside them is not indexed; extract them "
            f"and scan the folder (first: {folder / 'evidence-export.zip'})") in result.output
    assert f"skipped: {folder / 'evidence-export.zip'}: not media: ZIP archive" in result.output


@pytest.mark.parametrize(("proxy", "master"), [
    ("GL010042.LRV", "GX010042.MP4"), ("GL010042.LRV", "GH010042.MP4"), ("GOPR0042.LRV", "GOPR0042.MP4"),
    ("DJI_0001.LRF", "DJI_0001.MP4"), ("LRV_20240301_101402_01_001.lrv", "VID_20240301_101402_00_001.insv")])
def test_synthetic_proxy_beside_its_recording_is_skipped(tmp_path: Path, proxy: str, master: str) -> None:
    """A card copied whole holds each recording twice, the second time as a low-resolution preview copy."""
    mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(100)
    (tmp_path / master).write_bytes(mp4)
    found = classify(tmp_path / proxy, mp4)
    assert (found.kind, found.reason) == ("skip", f"low-resolution copy of {master}, which is indexed")


def test_synthetic_proxy_alone_is_indexed(tmp_path: Path) -> None:
    """Without its recording the proxy is the only copy of the footage: never skipped."""
    mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(100)
    assert classify(tmp_path / "GL010042.LRV", mp4).kind == "media"
