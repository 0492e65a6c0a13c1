"""Differential test against ExifTool, a test-time oracle (never a runtime dependency).

Every file of the corpus and `sample_media/`, plus a matrix of clips made here with the ffmpeg CLI, goes through the
recording stage `scan` uses; ExifTool runs once over the corpus (`-j -n -ee3`) and once over the clips (adding
`-api QuickTimeUTC`, since FFmpeg writes QuickTime times in UTC as the specification says). Start time, duration,
GPS fix count, first and last fix, static position and make/model/serial are compared. Every disagreement must be
listed in `EXPLAINED` with its reason, the same table as docs/differential.md: a new disagreement fails, and so does
an explained one that went away.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import MEDIA, ROOT, SAMPLE_MEDIA

from bodycam_index.model import ExtractError
from bodycam_index.recording import Recording, record
from bodycam_index.scan import discover
from bodycam_index.timesources import FILESYSTEM, source_of

DOC = ROOT / "docs" / "differential.md"
#: Files that are no media: the corpus's own notes.
_NOTES = {"MANIFEST.md", "README", "SAMPLES.md"}
#: Clips made with the ffmpeg CLI: (name, file suffix, ffmpeg output arguments, metadata).
_META_FULL = ("creation_time=2024-03-01T02:33:26Z", "location=+47.6153-122.3162/")
_MPEG4 = ("-c:v", "mpeg4")
MATRIX = [(f"{kind}-{fmt}", fmt, _MPEG4, meta) for fmt in ("mp4", "mov", "mkv", "ts", "avi")
          for kind, meta in (("plain", ()), ("dated", _META_FULL), ("timecode", ("creation_time=2024-03-01T02:33:26Z",)))]
#: Families the corpus barely has, each with creation_time, location and make/model where the muxer keeps them.
_META_MAKE = (*_META_FULL, "make=Axon", "model=Body 3")
MATRIX += [
    ("frag-mp4", "mp4", (*_MPEG4, "-movflags", "frag_keyframe+empty_moov"), _META_MAKE),
    ("faststart-mp4", "mp4", ("-c:v", "libx264", "-movflags", "+faststart"), _META_MAKE),
    ("dated-3gp", "3gp", ("-c:v", "h263", "-s", "128x96"), _META_MAKE),
    ("dated-webm", "webm", ("-c:v", "libvpx", "-b:v", "50k"), _META_MAKE),
    ("make-mkv", "mkv", _MPEG4, _META_MAKE),
    ("dated-m2ts", "m2ts", ("-c:v", "mpeg2video", "-f", "mpegts", "-mpegts_m2ts_mode", "1"), _META_MAKE),
    ("dated-mpg", "mpg", ("-c:v", "mpeg2video", "-f", "vob"), _META_MAKE),
    ("dated-wmv", "wmv", ("-c:v", "wmv2"), _META_MAKE),
    ("plain-wmv", "wmv", ("-c:v", "wmv2"), ()),
    ("dated-flv", "flv", ("-c:v", "flv1"), _META_MAKE),
    ("apple-keys", "mov", (*_MPEG4, "-movflags", "use_metadata_tags"),
     ("com.apple.quicktime.creationdate=2024-03-01T18:33:26-0800", "com.apple.quicktime.make=Apple",
      "com.apple.quicktime.model=iPhone 12", "com.apple.quicktime.location.ISO6709=+47.6153-122.3162+020.000/")),
]

# (file, field) → why ours and ExifTool's differ. Mirrored, with the values, in docs/differential.md.
_EE3_FIRST = ("ExifTool 12.57 (Debian 12's package) extracts only the first GPS5 sample of each GPMF payload; "
              "ExifTool 13.58 in the corpus ground truth lists every sample, as we do")
_ZERO_1904 = ("mvhd 0 means 'not set' (FFmpeg writes 0 without creation_time); with -api QuickTimeUTC ExifTool "
              "prints it as 1904-01-01, we fall back to the file's mtime, flagged")
_XMP_ONLY = "the value is only in IPTC and in an XMP field we do not read as a time"
_PREROLL = ("ExifTool prints ASF Play Duration, which includes the preroll (3.1 s from FFmpeg; ASF spec §3.2: "
            "presentation times start at the preroll); we subtract it, as FFmpeg and ffprobe do (1.0 s)")
_FFMPEG_3GP = ("FFmpeg's 3GP mode writes no encoder tag (only the handler name VideoHandler, which other writers use "
               "too), so writers.py cannot tell it is FFmpeg: the mvhd time is read as wall clock and flagged "
               "'header writer unknown … may be UTC' (placed by the GPS zone, 10:33Z); with -api QuickTimeUTC "
               "ExifTool reads it as UTC, which is right for this file")
EXPLAINED: dict[tuple[str, str], str] = {
    ("dashcam-gps/PA20191130-121856-000138.MP4", "fixes"): "ExifTool's 11 'fixes' are not positions: "
    "30557.5, 17723.5 (MANIFEST: a reader must range-check them); we drop such fixes",
    ("dashcam-gps/PA20191130-121856-000138.MP4", "first_fix"): "latitude 30557.5 is not a position (see fixes)",
    ("dashcam-gps/PA20191130-121856-000138.MP4", "last_fix"): "latitude 1845.8 is not a position (see fixes)",
    ("exiftool/M2TS.mts", "duration"): "stripped AVCHD sample: ExifTool prints 0 s, we report no duration "
    "(no PTS span to measure)",
    ("exiftool/M2TS.mts", "make"): "the same make by definition: -n prints MDPM's maker code 4113, which is Canon",
    ("ffmpeg/dated-3gp.3gp", "start"): _FFMPEG_3GP,
    ("ffmpeg/dated-wmv.wmv", "duration"): _PREROLL,
    ("ffmpeg/frag-mp4.mp4", "duration"): "a fragmented MP4 (empty_moov) has mvhd duration 0, which ExifTool prints; "
    "we add up the fragments (first and last tfdt, else every trun), as ffprobe does (1.0 s)",
    ("ffmpeg/plain-wmv.wmv", "duration"): _PREROLL,
    ("ffmpeg/plain-mov.mov", "start"): _ZERO_1904,
    ("ffmpeg/plain-mp4.mp4", "start"): _ZERO_1904,
    ("gpmf-parser/max-heromode.mp4", "fixes"): _EE3_FIRST,
    ("sample_media/footage/unit-3B12/2024-000451/GX010042.MP4", "fixes"): _EE3_FIRST,
    ("sample_media/footage/unit-3B12/2024-000451/GX010042.MP4", "last_fix"): _EE3_FIRST + " (its last fix is the "
    "first sample of the last payload)",
    ("test-assets/thompson-springs.jpg", "start"): _XMP_ONLY + " (photoshop:DateCreated): no EXIF DateTimeOriginal, so our start is the "
    "EXIF GPS stamp 21:15:33Z; ExifTool's 15:15:44-04:00 (IPTC/XMP) is 19:15:44Z, and the MANIFEST notes that "
    "zone conflicts with the GPS UTC, which implies -06:00",
}


def _exiftool(paths: list[Path], *extra: str) -> dict[str, dict[str, Any]]:
    """ExifTool's `-j -n -ee3 -G3` output per file (one process for all), times printed in UTC."""
    if not paths:
        return {}
    argfile = "\n".join(str(p) for p in paths)
    result = subprocess.run(["exiftool", "-j", "-n", "-ee3", "-G3", "-q", "-q", *extra, "-@", "-"], input=argfile,
                            capture_output=True, text=True, env=os.environ | {"TZ": "UTC"}, check=False)
    return {str(Path(d["SourceFile"])): d for d in json.loads(result.stdout or "[]")}


