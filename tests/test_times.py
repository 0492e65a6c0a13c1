"""Writer-aware header times, zone precedence and the recording stage, on FFmpeg-made clips and corpus files."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import MEDIA, require_ffmpeg

from bodycam_index import db as store
from bodycam_index.extract import extract_recording
from bodycam_index.link import relink
from bodycam_index.resolve import ZONE_CONFLICT
from bodycam_index.scan import scan_paths
from bodycam_index.writers import RULES, UNKNOWN, WriterFacts, header_rule


def _ffmpeg(out: Path, *metadata: str, fmt: str | None = None) -> Path:
    """A 2 s test clip written by the ffmpeg CLI with the given `-metadata key=value` pairs."""
    args = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-t", "2", "-c:v", "mpeg4"]
    for item in metadata:
        args += ["-metadata", item]
    subprocess.run([*args, *(["-f", fmt] if fmt else []), str(out)], check=True, capture_output=True)
    return out


def test_synthetic_writer_rules_match_their_writers() -> None:
    assert header_rule(WriterFacts(encoders=("lavf60.3.100",))).name == "ffmpeg"
    assert header_rule(WriterFacts(vendors=("ffmp",))).name == "ffmpeg"
    assert header_rule(WriterFacts(phone_keys=True)).name == "phone"
    assert header_rule(WriterFacts(brands=("crx ", "isom"))).name == "canon-cr3"
    assert header_rule(WriterFacts(gopro=True)).name == "gopro"
    assert header_rule(WriterFacts(make="pentax digital camera")).name == "camera"
    assert header_rule(WriterFacts(make="blackvue")).name == "dashcam"
    remux = header_rule(WriterFacts(encoders=("lavf59.27.100",), handlers=("gopro avc",), gopro=True))
    assert (remux.name, remux.semantics, remux.flagged) == ("ffmpeg-remux", "local", True)
    assert header_rule(WriterFacts(encoders=("lavf59.27.100",), make="canon")).name == "ffmpeg-remux"
    assert header_rule(WriterFacts(encoders=("lavf59.27.100",), make="axon")).name == "ffmpeg"
    assert header_rule(WriterFacts()) is UNKNOWN and UNKNOWN.flagged and UNKNOWN.semantics == "local"
    assert all(rule.evidence for rule in RULES) and len({r.name for r in RULES}) == len(RULES)


def test_ffmpeg_clip_is_placed_at_its_true_utc_and_links_by_time_and_place(tmp_path: Path) -> None:
    require_ffmpeg()
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    # FFmpeg stores creation_time as UTC (movenc.c); the place is Seattle, 7-8 h behind UTC
    _ffmpeg(evidence / "redacted.mp4", "creation_time=2024-03-01T02:33:26Z", "location=+47.6153-122.3162/")
    db = store.connect(tmp_path / "t.db")
    scan_paths(db, [evidence], tz="America/Los_Angeles")
    row = next(db.query("SELECT * FROM footage"))
    assert row["start_utc"] == "2024-03-01T02:33:26.000000Z" and row["zone_kind"] == "utc"
    assert "'ffmpeg'" in row["time_reason"] and row["duration_s"] == pytest.approx(2.0)
    assert (round(row["lat"], 3), round(row["lon"], 3)) == (47.615, -122.316)

    at = "2024-03-01T02:3{}:00.000000Z"
    db["incidents"].insert({"number": "2024-1", "source": "test", "received_utc": at.format(0),
                            "dispatched_utc": at.format(1), "arrived_utc": at.format(2), "cleared_utc": at.format(9),
                            "lat": 47.6155, "lon": -122.3160, "requires_footage": 1})
    relink(db)
    (link,) = db.query("SELECT method FROM links")
    assert link["method"] == "time+place"


@pytest.mark.corpus
def test_tz_wins_over_the_position_zone_with_a_flag(tmp_path: Path) -> None:
    # DJI air2s.srt: wall clock 2022-08-07 13:40:40.774 near Barcelona (CEST, +02:00); the fleet's clocks run on UTC
    srt = tmp_path / "air2s.srt"
    shutil.copy(MEDIA / "DJI_SRT_Parser/air2s.srt", srt)
    db = store.connect(tmp_path / "t.db")
    scan_paths(db, [srt], tz="UTC")
    row = next(db.query("SELECT * FROM footage"))
    assert row["zone_kind"] == "assumed:UTC" and row["start_utc"].startswith("2022-08-07T13:40:40")
    (flag,) = [w for w in json.loads(row["warnings"]) if w.startswith(ZONE_CONFLICT)]
    assert "Europe/Madrid" in flag and "--tz kept" in flag
    # without --tz the position places it
    footage = scan_paths(db, [srt], rescan=True)
    assert footage.updated == 1
    row = next(db.query("SELECT * FROM footage"))
    assert row["zone_kind"] == "inferred:Europe/Madrid" and row["start_utc"].startswith("2022-08-07T11:40:40")


@pytest.mark.corpus
@pytest.mark.parametrize("name, rule, zone, value", [
    ("metadata-extractor-images/mov/with-gps.mov", "phone", "utc", datetime(2019, 7, 24, 8, 25, 57, tzinfo=UTC)),
    ("gpmf-parser/max-heromode.mp4", "gopro", "local", datetime(2019, 11, 18, 15, 45, 32)),
    ("exiftool/CanonRaw.cr3", "canon-cr3", "utc", datetime(2018, 2, 21, 12, 8, 56, tzinfo=UTC)),
    ("exiftool/QuickTime.mov", "camera", "local", datetime(2005, 8, 11, 14, 3, 54)),
    ("metadata-extractor-images/mp4/with-gps.mp4", "phone", "utc", datetime(2017, 2, 22, 8, 20, 28, tzinfo=UTC)),
    # QuickTime-authored 3GP ('Apple … Media Handler', no vendor, no encoder tag): no evidence either way
    ("metadata-extractor-images/3gp/sample.3gp", "unknown", "local", datetime(2005, 10, 28, 17, 36, 40)),
])
def test_corpus_header_times_follow_their_writer(name: str, rule: str, zone: str, value: datetime) -> None:
    # values: ExifTool QuickTime:CreateDate (raw, no zone) in the corpus MANIFEST; the rule is the writer's
    extraction = extract_recording(MEDIA / name)
    assert extraction.tags["mp4.writer_rule"] == rule
    (mvhd,) = [t for t in extraction.times if t.source == "mp4.mvhd.creation"]
    assert (mvhd.zone, mvhd.value) == (zone, value)


@pytest.mark.corpus
def test_ffmpeg_remux_of_a_gopro_clip_keeps_its_wall_clock_flagged(tmp_path: Path) -> None:
    """`ffmpeg -c copy` of a GoPro clip (GPMF dropped, as FFmpeg maps only audio and video by default) keeps the
    camera's mvhd wall clock 15:45:32 (ExifTool QuickTime:CreateDate in the MANIFEST) under FFmpeg's encoder tag:
    it stays wall clock, flagged, and the position's zone (PST) places it at 23:45:32Z, 18 s from the original's
    first GPS fix 23:45:14Z; read as UTC it would be 8 hours early."""
    from bodycam_index.recording import record

    require_ffmpeg()
    out = tmp_path / "remux.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(MEDIA / "gpmf-parser/max-heromode.mp4"), "-c", "copy",
                    "-map_metadata", "0", str(out)], check=True, capture_output=True, timeout=60)
    extraction = extract_recording(out)
    assert extraction.tags["mp4.writer_rule"] == "ffmpeg-remux"
    (mvhd,) = [t for t in extraction.times if t.source == "mp4.mvhd.creation"]
    assert (mvhd.zone, mvhd.value) == ("local", datetime(2019, 11, 18, 15, 45, 32))
    footage = record(out, [], False).footage
    assert footage.start_utc == datetime(2019, 11, 18, 23, 45, 32, tzinfo=UTC)
    assert any("may be UTC" in flag for flag in footage.flags), footage.flags


@pytest.mark.corpus
def test_ffmpeg_written_mov_with_zero_date_has_no_header_time() -> None:
    # jcodec itunes.mov: written by Lavf57.71.100, mvhd 0 (ExifTool 0000:00:00 00:00:00)
    extraction = extract_recording(MEDIA / "jcodec/metaedit/itunes.mov")
    assert extraction.tags["mp4.writer_rule"] == "ffmpeg"
    assert [t.zone for t in extraction.times if t.source.startswith("mp4.")] == ["unset"]


@pytest.mark.corpus
def test_every_source_a_parser_emits_is_declared(tmp_path: Path) -> None:
    # every file of the corpus and sample_media through the recording stage (the same one scan and probe use)
    from conftest import SAMPLE_MEDIA

    from bodycam_index.model import ExtractError
    from bodycam_index.recording import record
    from bodycam_index.scan import discover
    from bodycam_index.timesources import lookup

    seen: set[str] = set()
    for job in discover([MEDIA, SAMPLE_MEDIA]):
        if "_groundtruth" in job.path.parts:
            continue
        try:
            found = record(job.path, job.sidecars, job.sidecar_only)
        except ExtractError:
            continue
        seen.update(t.source for t in found.extraction.times)
    undeclared = sorted(s for s in seen if lookup(s) is None)
    assert not undeclared, f"time sources missing from timesources.py: {undeclared}"
    assert {"gpmf.gpsu", "mp4.mvhd.creation", "exif.datetimeoriginal", "track.first_fix", "fs.mtime"} <= seen


@pytest.mark.corpus
def test_a_track_paired_with_no_recording_is_indexed_on_its_own_from_its_fixes(tmp_path: Path) -> None:
    # exiftool Geotag.gpx beside Geotag.igc (not a recording): 9 fixes, 2003-05-24T17:09:04Z … 17:10:05Z
    for name in ("Geotag.gpx", "Geotag.igc"):
        shutil.copy(MEDIA / "exiftool" / name, tmp_path / name)
    db = store.connect(tmp_path / "t.db")
    scan_paths(db, [tmp_path / "Geotag.gpx", tmp_path / "Geotag.igc"])
    scan_paths(db, [tmp_path])
    rows = {Path(r["path"]).name: r for r in db.query("SELECT * FROM footage")}
    gpx = rows["Geotag.gpx"]
    assert gpx["start_utc"] == "2003-05-24T17:09:04.000000Z" and gpx["end_utc"] == "2003-05-24T17:10:05.000000Z"
    assert gpx["time_source"] == "track.first_fix" and gpx["fix_count"] == 9 and gpx["zone_kind"] == "utc"


# (file, start UTC, zone kind): the shot time is DateTimeOriginal(+SubSec) placed by OffsetTimeOriginal, else by the
# offset the GPS stamp implies (MANIFEST "zone implied"), else by the position's zone; never the GPS stamp itself
STILLS = [
    ("exiftool/Apple.jpg", datetime(2016, 9, 28, 17, 18, 5, 813000, tzinfo=UTC), "offset"),   # +01:00 (BST)
    ("exiftool/GoPro.jpg", datetime(2017, 10, 3, 14, 58, 29, tzinfo=UTC), "offset"),          # -04:00 (EDT)
    ("metadata-extractor-images/jpg/Sony DSC-HX5V (2).jpg", datetime(2010, 5, 15, 15, 12, 5, tzinfo=UTC), "offset"),
    ("metadata-extractor-images/jpg/HTC Desire.jpg", datetime(2011, 5, 6, 7, 59, 48, tzinfo=UTC), "offset"),
    ("metadata-extractor-images/jpg/Oppo R7 Plus.jpg", datetime(2018, 7, 16, 15, 52, 22, tzinfo=UTC), "offset"),
    ("exiftool/Ricoh2.jpg", datetime(2006, 5, 26, 10, 48, 48, tzinfo=UTC), "offset"),        # +01:00, 84 s skew
    # 22 h between clock and GPS is no zone: the position's zone (Italy, CEST) places it
    ("exif-samples/gps/DSCN0010.jpg", datetime(2008, 10, 22, 14, 28, 39, tzinfo=UTC), "inferred:Europe/Rome"),
    # EXIF without an offset, XMP DateTimeOriginal with one (the same wall-clock reading): the file gives the zone
    ("metadata-extractor-images/jpg/Nokia Lumia 800.jpg", datetime(2012, 6, 9, 20, 23, 38, tzinfo=UTC), "offset"),
    ("metadata-extractor-images/jpg/Olympus FE230-X790.jpg", datetime(2008, 12, 7, 18, 28, 52, tzinfo=UTC),
     "offset"),                                                                               # XMP -08:00
    ("metadata-extractor-images/heic/exif-at-eof.heic", datetime(2020, 5, 4, 22, 39, 11, 644000, tzinfo=UTC),
     "offset"),                                                                               # OffsetTimeOriginal
]


@pytest.mark.corpus
@pytest.mark.parametrize("name, start, zone_kind", STILLS)
def test_still_shot_time_is_date_time_original_never_the_gps_stamp(name: str, start: datetime, zone_kind: str) -> None:
    from bodycam_index.recording import record

    footage = record(MEDIA / name).footage
    assert footage.time_source == "exif.datetimeoriginal"
    assert (footage.start_utc, footage.zone_kind) == (start, zone_kind)


def test_synthetic_shot_time_from_plain_exif_values() -> None:
    from datetime import timedelta, timezone

    from bodycam_index.extract.exif import shot_time
    from bodycam_index.model import Extraction
    from bodycam_index.resolve import resolve

    zoned, warnings = shot_time("2025:05:09 11:38:44", "823", "+02:00")
    assert not warnings and zoned[0].zone == "offset"
    assert zoned[0].value == datetime(2025, 5, 9, 11, 38, 44, 823000, tzinfo=timezone(timedelta(hours=2)))
    # no offset: the GPS stamp 70 s before the shot gives -07:00, not the time
    local, _ = shot_time("2024:07:01 10:00:00", None, None, gps_utc=datetime(2024, 7, 1, 16, 58, 50, tzinfo=UTC))
    footage = resolve(Extraction("jpeg", times=local), tz="Europe/Berlin")
    assert footage.start_utc == datetime(2024, 7, 1, 17, 0, 0, tzinfo=UTC) and footage.zone_kind == "offset"
    assert shot_time("2024:13:01 10:00:00")[1] == ["exif.datetimeoriginal not understood: '2024:13:01 10:00:00'"]


@pytest.mark.corpus
def test_resolve_command_re_places_wall_clock_times_without_reading_files(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bodycam_index.cli import main

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    # RIFF.avi: IDIT 'Mon Mar 10 15:04:43 2003', wall clock, no GPS; with-gps.mov: Keys time with its offset
    for name in ("exiftool/RIFF.avi", "metadata-extractor-images/mov/with-gps.mov"):
        shutil.copy(MEDIA / name, evidence / Path(name).name)
    db_file = str(tmp_path / "t.db")
    assert CliRunner().invoke(main, ["--db", db_file, "scan", str(evidence)]).exit_code == 0
    db = store.connect(db_file)
    rows = {Path(r["path"]).name: r for r in db.query("SELECT * FROM footage")}
    assert (rows["RIFF.avi"]["zone_kind"], rows["RIFF.avi"]["start_utc"]) == ("unknown", "2003-03-10T15:04:43.000000Z")
    (evidence / "RIFF.avi").unlink()  # the files are not needed any more
    result = CliRunner().invoke(main, ["--db", db_file, "resolve", "--tz", "America/Los_Angeles", "--json"])
    assert result.exit_code == 0, result.output
    (change,) = json.loads(result.output)
    assert change["path"].endswith("RIFF.avi")
    assert change["after"] == {"start_utc": "2003-03-10T23:04:43.000000Z", "zone_kind": "assumed:America/Los_Angeles"}
    row = next(db.query("SELECT * FROM footage WHERE path LIKE '%RIFF.avi'"))
    assert row["end_utc"] > row["start_utc"] and "--tz" in row["time_reason"]
    chosen = [c["source"] for c in db.query("SELECT source FROM time_candidates WHERE chosen AND footage_id = ?",
                                            [row["id"]])]
    assert chosen == ["avi.idit"]
    # the same zone again changes nothing; a path outside the batch matches nothing
    again = CliRunner().invoke(main, ["--db", db_file, "resolve", "--tz", "America/Los_Angeles"])
    assert again.output.strip().endswith("0 recordings re-placed with --tz America/Los_Angeles")
    bad = CliRunner().invoke(main, ["--db", db_file, "resolve", "--tz", "Mars/Olympus"])
    assert bad.exit_code == 2 and "unknown time zone" in bad.output
