"""MPEG-TS / AVCHD parser: the Canon AVCHD file from the corpus and transport streams built byte by byte."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import GROUNDTRUTH, MEDIA
from fuzz import mutated as fuzz_mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_freegps import type3, type16

from bodycam_index.extract import extract_media, mpegts
from bodycam_index.extract.freegps import KMH_MPS, KNOT_MPS
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction

UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66")


def escape(rbsp: bytes) -> bytes:
    """Insert H.264 emulation-prevention bytes (00 00 0x, x <= 3 → 00 00 03 0x)."""
    out, zeros = bytearray(), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def mdpm_sei(entries: list[tuple[int, bytes]]) -> bytes:
    """An Annex-B SEI NAL unit with a user_data_unregistered MDPM message."""
    body = UUID + b"MDPM" + bytes([len(entries)]) + b"".join(bytes([tag]) + value for tag, value in entries)
    return b"\x00\x00\x00\x01\x06" + escape(b"\x05" + bytes([len(body)]) + body + b"\x80")


def rational(num: int, den: int = 1) -> bytes:
    return struct.pack(">HH", num, den)


#: Sony-style MDPM: 2019-04-01 00:00:00, UTC-05:30 with DST flag; make Sony, model ILCE-7M3; GPS 40.5 N 73.99 W.
SONY_ENTRIES = [
    (0x18, bytes([0x6B, 0x20, 0x19, 0x04])),
    (0x19, bytes([0x01, 0x00, 0x00, 0x00])),  # needs emulation prevention
    (0xB1, b"N\x00\x00\x00"),
    (0xB2, rational(40)),
    (0xB3, rational(30)),
    (0xB4, rational(0)),
    (0xB5, b"W\x00\x00\x00"),
    (0xB6, rational(73)),
    (0xB7, rational(59)),
    (0xB8, rational(30)),
    (0xB9, b"\x00\x00\x00\x00"),
    (0xBA, rational(125, 10)),
    (0xBB, rational(5)),
    (0xBC, rational(30)),
    (0xBD, rational(1)),
    (0xBE, b"A\x00\x00\x00"),
    (0xE0, b"\x01\x08\x00\x00"),
    (0xE4, b"ILCE"),
    (0xE5, b"-7M3"),
    (0xE6, b"\x00\x00\x00\x00"),
]


def pcr_bytes(pcr: int) -> bytes:
    base, ext = divmod(pcr, 300)
    return ((base << 15) | (0x3F << 9) | ext).to_bytes(6, "big")


def packet(pid: int, payload: bytes = b"", pusi: bool = False, pcr: int | None = None) -> bytes:
    """One 188-byte TS packet; an adaptation field carries the PCR and the stuffing."""
    assert len(payload) <= 184
    adaptation = b""
    if pcr is not None or len(payload) < 184:
        fill = 184 - 1 - len(payload)
        content = b""
        if fill > 0:
            content = (b"\x10" + pcr_bytes(pcr)) if pcr is not None else b"\x00"
            content += b"\xff" * (fill - len(content))
        adaptation = bytes([fill]) + content
    control = (2 if adaptation else 0) | (1 if payload else 0)
    head = bytes([0x47, (0x40 if pusi else 0) | (pid >> 8), pid & 0xFF, control << 4])
    return head + adaptation + payload


def pes(pts: int, data: bytes) -> bytes:
    """A video PES packet header with a PTS, followed by `data`."""
    p = bytes([0x21 | ((pts >> 29) & 0x0E), (pts >> 22) & 0xFF, 0x01 | ((pts >> 14) & 0xFE),
               (pts >> 7) & 0xFF, 0x01 | ((pts << 1) & 0xFE)])
    return b"\x00\x00\x01\xe0\x00\x00\x80\x80\x05" + p + data


def nmea(body: str) -> bytes:
    check = 0
    for char in body.encode():
        check ^= char
    return f"${body}*{check:02X}\r\n".encode()


RMC_TEXT = nmea("GPRMC,050001.00,A,4030.000,N,07359.500,W,010.0,090.0,010419,,,A") + nmea(
    "GPRMC,050002.00,V,0000.000,N,00000.000,E,,,010419,,,N"
)


def synthetic_ts(filler: int = 20, entries: list[tuple[int, bytes]] = SONY_ENTRIES, gps: bytes = RMC_TEXT) -> bytes:
    """PCR 1.0 s at the start, an SEI with MDPM split over two packets, GPS text (NMEA), PCR 11.0 s at the end."""
    video = pes(90_000, mdpm_sei(entries) + b"\x00\x00\x00\x01\x65" + b"\x88" * 200)
    packets = [packet(0x100, pcr=27_000_000), packet(0x1011, video[:184], pusi=True)]
    packets += [packet(0x1011, video[i : i + 184]) for i in range(184, len(video), 184)]
    if gps:
        packets.append(packet(0x300, gps, pusi=True))
    packets += [packet(0x1FFF, b"\xff" * 184)] * filler
    packets.append(packet(0x100, pcr=11 * 27_000_000))
    return b"".join(packets)


def as_m2ts(data: bytes) -> bytes:
    """188-byte packets → 192-byte AVCHD packets with a 4-byte arrival timestamp."""
    return b"".join(b"\x00\x00\x00\x00" + data[i : i + 188] for i in range(0, len(data), 188))


def run(data: bytes) -> Extraction:
    return mpegts.extract(Reader.from_bytes(data))


@pytest.mark.corpus
def test_canon_avchd_mdpm_matches_ground_truth() -> None:
    name = "exiftool/M2TS.mts"
    with Reader.open(MEDIA / name) as reader:
        found = mpegts.extract(reader)
    truth = json.loads((GROUNDTRUTH / (name.replace("/", "__") + ".exiftool.json")).read_text())
    (when,) = found.times
    assert when.source == "mts.mdpm" and when.zone == "offset"
    assert when.value == datetime(2008, 12, 31, 23, 16, 24, tzinfo=timezone(timedelta(hours=1)))
    assert when.value.astimezone(UTC) == datetime(2008, 12, 31, 22, 16, 24, tzinfo=UTC)
    assert found.tags["mts.mdpm"] == truth["H264:DateTimeOriginal"] == "2008:12:31 23:16:24+01:00"
    assert found.identity.make == "Canon"
    assert found.tags["mts.mdpm.make"] == str(truth["H264:Make"]) == "4113"
    assert found.duration_s is None  # one PCR and one video PTS only (ExifTool: 0)


@pytest.mark.parametrize("avchd", [False, True], ids=["ts188", "m2ts192"])
def test_synthetic_ts_with_mdpm_pcr_and_nmea(avchd: bool) -> None:
    data = synthetic_ts()
    data = as_m2ts(data) if avchd else data
    found = run(data)
    assert found.container == "mpegts"
    assert found.duration_s == pytest.approx(10.0)
    (when,) = found.times
    assert when.zone == "offset"
    assert when.value.astimezone(UTC) == datetime(2019, 4, 1, 5, 30, tzinfo=UTC)
    assert found.tags["mts.mdpm"] == "2019:04:01 00:00:00-05:30 DST"
    assert found.identity.make == "Sony" and found.identity.model == "ILCE-7M3"
    loc = found.location
    assert loc is not None and loc.source == "mts.mdpm.gps"
    assert (loc.lat, round(loc.lon, 6), loc.alt_m) == (40.5, round(-(73 + 59 / 60 + 30 / 3600), 6), 12.5)
    assert found.tags["mts.mdpm.gpstime"] == "5.0:30.0:1.0"
    (fix,) = found.track
    assert fix.t_utc == datetime(2019, 4, 1, 5, 0, 1, tzinfo=UTC)
    assert (fix.lat, fix.lon) == (40.5, pytest.approx(-73.991667))
    assert found.dropped_fixes == 1


def test_synthetic_large_ts_without_gps_reads_only_both_ends() -> None:
    data = synthetic_ts(filler=3 * mpegts.WINDOW // 188, gps=b"")
    reader = Reader.from_bytes(data)
    found = mpegts.extract(reader)
    assert found.duration_s == pytest.approx(10.0) and found.track == []
    # the head window, then only the short tail: its last packet holds the last PCR
    assert reader.bytes_read <= mpegts.WINDOW + mpegts.SHORT_TAIL + 2048 < len(data)


def test_synthetic_ts_whose_last_clock_is_before_the_short_tail_reads_the_whole_tail_window() -> None:
    data = synthetic_ts(filler=3 * mpegts.WINDOW // 188, gps=b"")
    data += packet(0x1FFF, b"\xff" * 184) * (2 * mpegts.SHORT_TAIL // 188)
    reader = Reader.from_bytes(data)
    assert mpegts.extract(reader).duration_s == pytest.approx(10.0)
    assert mpegts.WINDOW + mpegts.SHORT_TAIL < reader.bytes_read <= 2 * mpegts.WINDOW + mpegts.SHORT_TAIL + 2048


def test_synthetic_ts_with_gps_and_a_short_middle_reads_the_middle_whole() -> None:
    data = synthetic_ts(filler=3 * mpegts.WINDOW // 188)
    reader = Reader.from_bytes(data)
    found = mpegts.extract(reader)
    assert len(found.track) == 1 and found.tags["mts.nmea.records"] == "2"
    assert not any("sampled" in w for w in found.warnings)
    assert len(data) - 1024 <= reader.bytes_read <= len(data) + 1024


def private_pes(data: bytes) -> bytes:
    """A private-stream-1 PES packet around `data`."""
    return b"\x00\x00\x01\xbd" + struct.pack(">H", len(data) + 3) + b"\x80\x00\x00" + data


def gps_ts(records: list[bytes], pid: int = 0x300, pes_wrap: bool = True, filler: int = 2) -> bytes:
    """PCR 0 s, then each record on `pid` (in a PES or bare, split over 184-byte packets), PCR 60 s at the end."""
    packets = [packet(0x100, pcr=0)] * 3
    for record in records:
        data = private_pes(record) if pes_wrap else record
        packets += [packet(pid, data[i:i + 184], pusi=pes_wrap and i == 0) for i in range(0, len(data), 184)]
        packets += [packet(0x1FFF, b"\xff" * 184)] * filler
    packets.append(packet(0x100, pcr=60 * 27_000_000))
    return b"".join(packets)


def test_synthetic_ts_embedded_freegps_blocks() -> None:
    blocks = [type3(13, 14, 15 + i, 21, 5130.5 + i / 100, 12015.0, 10.0) for i in range(4)]
    blocks.insert(2, type3(13, 14, 30, 21, 0.0, 0.0, 0.0, status=b"V"))
    blocks.append(type16(3345.0, 15112.0, 20.0))
    found = extract_media(Reader.from_bytes(gps_ts(blocks)))
    assert found.container == "mpegts" and found.duration_s == pytest.approx(60.0)
    assert len(found.track) == 5 and found.dropped_fixes == 1
    assert found.tags["mts.freegps.records"] == "6, layout type16-novatek, type3-viofo"
    first, last = found.track[0], found.track[-1]
    assert (first.lat, first.lon) == pytest.approx((51 + 30.5 / 60, -(120 + 15 / 60)), abs=1e-4)
    assert first.t_utc == datetime(2021, 4, 12, 13, 14, 15, tzinfo=UTC) and first.source == "mts.freegps"
    assert first.speed_mps == pytest.approx(10 * KNOT_MPS, rel=1e-6)
    assert found.track[3].t_utc == datetime(2021, 4, 12, 13, 14, 18, tzinfo=UTC)
    assert (last.lat, last.lon) == pytest.approx((-33.75, 151.2), abs=1e-4)
    assert last.t_utc == datetime(2023, 5, 6, 10, 20, 30, tzinfo=UTC)
    assert found.location == first


GPSINFO = b"$GPSINFO,0x0004,2021.08.09 13:27:%02d,2341.54561,12031.70135,8.0,51,153,0,0,\r$GSNRINFO,0.01,0.04,0.25\0"


def test_synthetic_ts_vsys_gpsinfo_text() -> None:
    records = [GPSINFO % 36, GPSINFO % 36, GPSINFO % 37,
               b"$GPSINFO,0x0001,2021.08.09 13:27:38,0.00000,0.00000,0.0,0,0,0,0,\r",
               GPSINFO.replace(b"2341.54561", b"2341.60000") % 39]
    found = extract_media(Reader.from_bytes(gps_ts(records, pid=0x1E4, pes_wrap=False)))
    assert len(found.track) == 3 and found.dropped_fixes == 1 and found.tags["mts.gpsinfo.records"] == "4"
    first, last = found.track[0], found.track[-1]
    assert (first.lat, first.lon) == pytest.approx((23 + 41.54561 / 60, 120 + 31.70135 / 60), abs=1e-9)
    assert (first.t_utc, first.t_offset_s, first.speed_mps) == (None, 0.0, pytest.approx(8 * KMH_MPS))
    assert (last.lat, last.t_offset_s) == (pytest.approx(23 + 41.6 / 60, abs=1e-9), 3.0)
    (when,) = found.times
    assert (when.source, when.value, when.zone) == ("mts.gpsinfo", datetime(2021, 8, 9, 13, 27, 36), "local")
    assert found.tags["mts.gpsinfo"].startswith("$GPSINFO,0x0004,2021.08.09 13:27:36,")
    odd = extract_media(Reader.from_bytes(gps_ts([GPSINFO.replace(b"0x0004", b"\x9b") % 36], pid=0x1E4)))
    assert odd.tags["mts.gpsinfo"].startswith("$GPSINFO,\ufffd,") and len(odd.track) == 1  # found by fuzzing


VIIDURE = (b"Viidure2026/04/16 01:01:%02d N:42.211424 W:88.320975 89.1 km/h 267.38 237.80 10 "
           b"x:-0.001 y:-0.001 z:-0.001\0\0\0\0")


def test_synthetic_ts_innovv_viidure_text() -> None:
    records = [VIIDURE % 2, VIIDURE.replace(b"N:42.211424", b"S:0.000000").replace(b"W:88.320975", b"E:0.0") % 3,
               VIIDURE.replace(b"88.320975", b"88.321975") % 4]
    found = extract_media(Reader.from_bytes(gps_ts(records)))
    assert len(found.track) == 2 and found.dropped_fixes == 1 and found.tags["mts.viidure.records"] == "3"
    first, last = found.track
    assert (first.lat, first.lon, first.alt_m) == (42.211424, -88.320975, 237.8)
    assert first.t_utc == datetime(2026, 4, 16, 1, 1, 2, tzinfo=UTC)
    assert first.speed_mps == pytest.approx(89.1 * KMH_MPS)
    assert (last.lon, last.t_utc) == (-88.321975, datetime(2026, 4, 16, 1, 1, 4, tzinfo=UTC))


def test_synthetic_long_ts_gps_is_sampled_in_bounded_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mpegts, "WINDOW", 188 * 40)
    monkeypatch.setattr(mpegts, "GPS_STEP", 188 * 10)
    monkeypatch.setattr(mpegts, "GPS_POINTS", 4)
    records = [VIIDURE.replace(b"01:01:%02d", b"%02d:%02d:%02d" % (i // 3600, i // 60 % 60, i % 60)) for i in range(600)]
    data = gps_ts(records, filler=30)
    reader = Reader.from_bytes(data)
    found = mpegts.extract(reader)
    assert reader.bytes_read <= 2 * 188 * 40 + 4 * mpegts.GPS_STEPS * 188 * 10 + 1024 < len(data) / 10
    note = next(w for w in found.warnings if "GPS runs through the file" in w)
    assert "sampled, not complete" in note
    times = [f.t_utc for f in found.track]
    assert times == sorted(times) and 7 <= len(times) < 60
    assert times[0] == datetime(2026, 4, 16, 0, 0, 0, tzinfo=UTC)
    assert times[-1] == datetime(2026, 4, 16, 0, 9, 59, tzinfo=UTC)
    assert {t.minute // 3 for t in times if t} == {0, 1, 2, 3}  # samples spread over the whole ten minutes


def test_synthetic_pcr_wraparound() -> None:
    wrap = (1 << 33) * 300
    data = packet(0x100, pcr=wrap - 27_000_000) + packet(0x1FFF, b"\xff" * 184) * 3 + packet(0x100, pcr=27_000_000)
    assert run(data).duration_s == pytest.approx(2.0)


def test_synthetic_mdpm_void_gps_is_dropped() -> None:
    entries = [e for e in SONY_ENTRIES if e[0] != 0xBE] + [(0xBE, b"V\x00\x00\x00")]
    found = run(synthetic_ts(entries=sorted(entries)))
    assert found.location is None or found.location.source != "mts.mdpm.gps"
    assert found.dropped_fixes == 2


def test_bad_bcd_date_is_a_warning() -> None:
    entries = [(0x18, bytes([0x02, 0x20, 0x0A, 0x13])), (0x19, bytes([0x31, 0x23, 0x16, 0x24]))]
    found = run(synthetic_ts(entries=entries))
    assert found.times == []
    assert any("MDPM date" in w for w in found.warnings)


def test_not_a_transport_stream() -> None:
    with pytest.raises(ExtractError):
        run(b"\x00" * 1000)


def mutated(data: bytes) -> st.SearchStrategy[bytes]:
    """Transport streams take a few more changes than the other formats' mutation tests."""
    return fuzz_mutated(data, max_changes=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(synthetic_ts(filler=2)), mutated(as_m2ts(synthetic_ts(filler=2))),
                 mutated(gps_ts([type3(1, 2, 3, 21, 5130.5, 12015.0, 1.0)] * 2, filler=0)),
                 mutated(gps_ts([GPSINFO % 1, GPSINFO % 2], pid=0x1E4, pes_wrap=False, filler=0)),
                 mutated(gps_ts([VIIDURE % 1, VIIDURE % 2], filler=0))))
def test_mutated_ts_gives_a_result_or_extract_error(data: bytes) -> None:
    try:
        found = run(data)
    except ExtractError:
        return
    assert isinstance(found, Extraction)
