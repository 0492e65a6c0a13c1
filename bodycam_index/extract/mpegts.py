"""MPEG transport streams (188-byte `.ts`, 192-byte AVCHD `.mts`/`.m2ts`).

Only a window at the start and one at the end of the file are read: the duration is the span of the program
clock (PCR, else video PTS) between them; the start time, make and GPS come from the AVCHD "MDPM" SEI message
in the H.264 stream; dash-cam streams that carry NMEA text (`$GPRMC`) give a GPS track.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

import pynmea2

from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from .reader import Reader, be_u16, be_u32

#: Bytes read at each end of the file.
WINDOW = 512 * 1024
MDPM_UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
#: H.264 MDPM maker codes (tag 0xE0).
MAKERS = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}
_PCR_WRAP = (1 << 33) * 300
_PTS_WRAP = 1 << 33
_RMC = re.compile(rb"\$G[PN]RMC,[^$\r\n\x00]{0,120}")
_KNOTS = 0.514444


@dataclass
class _Scan:
    """What one window of packets holds."""

    pcrs: list[int] = field(default_factory=list)
    pts: list[int] = field(default_factory=list)
    payloads: dict[int, bytearray] = field(default_factory=dict)
    lost_sync: int = 0


def _layout(head: bytes) -> tuple[int, int, int]:
    """(packet size, offset of the 0x47 sync byte in a packet, offset of the first packet)."""
    for packet, sync in ((188, 0), (192, 4)):
        for origin in range(min(packet, max(0, len(head) - sync - 2 * packet))):
            if all(head[origin + sync + i * packet] == 0x47 for i in range(3)):
                return packet, sync, origin
    raise ExtractError("not an MPEG transport stream (no 0x47 sync every 188 or 192 bytes)")


def _scan(data: bytes, packet: int, sync: int, pcr_pid: list[int], video_pid: list[int]) -> _Scan:
    """PCRs of the program-clock PID, PTSs of the video PID and every PID's payload bytes in `data`."""
    scan = _Scan()
    for start in range(0, len(data) - packet + 1, packet):
        ts = data[start + sync : start + sync + 188]
        if len(ts) < 188 or ts[0] != 0x47:
            scan.lost_sync += 1
            continue
        pid = ((ts[1] & 0x1F) << 8) | ts[2]
        control = (ts[3] >> 4) & 3
        pos = 4
        if control & 2:
            length = ts[4]
            if length >= 7 and ts[5] & 0x10:
                base = (be_u32(ts, 6) << 1) | (ts[10] >> 7)
                if not pcr_pid:
                    pcr_pid.append(pid)
                if pid == pcr_pid[0]:
                    scan.pcrs.append(base * 300 + (((ts[10] & 1) << 8) | ts[11]))
            pos = 5 + length
        if not control & 1 or pos >= 188:
            continue
        payload = ts[pos:]
        if ts[1] & 0x40 and payload[:3] == b"\x00\x00\x01" and len(payload) >= 14:
            if not video_pid and 0xE0 <= payload[3] <= 0xEF:
                video_pid.append(pid)
            if video_pid and pid == video_pid[0] and payload[7] & 0x80:
                p = payload[9:14]
                scan.pts.append(
                    ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
                )
        scan.payloads.setdefault(pid, bytearray()).extend(payload)
    return scan


def _span(first: int, last: int, wrap: int) -> int:
    """`last - first` on a clock that wraps at `wrap`."""
    return (last - first) % wrap


def _bcd(byte: int) -> int:
    """One BCD byte as an integer; ValueError when a nibble is not a digit."""
    hi, lo = byte >> 4, byte & 0x0F
    if hi > 9 or lo > 9:
        raise ValueError(f"not BCD: {byte:#04x}")
    return hi * 10 + lo


def _unescape(data: bytes) -> bytes:
    """Remove H.264 emulation-prevention bytes (00 00 03 → 00 00)."""
    return data.replace(b"\x00\x00\x03", b"\x00\x00")


def _rational(value: bytes) -> float | None:
    """An MDPM rational (u16 numerator, u16 denominator)."""
    den = be_u16(value, 2)
    return be_u16(value, 0) / den if den else None


def _dms(entries: dict[int, bytes], first: int) -> float | None:
    """Degrees from the three rational entries starting at tag `first`."""
    parts = [_rational(entries[t]) if t in entries else None for t in (first, first + 1, first + 2)]
    if any(p is None for p in parts):
        return None
    deg, minutes, seconds = parts
    return deg + minutes / 60 + seconds / 3600  # type: ignore[operator]


def parse_mdpm(data: bytes, out: Extraction) -> None:
    """Add the time, make and GPS of one MDPM payload (after the UUID and "MDPM") to `out`."""
    data = _unescape(data)
    if not data:
        out.warnings.append("empty MDPM message")
        return
    count = data[0]
    if len(data) < 1 + 5 * count:
        out.warnings.append("MDPM message truncated")
        count = (len(data) - 1) // 5
    entries = {data[1 + 5 * i]: data[2 + 5 * i : 6 + 5 * i] for i in range(count)}
    if 0x18 in entries and 0x19 in entries:
        _mdpm_time(entries[0x18], entries[0x19], out)
    if 0xE0 in entries:
        code = be_u16(entries[0xE0])
        out.tags["mts.mdpm.make"] = str(code)
        if code in MAKERS:
            out.identity = out.identity.merged(Identity(make=MAKERS[code]))
        if MAKERS.get(code) == "Sony":
            model = b"".join(entries.get(t, b"") for t in (0xE4, 0xE5, 0xE6)).split(b"\x00")[0]
            if model.strip():
                out.identity = out.identity.merged(Identity(model=model.decode("latin-1").strip()))
    _mdpm_gps(entries, out)


