"""MP4/MOV: box layouts built byte by byte, then the corpus files against their ground truth."""

from __future__ import annotations

import csv
import json
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import GROUNDTRUTH, MEDIA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bodycam_index.extract import isobmff
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError, Extraction
from bodycam_index.writers import DOUBT

T2019 = 3646801557  # 2019-07-24 08:25:57 in seconds since 1904


def box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def full(kind: bytes, version: int, *parts: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]), *parts)


def mvhd(creation: int, timescale: int = 600, duration: int = 2401, version: int = 0) -> bytes:
    if version == 1:
        return full(b"mvhd", 1, struct.pack(">QQIQ", creation, creation, timescale, duration), b"\x00" * 80)
    return full(b"mvhd", 0, struct.pack(">IIII", creation, creation, timescale, duration), b"\x00" * 80)


def udta_string(kind: bytes, text: str) -> bytes:
    data = text.encode()
    return box(kind, struct.pack(">HH", len(data), 0x15C7), data)


def keys_meta(items: dict[str, str], fullbox: bool) -> bytes:
    keys = full(b"keys", 0, struct.pack(">I", len(items)),
                *(struct.pack(">I", 8 + len(k)) + b"mdta" + k.encode() for k in items))
    ilst = box(b"ilst", *(box(struct.pack(">I", i), box(b"data", struct.pack(">II", 1, 0), v.encode()))
                          for i, v in enumerate(items.values(), 1)))
    hdlr = full(b"hdlr", 0, b"\x00" * 4, b"mdta", b"\x00" * 13)
    return box(b"meta", b"\x00\x00\x00\x00" if fullbox else b"", hdlr, keys, ilst)


def movie(*moov_parts: bytes, brand: bytes = b"isom", before: bytes = b"", after: bytes = b"") -> bytes:
    return box(b"ftyp", brand, b"\x00\x00\x02\x00") + before + box(b"moov", *moov_parts) + after


def extract(data: bytes) -> Extraction:
    return isobmff.extract(Reader.from_bytes(data))


def test_synthetic_mvhd_v0_1904_epoch_zone_unknown() -> None:
    e = extract(movie(mvhd(T2019)))
    (t,) = e.times
    assert (t.source, t.value, t.zone) == ("mp4.mvhd.creation", datetime(2019, 7, 24, 8, 25, 57), "local")
    assert DOUBT in t.note and e.duration_s == pytest.approx(2401 / 600) and e.container == "mp4"


def test_synthetic_mvhd_v1_64bit_fields() -> None:
    e = extract(movie(mvhd(T2019, 90000, 946560, version=1), brand=b"qt  "))
    assert e.times[0].value == datetime(2019, 7, 24, 8, 25, 57) and e.duration_s == pytest.approx(10.517333)
    assert e.container == "mov"


def test_synthetic_mvhd_zero_is_unset_and_unix_epoch_is_patched() -> None:
    assert extract(movie(mvhd(0))).times[0].zone == "unset"
    e = extract(movie(mvhd(1_500_000_000)))
    assert e.times[0].value == datetime(2017, 7, 14, 2, 40) and "patched" in e.times[0].note
    assert any("patched" in w for w in e.warnings)


def test_synthetic_tkhd_time_used_when_mvhd_is_zero() -> None:
    tkhd = full(b"tkhd", 0, struct.pack(">IIII", T2019, T2019, 1, 0), b"\x00" * 64)
    e = extract(movie(mvhd(0), box(b"trak", tkhd)))
    assert [t.source for t in e.times] == ["mp4.mvhd.creation", "mp4.tkhd.creation"]
    assert e.times[1].value == datetime(2019, 7, 24, 8, 25, 57)


def test_synthetic_size_zero_and_64bit_size_boxes() -> None:
    mdat64 = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + 4) + b"abcd"
    last = struct.pack(">I", 0) + b"free" + b"\x00" * 12  # size 0: runs to the end of the file
    e = extract(movie(mvhd(T2019), before=mdat64, after=last))
    assert e.times[0].value == datetime(2019, 7, 24, 8, 25, 57)


