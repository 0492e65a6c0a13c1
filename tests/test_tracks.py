"""Track files read on their own: IGC, Garmin XML (TCX, logbook), Bramor gEO logs, NMEA mixes, BlackVue `.gps`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import MEDIA

from bodycam_index.recording import record
from bodycam_index.sidecars import bramor, garmin_xml, igc, is_sidecar, kml, nmea


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# (file, fixes, first (t, lat, lon), last (t, lat, lon)): values from the corpus MANIFEST (independent reader)
TRACKS = [
    ("exiftool/Geotag.igc", 10, (_utc(2010, 1, 5, 7, 23, 15), 49.2738333, 6.7318333),
     (_utc(2010, 1, 5, 8, 52, 56), 49.2893833, 6.7070167)),
    ("exiftool/Geotag.xml", 2, (_utc(2004, 8, 28, 13, 45), 43.64986, -79.58321),
     (_utc(2004, 8, 28, 14, 15), 43.64987, -79.58320)),
    ("exiftool/Geotag3.log", 4, (_utc(2014, 4, 21, 7, 6, 41), 42.721544, 61.671879),
     (_utc(2014, 4, 21, 7, 6, 44), 42.72191, 61.672337)),
    ("exiftool/Geotag2.log", 3, (_utc(2010, 4, 24, 11, 27, 23), 50.67197, 5.099115),
     (_utc(2010, 4, 24, 11, 28, 2), 50.66822, 5.1043683)),
    ("exiftool/Geotag.gpx", 9, (_utc(2003, 5, 24, 17, 9, 4), None, None), (_utc(2003, 5, 24, 17, 10, 5), 43.641, -116.062231)),
    ("blackvue-tools/20170709_085527_N.gps", 37, (_utc(2017, 7, 9, 5, 55, 18), 53.9293005, 27.4885108),
     (_utc(2017, 7, 9, 5, 55, 54), 53.929317, 27.4885405)),
]


@pytest.mark.corpus
@pytest.mark.parametrize("name, fixes, first, last", TRACKS)
def test_a_track_on_its_own_spans_its_first_to_its_last_fix(name: str, fixes: int, first: tuple, last: tuple) -> None:
    path = MEDIA / name
    assert is_sidecar(path)
    found = record(path, sidecar_only=True)
    footage = found.footage
    assert footage.fix_count == fixes and footage.time_source == "track.first_fix" and footage.zone_kind == "utc"
    assert footage.start_utc == first[0] and footage.end_utc == last[0]
    track = found.extraction.track
    for fix, (t, lat, lon) in ((track[0], first), (track[-1], last)):
        assert fix.t_utc == t
        if lat is not None:
            assert (fix.lat, fix.lon) == (pytest.approx(lat, abs=1e-6), pytest.approx(lon, abs=1e-6))


@pytest.mark.corpus
def test_dji_srt_mixing_two_layouts_reads_every_cue() -> None:
    # mix_p4rtk_mavic2pro.srt: 12 cues, 1-6 `GPS (lon, lat, alt)` without a date, 7-12 labelled with a date
    found = record(MEDIA / "DJI_SRT_Parser/mix_p4rtk_mavic2pro.srt", sidecar_only=True)
    track = found.extraction.track
    assert len(track) == 12
    assert (track[0].lat, track[0].lon) == (pytest.approx(-34.6502), pytest.approx(-59.409424))
    assert (track[6].lat, track[6].lon) == (pytest.approx(-34.65118), pytest.approx(-59.409483))
    assert found.extraction.tags["srt.dji.first"] == "2020-10-07 12:00:10.123182"


def test_synthetic_igc_wraps_past_midnight_and_drops_2d_fixes() -> None:
    text = ("HFDTE311223\r\n"
            "B2359594916430N00643910EA0000000443\r\n"
            "B0000104916430N00643910WV0000000443\r\n"
            "B0000204916430S00643910WA-001200450\r\n")
    found = igc.parse(text)
    assert [f.t_utc for f in found.track] == [_utc(2023, 12, 31, 23, 59, 59), _utc(2024, 1, 1, 0, 0, 20)]
    assert found.dropped_fixes == 1
    assert found.track[1].lat == pytest.approx(-(49 + 16.430 / 60)) and found.track[1].lon < 0
    assert found.track[1].alt_m == 450


def test_synthetic_tcx_trackpoints() -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities><Activity>
<Lap><Track>
<Trackpoint><Time>2024-03-01T18:00:05Z</Time><Position><LatitudeDegrees>47.61</LatitudeDegrees>
<LongitudeDegrees>-122.33</LongitudeDegrees></Position><AltitudeMeters>12.5</AltitudeMeters></Trackpoint>
<Trackpoint><Time>2024-03-01T18:00:00Z</Time><Position><LatitudeDegrees>47.60</LatitudeDegrees>
<LongitudeDegrees>-122.32</LongitudeDegrees></Position></Trackpoint>
<Trackpoint><Time>2024-03-01T18:00:09Z</Time><HeartRateBpm><Value>90</Value></HeartRateBpm></Trackpoint>
</Track></Lap></Activity></Activities></TrainingCenterDatabase>"""
    found = garmin_xml.parse(text)
    assert [(f.t_utc, f.lat) for f in found.track] == [(_utc(2024, 3, 1, 18), 47.60), (_utc(2024, 3, 1, 18, 0, 5), 47.61)]
    assert found.track[1].alt_m == 12.5