def _et_time(text: object) -> datetime | None:
    """An ExifTool date `YYYY:MM:DD HH:MM:SS[.ss][Z|±HH:MM]`: aware when it has a zone."""
    match = re.match(r"(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?", str(text or ""))
    if match is None or match.group(1) == "0000":
        return None
    y, mo, d, h, mi, s, frac, zone = match.groups()
    value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), round(float(frac or 0) * 1e6))
    if zone == "Z":
        return value.replace(tzinfo=UTC)
    if zone:
        sign = -1 if zone[0] == "-" else 1
        return value.replace(tzinfo=UTC) - sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:]))
    return value


def _seconds(value: object) -> float | None:
    """ExifTool's Duration: seconds, or `H:MM:SS.sss` text (Matroska)."""
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", str(value or ""))
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


def _theirs(et: dict[str, Any]) -> dict[str, Any]:
    """The compared facts from ExifTool's tags."""
    main = {k.split(":", 1)[1]: v for k, v in et.items() if k.startswith("Main:")}
    docs: dict[int, dict[str, Any]] = {}
    for key, value in et.items():
        group, _, name = key.partition(":")
        if group.startswith("Doc") and group[3:].isdigit():
            docs.setdefault(int(group[3:]), {})[name] = value
    fixes = [docs[n] for n in sorted(docs) if "GPSLatitude" in docs[n] and "GPSLongitude" in docs[n]]
    start = None
    for tag in ("SubSecDateTimeOriginal", "DateTimeOriginal", "CreationDate", "CreateDate"):
        start = _et_time(main.get(tag))
        if start is not None:
            if start.tzinfo is None and tag == "DateTimeOriginal" and main.get("OffsetTimeOriginal"):
                start = _et_time(f"{main[tag]}{main['OffsetTimeOriginal']}") or start
            break
    serial = main.get("SerialNumber") or main.get("CameraSerialNumber") or main.get("InternalSerialNumber")
    return {
        "start": start,
        "duration": _seconds(main.get("Duration")),
        "fixes": len(fixes),
        "first_fix": (fixes[0]["GPSLatitude"], fixes[0]["GPSLongitude"]) if fixes else None,
        "last_fix": (fixes[-1]["GPSLatitude"], fixes[-1]["GPSLongitude"]) if fixes else None,
        "position": (main["GPSLatitude"], main["GPSLongitude"])
        if isinstance(main.get("GPSLatitude"), int | float) and isinstance(main.get("GPSLongitude"), int | float)
        else None,
        "make": main.get("Make"), "model": main.get("Model"), "serial": serial,
    }


