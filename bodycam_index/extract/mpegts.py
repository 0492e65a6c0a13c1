"""MPEG transport streams (188-byte `.ts`, 192-byte AVCHD `.mts`/`.m2ts`).

A window at the start and one at the end of the file are read (at the end only its last 64 KiB when they hold a
clock value and no GPS is seen): the duration is the span of the program clock (PCR, else video PTS) between them; the start time, make and GPS come from the AVCHD "MDPM" SEI message
in the H.264 stream. Dash-cam streams carry GPS in a private PID (formats.md §5.3): NMEA text (`$GPRMC`),
embedded Novatek `freeGPS` blocks, vsys `$GPSINFO,` lines or Innovv `Viidure` text. When the two windows hold
such GPS, the middle of the file is sampled in bounded chunks, never read whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from .. import nmea
from ..coords import ddmm_to_deg, make_fix, valid_position
from ..model import ExtractError, Extraction, GpsFix, Identity, TimeCandidate
from . import freegps
from .freegps import KMH_MPS
from .reader import Reader, be_u16, be_u32

#: Bytes read at each end of the file.
WINDOW = 512 * 1024
#: Bytes read at the end first: enough for the last clock value when no GPS asks for the whole window.
SHORT_TAIL = 64 * 1024
MDPM_UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
#: H.264 MDPM maker codes (tag 0xE0).
MAKERS = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}
_PCR_WRAP = (1 << 33) * 300
_PTS_WRAP = 1 << 33
#: GPS between the two windows: up to GPS_POINTS places, each read in GPS_STEP pieces until GPS shows up
#: (at most GPS_STEPS pieces); a gap no longer than GPS_POINTS × GPS_STEP is read whole.
GPS_POINTS = 16
GPS_STEP = 256 * 1024
GPS_STEPS = 4
_NUM = rb"(-?\d{1,5}(?:\.\d{1,9})?)"
#: vsys: `$GPSINFO,flags,YYYY.MM.DD hh:mm:ss,DDMM.mmmmm,DDDMM.mmmmm,km/h,?,track,…` (camera clock, zone unknown).
_GPSINFO = re.compile(rb"\$GPSINFO,[^,\r\n]{0,16},(\d{4})\.(\d\d)\.(\d\d) (\d\d):(\d\d):(\d\d),"
                      + _NUM + b"," + _NUM + b"," + _NUM + b",")
#: Innovv N2: `Viidure2026/04/16 01:01:02 N:42.211424 W:88.320975 89.1 km/h 267.38 237.80 …` (UTC, decimal).
_VIIDURE = re.compile(rb"Viidure(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d) ([NS]):" + _NUM + b" ([EW]):" + _NUM
                      + b" " + _NUM + b" km/h " + _NUM + b" " + _NUM)
#: Literal marks of the GPS kinds above (searched with `bytes.find`, several times faster than one alternation).
_GPS_LITERALS = (b"$GPRMC,", b"$GNRMC,", b"$GPSINFO,", freegps.MAGIC)


def _gps_marked(payload: bytes | bytearray) -> bool:
    """Whether a payload holds one of the GPS kinds read here (`Viidure` counts only before a digit)."""
    if any(payload.find(mark) >= 0 for mark in _GPS_LITERALS):
        return True
    at = payload.find(b"Viidure")
    while at >= 0:
        if payload[at + 7 : at + 8].isdigit():
            return True
        at = payload.find(b"Viidure", at + 7)
    return False


@dataclass
class _Scan:
    """What one window of packets holds."""

    pcrs: list[int] = field(default_factory=list)
    pts: list[int] = field(default_factory=list)
    payloads: dict[int, bytearray] = field(default_factory=dict)
    lost_sync: int = 0
    gps: bool | None = None  # whether a payload holds GPS, once asked


@dataclass
class _Gps:
    """Dash-cam GPS found so far: counts per kind for the tags, the first vsys time, freeGPS layouts."""

    counts: dict[str, int] = field(default_factory=dict)
    layouts: set[str] = field(default_factory=set)
    first_local: datetime | None = None
    last_gpsinfo: tuple[bytes, ...] = ()


def _layout(head: bytes) -> tuple[int, int, int]:
    """(packet size, offset of the 0x47 sync byte in a packet, offset of the first packet)."""
    for packet, sync in ((188, 0), (192, 4)):
        for origin in range(min(packet, max(0, len(head) - sync - 2 * packet))):
            if all(head[origin + sync + i * packet] == 0x47 for i in range(3)):
                return packet, sync, origin
    raise ExtractError("not an MPEG transport stream (no 0x47 sync every 188 or 192 bytes)")


def _scan(data: bytes, packet: int, sync: int, pcr_pid: list[int], video_pid: list[int]) -> _Scan:
    """PCRs of the program-clock PID, PTSs of the video PID and every PID's payload bytes in `data`.

    The loop indexes `data` directly (no per-packet slice but the payload's): it is the hot path of a TS file."""
    scan = _Scan()
    payloads = scan.payloads
    for ts in range(sync, len(data) - packet + sync + 1, packet):  # ts: offset of the packet's sync byte
        if data[ts] != 0x47:
            scan.lost_sync += 1
            continue
        flags = data[ts + 1]
        pid = ((flags & 0x1F) << 8) | data[ts + 2]
        control = data[ts + 3] >> 4 & 3
        pos = ts + 4
        if control & 2:
            length = data[ts + 4]
            if length >= 7 and data[ts + 5] & 0x10:
                if not pcr_pid:
                    pcr_pid.append(pid)
                if pid == pcr_pid[0]:
                    p = data[ts + 6 : ts + 12]
                    base = (p[0] << 25 | p[1] << 17 | p[2] << 9 | p[3] << 1) | (p[4] >> 7)
                    scan.pcrs.append(base * 300 + (((p[4] & 1) << 8) | p[5]))
            pos = ts + 5 + length
        end = ts + 188
        if not control & 1 or pos >= end:
            continue
        if flags & 0x40 and end - pos >= 14 and data[pos] == 0 and data[pos + 1] == 0 and data[pos + 2] == 1:
            if not video_pid and 0xE0 <= data[pos + 3] <= 0xEF:
                video_pid.append(pid)
            if video_pid and pid == video_pid[0] and data[pos + 7] & 0x80:
                p = data[pos + 9 : pos + 14]
                scan.pts.append(((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1)
        found = payloads.get(pid)
        if found is None:
            payloads[pid] = bytearray(data[pos:end])
        else:
            found += data[pos:end]
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
    if status == "V" or not valid_position(lat, lon):
        out.dropped_fixes += 1
        return
    out.location = GpsFix(lat, lon, alt_m=alt, quality=status, source="mts.mdpm.gps")


def add_rmc_fixes(data: bytes, source: str, out: Extraction) -> None:
    """Add every valid NMEA RMC fix found in `data` to `out.track` (void ones are counted, unreadable ones warned)."""
    found = nmea.parse(data, source)
    out.track.extend(found.fixes)
    out.dropped_fixes += found.dropped
    if found.unreadable:
        out.warnings.append(f"{found.unreadable} NMEA sentences could not be read")


def _count(gps: _Gps, kind: str) -> None:
    gps.counts[kind] = gps.counts.get(kind, 0) + 1


def _add_fix(out: Extraction, fix: GpsFix | None) -> None:
    if fix is None:
        out.dropped_fixes += 1
    else:
        out.track.append(fix)


def _add_gps(payload: bytes, out: Extraction, gps: _Gps) -> None:
    """Add the GPS in one PID's payload: NMEA RMC, freeGPS blocks, vsys `$GPSINFO,` and Innovv `Viidure` text."""
    if not _gps_marked(payload):
        return
    before = len(out.track) + out.dropped_fixes
    add_rmc_fixes(payload, "mts.nmea", out)
    gps.counts["nmea"] = gps.counts.get("nmea", 0) + len(out.track) + out.dropped_fixes - before
    _freegps_blocks(payload, out, gps)
    for match in _GPSINFO.finditer(payload):
        if match.groups()[:6] != gps.last_gpsinfo:  # the camera repeats a record until the next fix
            gps.last_gpsinfo = match.groups()[:6]
            _gpsinfo(match, out, gps)
    for match in _VIIDURE.finditer(payload):
        _count(gps, "viidure")
        stamp = _clock(match.groups()[:6], UTC)
        lat = float(match[8]) * (-1 if match[7] == b"S" else 1)
        lon = float(match[10]) * (-1 if match[9] == b"W" else 1)
        fix = make_fix(lat, lon, "mts.viidure", stamp, alt_m=float(match[13]), speed_mps=float(match[11]) * KMH_MPS)
        _add_fix(out, fix if stamp else None)


def _clock(fields: tuple[bytes, ...], tz: timezone | None) -> datetime | None:
    """A datetime from six digit groups, None when they are not a valid date and time."""
    try:
        return datetime(*(int(f) for f in fields), tzinfo=tz)  # type: ignore[misc]
    except ValueError:
        return None


def _gpsinfo(match: re.Match[bytes], out: Extraction, gps: _Gps) -> None:
    """One vsys record: camera-clock time of an undocumented zone, DDMM position without hemisphere, km/h."""
    _count(gps, "gpsinfo")
    local = _clock(match.groups()[:6], None)
    if local is None:
        out.dropped_fixes += 1
        return
    if gps.first_local is None:
        gps.first_local = local
        out.tags["mts.gpsinfo"] = match.group().decode("ascii", "replace")
        out.times.append(TimeCandidate("mts.gpsinfo", local, "local",
                                       "first vsys $GPSINFO record read (camera clock, zone not documented)"))
    offset = (local - gps.first_local).total_seconds()
    lat, lon = ddmm_to_deg(float(match[7])), ddmm_to_deg(float(match[8]))
    _add_fix(out, make_fix(lat, lon, "mts.gpsinfo", None, offset, speed_mps=float(match[9]) * KMH_MPS))


def _freegps_blocks(payload: bytes, out: Extraction, gps: _Gps) -> None:
    """Decode the Novatek `freeGPS ` blocks embedded in a payload with freegps.py's layouts."""
    at = payload.find(freegps.MAGIC, 4)
    while at >= 0 and gps.counts.get("freegps", 0) < freegps.MAX_BLOCKS:
        start = at - 4
        decoded = freegps.decode_block(bytes(payload[start:start + min(be_u32(payload, start), freegps.MAX_BLOCK)]))
        at = payload.find(freegps.MAGIC, at + len(freegps.MAGIC))
        if decoded is None:
            continue
        _count(gps, "freegps")
        gps.layouts.add(decoded.layout)
        out.track.extend(GpsFix(f.lat, f.lon, f.t_utc, None, f.alt_m, f.speed_mps, f.quality, "mts.freegps")
                         for f in decoded.fixes)
        out.dropped_fixes += decoded.dropped
        if decoded.warning and decoded.warning not in out.warnings:
            out.warnings.append(decoded.warning)
        if decoded.local_time is not None and not any(t.source == "mts.freegps.localtime" for t in out.times):
            out.times.append(TimeCandidate("mts.freegps.localtime", decoded.local_time, "local",
                                           f"{decoded.layout} camera clock of the first block read"))


def _gps_scan(reader: Reader, pos: int, length: int, packet: int, sync: int) -> _Scan:
    """A scan of `length` bytes at `pos` that keeps only the payloads that hold GPS."""
    scan = _scan(reader.read_upto(pos, length), packet, sync, [], [])
    scan.payloads = {pid: p for pid, p in scan.payloads.items() if _gps_marked(p)}
    return scan


def _sample_middle(reader: Reader, start: int, end: int, packet: int, sync: int) -> tuple[list[_Scan], str | None]:
    """Scans of the part of the file between the two windows, read whole when short, else sampled; and a note."""
    gap = end - start
    if gap <= 0:
        return [], None
    step = GPS_STEP - GPS_STEP % packet
    if gap <= GPS_POINTS * step:
        return [_gps_scan(reader, pos, min(step, end - pos), packet, sync) for pos in range(start, end, step)], None
    scans: list[_Scan] = []
    read = 0
    for point in range(GPS_POINTS):
        pos = start + (gap * (2 * point + 1) // (2 * GPS_POINTS)) // packet * packet
        for _ in range(GPS_STEPS):
            scan = _gps_scan(reader, pos, min(step, end - pos), packet, sync)
            scans.append(scan)
            read += min(step, end - pos)
            pos += step
            if pos >= end or scan.payloads:
                break
    note = (f"GPS runs through the file: {read // 1024} KiB read at {GPS_POINTS} places between the first and last "
            f"{WINDOW // 1024} KiB; the track between them is sampled, not complete")
    return scans, note


def _has_gps(scan: _Scan) -> bool:
    if scan.gps is None:
        scan.gps = any(_gps_marked(p) for p in scan.payloads.values())
    return scan.gps


def _read_tail(reader: Reader, tail_start: int, packet: int, sync: int, pcr_pid: list[int], video_pid: list[int],
               head: _Scan) -> _Scan:
    """The scan of the last window: only its last SHORT_TAIL bytes when they hold the clock the head has (the
    duration needs only the last value) and neither holds GPS, else the whole window."""
    window = reader.size - tail_start
    short = SHORT_TAIL - SHORT_TAIL % packet
    if window > short and not _has_gps(head):
        start = tail_start + (window - short) // packet * packet
        tail = _scan(reader.read_upto(start, short), packet, sync, pcr_pid, video_pid)
        if (tail.pcrs if head.pcrs else tail.pts) and not _has_gps(tail):
            return tail
    return _scan(reader.read_upto(tail_start, window), packet, sync, pcr_pid, video_pid)


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
        tail = _read_tail(reader, tail_start, packet, sync, pcr_pid, video_pid, head)
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
    scans = [head]
    if _has_gps(head) or _has_gps(tail):
        middle, note = _sample_middle(reader, origin + window, tail_start, packet, sync)
        scans += middle
        if note:
            out.warnings.append(note)
    gps = _Gps()
    for scan in [*scans, tail]:
        for payload in scan.payloads.values():
            _add_gps(bytes(payload), out, gps)
    for kind, count in gps.counts.items():
        if count:
            layouts = f", layout {', '.join(sorted(gps.layouts))}" if kind == "freegps" else ""
            out.tags.setdefault(f"mts.{kind}.records", f"{count}{layouts}")
    if out.track and out.location is None:
        out.location = out.track[0]
    return out
