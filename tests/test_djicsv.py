"""DJI flight-log CSV exports (Airdata; DJI log viewers / TXTlogToCSVtool), built from their documented columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bodycam_index.extract import extract_media, identify
from bodycam_index.extract.filekind import classify_unknown
from bodycam_index.extract.reader import Reader
from bodycam_index.model import ExtractError
from bodycam_index.timesources import lookup

AIRDATA = (
    "time(millisecond),datetime(utc),latitude,longitude,height_above_takeoff(feet),"
    "altitude_above_seaLevel(feet),speed(mph),satellites,isVideo\r\n"
    "0,2023-07-14 18:02:11,47.6062100,-122.3320700,0.0,180.4,0.0,14,0\r\n"
    "100,2023-07-14 18:02:11,47.6062150,-122.3320750,1.2,181.6,2.2,14,1\r\n"
    "200,2023-07-14 18:02:12,0.0,0.0,1.9,182.3,2.5,0,1\r\n"
    "1300,2023-07-14 18:02:13,47.6062400,-122.3321000,3.0,183.4,4.5,15,1\r\n"
)
VIEWER = (
    "sep=,\n"
    "CUSTOM.date [local],CUSTOM.updateTime [local],OSD.flyTime [s],OSD.latitude,OSD.longitude,OSD.altitude [m],"
    "OSD.hSpeed [m/s],DETAILS.aircraftName\n"
    "7/29/2021,4:32:50.50 PM,0,38.8895,-77.0353,12.5,0.0,Mavic Air 2\n"
    "7/29/2021,4:32:50.60 PM,0.1,38.8896,-77.0354,13.0,1.5,Mavic Air 2\n"
    "7/29/2021,4:32:52.60 PM,2.1,38.8899,-77.0358,15.0,3.0,Mavic Air 2\n"
)


def _extract(text: str):
    return extract_media(Reader.from_bytes(text.encode()))


def test_synthetic_airdata_csv_fixes_are_utc() -> None:
    assert identify(AIRDATA.encode()[:1024]) == "dji-csv"
    found = _extract(AIRDATA)
    assert found.container == "dji-csv" and found.identity.make == "DJI"
    assert len(found.track) == 3 and found.dropped_fixes == 1  # the 0,0 row has no position
    first, last = found.track[0], found.track[-1]
    assert (first.lat, first.lon) == (47.60621, -122.33207)
    assert first.alt_m == pytest.approx(180.4 * 0.3048)  # feet → metres
    assert found.track[1].speed_mps == pytest.approx(2.2 * 0.44704)  # mph → m/s
    assert (first.t_utc, last.t_utc) == (datetime(2023, 7, 14, 18, 2, 11, tzinfo=UTC),
                                         datetime(2023, 7, 14, 18, 2, 13, tzinfo=UTC))
    assert (first.t_offset_s, last.t_offset_s) == (0.0, 1.3)
    (start,) = found.times
    assert (start.source, start.zone, start.value) == ("djicsv.datetime_utc", "utc", first.t_utc)
    assert found.duration_s == 2.0
    assert all(lookup(t.source) is not None for t in found.times)  # declared in timesources.py


def test_synthetic_log_viewer_csv_keeps_the_phone_clock_as_wall_clock() -> None:
    assert identify(VIEWER.encode()[:1024]) == "dji-csv"
    found = _extract(VIEWER)
    assert [(f.lat, f.lon, f.alt_m, f.t_utc) for f in found.track] == [
        (38.8895, -77.0353, 12.5, None), (38.8896, -77.0354, 13.0, None), (38.8899, -77.0358, 15.0, None)]
    assert [f.t_offset_s for f in found.track] == [0.0, 0.1, 2.1]
    (start,) = found.times
    assert (start.source, start.zone, start.value) == ("djicsv.updatetime_local", "local",
                                                       datetime(2021, 7, 29, 16, 32, 50, 500000))
    assert found.duration_s == pytest.approx(2.1)
    assert all(lookup(t.source) is not None for t in found.times)


def test_other_csv_is_not_a_flight_log() -> None:
    cad = b"incident,latitude,longitude,received\n2016-1,47.6,-122.3,2016-01-02 10:00\n"
    assert identify(cad) is None
    assert classify_unknown(cad).kind == "skip"


def test_synthetic_flight_log_without_positions_has_no_fixes() -> None:
    found = _extract("time(millisecond),datetime(utc),latitude,longitude\n0,2023-07-14 18:02:11,,\n")
    assert found.track == [] and found.dropped_fixes == 1 and found.times == []


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_synthetic_mutated_flight_log_gives_result_or_extract_error(data: st.DataObject) -> None:
    raw = bytearray(data.draw(st.sampled_from([AIRDATA, VIEWER])).encode())
    header_end = raw.index(b"\n", 10) + 1  # keep the header, so the file stays a flight log
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(header_end, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        extract_media(Reader.from_bytes(bytes(raw)))
    except ExtractError:
        pass
