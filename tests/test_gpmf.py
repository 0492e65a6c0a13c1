"""GoPro GPMF: KLV walking, GPS5/GPS9 fixes, fix filtering and identity, on built payloads and the corpus."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest
from conftest import MEDIA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bodycam_index.extract import gpmf
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError


def klv(key: bytes, kind: bytes, size: int, repeat: int, data: bytes) -> bytes:
    """One KLV item, padded to 4 bytes."""
    assert len(data) == size * repeat
    return key + kind + bytes([size]) + repeat.to_bytes(2, "big") + data + b"\x00" * (-len(data) % 4)


def nest(key: bytes, *items: bytes) -> bytes:
    body = b"".join(items)
    return key + b"\x00\x04" + (len(body) // 4).to_bytes(2, "big") + body


def text(key: bytes, value: str) -> bytes:
    return klv(key, b"c", 1, len(value), value.encode())


def longs(key: bytes, *values: int) -> bytes:
    return klv(key, b"l", 4, len(values), struct.pack(f">{len(values)}i", *values))


def gps5_payload(gpsf: int = 3) -> bytes:
    rows = [(331264969, -1173273542, -20184, 167, 19), (331264973, -1173273579, -20041, 676, 20)]
    gps5 = klv(b"GPS5", b"l", 20, 2, b"".join(struct.pack(">5i", *row) for row in rows))
    stream = nest(b"STRM", klv(b"GPSF", b"L", 4, 1, struct.pack(">I", gpsf)),
                  klv(b"GPSU", b"U", 16, 1, b"170417173103.000"), klv(b"GPSP", b"S", 2, 1, struct.pack(">H", 606)),
                  longs(b"SCAL", 10_000_000, 10_000_000, 1000, 1000, 100), gps5)
    return nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 1)), text(b"DVNM", "Hero5 Black"), stream)


def test_synthetic_gps5_with_scal_and_gpsu() -> None:
    result = gpmf.parse_gpmf(gps5_payload(), 10.0, 1.0)
    first, second = result.fixes
    assert (first.lat, first.lon, first.alt_m, first.speed_mps) == (33.1264969, -117.3273542, -20.184, 0.167)
    assert first.t_utc == datetime(2017, 4, 17, 17, 31, 3, tzinfo=UTC)
    assert (first.t_offset_s, second.t_offset_s) == (10.0, 10.5)
    assert second.t_utc == first.t_utc + timedelta(seconds=0.5)
    assert first.quality == "fix=3 dop=6.06" and first.source == "gpmf.gps5"
    assert result.identity.make == "GoPro" and result.identity.model == "Hero5 Black"
    candidate = gpmf.start_candidate(result.fixes)
    assert candidate is not None and candidate.value == datetime(2017, 4, 17, 17, 30, 53, tzinfo=UTC)


def test_synthetic_gpsf_zero_drops_every_fix() -> None:
    result = gpmf.parse_gpmf(gps5_payload(gpsf=0), 0.0, 1.0)
    assert result.fixes == [] and result.dropped == 2


def test_synthetic_gps9_per_sample_time_and_fix_flag() -> None:
    days = (datetime(2022, 9, 20) - datetime(2000, 1, 1)).days
    ms = (13 * 3600 + 29 * 60 + 36) * 1000 + 899
    rows = [(423425835, -87526142, 58512, 173, 20, days, ms, 141, 3),
            (423425836, -87526143, 58513, 173, 20, days, ms + 100, 141, 0)]
    gps9 = klv(b"GPS9", b"?", 32, 2, b"".join(struct.pack(">7i2H", *row) for row in rows))
    stream = nest(b"STRM", text(b"TYPE", "lllllllSS"),
                  longs(b"SCAL", 10_000_000, 10_000_000, 1000, 1000, 100, 1, 1000, 100, 1), gps9)
    result = gpmf.parse_gpmf(nest(b"DEVC", stream), 2.0, 1.0)
    assert result.dropped == 1
    (fix,) = result.fixes
    assert (fix.lat, fix.lon, fix.alt_m) == (42.3425835, -8.7526142, 58.512)
    assert fix.t_utc == datetime(2022, 9, 20, 13, 29, 36, 899000, tzinfo=UTC)
    assert fix.quality == "fix=3 dop=1.41" and fix.source == "gpmf.gps9"


def _hero11_payload() -> bytes:
    """A HERO11-style payload: the same two fixes as GPS9 (timed per sample) and as GPS5 (timed by a GPSU that is
    1.4 s later than the first GPS9 sample, as in gpmf-parser's hero11.raw)."""
    days = (datetime(2022, 9, 20) - datetime(2000, 1, 1)).days
    ms = (13 * 3600 + 29 * 60 + 36) * 1000 + 899
    rows = [(423425835, -87526142, 58512, 173, 20, days, ms, 141, 3),
            (423425836, -87526143, 58513, 173, 20, days, ms + 100, 141, 3)]
    gps9 = nest(b"STRM", text(b"STNM", "GPS (Lat., Long., Alt., 2D, 3D, days, secs, DOP, fix)"),
                text(b"TYPE", "lllllllSS"),
                longs(b"SCAL", 10_000_000, 10_000_000, 1000, 1000, 100, 1, 1000, 100, 1),
                klv(b"GPS9", b"?", 32, 2, b"".join(struct.pack(">7i2H", *row) for row in rows)))
    gps5 = nest(b"STRM", klv(b"GPSF", b"L", 4, 1, struct.pack(">I", 3)),
                klv(b"GPSU", b"U", 16, 1, b"220920132938.299"),
                longs(b"SCAL", 10_000_000, 10_000_000, 1000, 1000, 100),
                klv(b"GPS5", b"l", 20, 2, b"".join(struct.pack(">5i", *row[:5]) for row in rows)))
    return nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 1)), text(b"DVNM", "HERO11 Black"), gps5, gps9)


