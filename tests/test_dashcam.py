"""Dash-cam GPS inside MP4: each format built byte by byte as a small synthetic MP4 (formats.md §2.2-§2.8),
round-tripped through `isobmff.extract`, plus unit tests of the record decoders and a mutation test."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_freegps import XGODY, type1, type3, type4, type16, type18

from bodycam_index.extract import isobmff
from bodycam_index.extract.dashcam import (
    GARMIN_UUID,
    blackvue_nmea,
    camm_samples,
    camm_time,
    garmin_records,
    gps0_records,
    mai70_records,
    text_samples,
)
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction, TimeCandidate

RMC_A = b"$GPRMC,201205.00,A,3853.16949,N,07659.54604,W,5.849,284.43,070621,,,D*76"
RMC_B = b"$GPRMC,201207.00,A,3853.20000,N,07659.60000,W,6.000,284.43,070621,,,D*00"


def box(kind: bytes, payload: bytes = b"") -> bytes:
    """One ISO-BMFF box."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mvhd() -> bytes:
    """A v0 mvhd: created 2021-06-07 16:12:00 (1904 epoch), timescale 1000, 10 s."""
    created = int((datetime(2021, 6, 7, 16, 12) - datetime(1904, 1, 1)).total_seconds())
    return box(b"mvhd", struct.pack(">4xIIII", created, created, 1000, 10_000).ljust(100, b"\0"))


def trak(handler: bytes, fmt: bytes, samples: list[tuple[int, int]], timescale: int = 1000, delta: int = 1000
         ) -> bytes:
    """A track whose samples (absolute offset, size) last `delta` each, one sample per chunk."""
    n = len(samples)
    stbl = box(b"stbl", box(b"stsd", struct.pack(">4xII4s8x", 1, 16, fmt))
               + box(b"stts", struct.pack(">4xIII", 1, n, delta))
               + box(b"stsc", struct.pack(">4xIIII", 1, 1, 1, 1))
               + box(b"stsz", struct.pack(">4xII", 0, n) + b"".join(struct.pack(">I", s) for _, s in samples))
               + box(b"stco", struct.pack(">4xI", n) + b"".join(struct.pack(">I", o) for o, _ in samples)))
    mdia = box(b"mdia", box(b"mdhd", struct.pack(">4xIIII4x", 0, 0, timescale, n * delta))
               + box(b"hdlr", struct.pack(">4x4s4s12x", b"\0\0\0\0", handler) + b"Test\0")
               + box(b"minf", stbl))
    return box(b"trak", mdia)


def mp4(payloads: list[bytes], moov_extra: bytes | Callable[[list[tuple[int, int]]], bytes] = b"",
        tracks: Sequence[tuple[bytes, bytes]] = (),
        after: bytes = b"") -> tuple[bytes, list[tuple[int, int]]]:
    """ftyp + mdat(payloads) + moov(mvhd, extra, tracks over all payloads) + `after`, and the payload places.

    `moov_extra` may be a function of the places (for a `gps ` index)."""
    ftyp = box(b"ftyp", b"isom\0\0\0\0isom")
    places, pos = [], len(ftyp) + 8
    for data in payloads:
        places.append((pos, len(data)))
        pos += len(data)
    mdat = box(b"mdat", b"".join(payloads))
    extra = moov_extra(places) if callable(moov_extra) else moov_extra
    traks = b"".join(trak(handler, fmt, places) for handler, fmt in tracks)
    return ftyp + mdat + box(b"moov", mvhd() + extra + traks) + after, places


def extract(data: bytes) -> Extraction:
    """Run the MP4 parser (which calls the dash-cam hook) over bytes."""
    return isobmff.extract(Reader.from_bytes(data))


def candidate(extraction: Extraction, source: str) -> TimeCandidate:
    """The one time candidate from `source`."""
    (found,) = [t for t in extraction.times if t.source == source]
    return found


# --- freeGPS ---------------------------------------------------------------------------------------------------


