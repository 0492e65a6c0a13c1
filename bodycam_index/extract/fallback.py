"""Fallback for files no built-in parser recognises: ask `ffprobe` for the duration and creation time.

ffprobe prints every container time as UTC (`…Z`) whether or not the container says so (an AVI `IDIT`, an
MP4 `mvhd` written by a camera on local time), so its `creation_time` is kept as a `local` wall-clock time:
the resolver places it in a zone like any other unzoned header time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from ..model import ExtractError, Extraction, Identity, TimeCandidate

#: Seconds ffprobe may run on one file.
TIMEOUT_S = 30
#: ffprobe "formats" that are not recordings (`tty` renders any text file as ANSI art).
NOT_MEDIA = {"tty"}
NOTE = "ffprobe creation_time; ffprobe marks container times as UTC without knowing, so kept as wall clock"


def _creation_time(text: str) -> datetime | None:
    """A naive wall-clock datetime from ffprobe's `creation_time` text."""
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return stamp.replace(tzinfo=None)


def probe_with_ffmpeg(path: Path) -> Extraction:
    """Duration, creation time and make/model of `path` as ffprobe reports them."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise ExtractError("not a recognised media file")
    command = [ffprobe, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        info = json.loads(done.stdout or b"{}")
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        raise ExtractError("not a recognised media file") from exc
    fmt = info.get("format") if isinstance(info, dict) else None
    if done.returncode != 0 or not isinstance(fmt, dict):
        raise ExtractError("not a recognised media file")
    name = str(fmt.get("format_name", "unknown"))
    streams = info.get("streams") or []
    kinds = {s.get("codec_type") for s in streams if isinstance(s, dict)}
    if name in NOT_MEDIA or not kinds & {"video", "audio"}:
        raise ExtractError("not a recognised media file")
    out = Extraction(container=f"ffprobe:{name}")
    out.tags["ffprobe.format_name"] = name
    out.tags["ffprobe.fallback"] = "no built-in parser; values from ffprobe"
    out.warnings.append(f"no built-in parser for this file; read with ffprobe ({name})")
    try:
        duration = float(fmt.get("duration", "nan"))
        out.duration_s = duration if duration >= 0 else None
    except (TypeError, ValueError):
        out.warnings.append(f"ffprobe duration not understood: {fmt.get('duration')!r}")
    tags = {str(k).lower(): str(v) for k, v in (fmt.get("tags") or {}).items()}
    for key in ("creation_time", "make", "model", "encoder", "location"):
        if key in tags:
            out.tags[f"ffprobe.{key}"] = tags[key]
    if "creation_time" in tags:
        stamp = _creation_time(tags["creation_time"])
        if stamp is None:
            out.warnings.append(f"ffprobe creation_time not understood: {tags['creation_time']!r}")
        else:
            out.times.append(TimeCandidate("ffprobe.creation_time", stamp, "local", NOTE))
    out.identity = Identity(make=tags.get("make"), model=tags.get("model"))
    return out