@pytest.mark.parametrize("fullbox", [True, False])
def test_synthetic_meta_keys_ilst_with_and_without_fullbox(fullbox: bool) -> None:
    keys = {"com.apple.quicktime.creationdate": "2019-07-24T11:25:40+0300", "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 6", "com.apple.quicktime.software": "12.3",
            "com.apple.quicktime.location.ISO6709": "+32.0929+034.8620+028.516/"}
    e = extract(movie(mvhd(T2019), keys_meta(keys, fullbox)))
    times = {t.source: t for t in e.times}
    mv, cd = times["mp4.mvhd.creation"], times["mp4.keys.creationdate"]
    assert (mv.zone, mv.value) == ("utc", datetime(2019, 7, 24, 8, 25, 57, tzinfo=UTC))
    assert "'phone'" in mv.note and len(e.times) == 2 and cd.zone == "offset"
    assert cd.value == datetime(2019, 7, 24, 11, 25, 40, tzinfo=timezone(timedelta(hours=3)))
    assert (e.identity.make, e.identity.model, e.identity.firmware) == ("Apple", "iPhone 6", None)
    assert e.tags["mp4.keys.software"] == "12.3"
    assert (e.location.lat, e.location.lon, e.location.alt_m) == (32.0929, 34.862, 28.516)


def test_synthetic_udta_xyz_make_model_software_camera() -> None:
    udta = box(b"udta", udta_string(b"\xa9xyz", "+51.4169-000.0806/"), udta_string(b"\xa9mak", "Acme"),
               udta_string(b"\xa9mod", "BWC-1"), udta_string(b"\xa9swr", "v2.1"))
    e = extract(movie(mvhd(T2019), udta))
    assert (e.location.lat, e.location.lon, e.location.source) == (51.4169, -0.0806, "mp4.udta.xyz")
    assert e.identity == e.identity.__class__(make="Acme", model="BWC-1", firmware="v2.1")
    assert e.tags["mp4.udta.swr"] == "v2.1"


def test_synthetic_loci_longitude_first_and_3gpp_date() -> None:
    fixed = b"".join(struct.pack(">i", round(v * 65536)) for v in (6.67609, 52.36929, 10.53))
    loci = full(b"loci", 0, b"\x15\xc7", b"Home\x00", b"\x00", fixed, b"earth\x00", b"\x00")
    e = extract(movie(mvhd(T2019), box(b"udta", loci, udta_string(b"date", "2020-11-20T15:04:02+0100"))))
    assert e.location.lat == pytest.approx(52.36929, abs=1e-4) and e.location.lon == pytest.approx(6.67609, abs=1e-4)
    assert e.location.alt_m == pytest.approx(10.53, abs=1e-3)
    (date_candidate,) = [t for t in e.times if t.source == "mp4.udta.date"]
    assert date_candidate.value == datetime(2020, 11, 20, 14, 4, 2, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("+33.1268-117.3273/", (33.1268, -117.3273, None)),
    ("+52.37+006.67+10.53/", (52.37, 6.67, 10.53)),
    ("+4007.500-07400.000/", (40.125, -74.0, None)),
    ("-335130.0+1511230.0+12.5/", (-(33 + 51 / 60 + 30 / 3600), 151 + 12 / 60 + 30 / 3600, 12.5)),
])
def test_iso6709_variants(text: str, expected: tuple) -> None:
    assert isobmff.parse_iso6709(text) == pytest.approx(expected)


def test_synthetic_xmp_uuid_box() -> None:
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
           'xmp:CreateDate="2020-01-05T15:04Z" exif:GPSLatitude="32,5.574N" exif:GPSLongitude="34,51.72E" '
           'exif:GPSAltitude="28516/1000"/></rdf:RDF></x:xmpmeta>')
    e = extract(movie(mvhd(T2019), after=box(b"uuid", isobmff.XMP_UUID, xmp.encode())))
    (x,) = [t for t in e.times if t.source == "xmp.createdate"]
    assert (x.value, x.zone) == (datetime(2020, 1, 5, 15, 4, tzinfo=UTC), "utc")
    assert (e.location.lat, e.location.lon, e.location.alt_m) == pytest.approx((32.0929, 34.862, 28.516))