def gps_index(places: list[tuple[int, int]]) -> bytes:
    """A `moov/gps ` index over the given blocks (with an N larger than the entries, which must be capped)."""
    return box(b"gps ", struct.pack(">II", 0x101, len(places) + 1000)
               + b"".join(struct.pack(">II", o, s) for o, s in places))


def test_synthetic_freegps_index_viofo_type3() -> None:
    blocks = [type3(13, 14, 15 + i, 21, 5130.5 + i / 100, 12015.0, 10.0) for i in range(5)]
    blocks[2] = type3(13, 14, 17, 21, 0.0, 0.0, 0.0, status=b"V")
    ex = extract(mp4(blocks, gps_index)[0])
    assert len(ex.track) == 4 and ex.dropped_fixes == 1
    first, last = ex.track[0], ex.track[-1]
    assert (first.lat, first.lon) == pytest.approx((51.508333, -120.25), abs=1e-4)
    assert (last.lat, last.t_offset_s) == pytest.approx((ddmm(5130.54), 4.0), abs=1e-4)
    assert first.t_utc == datetime(2021, 4, 12, 13, 14, 15, tzinfo=UTC)
    assert last.t_utc == datetime(2021, 4, 12, 13, 14, 19, tzinfo=UTC)
    assert candidate(ex, "freegps.gps").value == datetime(2021, 4, 12, 13, 14, 15, tzinfo=UTC)
    assert ex.tags["freegps.index"] == "version 0x101, 5 entries"


def ddmm(value: float) -> float:
    """DDMM.MMMM to degrees, for expected values."""
    return int(value / 100) + (value - 100 * int(value / 100)) / 60


AZDOME = [type1(b"2018092422492%d" % i, b"%08d" % (40464350 + 100 * i), b"007040308") for i in range(3)]
EACE = [type4(b"2341.5456%d" % i, b"12031.70135") for i in range(3)]
XGODY_BLOCKS = [type18(XGODY.replace(b":29 N:42.382470", b":3%d N:42.38247%d" % (i, i))) for i in range(3)]


@pytest.mark.parametrize(("blocks", "layout", "first", "last", "t0"), [
    (AZDOME, "type1-azdome", (40 + 46.435 / 60, -(7 + 4.0308 / 60)), (40 + 46.455 / 60, -(7 + 4.0308 / 60)),
     datetime(2018, 9, 24, 22, 49, 20, tzinfo=UTC)),
    (EACE, "type4-eace", (23 + 41.54560 / 60, 120 + 31.70135 / 60), (23 + 41.54562 / 60, 120 + 31.70135 / 60),
     datetime(2024, 8, 16, 8, 34, 1, tzinfo=UTC)),
    (XGODY_BLOCKS, "type18-xgody", (42.38247, -83.38957), (42.382472, -83.38957),
     datetime(2024, 5, 22, 2, 54, 30, tzinfo=UTC)),
], ids=["type1", "type4", "type18"])
def test_synthetic_freegps_text_layouts_in_mp4(blocks: list[bytes], layout: str, first: tuple[float, float],
                                               last: tuple[float, float], t0: datetime) -> None:
    ex = extract(mp4(blocks, gps_index)[0])
    assert len(ex.track) == 3 and ex.dropped_fixes == 0
    assert ex.tags["freegps.blocks"] == f"3 blocks, layout {layout}"
    assert (ex.track[0].lat, ex.track[0].lon) == pytest.approx(first, abs=1e-9)
    assert (ex.track[-1].lat, ex.track[-1].lon) == pytest.approx(last, abs=1e-9)
    assert ex.track[0].t_utc == t0 and candidate(ex, "freegps.gps").value == t0
    assert ex.track[-1].t_offset_s == 2.0


def test_synthetic_freegps_encrypted_type4_is_a_warning() -> None:
    ex = extract(mp4([type4(b"gNiiZ8JTtHca6tw=", b"htuiZMJSsXUX7No=")] * 2, gps_index)[0])
    assert ex.track == [] and ex.dropped_fixes == 0
    assert sum("encrypted" in w for w in ex.warnings) == 1