def test_synthetic_hero11_gps9_and_gps5_copies_count_once_with_sample_times() -> None:
    result = gpmf.parse_gpmf(_hero11_payload(), 4.0, 1.0)
    assert [f.source for f in result.fixes] == ["gpmf.gps9", "gpmf.gps9"] and result.dropped == 0
    first, second = result.fixes
    assert first.t_utc == datetime(2022, 9, 20, 13, 29, 36, 899000, tzinfo=UTC)
    assert second.t_utc == datetime(2022, 9, 20, 13, 29, 36, 999000, tzinfo=UTC)
    start = gpmf.start_candidate(result.fixes)
    assert start is not None and start.source == "gpmf.gps9"
    assert start.value == datetime(2022, 9, 20, 13, 29, 32, 899000, tzinfo=UTC)  # first sample time − 4 s
    assert result.tags["gpmf.gpsu"] == "2022-09-20T13:29:38.299000+00:00"  # kept as a tag, not as the time
    assert result.identity.model == "HERO11 Black"


def test_synthetic_udta_settings_in_a_stream_never_give_a_stream_name_as_model() -> None:
    """HERO12-style udta GPMF: DVNM 'Global Settings', a STRM named 'Video Global Settings' holding MINF/CASN."""
    stream = nest(b"STRM", text(b"STNM", "Video Global Settings"), text(b"MINF", "HERO12 Black"),
                  text(b"CASN", "C3501324500000"), text(b"FMWR", "H23.01.01.10.00"))
    data = nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 1)), text(b"DVNM", "Global Settings"), stream)
    ident = gpmf.parse_gpmf(data, 0.0, 0.0).identity
    assert (ident.make, ident.model, ident.serial, ident.firmware) == (
        "GoPro", "HERO12 Black", "C3501324500000", "H23.01.01.10.00")
    bare = nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 1)), text(b"DVNM", "Video Global Settings"),
                nest(b"STRM", text(b"STNM", "Video Global Settings")))
    assert gpmf.parse_gpmf(bare, 0.0, 0.0).identity.model is None


