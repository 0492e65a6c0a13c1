"""Novatek freeGPS: block layouts (built byte by byte from formats.md §2.2), the `gps ` index, the mdat scan."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bodycam_index.coords import ddmm_to_deg
from bodycam_index.extract import freegps
from bodycam_index.extract.freegps import decode_block
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, GpsFix
from bodycam_index.nmea import KNOT_MPS, nmea_fixes

RMC = b"$GPRMC,201205.00,A,3853.16949,N,07659.54604,W,5.849,284.43,070621,,,D*FF"


def block(size: int = 0x100) -> bytearray:
    """An empty freeGPS block: BE size, magic, LE data length."""
    data = bytearray(size)
    struct.pack_into(">I8sI", data, 0, size, freegps.MAGIC, 0x4C)
    return data


def type3(h: int, m: int, s: int, year: int, lat: float, lon: float, knots: float, status: bytes = b"A",
          shift: int = 0) -> bytes:
    """A Viofo/Kenwood type-3 block (shift 48 for the Kenwood model header)."""
    data = block()
    struct.pack_into("<6I", data, 0x10 + shift, h, m, s, year, 4, 12)
    data[0x28 + shift:0x2C + shift] = status + b"NW\0"
    struct.pack_into("<4f", data, 0x2C + shift, lat, lon, knots, 90.0)
    if shift:
        data[0x10:0x1C] = b"MN:DRV-A510W"
    return bytes(data)


def type16(lat: float, lon: float, rate: float, year: int = 23, status: bytes = b"A", head: int | None = None,
           iqs: bool = False) -> bytes:
    """A Novatek type-16/17 block; `head` overrides the LE u32 at 0 (Transcend Body 70 uses 0x400000)."""
    data = block()
    struct.pack_into("<6I", data, 0x30, 10, 20, 30, year, 5, 6)
    data[0x48:0x4C] = status + b"SE\0"
    if iqs:
        data[0x10:0x14] = b"IQS_"
        struct.pack_into("<3i", data, 0x4C, int(lat * 1e7), int(lon * 1e7), int(rate * 100))
    else:
        struct.pack_into("<4f", data, 0x4C, lat, lon, rate, 10.0)
    if head is not None:
        struct.pack_into("<I", data, 0, head)
    return bytes(data)


def type20(records: list[tuple[int, float, float]]) -> bytes:
    """A Nextbase 512G block of BE 32-byte records (seconds, lat, lon) on 2022-03-04 05:06."""
    data = block(0x30 + 32 * len(records) + 16)
    for i, (tenths, lat, lon) in enumerate(records):
        struct.pack_into(">2sHhHBBBBHBii", data, 0x30 + 32 * i, b"$S", 1234, -9000, 2022, 3, 4, 5, 6, tenths, 2,
                         int(lat * 1e7), int(lon * 1e7))
    return bytes(data)


def type1(stamp: bytes, lat: bytes, lon: bytes, speed: bytes = b"00000036", ns: bytes = b"N", ew: bytes = b"W"
          ) -> bytes:
    """An Azdome block: from byte 18 the text `00 00 XKZD fe fe` + time + 16 chars + position, XOR 0xAA."""
    text = b"\0\0XKZD\xfe\xfe" + stamp + b"\x0c" + b"5567GP".ljust(15) + ns + lat + ew + lon + speed
    data = block()
    data[18:18 + len(text)] = bytes(b ^ 0xAA for b in text)
    return bytes(data)


def type4(lat: bytes, lon: bytes, status: bytes = b"A") -> bytes:
    """An E-ACE block: type-3 header and time, coordinates as 20-byte strings at 0x2c/0x40, knots at 0x54."""
    data = block()
    struct.pack_into("<6I", data, 0x10, 8, 34, 1, 24, 8, 16)
    data[0x28:0x2C] = status + b"NE\0"
    data[0x2C:0x2C + len(lat)] = lat
    data[0x40:0x40 + len(lon)] = lon
    struct.pack_into("<2f", data, 0x54, 10.0, 270.0)
    return bytes(data)


def type18(text: bytes) -> bytes:
    """An XGODY block: a label at 0x10, then the text record from 0x17."""
    data = block(0xA8)
    record = b"normal:" + text
    data[0x10:0x10 + len(record)] = record
    return bytes(data)


XGODY = b"2024/05/22 02:54:29 N:42.382470 W:83.389570 53.6 km/h x:-0.02 y:0.99 z:0.10 A:269.2 H:245.5"


def test_ddmm_to_degrees() -> None:
    assert ddmm_to_deg(5130.5) == pytest.approx(51.508333, abs=1e-6)
    assert ddmm_to_deg(-12015.0) == pytest.approx(-120.25)


def rmc_fix(raw: bytes, source: str) -> GpsFix | None:
    """The fix of one RMC sentence, or None."""
    fixes, _dropped = nmea_fixes(raw, source)
    return fixes[0] if fixes else None


def test_rmc_tolerates_bad_checksum_and_drops_status_v() -> None:
    fix = rmc_fix(RMC, "t")
    assert fix is not None and fix.t_utc == datetime(2021, 6, 7, 20, 12, 5, tzinfo=UTC)
    assert (fix.lat, fix.lon) == pytest.approx((38.886158, -76.992434), abs=1e-6)
    assert fix.speed_mps == pytest.approx(5.849 * KNOT_MPS)
    assert rmc_fix(RMC.replace(b",A,", b",V,"), "t") is None
    assert rmc_fix(b"$GPRMC,garbage", "t") is None


def test_nmea_fixes_adds_gga_altitude_and_counts_invalid() -> None:
    text = RMC + b"\r\n$GPGGA,201205.00,3853.16949,N,07659.54604,W,1,08,1.0,12.3,M,-33.0,M,,*00\r\n"
    text += RMC.replace(b",A,", b",V,")
    fixes, dropped = nmea_fixes(text, "t", 2.0)
    assert len(fixes) == 1 and dropped == 1
    assert fixes[0].alt_m == 12.3 and fixes[0].t_offset_s == 2.0


def test_type2_nextbase_nmea_block() -> None:
    data = block()
    data[0x34:0x42] = b"20210607161205"
    data[0x50:0x50 + len(RMC)] = RMC
    decoded = decode_block(bytes(data))
    assert decoded is not None and decoded.layout == "type2-nextbase-nmea"
    assert decoded.fixes[0].t_utc == datetime(2021, 6, 7, 20, 12, 5, tzinfo=UTC)
    assert decoded.local_time == datetime(2021, 6, 7, 16, 12, 5)


def test_type1_azdome_xor_text() -> None:
    decoded = decode_block(type1(b"20180924224928", b"40464350", b"007040308"))
    assert decoded is not None and decoded.layout == "type1-azdome"
    (fix,) = decoded.fixes
    assert fix.t_utc == datetime(2018, 9, 24, 22, 49, 28, tzinfo=UTC)
    assert (fix.lat, fix.lon) == pytest.approx((40 + 46.435 / 60, -(7 + 4.0308 / 60)), abs=1e-9)
    assert fix.speed_mps == pytest.approx(10.0)
    south = decode_block(type1(b"20200519162335", b"33451200", b"151120000", b"", ns=b"S", ew=b"E"))
    assert south is not None and (south.fixes[0].lat, south.fixes[0].lon) == pytest.approx((-33.752, 151.2))
    assert south.fixes[0].speed_mps is None
    no_gps = decode_block(type1(b"20200519162335", b"        ", b"         "))
    assert no_gps is not None and no_gps.fixes == [] and no_gps.dropped == 1


def test_type4_eace_decimal_strings_and_encrypted_ones() -> None:
    decoded = decode_block(type4(b"2341.54561", b"12031.70135"))
    assert decoded is not None and decoded.layout == "type4-eace"
    (fix,) = decoded.fixes
    assert (fix.lat, fix.lon) == pytest.approx((23 + 41.54561 / 60, 120 + 31.70135 / 60), abs=1e-9)
    assert fix.t_utc == datetime(2024, 8, 16, 8, 34, 1, tzinfo=UTC)
    assert fix.speed_mps == pytest.approx(10 * KNOT_MPS)
    encrypted = decode_block(type4(b"gNiiZ8JTtHca6tw=", b"htuiZMJSsXUX7No="))
    assert encrypted is not None and encrypted.layout == "type4-eace-encrypted"
    assert encrypted.fixes == [] and encrypted.dropped == 0 and "encrypted" in encrypted.warning
    void = decode_block(type4(b"2341.54561", b"12031.70135", status=b"V"))
    assert void is not None and void.layout == "type4-eace" and void.dropped == 1


def test_type18_xgody_text() -> None:
    decoded = decode_block(type18(XGODY))
    assert decoded is not None and decoded.layout == "type18-xgody"
    (fix,) = decoded.fixes
    assert (fix.lat, fix.lon) == (42.38247, -83.38957)
    assert fix.t_utc == datetime(2024, 5, 22, 2, 54, 29, tzinfo=UTC)
    assert fix.speed_mps == pytest.approx(53.6 * KNOT_MPS)
    no_fix = decode_block(type18(b"2024/05/22 02:54:29 N:0.000000 E:0.000000 0.0 km/h"))
    assert no_fix is not None and no_fix.fixes == [] and no_fix.dropped == 1


def test_read_blocks_warns_once_for_encrypted_type4() -> None:
    blk = type4(b"gNiiZ8JTtHca6tw=", b"htuiZMJSsXUX7No=")
    found, warnings = freegps.read_blocks(Reader.from_bytes(blk * 3), [(i * len(blk), len(blk)) for i in range(3)])
    assert len(found) == 3 and len(warnings) == 1 and "encrypted" in warnings[0]


def test_type3_viofo_block_utc() -> None:
    decoded = decode_block(type3(13, 14, 15, 21, 5130.5, 12015.0, 10.0))
    assert decoded is not None and decoded.layout == "type3-viofo"
    fix = decoded.fixes[0]
    assert fix.t_utc == datetime(2021, 4, 12, 13, 14, 15, tzinfo=UTC)
    assert (fix.lat, fix.lon) == pytest.approx((51.508333, -120.25), abs=1e-4)
    assert fix.speed_mps == pytest.approx(10 * KNOT_MPS, rel=1e-6)
    assert decoded.local_time is None


def test_type3_kenwood_absolute_year_is_local_time() -> None:
    decoded = decode_block(type3(13, 14, 15, 2021, 5130.5, 12015.0, 0.0, shift=48))
    assert decoded is not None and decoded.layout == "type3-kenwood"
    assert decoded.fixes[0].t_utc is None
    assert decoded.local_time == datetime(2021, 4, 12, 13, 14, 15)


def test_type3_status_v_is_dropped() -> None:
    decoded = decode_block(type3(1, 2, 3, 21, 5130.5, 12015.0, 0.0, status=b"V"))
    assert decoded is not None and decoded.fixes == [] and decoded.dropped == 1


def test_type15_vantrue_doubles() -> None:
    data = block()
    struct.pack_into("<3I", data, 0x10, 8, 9, 10)
    data[0x1C] = ord("A")
    struct.pack_into("<d", data, 0x20, 4807.038)
    data[0x28] = ord("N")
    struct.pack_into("<d", data, 0x30, 1131.0)
    data[0x38] = ord("E")
    struct.pack_into("<3I", data, 0x50, 2019, 7, 8)
    decoded = decode_block(bytes(data))
    assert decoded is not None and decoded.layout == "type15-vantrue"
    fix = decoded.fixes[0]
    assert (fix.lat, fix.lon) == pytest.approx((48.1173, 11.516667), abs=1e-6)
    assert fix.t_utc == datetime(2019, 7, 8, 8, 9, 10, tzinfo=UTC)


def test_type16_novatek_and_variants() -> None:
    novatek = decode_block(type16(3345.0, 15112.0, 20.0))
    assert novatek is not None and novatek.layout == "type16-novatek"
    fix = novatek.fixes[0]
    assert (fix.lat, fix.lon) == pytest.approx((-33.75, 151.2), abs=1e-4)
    assert fix.t_utc == datetime(2023, 5, 6, 10, 20, 30, tzinfo=UTC)
    assert fix.speed_mps == pytest.approx(20 * KNOT_MPS, rel=1e-6)

    body = decode_block(type16(33.75, 151.2, 36.0, year=2023, head=0x400000))
    assert body is not None and body.layout == "type17-transcend-body"
    assert (body.fixes[0].lat, body.fixes[0].lon) == pytest.approx((-33.75, 151.2), abs=1e-4)
    assert body.fixes[0].speed_mps == pytest.approx(10.0, rel=1e-6)
    assert body.fixes[0].t_utc == datetime(2023, 5, 6, 10, 20, 30, tzinfo=UTC)

    iqs = decode_block(type16(33.75, 151.2, 4.5, iqs=True))
    assert iqs is not None and iqs.layout == "type16-iqs"
    assert (iqs.fixes[0].lat, iqs.fixes[0].lon, iqs.fixes[0].speed_mps) == pytest.approx((-33.75, 151.2, 4.5))

    void = decode_block(type16(3345.0, 15112.0, 0.0, status=b"V"))
    assert void is not None and void.dropped == 1 and not void.fixes


def test_type19_70mai_a810_has_no_time() -> None:
    data = block()
    data[30] = ord("A")
    struct.pack_into("<2i", data, 31, 5219058, 2078948)
    data[51:53] = b"VV"
    decoded = decode_block(bytes(data))
    assert decoded is not None and decoded.layout == "type19-70mai"
    assert (decoded.fixes[0].lat, decoded.fixes[0].lon) == (52.19058, 20.78948)
    assert decoded.fixes[0].t_utc is None


def test_type20_nextbase_big_endian_records() -> None:
    decoded = decode_block(type20([(75, 51.5, -0.125), (85, 51.5001, -0.1251), (95, 0.0, 0.0)]))
    assert decoded is not None and decoded.layout == "type20-nextbase-binary"
    assert len(decoded.fixes) == 2 and decoded.dropped == 1
    assert decoded.fixes[0].t_utc == datetime(2022, 3, 4, 5, 6, 7, 500000, tzinfo=UTC)
    assert (decoded.fixes[1].lat, decoded.fixes[1].lon) == (51.5001, -0.1251)
    assert decoded.fixes[0].speed_mps == 12.34


def test_short_or_unknown_blocks_are_not_decoded() -> None:
    assert decode_block(type3(1, 2, 3, 21, 5130.5, 12015.0, 0.0)[:60]) is None
    assert decode_block(bytes(block())) is None
    assert decode_block(b"\0" * 200) is None


def test_index_count_is_capped_by_its_length() -> None:
    data = struct.pack(">II", 0x101, 1_000_000) + struct.pack(">II", 100, 200) + struct.pack(">II", 300, 400)
    assert freegps.index_entries(data) == [(100, 200), (300, 400)]
    assert freegps.index_entries(b"\0\0") == []


def test_scan_finds_blocks_across_chunks_and_gives_up_without_any(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(freegps, "SCAN_CHUNK", 64)
    monkeypatch.setattr(freegps, "SCAN_PROBE", 1000)
    blk = type3(1, 2, 3, 21, 5130.5, 12015.0, 0.0)
    data = b"\x11" * 150 + blk + b"\x22" * 77 + blk
    assert freegps.scan_offsets(Reader.from_bytes(data), [(8, len(data))]) == [150, 150 + len(blk) + 77]
    empty = b"\0" * 5000 + blk
    assert freegps.scan_offsets(Reader.from_bytes(empty), [(8, len(empty))]) == []


def test_scan_steps_over_blocks_reading_only_their_headers() -> None:
    blocks = [type3(1, 2, 3 + i, 21, 5130.5, 12015.0, 0.0) for i in range(4)]
    reader = Reader.from_bytes(b"".join(blocks))
    assert freegps.scan_offsets(reader, [(0, reader.size)]) == [0, 0x100, 0x200, 0x300]
    assert reader.bytes_read == 4 * 12


def test_unindexed_regions_are_the_gaps_between_chunks_big_enough_for_a_block() -> None:
    spans = [(100, 200), (150, 300), (300, 400), (450, 500), (700, 2000)]
    assert freegps.unindexed(0, 1000, spans) == [(0, 100), (500, 700)]  # 400-450 is shorter than MIN_BLOCK
    assert freegps.unindexed(100, 450, spans) == []
    assert freegps.unindexed(0, 3000, []) == [(0, 3000)]


def test_read_blocks_offsets_follow_block_order() -> None:
    blocks = [type3(1, 2, 3 + i, 21, 5130.5, 12015.0, 0.0) for i in range(3)]
    data = b"".join(blocks)
    found, warnings = freegps.read_blocks(Reader.from_bytes(data), [(i * 0x100, 0x100) for i in range(3)]
                                          + [(len(data) - 4, 0x100)])
    assert [d.fixes[0].t_offset_s for d in found] == [0.0, 1.0, 2.0]
    assert len(warnings) == 0  # the last place is past the data: not a block, silently skipped


SEEDS = [type3(1, 2, 3, 21, 5130.5, 12015.0, 1.0), type3(1, 2, 3, 2021, 5130.5, 12015.0, 1.0, shift=48),
         type16(3345.0, 15112.0, 2.0), type16(33.7, 151.2, 2.0, head=0x400000), type16(1.0, 2.0, 3.0, iqs=True),
         type20([(10, 1.0, 2.0), (20, 1.0, 2.0)]), type1(b"20180924224928", b"40464350", b"007040308"),
         type4(b"2341.54561", b"12031.70135"), type4(b"gNiiZ8JTtHca6tw=", b"htuiZMJSsXUX7No="), type18(XGODY)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), cut=st.integers(0, 0x200),
       flips=st.lists(st.tuples(st.integers(0, 0x1FF), st.integers(0, 255)), max_size=12))
def test_mutated_blocks_decode_or_refuse(seed: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(seed[:cut])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    try:
        decoded = decode_block(bytes(data))
        reader = Reader.from_bytes(bytes(data))
        freegps.read_blocks(reader, [(0, None), (0, len(data)), (3, 999)])
        freegps.scan_offsets(reader, [(0, len(data))])
    except ExtractError:
        return
    if decoded is not None:
        for fix in decoded.fixes:
            assert abs(fix.lat) <= 90 and abs(fix.lon) <= 180


def test_synthetic_big_blocks_read_only_as_far_as_their_layout_needs() -> None:
    """Blocks are often 0x8000 bytes with one record at the front: a type-3 block is decoded from its first
    HEAD_READ bytes; a type-2 block (NMEA text) and a type-20 block (32-byte records) are read whole."""
    viofo = bytearray(type3(10, 20, 30, 23, 4000.0, 7400.0, 1.0).ljust(0x8000, b"\0"))
    struct.pack_into(">I", viofo, 0, len(viofo))
    nmea = block(0x8000)
    nmea[0x34:0x42] = b"20210607161205"
    nmea[0x50:0x50 + len(RMC)] = RMC
    late = RMC.replace(b"201205.00", b"201206.00")
    nmea[0x2000:0x2002 + len(late)] = b"\r\n" + late  # a second sentence past the first HEAD_READ bytes
    records = [(10 * i, 47.6, -122.3) for i in range(60)]  # 60 records end at 0x7B0, past HEAD_READ
    binary = type20(records)
    for data, layout, fixes, whole in ((bytes(viofo), "type3-viofo", 1, False),
                                       (bytes(nmea), "type2-nextbase-nmea", 2, True),
                                       (binary, "type20-nextbase-binary", 60, True)):
        reader = Reader.from_bytes(data)
        found, warnings = freegps.read_blocks(reader, [(0, None)])
        assert [(d.layout, len(d.fixes)) for d in found] == [(layout, fixes)] and warnings == []
        assert reader.bytes_read == (12 + len(data) if whole else 12 + freegps.HEAD_READ)