def _ours(found: Recording | None) -> dict[str, Any]:
    """The same facts from our recording stage (None for a file we cannot read)."""
    if found is None:
        return {}
    footage, track = found.footage, found.extraction.track
    chosen = next((c for c in found.extraction.times if c.source == footage.time_source), None)
    return {
        "start": footage.start_utc, "chosen": chosen, "times": found.extraction.times,
        "duration": footage.duration_s, "fixes": footage.fix_count,
        "first_fix": (track[0].lat, track[0].lon) if track else None,
        "last_fix": (track[-1].lat, track[-1].lon) if track else None,
        "position": (footage.lat, footage.lon) if footage.lat is not None else None,
        "make": footage.identity.make, "model": footage.identity.model, "serial": footage.identity.serial,
    }


def _same_reading(ours: dict[str, Any], theirs: datetime) -> bool:
    """Whether we read the time ExifTool reports: a wall-clock reading compared as read, a zoned one in UTC."""
    for candidate in ours.get("times", []):
        if source_of(candidate.source).rank == FILESYSTEM or candidate.zone == "unset":
            continue
        value = candidate.value
        if theirs.tzinfo is None:
            value = value.replace(tzinfo=None)
        elif value.tzinfo is None:
            continue
        if abs((value - theirs).total_seconds()) <= 1:
            return True
    return False


def _close(a: tuple[float, float] | None, b: tuple[float, float] | None, tolerance: float = 1e-4) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def _text_same(a: object, b: object) -> bool:
    norm = [str(v).strip().casefold() if v not in (None, "") else None for v in (a, b)]
    return norm[0] == norm[1]


def disagreements(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, tuple[object, object]]:
    """Field → (ours, ExifTool's) for every compared field where the two differ."""
    out: dict[str, tuple[object, object]] = {}
    chosen = ours.get("chosen")
    label = f"{ours.get('start')} ({chosen.source if chosen else '-'})"
    if theirs["start"] is not None and not _same_reading(ours, theirs["start"]):
        out["start"] = (label, theirs["start"])
    elif theirs["start"] is not None and theirs["start"].tzinfo is not None and (
            ours.get("start") is None or abs((ours["start"] - theirs["start"]).total_seconds()) > 1):
        out["start_utc"] = (label, theirs["start"])
    d_ours, d_theirs = ours.get("duration"), theirs["duration"]
    if d_theirs is not None and (d_ours is None or abs(d_ours - d_theirs) > max(0.05, 0.01 * d_theirs)):
        out["duration"] = (d_ours, d_theirs)
    if theirs["fixes"] and ours.get("fixes") != theirs["fixes"]:
        out["fixes"] = (ours.get("fixes"), theirs["fixes"])
    for field in ("first_fix", "last_fix"):
        if theirs[field] is not None and not _close(ours.get(field), theirs[field], 1e-5):
            out[field] = (ours.get(field), theirs[field])
    if theirs["position"] is not None and not theirs["fixes"] and not _close(ours.get("position"), theirs["position"]):
        out["position"] = (ours.get("position"), theirs["position"])
    for field in ("make", "model", "serial"):
        if theirs[field] not in (None, "") and not _text_same(ours.get(field), theirs[field]):
            out[field] = (ours.get(field), theirs[field])
    return out


