"""Fallback for media no built-in parser reads: duration, creation time and make/model through PyAV, in-process.

PyAV (`av`) bundles FFmpeg's libraries in its wheels, so nothing is spawned per file and nothing is needed from the
system. The file is handed to FFmpeg as an already-open read-only Python file object (never as a URL, so no
protocol or side file is ever opened), with a bounded probe size and a wall-clock time bound.

FFmpeg reports every container time as if it were UTC, whether or not the container says so. A `creation_time` is
therefore kept as a `local` wall-clock time unless the format itself defines its times as UTC (`UTC_FORMATS`) or
the file was written by FFmpeg (`encoder` Lavf…, or Lavc… on a stream), which always stores creation_time in UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ..model import ExtractError, Extraction, Identity, TimeCandidate

#: Seconds FFmpeg may spend opening and probing one file.
TIMEOUT_S = 10.0
#: Bytes FFmpeg may read to find the streams (its default is 5 MB; the cap keeps a hostile file cheap).
PROBE_BYTES = 5_000_000
#: FFmpeg formats whose container time is UTC by the format's own definition, with the evidence.
UTC_FORMATS = {
    "asf": "ASF spec §3.2: File Properties Creation Date is 100-ns units since 1601-01-01 UTC",
}
#: FFmpeg formats that are not recordings even when a stream is found (`tty` renders any text as ANSI art).
NOT_MEDIA = {"tty", "image2", "png_pipe", "gif", "txt"}
NOTE_LAVF = "written by FFmpeg (encoder Lavf…/Lavc…), which stores creation_time in UTC"
NOTE_LOCAL = "FFmpeg creation_time; FFmpeg marks container times as UTC without knowing, so kept as wall clock"


def _creation_time(text: str, utc: bool) -> datetime | None:
    """The creation time from FFmpeg's ISO text: aware UTC when the format defines it so, else naive wall clock."""
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    return stamp if utc else stamp.replace(tzinfo=None)


def probe_in_process(path: Path, timeout_s: float = TIMEOUT_S) -> Extraction:
    """Duration, creation time and make/model of a file FFmpeg can open; ExtractError when it is not media."""
    try:
        with open(path, "rb") as stream:
            return probe_stream(stream, timeout_s)
    except OSError as exc:
        raise ExtractError(f"cannot read: {exc.strerror or exc}") from exc


def probe_stream(stream: BinaryIO, timeout_s: float = TIMEOUT_S) -> Extraction:
    """`probe_in_process` on an open binary stream; FFmpeg stops probing after `timeout_s` seconds."""
    import av  # FFmpeg's libraries: imported only when a file needs them

    try:
        with av.open(
            stream, "r", timeout=(timeout_s, timeout_s), metadata_errors="replace",
            options={"probesize": str(PROBE_BYTES), "analyzeduration": str(PROBE_BYTES)},
        ) as container:
            name = str(container.format.name)
            kinds = {s.type for s in container.streams}
            duration_us = container.duration
            tags = {str(k).lower(): str(v) for k, v in container.metadata.items()}
            for s in container.streams:
                for key, value in s.metadata.items():
                    tags.setdefault(str(key).lower(), str(value))
    except av.FFmpegError as exc:
        raise ExtractError(f"not a recognised media file (FFmpeg: {exc.strerror or type(exc).__name__})") from exc
    except (ValueError, UnicodeError) as exc:
        raise ExtractError(f"not a recognised media file ({type(exc).__name__})") from exc
    if name.split(",")[0] in NOT_MEDIA or not kinds & {"video", "audio"}:
        raise ExtractError(f"not a recognised media file (FFmpeg reads it as {name} without audio or video)")
    short = name.split(",")[0]
    out = Extraction(container=f"ffmpeg:{short}")
    out.tags["ffmpeg.format_name"] = name
    out.warnings.append(f"no built-in parser for this file; read with FFmpeg ({name})")
    if duration_us is not None and duration_us >= 0 and math.isfinite(duration_us):
        out.duration_s = duration_us / 1_000_000
    for key in ("creation_time", "make", "model", "encoder", "location", "date"):
        if key in tags:
            out.tags[f"ffmpeg.{key}"] = tags[key]
    if "creation_time" in tags:
        utc = UTC_FORMATS.get(short) or (NOTE_LAVF if tags.get("encoder", "").startswith(("Lavf", "Lavc")) else None)
        stamp = _creation_time(tags["creation_time"], utc is not None)
        if stamp is None:
            out.warnings.append(f"FFmpeg creation_time not understood: {tags['creation_time']!r}")
        elif utc is not None:
            out.times.append(TimeCandidate("ffmpeg.creation_time", stamp, "utc", utc))
        else:
            out.times.append(TimeCandidate("ffmpeg.creation_time", stamp, "local", NOTE_LOCAL))
    out.identity = Identity(make=tags.get("make"), model=tags.get("model"))
    return out