def test_synthetic_fragmented_duration_from_mehd_and_trun() -> None:
    mdhd = full(b"mdhd", 0, struct.pack(">IIII", 0, 0, 1000, 0), b"\x00" * 4)
    tkhd = full(b"tkhd", 0, struct.pack(">IIII", 0, 0, 7, 0), b"\x00" * 64)
    trak = box(b"trak", tkhd, box(b"mdia", mdhd))
    mehd = box(b"mvex", full(b"mehd", 0, struct.pack(">I", 3000)))
    assert extract(movie(mvhd(T2019, 600, 0), trak, mehd)).duration_s == pytest.approx(5.0)
    trex = box(b"mvex", full(b"trex", 0, struct.pack(">IIIII", 7, 1, 500, 0, 0)))
    tfhd = full(b"tfhd", 0, struct.pack(">I", 7))
    trun_default = full(b"trun", 0, struct.pack(">I", 4))  # flags 0: 4 samples of the trex default
    trun_each = box(b"trun", b"\x00\x00\x01\x00", struct.pack(">III", 2, 250, 750))  # per-sample durations
    moofs = box(b"moof", box(b"traf", tfhd, trun_default)) + box(b"moof", box(b"traf", tfhd, trun_each))
    assert extract(movie(mvhd(T2019, 600, 0), trak, trex, after=moofs)).duration_s == pytest.approx(3.0)


def test_synthetic_fragmented_duration_from_the_first_and_last_tfdt() -> None:
    """With a `tfdt` in every fragment (ISO 14496-12 §8.8.12: the track's decode time at the fragment's first
    sample) only the first and last `moof` count: the middle ones are never read, and a base that does not start
    at 0 (a clip cut from a longer recording) is subtracted."""
    mdhd = full(b"mdhd", 0, struct.pack(">IIII", 0, 0, 1000, 0), b"\x00" * 4)
    tkhd = full(b"tkhd", 0, struct.pack(">IIII", 0, 0, 7, 0), b"\x00" * 64)
    trak = box(b"trak", tkhd, box(b"mdia", mdhd))
    trex = box(b"mvex", full(b"trex", 0, struct.pack(">IIIII", 7, 1, 500, 0, 0)))
    tfhd = full(b"tfhd", 0, struct.pack(">I", 7))
    trun = full(b"trun", 0, struct.pack(">I", 2))  # 2 samples of 500 (trex default): 1 s per fragment
    middle = box(b"moof", box(b"traf", tfhd, b"garbage that is never parsed"))
    moofs = b"".join(box(b"moof", box(b"traf", tfhd, full(b"tfdt", 1, struct.pack(">Q", base)), trun))
                     if base is not None else middle for base in (60_000, None, None, 69_000))
    assert extract(movie(mvhd(T2019, 600, 0), trak, trex, after=moofs)).duration_s == pytest.approx(10.0)


def test_synthetic_non_gopro_gpmd_track_is_left_alone() -> None:
    sample = b"$GPRMC,not gpmf"
    stbl = box(b"stbl", full(b"stsd", 0, struct.pack(">I", 1), box(b"gpmd", b"\x00" * 8)),
               full(b"stts", 0, struct.pack(">III", 1, 1, 1000)), full(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1)),
               full(b"stsz", 0, struct.pack(">III", 0, 1, len(sample))), full(b"stco", 0, struct.pack(">II", 1, 0)))
    mdia = box(b"mdia", full(b"mdhd", 0, struct.pack(">IIII", 0, 0, 1000, 1000), b"\x00" * 4),
               full(b"hdlr", 0, b"\x00" * 4, b"meta", b"\x00" * 13), box(b"minf", stbl))
    head = box(b"ftyp", b"isom\x00\x00\x02\x00")
    mdat_at = len(head) + 8
    data = head + box(b"mdat", sample) + box(b"moov", mvhd(T2019), box(b"trak", mdia))
    data = data.replace(struct.pack(">II", 1, 0), struct.pack(">II", 1, mdat_at), 1)
    e = extract(data)
    assert e.track == [] and e.identity.make is None and e.warnings == []


