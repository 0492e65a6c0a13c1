"""What a file is, decided in-process from its name and first bytes: media, sidecar, worth a probe, or not media.

A scan calls `classify` once per file before any parser runs, so that the JSON, Markdown, CSV, logs and tiny files
that sit beside footage in every evidence folder are counted as skipped instead of being handed to a probe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: `media`: a built-in parser reads it. `sidecar`: a sidecar reader does. `probe`: no parser knows it, but it may
#: be media (a container FFmpeg reads, or binary of no known kind), so the in-process fallback tries it.
#: `skip`: known not to be media (text, documents, archives, tiny files); counted, never opened again.
Kind = Literal["media", "sidecar", "probe", "skip"]

#: Files shorter than this with no known signature cannot be a recording.
TINY_BYTES = 64
#: Control characters that never occur in text (tab, line ends, form feed, vertical tab and ESC may).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")
#: Extensions of recordings and stills: such a file is never skipped, so a damaged one becomes an error row.
MEDIA_SUFFIXES = {".mp4", ".mov", ".m4v", ".3gp", ".avi", ".mts", ".m2ts", ".ts", ".mkv", ".webm", ".jpg", ".jpeg",
                  ".heic", ".heif", ".dv", ".fit", ".wmv", ".asf", ".flv", ".mpg", ".mpeg", ".vob", ".lrv", ".insv"}

#: Signatures (offset, bytes) of containers FFmpeg reads and no built-in parser does.
_FFMPEG_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x00\x00\x01\xb3", "MPEG video"),
    (0, b"OggS", "Ogg"),
    (0, b"ID3", "MP3 audio"),
    (0, b"fLaC", "FLAC audio"),
    (0, b".RMF", "RealMedia"),
    (0, b"\x06\x0e\x2b\x34\x02\x05\x01\x01", "MXF"),
    (0, b"#!AMR", "AMR audio"),
    (0, b"caff", "Core Audio"),
    (0, b"nut/multimedia container", "NUT"),
    (0, b"DKIF", "IVF"),
    (0, b"YUV4MPEG2", "Y4M"),
    (0, b"\x00\x00\x00\x01", "H.264/HEVC elementary stream"),
)
#: Archives: not recordings themselves, but a DEMS download or a copied card may hold footage inside one, which the
#: scan does not open (the summary says so).
ARCHIVES = {"ZIP archive", "gzip archive", "7-Zip archive", "RAR archive"}
#: Signatures of files that are certainly not recordings.
_NOT_MEDIA_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x7fELF", "executable"),
    (b"MZ", "Windows executable"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
)


@dataclass(frozen=True)
class Classification:
    """The kind of one file, the parser family for `media`, and a short human reason."""

    kind: Kind
    family: str | None
    reason: str


#: Suffixes of the small preview images cameras write beside each recording (GoPro, Canon, Sony `.THM`): a still of
#: the video's first frame, never a recording itself, so it must not stand as one in the reports.
THUMBNAIL_SUFFIXES = {".thm"}


#: Low-resolution copies cameras write beside each recording for previews (GoPro and Insta360 `.LRV`, DJI `.LRF`).
PROXY_SUFFIXES = {".lrv", ".lrf"}
_MASTER_SUFFIXES = (".MP4", ".mp4", ".MOV", ".mov", ".insv", ".INSV")


def proxy_master(path: Path) -> Path | None:
    """The full recording a `.LRV`/`.LRF` proxy was made beside, when it is there: the same name (GoPro before HERO6,
    DJI), `GL…` for `GX…`/`GH…` (GoPro HERO6 on), or `LRV_…_01_…` for `VID_…_00_…` (Insta360)."""
    stem = path.stem
    stems = [stem]
    if stem[:2].upper() == "GL":
        stems += ["GX" + stem[2:], "GH" + stem[2:]]
    if stem.upper().startswith("LRV_"):
        stems.append("VID_" + stem[4:].replace("_01_", "_00_", 1))
    for candidate in stems:
        for suffix in _MASTER_SUFFIXES:
            master = path.with_name(candidate + suffix)
            if master.is_file():
                return master
    return None


def classify(path: Path, head: bytes) -> Classification:
    """Classify a file from its path and its first bytes (`extract.HEAD_BYTES` of them, fewer if it is shorter)."""
    from . import identify

    suffix = path.suffix.lower()
    if suffix in THUMBNAIL_SUFFIXES:
        return Classification("skip", None, "camera thumbnail of a recording")
    if suffix in PROXY_SUFFIXES and (master := proxy_master(path)) is not None:
        return Classification("skip", None, f"low-resolution copy of {master.name}, which is indexed")
    family = identify(head)
    if family is not None:
        return Classification("media", family, f"{family} signature")
    from ..sidecars import is_sidecar

    if is_sidecar(path):
        return Classification("sidecar", None, "sidecar file")
    found = classify_unknown(head)
    if found.kind == "skip" and path.suffix.lower() in MEDIA_SUFFIXES:
        return Classification("probe", None, f"{found.reason} named as media")
    return found


def classify_unknown(head: bytes) -> Classification:
    """For bytes no parser or sidecar reader claims: `probe` when they may be media, else `skip` with a reason."""
    for offset, magic, name in _FFMPEG_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return Classification("probe", None, name)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Classification("probe", None, "WAVE audio")
    for magic, name in _NOT_MEDIA_MAGIC:
        if head.startswith(magic):
            return Classification("skip", None, name)
    if not head:
        return Classification("skip", None, "empty file")
    text = text_kind(head)
    if text is not None:
        return Classification("skip", None, text)
    if len(head) < TINY_BYTES:
        return Classification("skip", None, f"{len(head)}-byte file")
    return Classification("probe", None, "unknown binary")


def text_kind(head: bytes) -> str | None:
    """`JSON text`, `XML text`, `CSV text`, `Markdown text` or `plain text` when the bytes are text (UTF-8/ASCII, or UTF-16 with a BOM)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head[2 : len(head) & ~1].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be")
        except UnicodeDecodeError:
            return None
    else:
        if b"\x00" in head:
            return None
        try:
            text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # only a character cut at the end of the head is allowed
                return None
            text = head[: exc.start].removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    if _CONTROL.search(text):
        return None
    stripped = text.lstrip()
    first_line = stripped.split("\n", 1)[0]
    if stripped[:1] in ("{", "["):
        return "JSON text"
    if stripped[:1] == "<":
        return "XML text"
    if stripped[:1] == "#":
        return "Markdown text"
    if first_line.count(",") >= 2 or first_line.count(";") >= 2 or first_line.count("\t") >= 2:
        return "CSV text"
    return "plain text"
