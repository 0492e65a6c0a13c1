"""Identify a file by its magic bytes and hand it to the parser for its container family.

Each container module exposes `extract(reader: Reader) -> Extraction`. `extract_recording` adds what the
file name and any sidecar files say, so callers get one merged `Extraction` per recording.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import ExtractError, Extraction
from .asf import is_asf
from .mpegps import is_mpegps
from .pmp import is_pmp
from .reader import Reader
from .red import is_r3d

if TYPE_CHECKING:
    from .filekind import Classification

#: Container family → module implementing `extract(reader)`.
PARSERS: dict[str, str] = {
    "isobmff": "bodycam_index.extract.isobmff",
    "gpmf": "bodycam_index.extract.gpmf",
    "riff": "bodycam_index.extract.riff",
    "mpegts": "bodycam_index.extract.mpegts",
    "matroska": "bodycam_index.extract.matroska",
    "jpeg": "bodycam_index.extract.exif",
    "heif": "bodycam_index.extract.heif",
    "fit": "bodycam_index.extract.fit",
    "dji-csv": "bodycam_index.extract.djicsv",
    "dv": "bodycam_index.extract.dv",
    "r3d": "bodycam_index.extract.red",
    "pmp": "bodycam_index.extract.pmp",
    "asf": "bodycam_index.extract.asf",
    "flv": "bodycam_index.extract.flv",
    "mpeg-ps": "bodycam_index.extract.mpegps",
}

_BMFF_TYPES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid", b"junk"}
#: Major brands of HEIF still images (`heif.BRANDS`; image sequences with a `moov` are MP4).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"avif"}
HEAD_BYTES = 1024


def _looks_like_dji_csv(head: bytes) -> bool:
    from .djicsv import looks_like_dji_csv

    return looks_like_dji_csv(head)


def identify(head: bytes) -> str | None:
    """The container family of a file from its first bytes, or None when not recognised."""
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    if len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT":
        return "fit"
    if len(head) >= 8 and head[4:8] in _BMFF_TYPES:
        return "isobmff"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "riff"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if is_asf(head):
        return "asf"
    if head[:4] == b"FLV\x01":
        return "flv"
    if is_mpegps(head):
        return "mpeg-ps"
    if head[:4] == b"DEVC":
        return "gpmf"
    if head[:3] == b"\x1f\x07\x00" and head[3:4] in (b"\x3f", b"\xbf"):
        return "dv"
    if is_r3d(head):
        return "r3d"
    if is_pmp(head):
        return "pmp"
    if _looks_like_dji_csv(head):
        return "dji-csv"
    for packet in (188, 192):
        sync = 0 if packet == 188 else 4
        if len(head) > sync + 2 * packet and all(head[sync + i * packet] == 0x47 for i in range(3)):
            return "mpegts"
    return None


def classify(path: Path, head: bytes) -> Classification:
    """Media, sidecar, worth a probe, or not media (with a reason): see `filekind.classify`."""
    from .filekind import classify as _classify

    return _classify(path, head)


def file_kind(path: Path) -> Classification | None:
    """`classify` of a file from its first bytes; None when it cannot be read (the scan reports that itself)."""
    try:
        with Reader.open(path) as reader:
            head = reader.read_upto(0, HEAD_BYTES)
    except (OSError, ExtractError):
        return None
    from .filekind import classify as _classify

    return _classify(path, head)


def is_recording(path: Path) -> bool:
    """Whether a file is a recording a sidecar may belong to: media a parser reads, or a file worth a probe."""
    kind = file_kind(path)
    return kind is not None and kind.kind in ("media", "probe")


def extract_media(reader: Reader) -> Extraction:
    """Run the parser for the reader's container family, or the in-process FFmpeg fallback for other files that
    may be media; ExtractError when neither applies."""
    head = reader.read_upto(0, HEAD_BYTES)
    family = identify(head)
    if family is None:
        from .filekind import classify_unknown

        kind = classify_unknown(head)
        path = reader.path
        if kind.kind == "probe" and path is not None:
            from .fallback import probe_in_process

            return probe_in_process(path)
        raise ExtractError(f"not a recognised media file ({kind.reason})")
    module = importlib.import_module(PARSERS[family])
    return module.extract(reader)


def extract_recording(path: Path, sidecars: Iterable[Path] = (), incident_pattern: str | None = None) -> Extraction:
    """Everything known about one recording: its container, its sidecars and its file and folder names
    (incident numbers in them found by `incident_pattern`, a regular expression, or the default one)."""
    with Reader.open(path) as reader:
        extraction = extract_media(reader)
    from ..filenames import from_filename
    from ..sidecars import read_sidecar

    merged: list[Extraction] = []
    for sidecar in sidecars:
        try:
            found = read_sidecar(sidecar)
        except ExtractError as exc:
            extraction.warnings.append(f"sidecar {sidecar.name}: {exc}")
            continue
        if found is not None and found not in merged:  # a .json/.vtt pair reads the same from either file
            merged.append(found)
            extraction.merge(found)
    extraction.merge(from_filename(path, incident_pattern))
    return extraction