def test_synthetic_gopro_udta_gpmf_tzon_makes_offset_candidate() -> None:
    def klv(key: bytes, kind: bytes, data: bytes, size: int = 1) -> bytes:
        return key + kind + bytes([size]) + (len(data) // size).to_bytes(2, "big") + data + b"\x00" * (-len(data) % 4)

    devc_body = (klv(b"DVID", b"L", b"\x00\x00\x00\x01", 4) + klv(b"MINF", b"c", b"HERO11 Black")
                 + klv(b"CASN", b"c", b"C3441325000000") + klv(b"TZON", b"s", struct.pack(">h", -480), 2))
    devc = b"DEVC\x00\x04" + (len(devc_body) // 4).to_bytes(2, "big") + devc_body
    e = extract(movie(mvhd(T2019), box(b"udta", box(b"GPMF", devc + b"\x00" * 16))))
    times = {t.source: t for t in e.times}
    assert times["mp4.mvhd.creation"].zone == "local" and "'gopro'" in times["mp4.mvhd.creation"].note
    zoned = times["mp4.mvhd.creation+gpmf.tzon"]
    assert zoned.zone == "offset" and zoned.value == datetime(2019, 7, 24, 16, 25, 57, tzinfo=UTC)
    assert (e.identity.make, e.identity.model, e.identity.serial) == ("GoPro", "HERO11 Black", "C3441325000000")
    assert e.tags["gpmf.tzon"] == "-480"


def test_no_moov_is_an_error() -> None:
    with pytest.raises(ExtractError, match="moov"):
        extract(box(b"ftyp", b"isom\x00\x00\x00\x00") + box(b"mdat", b"x" * 8))


# --- corpus -------------------------------------------------------------------------------------------------


def corpus(name: str) -> Extraction:
    with Reader.open(MEDIA / name) as reader:
        return isobmff.extract(reader)


@pytest.mark.corpus
def test_gopro_max_heromode() -> None:
    e = corpus("gpmf-parser/max-heromode.mp4")
    assert e.duration_s == pytest.approx(10.5173333, abs=1e-6)
    assert (e.identity.make, e.identity.model) == ("GoPro", "GoPro Max")
    assert (e.identity.serial, e.identity.firmware) == ("C3353424500199", "H19.03.01.30.00")
    mv = next(t for t in e.times if t.source == "mp4.mvhd.creation")
    assert (mv.value, mv.zone) == (datetime(2019, 11, 18, 15, 45, 32), "local") and "'gopro'" in mv.note
    gps = next(t for t in e.times if t.source == "gpmf.gpsu")
    assert gps.value == datetime(2019, 11, 18, 23, 45, 14, tzinfo=UTC)
    assert (e.location.lat, e.location.lon) == (33.1268, -117.3273)
    rows = list(csv.DictReader((GROUNDTRUTH / "gpmf-parser__max-heromode.mp4.gps.csv").open()))
    assert len(e.track) == len(rows) == 191
    for fix, row in zip(e.track, rows):
        assert fix.lat == pytest.approx(float(row["GPSLatitude"]), abs=1e-6)
        assert fix.lon == pytest.approx(float(row["GPSLongitude"]), abs=1e-6)
        if row["GPSDateTime"]:
            expected = datetime.strptime(row["GPSDateTime"], "%Y:%m:%d %H:%M:%S.%f").replace(tzinfo=UTC)
            assert abs((fix.t_utc - expected).total_seconds()) < 0.001
            assert fix.t_offset_s == pytest.approx(float(row["SampleTime"]), abs=1e-6)


@pytest.mark.corpus
def test_iphone_with_gps_mov() -> None:
    e = corpus("metadata-extractor-images/mov/with-gps.mov")
    assert e.container == "mov" and e.duration_s == pytest.approx(4.0017, abs=1e-4)
    times = {t.source: t for t in e.times}
    assert times["mp4.keys.creationdate"].value == datetime(2019, 7, 24, 8, 25, 40, tzinfo=UTC)
    assert times["mp4.keys.creationdate"].zone == "offset"
    assert (times["mp4.mvhd.creation"].value, times["mp4.mvhd.creation"].zone) == (
        datetime(2019, 7, 24, 8, 25, 57, tzinfo=UTC), "utc")
    assert (e.location.lat, e.location.lon, e.location.alt_m) == (32.0929, 34.862, 28.516)
    assert (e.identity.make, e.identity.model) == ("Apple", "iPhone 6") and e.tags["mp4.keys.software"] == "12.3"


@pytest.mark.corpus
def test_samsung_with_gps_mp4() -> None:
    e = corpus("metadata-extractor-images/mp4/with-gps.mp4")
    assert e.container == "mp4" and e.duration_s == pytest.approx(0.171)
    (mv,) = [t for t in e.times if t.source == "mp4.mvhd.creation"]
    assert (mv.value, mv.zone) == (datetime(2017, 2, 22, 8, 20, 28, tzinfo=UTC), "utc")
    assert (e.location.lat, e.location.lon) == (51.4169, -0.0806)
    assert e.tags["mp4.keys.version"] == "6.0.1"


@pytest.mark.corpus
def test_uuid540_xmp_and_mvhd_both_kept() -> None:
    e = corpus("metadata-extractor-images/mp4/uuid540.mp4")
    assert e.duration_s == pytest.approx(1.0344, abs=1e-4)
    times = {t.source: t for t in e.times}
    assert (times["xmp.createdate"].value, times["xmp.createdate"].zone) == (
        datetime(2020, 1, 5, 15, 4, tzinfo=UTC), "utc")
    # Apple Core Media writer (hdlr 'Core Media Video'): mvhd is UTC and agrees with the XMP 'Z' time
    mvhd = times["mp4.mvhd.creation"]
    assert (mvhd.value, mvhd.zone) == (datetime(2020, 1, 5, 15, 4, tzinfo=UTC), "utc")
    assert "'apple-core-media'" in mvhd.note


@pytest.mark.corpus
def test_pentax_quicktime_mov() -> None:
    e = corpus("exiftool/QuickTime.mov")
    assert e.container == "mov" and e.duration_s == pytest.approx(4.967, abs=1e-3)
    (mv,) = [t for t in e.times if t.source == "mp4.mvhd.creation"]
    assert (mv.value, mv.zone) == (datetime(2005, 8, 11, 14, 3, 54), "local")  # album keys are not a phone
    assert e.identity.make == "PENTAX DIGITAL CAMERA"
    assert e.tags["mp4.mvhd.modification"] == "2010-07-30T15:43:59 (raw 3363349439)"


@pytest.mark.corpus
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_file_gives_result_or_extract_error(data: st.DataObject) -> None:
    raw = bytearray((MEDIA / "exiftool/QuickTime.mov").read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        extract(bytes(raw[: data.draw(st.integers(0, len(raw)))]))
    except ExtractError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_synthetic_gives_result_or_extract_error(data: st.DataObject) -> None:
    xmp = box(b"uuid", isobmff.XMP_UUID, b"<x:xmpmeta><rdf:Description/></x:xmpmeta>")
    udta = box(b"udta", udta_string(b"\xa9xyz", "+51.4169-000.0806/"), box(b"loci", b"\x00" * 24))
    raw = bytearray(movie(mvhd(T2019), udta, keys_meta({"com.android.version": "6"}, True), after=xmp))
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        extract(bytes(raw))
    except ExtractError:
        pass


@pytest.mark.corpus
def test_canon_cr3_identity_from_its_cmt_boxes() -> None:
    """CR3 keeps its EXIF in moov's Canon uuid box: CMT1 is IFD0 (Make, Model), CMT2 the Exif IFD (SerialNumber)."""
    truth = json.loads((GROUNDTRUTH / "exiftool__CanonRaw.cr3.exiftool.json").read_text())
    with Reader.open(MEDIA / "exiftool/CanonRaw.cr3") as reader:
        found = isobmff.extract(reader)
    assert (found.identity.make, found.identity.model, found.identity.serial) == (
        truth["IFD0:Make"], truth["IFD0:Model"], str(truth["ExifIFD:SerialNumber"]))
    assert found.tags["mp4.writer_rule"] == "canon-cr3"  # the make does not turn it into the `camera` rule


def test_a_held_window_serves_reads_from_memory_and_counts_once() -> None:
    data = bytes(range(256)) * 4
    reader = Reader.from_bytes(data)
    reader.hold(100, 200)
    assert reader.bytes_read == 200
    assert reader.read(150, 20) == data[150:170] and reader.read(100, 200) == data[100:300]
    assert reader.bytes_read == 200  # served from the window
    assert reader.read(290, 20) == data[290:310] and reader.bytes_read == 220  # crosses its end: read again
    with pytest.raises(ExtractError):
        reader.read(1000, 100)  # bounds are checked before the window
