"""Sidecar parsers against the corpus ground truth (MANIFEST.md), synthetic files built from the documented
layouts for formats without a public sample, pairing rules, and garbage-input robustness."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import MEDIA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bodycam_index.model import ExtractError, Extraction
from bodycam_index.sidecars import (
    axis,
    gpx,
    is_sidecar,
    kml,
    nmea,
    read_sidecar,
    sidecars_for,
    srt,
    watchguard,
)
from bodycam_index.sidecars.common import read_text

SRT_DIR = MEDIA / "DJI_SRT_Parser"

# file, cues, fixes, first (t_offset, lat, lon), last (t_offset, lat, lon), first/last local time — MANIFEST.md
SRT_TRUTH = [
    (
        "air2s.srt",
        17,
        17,
        (0.0, 41.424724, 2.234156),
        (0.533, 41.42473, 2.234102),
        "2022-08-07 13:40:40.774808",
        "2022-08-07 13:40:41.308639",
    ),
    ("mavic_air.SRT", 2, 0, None, None, "2018-02-19 08:04:51.265847", "2018-02-19 08:04:51.305846"),
    (
        "mavic_pro.SRT",
        468,
        468,
        (1.0, -20.2533, 149.0251),
        (468.0, -20.2532, 149.0251),
        "2017-08-05 14:11:51",
        "2017-08-05 14:19:39",
    ),
    (
        "old_format.SRT",
        468,
        468,
        (1.0, -20.2533, 149.0251),
        (468.0, -20.2532, 149.0251),
        "2017-08-05 14:11:51",
        "2017-08-05 14:19:39",
    ),
    ("mavic_mini.SRT", 117, 117, (0.0, 48.0771, -121.7458), (116.0, 48.0775, -121.7476), None, None),
    ("p4p_sample.SRT", 5, 5, (0.0, 47.4692, 8.209), (4.0, 47.4692, 8.209), None, None),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "n_cues", "n_fixes", "first", "last", "t_first", "t_last"), SRT_TRUTH)
def test_dji_srt_matches_manifest(name, n_cues, n_fixes, first, last, t_first, t_last):
    path = SRT_DIR / name
    cues = srt.cues(read_text(path))
    result = read_sidecar(path)
    assert result is not None and result.container == "srt"
    assert len(cues) == n_cues
    assert len(result.track) == n_fixes
    if first is not None:
        for fix, (offset, lat, lon) in ((result.track[0], first), (result.track[-1], last)):
            assert (fix.t_offset_s, fix.lat, fix.lon) == pytest.approx((offset, lat, lon))
            assert fix.t_utc is None and fix.source == "srt.dji"
    if t_first is None:
        assert result.times == []  # GPS(lon, lat, sats) layouts carry no date
    else:
        assert result.tags["srt.dji.first"] == t_first
        assert result.tags["srt.dji.last"] == t_last
        (candidate,) = result.times
        assert candidate.source == "srt.dji" and candidate.zone == "local" and candidate.value.tzinfo is None
        # the candidate is the recording start: first dated cue minus its cue time
        offset = cues[0].start_s or 0.0
        assert (datetime.fromisoformat(t_first) - candidate.value).total_seconds() == pytest.approx(offset)


@pytest.mark.corpus
def test_dji_srt_air2s_altitude_and_duration():
    result = read_sidecar(SRT_DIR / "air2s.srt")
    assert result.track[0].alt_m == 117.0
    assert result.track[-1].alt_m == pytest.approx(117.1)
    assert result.duration_s == pytest.approx(0.567)


def test_synthetic_dji_srt_matrice300_and_longtitude_typo():
    m300 = (
        "1\n00:00:00,000 --> 00:00:00,033\n2022.06.21 16:06:17\nGPS(36.6146,-6.1120,0.0M) BAROMETER:0.3M\n\n"
    )
    m300 += (
        "2\n00:00:00,033 --> 00:00:00,066\n2022.06.21 16:06:18\nGPS(36.6147,-6.1121,12.5M) BAROMETER:0.4M\n"
    )
    result = srt.parse(m300)
    assert [(f.lat, f.lon, f.alt_m) for f in result.track] == [
        (36.6146, -6.112, 0.0),
        (36.6147, -6.1121, 12.5),
    ]
    assert result.times[0].value == datetime(2022, 6, 21, 16, 6, 17)
    # Mavic 2 style: no timing line, `longtitude` typo
    mavic2 = (
        '1\n<font size="28">FrameCnt: 1, DiffTime: 33ms\n2019-03-02 10:11:12,345,678\n'
        "[latitude : 52.123456] [longtitude : -1.654321] [altitude: 80.5]</font>\n\n"
        '2\n<font size="28">FrameCnt: 2, DiffTime: 33ms\n2019-03-02 10:11:12,378,901\n'
        "[latitude : 0.0] [longtitude : 0.0] [altitude: 0.0]</font>\n"
    )
    result = srt.parse(mavic2)
    assert [(f.lat, f.lon, f.alt_m, f.t_offset_s) for f in result.track] == [
        (52.123456, -1.654321, 80.5, None)
    ]
    assert result.dropped_fixes == 1
    assert result.times[0].value == datetime(2019, 3, 2, 10, 11, 12, 345678)


@pytest.mark.corpus
def test_gpx_geotag_sorted_by_time():
    result = read_sidecar(MEDIA / "exiftool" / "Geotag.gpx")
    assert result.container == "gpx" and len(result.track) == 9
    assert result.track[0].t_utc == datetime(2003, 5, 24, 17, 9, 4, tzinfo=UTC)
    assert result.track[-1].t_utc == datetime(2003, 5, 24, 17, 10, 5, tzinfo=UTC)
    assert (result.track[-1].lat, result.track[-1].lon) == (43.641, -116.062231)  # first in file order
    assert result.track[-1].alt_m == pytest.approx(1472.396484)
    assert result.tags["gpx.first_in_file"].startswith("43.641 -116.062231")
    assert any("sorted" in w for w in result.warnings)


@pytest.mark.corpus
def test_nmea_geotag2_log():
    path = MEDIA / "exiftool" / "Geotag2.log"
    assert is_sidecar(path)
    result = read_sidecar(path)
    assert result.container == "nmea" and len(result.track) == 3
    first, last = result.track[0], result.track[-1]
    assert first.t_utc == datetime(2010, 4, 24, 11, 27, 23, tzinfo=UTC)
    assert (first.lat, first.lon) == pytest.approx((50.67197, 5.099115))
    assert last.t_utc == datetime(2010, 4, 24, 11, 28, 2, tzinfo=UTC)
    assert (last.lat, last.lon) == pytest.approx((50.66822, 5.1043683))
    assert first.speed_mps == pytest.approx(28.66 * 0.514444)


def _nmea(body: str) -> str:
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    return f"${body}*{checksum:02X}"


def test_synthetic_nmea_void_bad_checksum_and_gga_join():
    lines = [
        _nmea("GPRMC,120000.00,A,4807.038,N,01131.000,E,10.0,84.4,230394,,,A"),
        _nmea("GPGGA,120000.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"),
        _nmea("GPRMC,120001.00,V,,,,,,,230394,,,N"),
        _nmea("GNRMC,120002.00,A,0000.000,N,00000.000,E,0.0,0.0,230394,,,A"),
        "$GPRMC,120003.00,A,4807.100,S,01131.100,W,0.0,0.0,230394,,,A*00",  # wrong checksum: kept
        "$PMGNTRK,garbage",
    ]
    result = nmea.parse("\n".join(lines))
    assert len(result.track) == 2
    first, second = result.track
    assert first.alt_m == 545.4 and first.quality == "gga=1"
    assert (first.lat, first.lon) == pytest.approx((48.1173, 11.516667), abs=1e-6)
    assert (second.lat, second.lon) == pytest.approx((-48.118333, -11.518333), abs=1e-6)
    assert second.t_utc == datetime(1994, 3, 23, 12, 0, 3, tzinfo=UTC)
    assert result.dropped_fixes == 2  # status V, and 0/0
    assert any("checksum" in w for w in result.warnings)


def test_synthetic_blackvue_gps(tmp_path):
    video = tmp_path / "20210607_161205_NF.mp4"
    gps = tmp_path / "20210607_161205_N.gps"
    video.write_bytes(b"")
    gps.write_text(
        "[1623082325221]"
        + _nmea("GPRMC,201205.00,A,3853.16949,N,07659.54604,W,5.849,284.43,070621,,,D")
        + "\n"
        "[1623082326221]"
        + _nmea("GPRMC,201206.00,A,3853.17000,N,07659.55000,W,5.849,284.43,070621,,,D")
        + "\n"
    )
    assert sidecars_for(video, [video, gps]) == [gps]
    result = read_sidecar(gps)
    assert result.container == "blackvue-gps" and len(result.track) == 2
    assert result.track[0].t_utc == datetime(2021, 6, 7, 20, 12, 5, tzinfo=UTC)
    assert (result.track[0].lat, result.track[0].lon) == pytest.approx((38.886158, -76.992434), abs=1e-6)
    assert result.tags["blackvue.gps.first_ms"] == "1623082325221"


def test_synthetic_kml_track_and_timed_point():
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>'
        "<Placemark><gx:Track><when>2010-05-28T02:02:09Z</when><when>2010-05-28T02:02:35-08:00</when>"
        "<gx:coord>-122.207881 37.371915 156.0</gx:coord><gx:coord>-122.205712 37.373288 152.0</gx:coord>"
        "</gx:Track></Placemark>"
        "<Placemark><TimeStamp><when>2010-05-28T10:00:00+02:00</when></TimeStamp>"
        "<Point><coordinates>-122.1,37.2,10</coordinates></Point></Placemark>"
        "<Placemark><Point><coordinates>0,0,0</coordinates></Point></Placemark>"
        "</Document></kml>"
    )
    result = kml.parse(doc)
    assert [(f.t_utc, f.lat, f.lon, f.alt_m) for f in result.track] == [
        (datetime(2010, 5, 28, 2, 2, 9, tzinfo=UTC), 37.371915, -122.207881, 156.0),
        (datetime(2010, 5, 28, 8, 0, 0, tzinfo=UTC), 37.2, -122.1, 10.0),
        (datetime(2010, 5, 28, 10, 2, 35, tzinfo=UTC), 37.373288, -122.205712, 152.0),  # -08:00 → UTC
    ]
    assert result.dropped_fixes == 1


def test_synthetic_kml_entity_expansion_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><kml>&b;</kml>'
    with pytest.raises(ExtractError):
        kml.parse(bomb)
    with pytest.raises(ExtractError):
        gpx.parse(bomb.replace("kml", "gpx"))


AXIS_CONTAINER = "0a1b2c3d-user_ACCC8E012345_20220823T114650Z"
AXIS_CLIP = "20220823T114700Z_17.mkv"


def _axis_folder(tmp_path: Path) -> Path:
    folder = tmp_path / AXIS_CONTAINER
    folder.mkdir()
    (folder / AXIS_CLIP).write_bytes(b"")
    # Container metadata as the reference server stores it: Go-canonicalised keys, string values, UTC times
    (folder / f"{AXIS_CONTAINER}.metadata.json").write_text(
        json.dumps(
            {
                "Bwcserialnumber": "ACCC8E012345",
                "Scuserialnumber": "ACCC8E0FFFFF",
                "Firmwareversion": "10.9.1",
                "Userid": "0a1b2c3d-user",
                "Bwcmodel": "W101",
                "Timezone": "Europe/Stockholm",
                "Triggerontime": "1661255210",
                "Triggerontimeiso": "2022-08-23T11:46:50Z",
                "Triggeronlocation": "+55.718409+13.221184+12+1661255210",
                "Starttime": "1661255200",
                "Starttimeiso": "2022-08-23T11:46:40Z",
                "Stoptime": "1661255400",
                "Stoptimeiso": "2022-08-23T11:50:00Z",
                "Status": "Complete",
            }
        )
    )
    (folder / f"{AXIS_CONTAINER}.{AXIS_CLIP}.metadata.json").write_text(
        json.dumps(
            {
                "Starttime": "1661255220",
                "Starttimeiso": "2022-08-23T11:47:00Z",
                "Stoptime": "1661255340",
                "Stoptimeiso": "2022-08-23T11:49:00Z",
                "Containertype": "mkv",
            }
        )
    )
    (folder / "20220823T114700Z_17_ACCC8E012345_gpstrail.json").write_text(
        json.dumps(
            {
                "CoordinateEntries": [
                    {
                        "LocationWKT": "POINT(13.221184 55.718409)",
                        "SecondsFromStart": 64.0,
                        "Timestamp": "2022-08-23T11:48:10Z",
                    },
                    {
                        "LocationWKT": "POINT(13.220701 55.718702)",
                        "SecondsFromStart": 82.0,
                        "Timestamp": "2022-08-23T11:48:28Z",
                    },
                    {
                        "LocationWKT": "POINT(0 0)",
                        "SecondsFromStart": 90.0,
                        "Timestamp": "2022-08-23T11:48:36Z",
                    },
                ]
            }
        )
    )
    (folder / "20220823T114700Z_17.key").write_text("{}")
    (folder / f"{AXIS_CONTAINER}.20220823T114700Z_17.key.metadata.json").write_text("{}")
    return folder


def test_synthetic_axis_export(tmp_path):
    folder = _axis_folder(tmp_path)
    clip = folder / AXIS_CLIP
    found = sidecars_for(clip, sorted(folder.iterdir()))
    assert [p.name for p in found] == [
        f"{AXIS_CONTAINER}.{AXIS_CLIP}.metadata.json",
        f"{AXIS_CONTAINER}.metadata.json",
        "20220823T114700Z_17_ACCC8E012345_gpstrail.json",
    ]
    recording = read_sidecar(folder / f"{AXIS_CONTAINER}.metadata.json")
    assert recording.container == "axis-metadata"
    assert recording.identity.serial == "ACCC8E012345" and recording.identity.officer == "0a1b2c3d-user"
    assert (recording.identity.model, recording.identity.firmware) == ("W101", "10.9.1")
    assert recording.tags["axis.timezone"] == "Europe/Stockholm"
    assert {(t.source, t.value, t.zone) for t in recording.times} == {
        ("axis.starttime", datetime(2022, 8, 23, 11, 46, 40, tzinfo=UTC), "utc"),
        ("axis.triggerontime", datetime(2022, 8, 23, 11, 46, 50, tzinfo=UTC), "utc"),
    }
    assert recording.duration_s == 200.0
    assert (recording.location.lat, recording.location.lon) == (55.718409, 13.221184)
    clip_meta = read_sidecar(found[0])
    assert (
        clip_meta.times[0].value == datetime(2022, 8, 23, 11, 47, tzinfo=UTC)
        and clip_meta.duration_s == 120.0
    )
    trail = read_sidecar(found[2])
    assert trail.container == "axis-gpstrail" and trail.dropped_fixes == 1
    assert [(f.lat, f.lon, f.t_offset_s, f.t_utc) for f in trail.track] == [
        (55.718409, 13.221184, 64.0, datetime(2022, 8, 23, 11, 48, 10, tzinfo=UTC)),
        (55.718702, 13.220701, 82.0, datetime(2022, 8, 23, 11, 48, 28, tzinfo=UTC)),
    ]


WG_JSON = {
    "DataPoints": [
        {"Time": "2024-05-08T02:04:14.016256Z"},
        {"Time": "2024-05-08T02:04:15.016256Z"},
        {"Time": "2024-05-08T02:04:16.016256Z"},
    ]
}
WG_VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:01.000\n"
    '{"gpsCoordinates":"N42.389457 W72.526538","officer":"Jane Doe"}\n\n'
    "00:00:01.000 --> 00:00:02.000\n"
    '{"gpsCoordinates":"N42.389500 W72.526600","officer":"Jane Doe"}\n\n'
    "00:00:02.000 --> 00:00:03.000\n"
    '{"gpsCoordinates":"","officer":"Jane Doe"}\n'
)


def test_synthetic_watchguard_pair_read_from_either_file(tmp_path):
    video = tmp_path / "clip_0001.mp4"
    video.write_bytes(b"")
    (tmp_path / "clip_0001.json").write_text(json.dumps(WG_JSON))
    (tmp_path / "clip_0001.vtt").write_text(WG_VTT)
    siblings = sorted(tmp_path.iterdir())
    assert sidecars_for(video, siblings) == [tmp_path / "clip_0001.json", tmp_path / "clip_0001.vtt"]
    assert is_sidecar(tmp_path / "clip_0001.vtt")
    from_json = read_sidecar(tmp_path / "clip_0001.json")
    from_vtt = read_sidecar(tmp_path / "clip_0001.vtt")
    assert from_json == from_vtt
    assert from_json.container == "watchguard" and from_json.identity.officer == "Jane Doe"
    assert [(f.lat, f.lon, f.t_utc, f.t_offset_s) for f in from_json.track] == [
        (42.389457, -72.526538, datetime(2024, 5, 8, 2, 4, 14, 16256, tzinfo=UTC), 0.0),
        (42.3895, -72.5266, datetime(2024, 5, 8, 2, 4, 15, 16256, tzinfo=UTC), 1.0),
    ]
    assert from_json.dropped_fixes == 1
    assert from_json.times[0].value == datetime(2024, 5, 8, 2, 4, 14, 16256, tzinfo=UTC)
    assert from_json.times[0].zone == "utc" and from_json.duration_s == 3.0


def test_synthetic_watchguard_json_alone(tmp_path):
    (tmp_path / "solo.json").write_text(json.dumps(WG_JSON))
    result = read_sidecar(tmp_path / "solo.json")
    assert result.track == [] and result.times[0].value.year == 2024


def test_sidecars_for_same_stem_case_insensitive(tmp_path):
    names = [
        "DJI_0001.MP4",
        "DJI_0001.SRT",
        "dji_0001.gpx",
        "DJI_0002.SRT",
        "DJI_0001.THM",
        "DJI_0001.txt",
        "notes.txt",
        "event.json",
    ]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / "DJI_0001.txt").write_text(_nmea("GPRMC,120000.00,A,4807.038,N,01131.000,E,,,230394,,,A"))
    siblings = sorted(tmp_path.iterdir())
    found = sidecars_for(tmp_path / "DJI_0001.MP4", siblings)
    assert sorted(p.name for p in found) == ["DJI_0001.SRT", "DJI_0001.txt", "dji_0001.gpx"]
    assert not is_sidecar(tmp_path / "notes.txt") and not is_sidecar(tmp_path / "event.json")
    assert read_sidecar(tmp_path / "notes.txt") is None
    assert read_sidecar(tmp_path / "DJI_0001.MP4") is None


def test_oversized_sidecar_refused(tmp_path):
    path = tmp_path / "big.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\n" + "x" * 100)
    with pytest.raises(ExtractError, match="limit"):
        read_text(path, limit=64)


def test_corrupt_sidecars_raise_extract_error(tmp_path):
    for name, body in [
        ("a.gpx", "<gpx><trk"),
        ("b.kml", "not xml"),
        ("c.srt", "\n\n"),
        ("d.nmea", "hello"),
        ("x.metadata.json", "{"),
        ("y_gpstrail.json", "[]"),
        ("e.vtt", "not vtt"),
    ]:
        (tmp_path / name).write_text(body)
        with pytest.raises(ExtractError):
            read_sidecar(tmp_path / name)


_PARSERS = [
    srt.parse,
    gpx.parse,
    kml.parse,
    nmea.parse,
    lambda t: nmea.parse(t, blackvue=True),
    axis.parse_metadata,
    axis.parse_gpstrail,
    lambda t: watchguard.parse(t, None),
    lambda t: watchguard.parse(None, t),
]
_SEEDS = [
    (
        "1\n00:00:01,000 --> 00:00:02,000\nHOME(149.0251,-20.2532) 2017.08.05 14:11:51\n"
        "GPS(149.0251,-20.2533,16) BAROMETER:1.9\n"
    ),
    (
        '<gpx version="1.1"><trk><trkseg><trkpt lat="43.6" lon="-116.0"><time>2003-05-24T17:09:04Z</time>'
        "</trkpt></trkseg></trk></gpx>"
    ),
    "<kml><Placemark><Point><coordinates>1,2,3</coordinates></Point></Placemark></kml>",
    _nmea("GPRMC,120000.00,A,4807.038,N,01131.000,E,10.0,84.4,230394,,,A"),
    json.dumps({"Starttimeiso": "2022-08-23T11:46:40Z", "Triggeronlocation": "+55.7+13.2+12+1661255210"}),
    json.dumps(
        {"CoordinateEntries": [{"LocationWKT": "POINT(13.2 55.7)", "Timestamp": "2022-08-23T11:48:10Z"}]}
    ),
    json.dumps(WG_JSON),
    WG_VTT,
]


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        choice = draw(st.integers(0, 2))
        if choice == 0:
            text = text[:at]
        elif choice == 1:
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(_mutated(), st.text(max_size=200)))
def test_garbage_to_every_parser_gives_extract_error_or_result(text):
    for parse in _PARSERS:
        try:
            result = parse(text)
        except ExtractError:
            continue
        assert isinstance(result, Extraction)
        for fix in result.track:
            assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180
