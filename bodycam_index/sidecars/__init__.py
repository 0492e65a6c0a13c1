"""Sidecar files that travel with a recording: which files they are, which video they belong to, and
what they say (DJI SRT, GPX, KML, NMEA logs, BlackVue `.gps`, IGC flight logs, Garmin TCX/logbook XML, Bramor
gEO text logs, Axis metadata and GNSS trails, WatchGuard JSON + VTT). See formats.md §3 and §4.
"""

from __future__ import annotations

import bisect
import importlib
import re
from pathlib import Path

from ..model import Extraction
from .common import read_head, read_text

_ALWAYS = {".srt", ".gpx", ".kml", ".nmea", ".vtt", ".gps", ".igc", ".tcx"}
_NMEA_TEXT = {".log", ".txt"}
_BLACKVUE_VIDEO = re.compile(r"^(\d{8}_\d{6}_[A-Z])[FRIO][LS]?$", re.IGNORECASE | re.ASCII)
_AXIS_META = ".metadata.json"
_AXIS_TRAIL = "_gpstrail.json"
#: Sidecar family → (module, function of the file's text): a reader is imported when a file of its family is read.
_READERS = {"srt": ("srt", "parse"), "gpx": ("gpx", "parse"), "kml": ("kml", "parse"), "nmea": ("nmea", "parse"),
            "blackvue-gps": ("nmea", "parse"), "igc": ("igc", "parse"), "garmin-xml": ("garmin_xml", "parse"),
            "bramor": ("bramor", "parse"), "axis-metadata": ("axis", "parse_metadata"),
            "axis-gpstrail": ("axis", "parse_gpstrail")}


def _kind(path: Path) -> str | None:
    """The sidecar family of a file by its name (and, for .txt/.log/.json, a look at its first bytes)."""
    name, suffix = path.name.lower(), path.suffix.lower()
    if name.endswith(_AXIS_META):
        return "axis-metadata"
    if name.endswith(_AXIS_TRAIL):
        return "axis-gpstrail"
    if suffix in _ALWAYS:
        return {
            ".srt": "srt",
            ".gpx": "gpx",
            ".kml": "kml",
            ".nmea": "nmea",
            ".vtt": "watchguard",
            ".gps": "blackvue-gps",
            ".igc": "igc",
            ".tcx": "garmin-xml",
        }[suffix]
    if suffix in _NMEA_TEXT:
        from . import bramor, nmea

        head = read_head(path)
        if nmea.looks_like_nmea(head):
            return "nmea"
        return "bramor" if bramor.looks_like_bramor(head) else None
    if suffix == ".xml":
        from . import garmin_xml

        return "garmin-xml" if garmin_xml.looks_like_garmin_xml(read_head(path)) else None
    if suffix == ".json":
        is_watchguard = "datapoints" in read_head(path).lower() or _companion(path, ".vtt") is not None
        return "watchguard" if is_watchguard else None
    return None


def _companion(path: Path, suffix: str) -> Path | None:
    """The file with the same stem and `suffix` (either case) beside `path`, if it exists."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    """True when the file is a sidecar type this package reads."""
    return _kind(path) is not None


class SidecarIndex:
    """The sidecar files of one folder, indexed so that each video's are found by lookups, not by a scan.

    Pairing rules: same base name case-insensitively (`DJI_0001.MP4` ↔ `DJI_0001.SRT`); Axis
    `<container>.<clip>.metadata.json`, the container's own `<container>.metadata.json` and
    `<clip stem>_…_gpstrail.json`; BlackVue `YYYYMMDD_hhmmss_N.gps` for `YYYYMMDD_hhmmss_NF.mp4`; WatchGuard
    `<name>.json` and `<name>.vtt` (both are listed so neither is left unclaimed, although reading either one yields
    the whole pair).
    """

    def __init__(self, siblings: list[Path]) -> None:
        self._by_stem: dict[str, list[Path]] = {}
        self._axis_clip: dict[str, list[Path]] = {}
        self._axis_container: list[Path] = []
        trails: list[tuple[str, Path]] = []
        for path in siblings:
            lowered = path.name.lower()
            if not is_sidecar(path):
                continue
            if lowered.endswith(_AXIS_META):
                prefix = lowered[: -len(_AXIS_META)]
                if "." in prefix:
                    self._axis_clip.setdefault(prefix.split(".", 1)[1], []).append(path)
                else:
                    self._axis_container.append(path)
            elif lowered.endswith(_AXIS_TRAIL):
                trails.append((lowered, path))
            else:
                self._by_stem.setdefault(path.stem.lower(), []).append(path)
        trails.sort()
        self._trail_names = [name for name, _ in trails]
        self._trail_paths = [path for _, path in trails]

    def for_video(self, video: Path) -> list[Path]:
        """The sidecars of `video`, in name order."""
        stem, name, suffix = video.stem.lower(), video.name.lower(), video.suffix.lower()
        found = [p for p in self._by_stem.get(stem, []) if p.suffix.lower() != suffix and p != video]
        blackvue = _BLACKVUE_VIDEO.match(video.stem)
        if blackvue:
            found += [p for p in self._by_stem.get(blackvue.group(1).lower(), []) if p.suffix.lower() == ".gps"]
        found += self._axis_container + self._axis_clip.get(name, []) + self._axis_clip.get(stem, [])
        start = bisect.bisect_left(self._trail_names, stem + "_")
        for index in range(start, len(self._trail_names)):
            if not self._trail_names[index].startswith(stem + "_"):
                break
            found.append(self._trail_paths[index])
        return sorted(set(found))


def sidecars_for(video: Path, siblings: list[Path]) -> list[Path]:
    """The files among `siblings` (same folder) that belong to `video` (see `SidecarIndex` for the rules)."""
    return SidecarIndex(siblings).for_video(video)


def read_sidecar(path: Path) -> Extraction | None:
    """Parse one sidecar file; None when it is not a sidecar type this package knows, ExtractError if corrupt."""
    kind = _kind(path)
    if kind is None:
        return None
    if kind == "watchguard":
        from . import watchguard

        json_path = path if path.suffix.lower() == ".json" else _companion(path, ".json")
        vtt_path = path if path.suffix.lower() == ".vtt" else _companion(path, ".vtt")
        return watchguard.parse(
            read_text(json_path) if json_path else None, read_text(vtt_path) if vtt_path else None
        )
    module, function = _READERS[kind]
    parse = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    if kind == "blackvue-gps":
        return parse(read_text(path), blackvue=True)  # type: ignore[no-any-return]
    return parse(read_text(path))  # type: ignore[no-any-return]
