"""MPEG program streams (`.mpg`, `.vob`, `.mod`: older dash cams and DVD-style exports): duration from the PTS.

A program stream holds no date, make or position, so the duration is all there is. It is the span of the first
stream's presentation time stamps (video if any) between a window at the start and one at the end of the file,
plus one frame (from the MPEG video sequence header's frame rate), as FFmpeg reports it. Layouts from ISO/IEC
13818-1 §2.5.3 (pack header: MPEG-2 14 bytes + stuffing length in the low 3 bits of byte 13, MPEG-1 12 bytes;
system header and PES packets: start code, UI16 length) and §2.4.3.7 (MPEG-2 PES header: flags byte 7, PTS in
bytes 9-13 with marker bits); MPEG-1 PES headers (ISO/IEC 11172-1 §2.4.3.6) put stuffing, an optional STD buffer
field, then the PTS after the length. Frame rates from ISO/IEC 13818-2 Table 6-4.
"""

from __future__ import annotations

from ..model import ExtractError, Extraction
from .reader import Reader

#: Bytes read at the start, and at the end first (then up to TAIL_MAX when the last window holds no PTS).
HEAD = 64 * 1024
TAIL = 64 * 1024
TAIL_MAX = 1024 * 1024
PACK = b"\x00\x00\x01\xba"
SEQUENCE = b"\x00\x00\x01\xb3"
EXTENSION = b"\x00\x00\x01\xb5"
_WRAP = 1 << 33
_HALF = 1 << 32
#: PTS values looked at at each end (video frames come in decode order, their PTS out of order).
REORDER = 8
#: frame_rate_code → frames per second (ISO/IEC 13818-2 Table 6-4).
FRAME_RATES = {1: 24000 / 1001, 2: 24.0, 3: 25.0, 4: 30000 / 1001, 5: 30.0, 6: 50.0, 7: 60000 / 1001, 8: 60.0}


def is_mpegps(head: bytes) -> bool:
    """Whether the bytes start with an MPEG-1 or MPEG-2 pack header."""
    return head[:4] == PACK and len(head) > 4 and (head[4] >> 6 == 1 or head[4] >> 4 == 2)


def _pts(b: bytes) -> int | None:
    """A 33-bit PTS from its 5 bytes, or None when its marker bits are wrong."""
    if len(b) < 5 or not (b[0] & 1 and b[2] & 1 and b[4] & 1):
        return None
    return ((b[0] >> 1) & 7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1


def _pes_pts(data: bytes, pos: int, end: int) -> int | None:
    """The PTS of the PES packet whose header starts at `pos` (after its 6-byte start code and length), if any."""
    if pos < end and data[pos] >> 6 == 2:  # MPEG-2: '10' marker, flags, header length
        if pos + 3 <= end and data[pos + 1] & 0x80:
            return _pts(data[pos + 3 : pos + 8])
        return None
    while pos < end and data[pos] == 0xFF:  # MPEG-1: stuffing
        pos += 1
    if pos < end and data[pos] >> 6 == 1:  # STD buffer scale and size
        pos += 2
    if pos < end and data[pos] >> 5 == 1:  # '0010' PTS only, '0011' PTS and DTS
        return _pts(data[pos : pos + 5])
    return None


def scan(data: bytes) -> list[tuple[int, int]]:
    """(stream id, PTS) of the PES packets in `data`, walked from its first pack header."""
    found: list[tuple[int, int]] = []
    pos = data.find(PACK)
    while 0 <= pos and pos + 6 <= len(data):
        if data[pos : pos + 3] != b"\x00\x00\x01":
            pos = data.find(PACK, pos + 1)  # lost the packet chain: resynchronise at the next pack
            continue
        code = data[pos + 3]
        if code == 0xBA:
            if pos + 14 <= len(data) and data[pos + 4] >> 6 == 1:
                pos += 14 + (data[pos + 13] & 7)
            else:
                pos += 12
        elif code == 0xB9:  # program end
            pos = data.find(PACK, pos + 4)
        elif code >= 0xBB:
            length = int.from_bytes(data[pos + 4 : pos + 6], "big")
            end = min(pos + 6 + length, len(data))
            if 0xC0 <= code <= 0xEF or code == 0xBD:
                pts = _pes_pts(data, pos + 6, end)
                if pts is not None:
                    found.append((code, pts))
            pos += 6 + length
        else:
            pos = data.find(PACK, pos + 1)
    return found


def frame_rate(data: bytes) -> float | None:
    """Frames per second from the first sequence header (frame_rate_code, the low 4 bits of its byte 3) and, for
    MPEG-2, the sequence extension that follows it (ISO/IEC 13818-2 §6.2.2.3: rate × (n + 1) / (d + 1), n and d
    the last 7 bits of its first 6 bytes); None when absent."""
    at = data.find(SEQUENCE)
    if at < 0 or at + 8 > len(data):
        return None
    rate = FRAME_RATES.get(data[at + 7] & 0x0F)
    ext = data.find(EXTENSION, at + 12, at + 12 + 256)
    if rate is not None and ext >= 0 and ext + 10 <= len(data) and data[ext + 4] >> 4 == 1:
        bits = int.from_bytes(data[ext + 4 : ext + 10], "big")
        rate *= (((bits >> 5) & 3) + 1) / ((bits & 0x1F) + 1)
    return rate


def extract(reader: Reader) -> Extraction:
    """Duration of an MPEG program stream."""
    head = reader.read_upto(0, HEAD)
    if not is_mpegps(head):
        raise ExtractError("not an MPEG program stream (no pack header)")
    out = Extraction(container="mpeg-ps")
    first = scan(head)
    video = next((code for code, _ in first if code >= 0xE0), None)
    stream = video if video is not None else (first[0][0] if first else None)
    if stream is None:
        out.warnings.append("no time stamps in the first packets; duration unknown")
        return out
    stamps = [pts for code, pts in first if code == stream]
    origin = stamps[0]

    def rel(pts: int) -> int:
        """A PTS relative to the first one, across the 33-bit wrap (B-frames may come before it)."""
        return (pts - origin + _HALF) % _WRAP - _HALF

    start = min(rel(p) for p in stamps[:REORDER])
    last = None
    size = TAIL
    while last is None and reader.size > HEAD:
        at = max(HEAD, reader.size - size)
        tail = [pts for code, pts in scan(reader.read_upto(at, reader.size - at)) if code == stream]
        last = max(rel(p) for p in tail[-REORDER:]) if tail else None
        if at == HEAD or size >= TAIL_MAX:
            break
        size *= 4
    if last is None:
        if reader.size > HEAD:
            out.warnings.append("no time stamps in the last MiB; duration measured over the first packets only")
        last = max(rel(p) for p in stamps[-REORDER:])
    span = (last - start) / 90_000
    if span < 0:
        out.warnings.append("the last time stamps come before the first; duration unknown")
        return out
    rate = frame_rate(head) if stream >= 0xE0 else None
    out.duration_s = span + (1 / rate if rate else 0.0)
    out.tags["mpegps.duration"] = "PTS span" + (f" + 1 frame at {rate:.3f} fps" if rate else "")
    return out