def test_synthetic_bramor_log_with_blank_lines() -> None:
    text = ("   1 0001   42.721544   61.671879  249  25.21 21/04/2014 07:06:41  25.21    5.90    3.27 ypr\n\n"
            "   1 0002    0.000000    0.000000  250  21.94 21/04/2014 07:06:42  21.94    7.33    1.26 ypr\n")
    assert bramor.looks_like_bramor(text)
    found = bramor.parse(text)
    assert [(f.t_utc, f.alt_m) for f in found.track] == [(_utc(2014, 4, 21, 7, 6, 41), 249.0)]
    assert found.dropped_fixes == 1


def test_synthetic_nmea_with_other_talkers_and_sentences() -> None:
    # GNSS receivers: GN (combined), GL (GLONASS), GA (Galileo) talkers, mixed with GSA/GSV/VTG/GLL noise
    text = ("$GNGSA,A,3,10,12,,,,,,,,,,,1.5,0.9,1.2*2D\n"
            "$GNRMC,120000.00,A,4737.0000,N,12219.0000,W,0.5,0.0,010324,,,A*6A\n"
            "$GLGSV,1,1,02,65,10,100,30,66,20,200,35*6B\n"
            "$GNGGA,120000.00,4737.0000,N,12219.0000,W,1,12,0.9,55.0,M,-17.0,M,,*5C\n"
            "$GARMC,120001.00,A,4737.0010,N,12219.0010,W,0.5,0.0,010324,,,A*7B\n"
            "$GPVTG,0.0,T,,M,0.5,N,0.9,K,A*0C\n")
    assert nmea.looks_like_nmea(text)
    found = nmea.parse(text)
    assert [f.t_utc for f in found.track] == [_utc(2024, 3, 1, 12), _utc(2024, 3, 1, 12, 0, 1)]
    assert found.track[0].alt_m == 55.0


def test_synthetic_kml_gx_track_and_timestamped_placemarks() -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>
<Placemark><gx:Track>
<when>2024-03-01T18:00:00Z</when><when>2024-03-01T18:00:01.500Z</when>
<gx:coord>-122.33 47.61 10</gx:coord><gx:coord>-122.331 47.611 11</gx:coord>
</gx:Track></Placemark>
<Placemark><TimeStamp><when>2024-03-01T10:00:02-08:00</when></TimeStamp>
<Point><coordinates>-122.332,47.612,12</coordinates></Point></Placemark>
</Document></kml>"""
    found = kml.parse(text)
    assert [f.t_utc for f in found.track] == [_utc(2024, 3, 1, 18), _utc(2024, 3, 1, 18, 0, 1, 500000),
                                              _utc(2024, 3, 1, 18, 0, 2)]
    assert (found.track[2].lat, found.track[2].lon, found.track[2].alt_m) == (47.612, -122.332, 12.0)


def test_synthetic_track_without_times_falls_back_to_mtime_flagged(tmp_path: Path) -> None:
    path = tmp_path / "route.kml"
    path.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Point>'
                    "<coordinates>-122.33,47.61</coordinates></Point></Placemark></kml>")
    found = record(path, sidecar_only=True)
    assert found.footage.time_source == "fs.mtime"
    assert any(w.startswith("time from file mtime") for w in found.warnings)
