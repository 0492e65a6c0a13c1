"""Fallback for media no built-in parser reads: duration, creation time and make/model through PyAV, in-process.

PyAV (`av`) bundles FFmpeg's libraries in its wheels, so nothing is spawned per file and nothing is needed from the
system. The file is handed to FFmpeg as an already-open read-only Python file object (never as a URL, so no
protocol or side file is ever opened), with a bounded probe size and a wall-clock time bound.

FFmpeg reports every container time as if it were UTC, whether or not the container says so. So the writer decides
what a `creation_time` means, by the same rule table as MP4/MOV header times (`writers.header_rule`: FFmpeg's own
`Lavf…`/`Lavc…` encoder → UTC, cameras → wall clock, an unknown writer → wall clock, flagged). (ASF, whose
creation date is UTC by definition, has its own parser: `asf.py`.)
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ..model import ExtractError, Extraction, Identity, TimeCandidate
from ..writers import WriterFacts, header_rule

#: Seconds FFmpeg may spend opening and probing one file.
TIMEOUT_S = 10.0
#: Bytes FFmpeg may read to find the streams (its default is 5 MB; the cap keeps a hostile file cheap).
PROBE_BYTES = 5_000_000
#: FFmpeg formats that are not recordings even when a stream is found (`tty` renders any text as ANSI art).
NOT_MEDIA = {"tty", "image2", "png_pipe", "gif", "txt"}



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
            stream_tags = [{str(k).lower(): str(v) for k, v in s.metadata.items()} for s in container.streams]
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
    facts = _writer_facts(tags, stream_tags)
    for more in stream_tags:
        for key, value in more.items():
            tags.setdefault(key, value)
    for key in ("creation_time", "make", "model", "encoder", "location", "date"):
        if key in tags:
            out.tags[f"ffmpeg.{key}"] = tags[key]
    if "creation_time" in tags:
        rule = header_rule(facts)
        out.tags["ffmpeg.writer_rule"] = rule.name
        utc = rule.semantics == "utc"
        stamp = _creation_time(tags["creation_time"], utc)
        if stamp is None:
            out.warnings.append(f"FFmpeg creation_time not understood: {tags['creation_time']!r}")
        else:
            out.times.append(TimeCandidate("ffmpeg.creation_time", stamp, "utc" if utc else "local", rule.note))
    out.identity = Identity(make=tags.get("make"), model=tags.get("model"))
    return out


def _writer_facts(tags: dict[str, str], stream_tags: list[dict[str, str]]) -> WriterFacts:
    """What FFmpeg's tags say about the file's writer (container and streams), for `writers.header_rule`."""
    every = [tags, *stream_tags]
    brands = tags.get("compatible_brands", "")
    return WriterFacts(
        encoders=tuple(t["encoder"].strip().lower() for t in every if t.get("encoder")),
        brands=tuple(b.lower() for b in (tags.get("major_brand", ""), *(brands[i:i + 4] for i in
                                                                       range(0, len(brands), 4))) if b),
        handlers=tuple(t["handler_name"].strip().lower() for t in stream_tags if t.get("handler_name")),
        vendors=tuple(v.lower() for v in (t.get("vendor_id", "") for t in stream_tags) if v.strip("[0] ")),
        make=tags.get("make", "").lower(),
    )
