"""Whether a QuickTime/MP4 header time (mvhd, tkhd, mdhd) is UTC or wall clock, decided by the file's writer.

The QuickTime and ISO-BMFF specifications define these times as UTC, but many cameras write their wall clock.
ExifTool therefore never assumes a zone for them unless told (`-api QuickTimeUTC`), except for Canon CR3
(QuickTime.pm: "all CR3 files store UTC times"). Here the writer decides, one rule per writer, each with its
evidence; the first rule that matches applies and its name is kept with the time (`time_reason`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

#: Marks a header time whose writer is not recognised, in the candidate's note (kept in the database), so that
#: `resolve` flags it even when re-placing stored candidates.
DOUBT = "writer unknown, zone in doubt"


@dataclass(frozen=True)
class WriterFacts:
    """What a file says about the software or device that wrote it (all lower-case for matching)."""

    encoders: tuple[str, ...] = ()   # ilst ©too, udta ©swr / ©enc, Keys software
    brands: tuple[str, ...] = ()     # ftyp major and compatible brands
    handlers: tuple[str, ...] = ()   # hdlr component names
    vendors: tuple[str, ...] = ()    # hdlr component manufacturers (QuickTime)
    make: str = ""
    phone_keys: bool = False         # Apple/Android Keys written by a phone's camera app
    gopro: bool = False              # GPMF or GoPro handler names


@dataclass(frozen=True)
class WriterRule:
    """One writer: how to recognise it, what its header times mean, and why we believe so."""

    name: str
    semantics: Literal["utc", "local"]
    evidence: str
    matches: Callable[[WriterFacts], bool] = field(repr=False)
    flagged: bool = False            # the zone is a guess: reports flag it

    @property
    def note(self) -> str:
        """How a header time read under this rule is described (kept with the time, `time_reason`)."""
        note = f"writer rule {self.name!r}: {'UTC' if self.semantics == 'utc' else 'wall clock'}"
        return f"{note} ({DOUBT})" if self.flagged else note


def _encoder(*prefixes: str) -> Callable[[WriterFacts], bool]:
    return lambda f: any(e.startswith(prefixes) for e in f.encoders)


def _make(*names: str) -> Callable[[WriterFacts], bool]:
    return lambda f: any(n in f.make for n in names)


_DASHCAM_MAKES = ("blackvue", "pittasoft", "70mai", "viofo", "nextbase", "thinkware", "garmin", "vantrue", "rexing",
                  "kenwood", "azdome", "transcend", "novatek")
_CAMERA_MAKES = ("pentax", "canon", "nikon", "sony", "panasonic", "olympus", "fujifilm", "kodak", "casio", "ricoh",
                 "samsung techwin", "jvc")

def _camera_remuxed_by_ffmpeg(f: WriterFacts) -> bool:
    """FFmpeg's encoder tag on a file whose handler names or make are a camera's (a re-mux, `-c copy`)."""
    lavf = any(e.startswith(("lavf", "lavc")) for e in f.encoders)
    camera = f.gopro or any(n in f.make for n in (*_DASHCAM_MAKES, *_CAMERA_MAKES))
    return lavf and camera


RULES: list[WriterRule] = [
    WriterRule(
        "ffmpeg-remux", "local",
        "FFmpeg re-muxing a camera's file (`ffmpeg -i IN -c copy OUT`) copies the input's creation_time as FFmpeg "
        "read it, i.e. the camera's raw header value, and keeps its handler names and make: corpus "
        "max-heromode.mp4 (GoPro, mvhd 15:45:32 wall clock, first GPS fix 23:45:14Z) re-muxed by FFmpeg 5.1 has "
        "encoder Lavf59, handlers 'GoPro AVC'/'GoPro AAC' and mvhd 15:45:32 still; flagged because FFmpeg may "
        "instead have been given a new (UTC) creation_time",
        _camera_remuxed_by_ffmpeg, flagged=True),
    WriterRule(
        "ffmpeg", "utc",
        "FFmpeg libavformat (encoder 'Lavf…', hdlr vendor 'FFMP'): movenc.c writes the creation_time metadata, "
        "parsed as UTC by ff_parse_creation_time_metadata, plus the 1904 offset, and 0 without it; verified by the "
        "differential test's FFmpeg-generated clips",
        lambda f: any(e.startswith(("lavf", "lavc")) for e in f.encoders) or "ffmp" in f.vendors),
    WriterRule(
        "phone", "utc",
        "Apple/Android camera apps (Keys make/model/creationdate or com.android.*): corpus with-gps.mov has mvhd "
        "08:25:57 and Keys CreationDate 11:25:40+03:00, i.e. mvhd is UTC",
        lambda f: f.phone_keys),
    WriterRule(
        "canon-cr3", "utc",
        "Canon CR3/CRM (brand 'crx '): ExifTool QuickTime.pm treats every CR3 date as UTC ('all CR3 files store "
        "UTC times'); corpus CanonRaw.cr3 agrees with its EXIF OffsetTime +00:00",
        lambda f: "crx " in f.brands),
    WriterRule(
        "apple-core-media", "utc",
        "Apple AVFoundation / QuickTime (hdlr 'Core Media …', vendor 'appl'): a zone-aware OS writer; corpus "
        "uuid540.mp4 has mvhd 15:04:00 and XMP CreateDate 15:04Z",
        lambda f: any(h.startswith("core media") for h in f.handlers) or "appl" in f.vendors),
    WriterRule(
        "gopro", "local",
        "GoPro (GPMF, 'GoPro …' handlers): the camera clock has no zone; corpus max-heromode.mp4 mvhd 15:45:32 vs "
        "first GPS fix 23:45:14Z (PST)",
        lambda f: f.gopro),
    WriterRule(
        "dashcam", "local",
        "dash cams (BlackVue, 70mai, Viofo/Novatek, Nextbase, Thinkware, Garmin …) keep a wall clock set by the "
        "user or the phone app; formats.md §0.1; BlackVue `sttm` is documented as local (ExifTool Pittasoft table)",
        _make(*_DASHCAM_MAKES)),
    WriterRule(
        "camera", "local",
        "still and video cameras (Pentax, Canon, Nikon, Sony, Panasonic …) write their wall clock: ExifTool's "
        "QuickTime notes ('digital cameras often store local time values') and its default of no zone",
        _make(*_CAMERA_MAKES)),
]

UNKNOWN = WriterRule(
    "unknown", "local",
    "writer not recognised: read as wall clock like ExifTool's default, and flagged because it may be UTC",
    lambda f: True, flagged=True)


def header_rule(facts: WriterFacts) -> WriterRule:
    """The rule that decides what a file's header times mean."""
    return next((rule for rule in RULES if rule.matches(facts)), UNKNOWN)