def _mdpm_time(date: bytes, clock: bytes, out: Extraction) -> None:
    """Tags 0x18 (zone byte, BCD year and month) and 0x19 (BCD day, hour, minute, second)."""
    zone = date[0]
    minutes = ((zone >> 1) & 0x0F) * 60 + (30 if zone & 1 else 0)
    sign = "-" if zone & 0x20 else "+"
    dst = " DST" if zone & 0x40 else ""
    try:
        year = _bcd(date[1]) * 100 + _bcd(date[2])
        fields = [_bcd(b) for b in (date[3], *clock)]
        tz = timezone(timedelta(minutes=-minutes if sign == "-" else minutes))
        stamp = datetime(year, *fields, tzinfo=tz)
    except ValueError as exc:
        out.warnings.append(f"MDPM date not understood: {date.hex()} {clock.hex()} ({exc})")
        return
    raw = f"{stamp:%Y:%m:%d %H:%M:%S}{sign}{minutes // 60:02d}:{minutes % 60:02d}{dst}"
    out.tags["mts.mdpm"] = raw
    note = "AVCHD MDPM, local time with its UTC offset" + (" (DST in effect)" if dst else "")
    out.times.append(TimeCandidate("mts.mdpm", stamp, "offset", note))


def _mdpm_gps(entries: dict[int, bytes], out: Extraction) -> None:
    """Tags 0xB1-0xBE: position, altitude, GPS time of day and status."""
    lat, lon = _dms(entries, 0xB2), _dms(entries, 0xB6)
    if lat is None or lon is None:
        return
    if entries.get(0xB1, b"N")[:1] == b"S":
        lat = -lat
    if entries.get(0xB5, b"E")[:1] == b"W":
        lon = -lon
    alt = _rational(entries[0xBA]) if 0xBA in entries else None
    if alt is not None and 0xB9 in entries and be_u32(entries[0xB9]):
        alt = -alt
    status = entries.get(0xBE, b"A")[:1].decode("latin-1")
    out.tags["mts.mdpm.gps"] = f"{lat:.7f},{lon:.7f} status {status}"
    if all(t in entries for t in (0xBB, 0xBC, 0xBD)):
        h, m, s = (_rational(entries[t]) for t in (0xBB, 0xBC, 0xBD))
        out.tags["mts.mdpm.gpstime"] = f"{h}:{m}:{s}"
        out.warnings.append("MDPM GPS time has no date; kept as a tag only")
    if status == "V" or (lat == 0 and lon == 0):
        out.dropped_fixes += 1
        return
    out.location = GpsFix(lat, lon, alt_m=alt, quality=status, source="mts.mdpm.gps")


def add_rmc_fixes(data: bytes, source: str, out: Extraction) -> None:
    """Add every valid NMEA RMC sentence found in `data` to `out.track` (invalid ones are counted)."""
    for match in _RMC.finditer(data):
        text = match.group().decode("ascii", "replace").strip()
        try:
            msg = pynmea2.parse(text)
            lat, lon, status = msg.latitude, msg.longitude, msg.status
            day, clock = msg.datestamp, msg.timestamp
            speed = float(msg.spd_over_grnd) * _KNOTS if msg.spd_over_grnd not in (None, "") else None
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError):
            out.warnings.append(f"unreadable NMEA sentence: {text[:40]!r}")
            continue
        if status != "A" or (lat == 0 and lon == 0) or not (abs(lat) <= 90 and abs(lon) <= 180):
            out.dropped_fixes += 1
            continue
        stamp = None
        if isinstance(day, date) and isinstance(clock, time):
            stamp = datetime.combine(day, clock).replace(tzinfo=UTC)
        out.track.append(GpsFix(lat, lon, t_utc=stamp, speed_mps=speed, quality="A", source=source))


def extract(reader: Reader) -> Extraction:
    """Duration, AVCHD start time, make and GPS of a transport stream."""
    packet, sync, origin = _layout(reader.read_upto(0, 1024))
    out = Extraction(container="mpegts")
    pcr_pid: list[int] = []
    video_pid: list[int] = []
    window = WINDOW - WINDOW % packet
    head = _scan(reader.read_upto(origin, window), packet, sync, pcr_pid, video_pid)
    tail_start = origin + max(window, (reader.size - origin - window) // packet * packet)
    tail = _Scan()
    if tail_start < reader.size:
        tail = _scan(reader.read_upto(tail_start, window), packet, sync, pcr_pid, video_pid)
    if head.lost_sync + tail.lost_sync:
        out.warnings.append(f"{head.lost_sync + tail.lost_sync} packets without a sync byte skipped")
    pcrs, pts = head.pcrs + tail.pcrs, head.pts + tail.pts
    if len(pcrs) >= 2 and pcrs[-1] != pcrs[0]:
        out.duration_s = _span(pcrs[0], pcrs[-1], _PCR_WRAP) / 27_000_000
        out.tags["mts.duration"] = "PCR span"
    elif len(pts) >= 2 and pts[-1] != pts[0]:
        out.duration_s = _span(min(pts[:8]), max(pts[-8:]), _PTS_WRAP) / 90_000
        out.tags["mts.duration"] = "video PTS span"
    else:
        out.warnings.append("fewer than two clock values; duration unknown")
    for payload in head.payloads.values():
        at = payload.find(MDPM_UUID)
        if at >= 0 and "mts.mdpm" not in out.tags:
            body = bytes(payload[at + len(MDPM_UUID) : at + len(MDPM_UUID) + 2 + 255 * 6])
            parse_mdpm(body, out)
    for scan in (head, tail):
        for payload in scan.payloads.values():
            add_rmc_fixes(bytes(payload), "mts.nmea", out)
    if out.track and out.location is None:
        out.location = out.track[0]
    return out