def test_synthetic_global_settings_identity_and_tzon() -> None:
    data = nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 1)), text(b"DVNM", "Global Settings"),
                text(b"FMWR", "H22.01.01.10.00"), text(b"CASN", "C1234567890123"), text(b"MINF", "HERO11 Black"),
                klv(b"TZON", b"s", 2, 1, struct.pack(">h", -480))) + b"\x00" * 64
    result = gpmf.parse_gpmf(data, 0.0, 0.0)
    assert result.identity.model == "HERO11 Black" and result.identity.serial == "C1234567890123"
    assert result.identity.firmware == "H22.01.01.10.00" and result.tzon_min == -480
    assert result.tags["gpmf.tzon"] == "-480"


def test_synthetic_overrun_and_depth_are_errors() -> None:
    with pytest.raises(ExtractError, match="past its parent"):
        list(gpmf.iter_klv(b"DEVC\x00\x04\x00\x10" + b"\x00" * 8))
    deep = b"ACCL\x01\x02\x00\x01\x00\x00\x00\x00"
    for _ in range(gpmf.MAX_DEPTH + 2):
        deep = nest(b"DEVC", deep)
    assert gpmf.parse_gpmf(deep, 0.0, 1.0).fixes == []  # only DEVC → STRM → data is descended
    with pytest.raises(ExtractError, match="deeper"):
        list(gpmf.iter_klv(deep, gpmf.MAX_DEPTH + 1))


@pytest.mark.corpus
def test_hero5_raw() -> None:
    e = gpmf.extract(Reader.open(MEDIA / "gpmf-parser/hero5.raw"))
    assert e.container == "gpmf" and len(e.track) == 18 and e.dropped_fixes == 0
    assert (e.track[0].lat, e.track[0].lon, e.track[0].alt_m) == (33.1264969, -117.3273542, -20.184)
    assert (e.track[-1].lat, e.track[-1].lon) == (33.1264973, -117.3273579)
    assert e.track[0].t_utc == datetime(2017, 4, 17, 17, 31, 3, tzinfo=UTC)
    assert e.times[0].source == "gpmf.gpsu" and e.times[0].zone == "utc"
    assert e.identity.make == "GoPro" and e.tags["gpmf.dvnm"] == "Camera"


@pytest.mark.corpus
def test_hero6_raw_has_no_lock() -> None:
    e = gpmf.extract(Reader.open(MEDIA / "gpmf-parser/hero6.raw"))
    assert e.track == [] and e.dropped_fixes == 17 and e.times == []
    assert e.identity.model == "Hero6 Black"
    assert e.tags["gpmf.gpsu"] == "2018-01-24T19:28:01.699000+00:00"


@pytest.mark.corpus
def test_karma_raw_gives_the_drone_gps_timed_by_syst() -> None:
    e = gpmf.extract(Reader.open(MEDIA / "gpmf-parser/karma.raw"))
    # ExifTool (-ee3 -n, on this payload wrapped as one gpmd sample of an MP4) reads the same 4 GLPI fixes
    assert [(f.lat, f.lon, f.alt_m) for f in e.track] == [
        (33.1253688, -117.3310668, 15.711), (33.1253712, -117.3310685, 15.643),
        (33.1253753, -117.3310713, 15.631), (33.1253807, -117.3310746, 15.61)]
    assert {f.source for f in e.track} == {"gpmf.glpi"}  # GPRI, the raw copy of the same fixes, is not counted
    # SYST pairs system time 146.544283 s with Unix 1492457278.000 s; the first GLPI fix is at 146.071 s
    assert e.track[0].t_utc == datetime(2017, 4, 17, 19, 27, 57, 526717, tzinfo=UTC)
    assert e.identity.make == "GoPro" and e.identity.model is None  # DVNM "Camera"; the Karma is DVID ≠ 1
    # one payload (SAMPLES.md: "a single raw GPMF payload"; the camera's DEVC and the Karma's DEVC side by side):
    # ExifTool gives that sample Sample Time 0 s, Sample Duration 1 s, so the fixes fall in the first second
    assert [f.t_offset_s for f in e.track] == [0.0, 0.25, 0.5, 0.75]
    assert [(t.source, t.value) for t in e.times] == [("gpmf.syst", e.track[0].t_utc)]


