"""Clips of the container families the corpus barely has, written with the ffmpeg CLI (and ExifTool for a JPEG).

    python scripts/mix_media.py OUT_DIR

One clip per (family, variant): `plain` (no metadata), `dated` (creation_time, ISO 6709 location, make and model
where the muxer writes them) and, for some families, `long` (an hour at 1 frame/s of a tiny frame, so the media
data is small but the duration and the last timestamps sit far from the head); plus a MOV with Apple QuickTime Keys
(creation date with a -08:00 offset) and a JPEG tagged by ExifTool. DV is 720x480 (the only size DV allows), 3.6 MB
a second. Used by `scripts/bench_scan.py` (the `mixN` set) to build its batch from these templates.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CREATED = "2024-03-01T02:33:26Z"
#: Metadata of a `dated` clip (the muxers drop the keys they cannot write).
DATED = ("creation_time=" + CREATED, "location=+47.6153-122.3162/", "make=Axon", "model=Body 3")
#: (family, file suffix, ffmpeg output arguments). The video is a 32x32 test pattern at 5 frames/s.
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("frag-mp4", "mp4", ("-c:v", "mpeg4", "-movflags", "frag_keyframe+empty_moov")),
    ("faststart-mp4", "mp4", ("-c:v", "libx264", "-movflags", "+faststart")),
    ("3gp", "3gp", ("-c:v", "h263", "-s", "128x96")),
    ("mov", "mov", ("-c:v", "mpeg4",)),
    ("webm", "webm", ("-c:v", "libvpx", "-b:v", "50k")),
    ("mkv", "mkv", ("-c:v", "mpeg4",)),
    ("ts", "ts", ("-c:v", "mpeg2video",)),
    ("m2ts", "m2ts", ("-c:v", "mpeg2video", "-f", "mpegts", "-mpegts_m2ts_mode", "1")),
    ("mpeg-ps", "mpg", ("-c:v", "mpeg2video", "-f", "vob")),
    ("asf", "wmv", ("-c:v", "wmv2",)),
    ("flv", "flv", ("-c:v", "flv1",)),
    ("avi", "avi", ("-c:v", "mpeg4",)),
    ("dv", "dv", ("-c:v", "dvvideo", "-s", "720x480", "-pix_fmt", "yuv411p", "-r", "30000/1001")),
)
#: Families that also get a `long` clip.
LONG = ("frag-mp4", "mkv", "ts", "mpeg-ps", "asf", "flv", "avi")
#: Apple QuickTime keys a phone writes (`-movflags use_metadata_tags`): a creation date with its zone offset.
APPLE_KEYS = ("com.apple.quicktime.creationdate=2024-03-01T18:33:26-0800", "com.apple.quicktime.make=Apple",
              "com.apple.quicktime.model=iPhone 12", "com.apple.quicktime.location.ISO6709=+47.6153-122.3162+020.000/")


def ffmpeg_clip(out: Path, args: tuple[str, ...], meta: tuple[str, ...], seconds: int = 1, rate: int = 5,
                extra: tuple[str, ...] = ()) -> Path:
    """Write one clip with the ffmpeg CLI."""
    argv = ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", f"testsrc=size=32x32:rate={rate}",
            "-t", str(seconds), *args, *extra]
    for item in meta:
        argv += ["-metadata", item]
    subprocess.run([*argv, str(out)], check=True, capture_output=True)
    return out


def make_all(folder: Path, long: bool = True) -> list[Path]:
    """Every clip of the mix in `folder` (written once; existing clips are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for family, suffix, args in FAMILIES:
        variants = [("plain", (), 1, 5), ("dated", DATED, 1, 5)]
        if long and family in LONG:
            variants.append(("long", DATED, 3600, 1))
        for variant, meta, seconds, rate in variants:
            out = folder / f"{family}-{variant}.{suffix}"
            if not out.exists():
                ffmpeg_clip(out, args, meta, seconds, rate)
            made.append(out)
    out = folder / "apple-keys.mov"
    if not out.exists():
        ffmpeg_clip(out, ("-c:v", "mpeg4", "-movflags", "use_metadata_tags"), APPLE_KEYS)
    made.append(out)
    out = folder / "still.jpg"
    if not out.exists() and shutil.which("exiftool"):
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x32", "-frames:v", "1",
                        str(out)], check=True, capture_output=True)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-Make=Axon", "-Model=Body 3",
                        "-DateTimeOriginal=2024:03:01 18:33:26", "-OffsetTimeOriginal=-08:00",
                        "-GPSLatitude=47.6153", "-GPSLatitudeRef=N", "-GPSLongitude=122.3162",
                        "-GPSLongitudeRef=W", str(out)], check=True, capture_output=True)
    if out.exists():
        made.append(out)
    return made


if __name__ == "__main__":
    for path in make_all(Path(sys.argv[1])):
        print(path)
