"""Garmin FIT tracks: files built byte by byte from the FIT protocol (header, definition and data messages, CRC-16),
values checked against the protocol's definitions (semicircles, 1989-12-31 epoch, altitude scale 5 offset 500)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bodycam_index.extract import extract_media, identify
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError
from bodycam_index.timesources import lookup

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)


def crc16(data: bytes) -> int:
    """The FIT CRC-16 (FIT protocol, "CRC" section)."""
    crc = 0
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[nibble]
    return crc


def definition(local: int, global_num: int, fields: list[tuple[int, int, int]]) -> bytes:
    """A little-endian definition message: (field number, size, base type) per field."""
    body = struct.pack("<BBHB", 0, 0, global_num, len(fields)) + b"".join(struct.pack("BBB", *f) for f in fields)
    return bytes([0x40 | local]) + body


def fit_file(records: bytes) -> bytes:
    """A 14-byte header (protocol 2.0, profile 21.40) with its CRC, the records, and the file CRC."""
    header = struct.pack("<BBHI4s", 14, 0x20, 2140, len(records), b".FIT")
    header += struct.pack("<H", crc16(header))
    body = header + records
    return body + struct.pack("<H", crc16(body))


def semicircles(deg: float) -> int:
    return round(deg * 2**31 / 180)


def fit_seconds(when: datetime) -> int:
    return int((when - FIT_EPOCH).total_seconds())


START = datetime(2023, 5, 6, 14, 0, 0, tzinfo=UTC)
POINTS = [(47.6101, -122.3421, 56.2), (47.6102, -122.3423, 57.0), (47.6104, -122.3426, 58.4)]


def track_file(invalid_middle: bool = False) -> bytes:
    """file_id (Garmin VIRB Ultra 30, serial 3987654321) and three 1 Hz `record` messages."""
    records = definition(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84), (3, 4, 0x8C), (4, 4, 0x86)])
    records += bytes([0]) + struct.pack("<BHHII", 4, 1, 2417, 3987654321, fit_seconds(START) - 5)
    records += definition(1, 20, [(253, 4, 0x86), (0, 4, 0x85), (1, 4, 0x85), (2, 2, 0x84), (6, 2, 0x84)])
    for i, (lat, lon, alt) in enumerate(POINTS):
        lat_raw, lon_raw = semicircles(lat), semicircles(lon)
        if invalid_middle and i == 1:
            lat_raw = lon_raw = 0x7FFFFFFF  # the sint32 invalid value: no position
        records += bytes([1]) + struct.pack("<IiiHH", fit_seconds(START) + i, lat_raw, lon_raw,
                                            round((alt + 500) * 5), 3250)
    return fit_file(records)


def _extract(data: bytes):
    return extract_media(Reader.from_bytes(data))


def test_synthetic_fit_track_times_and_identity() -> None:
    data = track_file()
    assert identify(data[:1024]) == "fit"
    found = _extract(data)
    assert found.container == "fit"
    assert [(round(f.lat, 6), round(f.lon, 6)) for f in found.track] == [(lat, lon) for lat, lon, _ in POINTS]
    assert [f.alt_m for f in found.track] == pytest.approx([alt for _, _, alt in POINTS])
    assert found.track[0].speed_mps == pytest.approx(3.25)
    assert [f.t_utc for f in found.track] == [START + timedelta(seconds=i) for i in range(3)]
    first = [t for t in found.times if t.source == "fit.record"]
    assert [(t.value, t.zone) for t in first] == [(START, "utc")]
    created = [t for t in found.times if t.source == "fit.time_created"]
    assert [t.value for t in created] == [START - timedelta(seconds=5)]
    assert found.duration_s == 2.0
    assert (found.identity.make, found.identity.model, found.identity.serial) == (
        "garmin", "virb_ultra_30", "3987654321")
    assert all(lookup(t.source) is not None for t in found.times)  # declared in timesources.py


def test_synthetic_fit_invalid_position_is_dropped_and_counted() -> None:
    found = _extract(track_file(invalid_middle=True))
    assert len(found.track) == 2 and found.dropped_fixes == 1
    assert found.duration_s == 2.0


def test_synthetic_fit_bad_crc_is_a_warning_or_error_never_a_traceback() -> None:
    data = bytearray(track_file())
    data[-1] ^= 0xFF
    try:
        found = _extract(bytes(data))
    except ExtractError as exc:
        assert "FIT" in str(exc)
    else:
        assert any("FIT" in w for w in found.warnings)


@pytest.mark.parametrize("cut", [14, 20, 40, 70])
def test_synthetic_truncated_fit_is_an_extract_error_or_a_partial_track(cut: int) -> None:
    try:
        found = _extract(track_file()[:cut])
    except ExtractError:
        return
    assert len(found.track) < 3


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_synthetic_mutated_fit_gives_result_or_extract_error(data: st.DataObject) -> None:
    raw = bytearray(track_file())
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        _extract(bytes(raw))
    except ExtractError:
        pass