def test_synthetic_freegps_kenwood_local_time_candidate() -> None:
    blocks = [type3(9, 0, i, 2024, 3500.0, 13930.0, 0.0, shift=48) for i in range(3)]
    ex = extract(mp4(blocks, gps_index)[0])
    assert len(ex.track) == 3 and all(f.t_utc is None for f in ex.track)
    local = candidate(ex, "freegps.localtime")
    assert (local.value, local.zone) == (datetime(2024, 4, 12, 9, 0, 0), "local")
    assert not [t for t in ex.times if t.source == "freegps.gps"]


def test_synthetic_freegps_scan_without_index_transcend_body() -> None:
    blocks = [type16(51.5 + i / 1000, 0.1, 36.0, year=2023, head=0x400000) for i in range(4)]
    ex = extract(mp4([b"\x01" * 1000 + blocks[0], b"\x02" * 333 + blocks[1], blocks[2], blocks[3]])[0])
    assert len(ex.track) == 4
    assert (ex.track[0].lat, ex.track[0].lon) == pytest.approx((-51.5, 0.1), abs=1e-5)
    assert ex.track[-1].lat == pytest.approx(-51.503, abs=1e-5)
    assert ex.track[0].t_utc == datetime(2023, 5, 6, 10, 20, 30, tzinfo=UTC)
    assert ex.tags["freegps.scan"] == "4 blocks, layout type17-transcend-body"


def video_with_blocks(blocks: list[bytes], chunk: int = 200_000) -> bytes:
    """ftyp + mdat(chunk, block, chunk, block …) + moov with a video track over the chunks only, as INNOVV/XGODY
    cameras write unindexed freeGPS blocks."""
    ftyp = box(b"ftyp", b"isom\0\0\0\0isom")
    body, chunks, pos = b"", [], len(ftyp) + 8
    for blk in blocks or [b""]:
        chunks.append((pos, chunk))
        body += b"\x07" * chunk + blk
        pos += chunk + len(blk)
    return ftyp + box(b"mdat", body) + box(b"moov", mvhd() + trak(b"vide", b"avc1", chunks))


def test_synthetic_freegps_between_video_chunks_reads_only_the_blocks() -> None:
    blocks = [type16(4000.0 + i, 7400.0, 1.0) for i in range(5)]
    reader = Reader.from_bytes(video_with_blocks(blocks))
    ex = isobmff.extract(reader)
    assert len(ex.track) == 5 and ex.tags["freegps.scan"] == "5 blocks, layout type16-novatek"
    assert (ex.track[4].lat, ex.track[4].lon) == pytest.approx((-(40 + 4 / 60), 74.0), abs=1e-4)
    moov = reader.size - (len(box(b"ftyp", b"isom\0\0\0\0isom")) + 8 + 5 * (200_000 + len(blocks[0])))
    assert reader.bytes_read <= moov + 5 * (len(blocks[0]) + 12) + 1024  # the moov, the blocks, box headers


def test_synthetic_mdat_covered_by_sample_tables_is_not_read() -> None:
    reader = Reader.from_bytes(video_with_blocks([], chunk=2_000_000))
    ex = isobmff.extract(reader)
    assert not ex.track and "freegps.scan" not in ex.tags
    assert reader.bytes_read < 4096


def test_synthetic_gpmd_nongopro_with_freegps_blocks() -> None:
    blocks = [type16(4000.0 + i, 7400.0, 1.0) for i in range(3)]
    ex = extract(mp4(blocks, tracks=[(b"meta", b"gpmd")])[0])
    assert len(ex.track) == 3 and ex.tags["gpmd.freegps"] == "3 blocks, layout type16-novatek"
    assert (ex.track[2].lat, ex.track[2].lon) == pytest.approx((-(40 + 2 / 60), 74.0), abs=1e-4)


def test_synthetic_gpmd_unknown_payload_is_left_with_warning() -> None:
    ex = extract(mp4([b"FMAS" + b"\x07" * 60] * 2, tracks=[(b"meta", b"gpmd")])[0])
    assert ex.track == [] and any("gpmd track is neither" in w for w in ex.warnings)


# --- BlackVue --------------------------------------------------------------------------------------------------

STTM_MS = 1623081125000  # 2021-06-07 15:52:05 camera local