def _make_matrix(folder: Path) -> list[Path]:
    """The ffmpeg-written clips, and a stream-copy re-mux of each dated one (FFmpeg keeps creation_time)."""
    made: list[Path] = []
    for name, fmt, codec, meta in MATRIX:
        out = folder / f"{name}.{fmt}"
        args = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-t", "1", *codec]
        for item in meta:
            args += ["-metadata", item]
        if name.startswith("timecode"):
            args += ["-timecode", "01:02:03:04"]
        subprocess.run([*args, str(out)], check=True, capture_output=True)
        made.append(out)
        if name.startswith("dated") and fmt in ("mp4", "mov", "mkv", "ts", "avi"):
            remux = folder / f"remux-{fmt}.{fmt}"
            subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-map_metadata", "0", "-c", "copy", str(remux)],
                           check=True, capture_output=True)
            made.append(remux)
    return made


def _label(path: Path, tmp: Path) -> str:
    for base, prefix in ((MEDIA, ""), (SAMPLE_MEDIA, "sample_media/"), (tmp, "ffmpeg/")):
        if path.is_relative_to(base):
            return prefix + path.relative_to(base).as_posix()
    return str(path)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[object, object]]:
    if shutil.which("exiftool") is None or shutil.which("ffmpeg") is None:
        if os.environ.get("BODYCAM_REQUIRE_CORPUS") == "1":
            pytest.fail("BODYCAM_REQUIRE_CORPUS=1 but exiftool or ffmpeg is missing (apt: libimage-exiftool-perl)")
        pytest.skip("needs exiftool (libimage-exiftool-perl) and the ffmpeg CLI")
    if not MEDIA.is_dir():
        pytest.skip(f"the corpus is not at {MEDIA}")
    return compare_all(tmp_path_factory.mktemp("ffmpeg-matrix"))


def compare_all(tmp: Path) -> dict[tuple[str, str], tuple[object, object]]:
    """(file, field) → (ours, ExifTool's) for every disagreement over the corpus, sample_media and the clips."""
    clips = _make_matrix(tmp)
    jobs = [job for job in discover([MEDIA, SAMPLE_MEDIA, tmp])
            if "_groundtruth" not in job.path.parts and job.path.name not in _NOTES]
    corpus = [job.path for job in jobs if not job.path.is_relative_to(tmp)]
    oracle = _exiftool(corpus) | _exiftool(clips, "-api", "QuickTimeUTC")
    found: dict[tuple[str, str], tuple[object, object]] = {}
    for job in jobs:
        try:
            ours = _ours(record(job.path, job.sidecars, job.sidecar_only))
        except ExtractError:
            ours = _ours(None)
        et = oracle.get(str(job.path))
        if et is None or "Main:Error" in et or "Main:FileType" not in et:
            continue  # ExifTool does not read it as media (sidecars, raw GPMF): checked against the MANIFEST
        for field, pair in disagreements(ours, _theirs(et)).items():
            found[(_label(job.path, tmp), field)] = pair
    return found


@pytest.mark.corpus
def test_every_disagreement_with_exiftool_is_explained(compared: dict[tuple[str, str], tuple[object, object]]) -> None:
    unexplained = {k: v for k, v in compared.items() if k not in EXPLAINED}
    assert not unexplained, "new disagreements with ExifTool (fix, or explain in EXPLAINED and the doc):\n" + "\n".join(
        f"  {f} {field}: ours {o!r} vs ExifTool {t!r}" for (f, field), (o, t) in sorted(unexplained.items()))
    gone = sorted(k for k in EXPLAINED if k not in compared)
    assert not gone, f"explained disagreements that no longer happen (remove them): {gone}"


def test_the_doc_table_lists_every_explained_disagreement() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([^`]+)` \| (\w+) \|", text, re.MULTILINE))
    assert rows == set(EXPLAINED), f"docs/differential.md and EXPLAINED differ: {rows ^ set(EXPLAINED)}"