def test_synthetic_raw_payloads_split_where_a_device_repeats() -> None:
    """Camera + Karma DEVCs make one payload; the next camera DEVC starts the next second."""
    glpi = klv(b"GLPI", b"?", 28, 1, struct.pack(">IllllhhhH", 146071, 331253688, -1173310668, 15711, 0, 88, -75,
                                                   -8, 0))
    stream = nest(b"STRM", text(b"TYPE", "LllllsssS"), longs(b"SCAL", 1000, 10_000_000, 10_000_000, 1000, 1000,
                                                              100, 100, 100, 100), glpi)
    camera = nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 1)), text(b"DVNM", "Camera"))
    karma = nest(b"DEVC", klv(b"DVID", b"L", 4, 1, struct.pack(">I", 0x0100E511)), stream)
    e = gpmf.extract(Reader.from_bytes((camera + karma) * 3))
    assert [f.t_offset_s for f in e.track] == [0.0, 1.0, 2.0]


def test_synthetic_karma_without_syst_has_positions_but_no_utc() -> None:
    glpi = klv(b"GLPI", b"?", 28, 1, struct.pack(">IllllhhhH", 146071, 331253688, -1173310668, 15711, 0, 88, -75,
                                                   -8, 0))
    stream = nest(b"STRM", text(b"TYPE", "LllllsssS"), longs(b"SCAL", 1000, 10_000_000, 10_000_000, 1000, 1000,
                                                              100, 100, 100, 100), glpi)
    (fix,) = gpmf.parse_gpmf(nest(b"DEVC", stream), 0.0, 1.0).fixes
    assert (fix.lat, fix.lon, fix.alt_m, fix.t_utc) == (33.1253688, -117.3310668, 15.711, None)


@pytest.mark.corpus
def test_hero7_raw() -> None:
    e = gpmf.extract(Reader.open(MEDIA / "gopro-telemetry/hero7.raw"))
    assert len(e.track) == 308 and e.identity.model == "Hero7 Black"
    first, last = e.track[0], e.track[-1]
    assert (first.lat, first.lon, first.alt_m) == (42.3425835, -8.7526142, 58.512)
    assert first.t_utc == datetime(2019, 1, 3, 16, 33, 34, 94000, tzinfo=UTC)
    assert (last.lat, last.lon, last.alt_m) == (42.3423429, -8.752681, 56.686)
    payload_starts = [f.t_utc for f in e.track if f.t_offset_s is not None and f.t_offset_s % 1 == 0]
    assert payload_starts[-1] == datetime(2019, 1, 3, 16, 33, 50, 99000, tzinfo=UTC)


def test_not_gpmf_is_an_error() -> None:
    with pytest.raises(ExtractError):
        gpmf.extract(Reader.from_bytes(b"RIFF\x00\x00\x00\x00"))


@pytest.mark.corpus
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_payload_gives_result_or_extract_error(data: st.DataObject) -> None:
    raw = bytearray((MEDIA / "gpmf-parser/hero5.raw").read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(8, len(raw)))
    try:
        gpmf.extract(Reader.from_bytes(bytes(raw[:cut])))
    except ExtractError:
        pass


@given(st.binary(max_size=256), st.floats(0, 1e6), st.floats(0, 10))
def test_random_bytes_give_result_or_extract_error(data: bytes, start: float, duration: float) -> None:
    try:
        gpmf.parse_gpmf(b"DEVC\x00\x01" + data, start, duration)
    except ExtractError:
        pass