def blackvue_free(cprt: bytes) -> bytes:
    """A Pittasoft top-level `free` box: cprt, sttm, gps (NMEA with [ms] prefixes)."""
    nmea = (b"[%d]" % (STTM_MS + 1000) + RMC_A + b"\r\n"
            + b"[%d]$GPGGA,201205.00,3853.16949,N,07659.54604,W,1,08,1.0,12.3,M,-33.0,M,,*00\r\n" % (STTM_MS + 1000)
            + b"[%d]" % (STTM_MS + 2000) + RMC_A.replace(b",A,", b",V,") + b"\r\n"
            + b"[%d]" % (STTM_MS + 3000) + RMC_B + b"\r\n")
    return box(b"free", box(b"cprt", cprt) + box(b"sttm", struct.pack(">q", STTM_MS)) + box(b"gps ", nmea))


def test_synthetic_blackvue_text_cprt() -> None:
    cprt = b"Pittasoft Co., Ltd.;DR900S-1CH;1.008;English;1;D90SS1HAE00661;T69;\0"
    ex = extract(mp4([b"\0" * 32], after=blackvue_free(cprt))[0])
    assert ex.identity.model == "DR900S-1CH" and ex.identity.serial == "D90SS1HAE00661"
    assert ex.identity.firmware == "1.008"
    assert len(ex.track) == 2 and ex.dropped_fixes == 1
    first, last = ex.track
    assert (first.lat, first.lon, first.alt_m, first.t_offset_s) == pytest.approx(
        (38.886158, -76.992434, 12.3, 1.0), abs=1e-6)
    assert (last.lat, last.lon, last.t_offset_s) == pytest.approx((38.886667, -76.993333, 3.0), abs=1e-6)
    assert last.t_utc == datetime(2021, 6, 7, 20, 12, 7, tzinfo=UTC)
    sttm = candidate(ex, "blackvue.sttm")
    assert (sttm.value, sttm.zone) == (datetime(2021, 6, 7, 15, 52, 5), "local")
    assert candidate(ex, "blackvue.gps").value == datetime(2021, 6, 7, 20, 12, 4, tzinfo=UTC)


def test_synthetic_blackvue_json_cprt() -> None:
    cprt = json.dumps({"model": "DR900X Plus", "ver": 0.918, "lang": "English", "psn": "DR9XP12345", "GPS": 1})
    ex = extract(mp4([b"\0" * 32], after=blackvue_free(cprt.encode()))[0])
    assert ex.identity.model == "DR900X Plus"
    assert (ex.identity.serial, ex.identity.firmware) == ("DR9XP12345", "0.918")
    assert ex.tags["blackvue.cprt"].startswith("{")


def test_blackvue_nmea_offsets_from_first_line_without_sttm() -> None:
    fixes, dropped = blackvue_nmea(b"[5000]" + RMC_A + b"\n[7000]" + RMC_B, None)
    assert [f.t_offset_s for f in fixes] == [0.0, 2.0] and dropped == 0


# --- 70mai, Garmin, Nextbase -----------------------------------------------------------------------------------


def mai70_record(seconds: int, lat: int, lon: int, speed: int = 36_000, ns: bytes = b"N", ew: bytes = b"E"
                 ) -> bytes:
    """One 36-byte 70mai record (DDMM×1000, km/h×1000)."""
    return struct.pack("<4Ic I c I", 1, 1, seconds, speed, ns, lat, ew, lon).ljust(36, b"\0")


def test_synthetic_70mai_gps_box() -> None:
    records = [mai70_record(i, 5211435 + i, 2047369 + i) for i in range(61)] + [mai70_record(61, 0, 0)]
    ex = extract(mp4([b"\0" * 16], after=box(b"GPS ", b"".join(records) + b"\0" * 36))[0])
    assert len(ex.track) == 61 and ex.dropped_fixes == 1
    assert (ex.track[0].lat, ex.track[0].lon) == pytest.approx((52.1905833, 20.7894833), abs=1e-6)
    assert ex.track[-1].t_offset_s == 60.0 and ex.track[-1].t_utc is None
    assert ex.track[0].speed_mps == pytest.approx(10.0)
    assert ex.identity.make == "70mai"
    assert not [t for t in ex.times if t.source.startswith("70mai")]


@pytest.mark.parametrize("cut", [0, 17, 35])
def test_synthetic_70mai_truncated_gps_box_keeps_the_records_that_fit(cut: int) -> None:
    """A file cut inside its `GPS ` box (a dash cam losing power): the whole records before the cut are read,
    a warning says how much is missing, and the mvhd time and duration are kept."""
    records = b"".join(mai70_record(i, 5211435 + i, 2047369 + i) for i in range(10))
    whole = mp4([b"\0" * 16], after=box(b"GPS ", records))[0]
    data = whole[: len(whole) - 4 * 36 - cut]  # the last four records (and `cut` bytes of the sixth) lost
    ex = extract(data)
    fits = 6 if cut == 0 else 5
    assert len(ex.track) == fits and ex.track[-1].t_offset_s == fits - 1
    assert (ex.track[0].lat, ex.track[0].lon) == pytest.approx((52.1905833, 20.7894833), abs=1e-6)
    assert [w for w in ex.warnings if "truncated" in w] == [
        (f"truncated file: box 'GPS ' at byte {len(whole) - len(records) - 8} lacks its last {4 * 36 + cut} bytes;"
         " read what is there")]
    assert ex.duration_s == 10.0
    assert [t.value for t in ex.times if t.source == "mp4.mvhd.creation"] == [datetime(2021, 6, 7, 16, 12)]


def test_synthetic_truncated_moov_is_still_an_error() -> None:
    whole = mp4([b"\0" * 16])[0]
    with pytest.raises(ExtractError, match="box 'moov' .* claims"):
        extract(whole[:-10])


def test_synthetic_damaged_box_in_moov_keeps_the_boxes_before_it() -> None:
    """A damaged box after mvhd (as in the 70mai fuzzer seeds: a 64-bit size of 0): mvhd is kept, with a warning;
    damage before any readable box is an error."""
    damaged = box(b"moov", mvhd() + struct.pack(">I4sQ", 1, b"trak", 0))
    ex = extract(box(b"ftyp", b"isom\0\0\0\0isom") + damaged)
    assert ex.duration_s == 10.0
    assert any("the rest of 'moov' not read" in w for w in ex.warnings)
    with pytest.raises(ExtractError, match="smaller than its header"):
        extract(box(b"ftyp", b"isom\0\0\0\0isom") + box(b"moov", struct.pack(">I4sQ", 1, b"trak", 0)))


def garmin_record(when: datetime, lat: float, lon: float, mph: int = 30) -> bytes:
    """One 20-byte BE Garmin record (1904 epoch, semicircles)."""
    seconds = int((when - datetime(1904, 1, 1, tzinfo=UTC)).total_seconds())
    return struct.pack(">IH6xii", seconds, mph, round(lat * 2**31 / 180), round(lon * 2**31 / 180))


def test_synthetic_garmin_uuid() -> None:
    t0 = datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC)
    records = [garmin_record(t0 + timedelta(seconds=i), 45.0 + i / 1000, -93.0) for i in range(5)]
    records.insert(2, struct.pack(">IH6xII", 0, 0, 0x80000000, 0x80000000))
    ex = extract(mp4([b"\0" * 16], after=box(b"uuid", GARMIN_UUID + b"\0" * 17 + b"".join(records)))[0])
    assert len(ex.track) == 5 and ex.dropped_fixes == 1
    assert (ex.track[0].lat, ex.track[0].lon) == pytest.approx((45.0, -93.0), abs=1e-6)
    assert ex.track[-1].t_utc == t0 + timedelta(seconds=4) and ex.track[-1].t_offset_s == 4.0
    assert ex.track[0].speed_mps == pytest.approx(30 * 0.44704)
    assert ex.identity.make == "Garmin" and candidate(ex, "garmin.gps").value == t0


def gps0_record(when: datetime, lat: float, lon: float, alt: int = 123, kmh: int = 36) -> bytes:
    """One 32-byte LE DuDuBell/VSYS record: DDMM doubles, int32 altitude, u16 km/h, date bytes from 2000, track/2."""
    stamp = bytes([when.year - 2000, when.month, when.day, when.hour, when.minute, when.second])
    return struct.pack("<2diH", lat, lon, alt, kmh) + stamp + bytes([30, 1, 1, 0])


def test_synthetic_gps0_box() -> None:
    t0 = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    records = [gps0_record(t0 + timedelta(seconds=i), 4737.705 + i / 100, -12209.901) for i in range(4)]
    records.insert(1, gps0_record(t0, 99999.0, 0.0))  # out of range
    records.insert(2, gps0_record(t0, 0.0, 0.0))  # no fix
    ex = extract(mp4([b"\0" * 16], after=box(b"gps0", b"".join(records) + b"\0" * 32 + gps0_record(t0, 1.0, 1.0)))[0])
    assert len(ex.track) == 4 and ex.dropped_fixes == 2 and ex.tags["gps0"] == "8 records"
    first, last = ex.track[0], ex.track[-1]
    assert (first.lat, first.lon) == pytest.approx((47.6284167, -122.1650167), abs=1e-6)
    assert (first.alt_m, first.speed_mps, first.t_utc) == (123.0, pytest.approx(10.0), t0)
    assert last.lat == pytest.approx(47 + 37.735 / 60, abs=1e-9)
    assert (last.t_utc, last.t_offset_s) == (t0 + timedelta(seconds=3), 3.0)
    assert candidate(ex, "gps0.gps").value == t0


def nextbase_sample(stamp: bytes, rmc: bytes) -> bytes:
    """A Nextbase subtitle sample: u16 length, u32, 14-char time, 3×int32 accel, 128-byte RMC, 128-byte GGA."""
    body = struct.pack(">I", 0) + stamp + struct.pack("<3i", -1280, 0, 1280) + rmc.ljust(128, b"\0") + b"\0" * 128
    return struct.pack(">H", len(body)) + body


def test_synthetic_nextbase_infi_and_subtitle_track() -> None:
    infi = box(b"udta", box(b"infi", b"Model: 522GW\r\nFirmware: 1.2.3\r\nSerial No: NBDVR522GW0001\r\n"))
    samples = [nextbase_sample(b"20210607201205", RMC_A), nextbase_sample(b"20210607201206", RMC_A[:8] + b"V"),
               nextbase_sample(b"20210607201207", RMC_B)]
    ex = extract(mp4(samples, infi, tracks=[(b"sbtl", b"tx3g")])[0])
    assert (ex.identity.make, ex.identity.model) == ("Nextbase", "522GW")
    assert (ex.identity.serial, ex.identity.firmware) == ("NBDVR522GW0001", "1.2.3")
    assert len(ex.track) == 2 and ex.dropped_fixes == 1 and ex.track[0].source == "nextbase"
    assert [f.t_offset_s for f in ex.track] == [0.0, 2.0]
    assert (ex.track[-1].lat, ex.track[-1].lon) == pytest.approx((38.886667, -76.993333), abs=1e-6)
    assert candidate(ex, "nextbase.gps").value == datetime(2021, 6, 7, 20, 12, 5, tzinfo=UTC)


def test_synthetic_thinkware_text_track() -> None:
    samples = [(b"gsensori,4,512,-67,-12,100;GNRMC,161313.00,A,4529.87489,N,07337.01215,W,6.225,35.34,310819,,,A*52"
                b";CAR,0,0,0,0.0"), b"gsensori,4,512,-67,-12,100;GNRMC,161314.00,V,,,,,,,310819,,,N*00",
               b"gsensori,1;GNRMC,161315.00,A,4529.88000,N,07337.02000,W,6.0,35.34,310819,,,A*00;CAR,0"]
    ex = extract(mp4(samples, tracks=[(b"text", b"text")])[0])
    assert len(ex.track) == 2 and ex.dropped_fixes == 1 and ex.track[0].source == "nmea"
    assert (ex.track[0].lat, ex.track[0].lon) == pytest.approx((45.497915, -73.616869), abs=1e-6)
    assert ex.track[-1].t_utc == datetime(2019, 8, 31, 16, 13, 15, tzinfo=UTC)
    assert candidate(ex, "nmea.gps").value == datetime(2019, 8, 31, 16, 13, 13, tzinfo=UTC)


# --- CAMM ------------------------------------------------------------------------------------------------------


def camm6(gps_seconds: float, lat: float, lon: float, fix: int = 3) -> bytes:
    """A CAMM type-6 sample (GPS-epoch seconds)."""
    return struct.pack("<HHdIddfffffff", 0, 6, gps_seconds, fix, lat, lon, 100.0, 5.0, 5.0, 3.0, 4.0, 0.0, 1.0)


def test_synthetic_camm_types_5_and_6() -> None:
    t0 = datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)
    gps = (t0 - datetime(1980, 1, 6, tzinfo=UTC)).total_seconds() + 18
    samples = [camm6(gps, 37.4, -122.1), camm6(gps + 1, 0.0, 0.0, fix=0), camm6(gps + 2, 37.41, -122.11),
               struct.pack("<HH3d", 0, 5, 37.42, -122.12, 50.0), struct.pack("<HH3f", 0, 2, 1, 2, 3)]
    ex = extract(mp4(samples, tracks=[(b"meta", b"camm")])[0])
    assert len(ex.track) == 3 and ex.dropped_fixes == 1
    assert ex.track[0].t_utc == t0 and ex.track[0].speed_mps == pytest.approx(5.0)
    assert (ex.track[-1].lat, ex.track[-1].lon, ex.track[-1].alt_m, ex.track[-1].t_offset_s) == (
        37.42, -122.12, 50.0, 3.0)
    assert candidate(ex, "camm.gps").value == t0


def test_camm_time_unix_epoch_writers() -> None:
    unix = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC).timestamp()
    assert camm_time(unix) == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert camm_time(-1) is None and camm_time(float("nan")) is None


# --- decoders directly -----------------------------------------------------------------------------------------


def test_record_decoders_on_bad_input() -> None:
    assert mai70_records(b"\0" * 36 + mai70_record(1, 5211435, 2047369)) == ([], 0)
    assert garmin_records(b"\x01" * 19) == ([], 0)
    assert camm_samples([(0.0, b"\0\0\x06\0")]) == ([], 0)
    assert text_samples([(0.0, b"no nmea here")]) == ([], 0)
    assert gps0_records(struct.pack("<2diH", 4737.7, 12209.9, 0, 0) + bytes([21, 13, 1, 0, 0, 0]) + b"\0" * 4
                        ) == ([], 1)
    fixes, dropped = mai70_records(mai70_record(3, 3345000, 15112000, ns=b"S", ew=b"W"))
    assert (fixes[0].lat, fixes[0].lon, dropped) == pytest.approx((-33.75, -151.2, 0))


SEED_FILES = [mp4([type3(1, 2, 3, 21, 5130.5, 12015.0, 1.0)] * 2, gps_index)[0],
              mp4([b"\0" * 8], after=blackvue_free(b"Pittasoft;DR;1;E;1;SN;T;"))[0],
              mp4([b"\0" * 8], after=box(b"GPS ", mai70_record(1, 5211435, 2047369)))[0],
              mp4([b"\0" * 8], after=box(b"gps0", gps0_record(datetime(2021, 3, 4, tzinfo=UTC), 4737.7, 12209.9)
                                             * 2))[0],
              mp4([nextbase_sample(b"20210607201205", RMC_A)], tracks=[(b"sbtl", b"tx3g")])[0],
              mp4([camm6(1.3e9, 1.0, 2.0)], tracks=[(b"meta", b"camm")])[0]]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEED_FILES), cut=st.integers(0, 2000),
       flips=st.lists(st.tuples(st.integers(0, 1999), st.integers(0, 255)), max_size=8))
def test_mutated_files_extract_or_refuse(seed: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(seed[: max(cut, 40)])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    try:
        ex = extract(bytes(data))
    except ExtractError:
        return
    assert all(abs(f.lat) <= 90 and abs(f.lon) <= 180 for f in ex.track)
