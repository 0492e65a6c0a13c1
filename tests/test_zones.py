"""The zone at a position (tzfpy), the zones near it, and how resolve flags a position near a zone border."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from conftest import MEDIA

from bodycam_index import zones
from bodycam_index.model import Extraction, Footage, GpsFix, TimeCandidate
from bodycam_index.resolve import ZONE_CONFLICT, ZONE_NEAR_BORDER, ZONE_NOT_IN_DATA, resolve


def _dms(degrees: float, minutes: float, seconds: float = 0.0) -> float:
    return degrees + minutes / 60 + seconds / 3600


def _south(lat: float, metres: float) -> float:
    return lat - metres / 111_320


# Each zone's principal location in the tz database's zone1970.tab (ISO 6709, degrees and minutes [and seconds]).
CITIES = [
    ("America/Los_Angeles", _dms(34, 3, 8), -_dms(118, 14, 34)),
    ("America/Chicago", _dms(41, 51), -_dms(87, 39)),
    ("America/Phoenix", _dms(33, 26, 54), -_dms(112, 4, 24)),
    ("America/Indiana/Indianapolis", _dms(39, 46, 6), -_dms(86, 9, 29)),
    ("America/Detroit", _dms(42, 19, 53), -_dms(83, 2, 45)),
    ("Europe/Madrid", _dms(40, 24), -_dms(3, 41)),
    ("Europe/Lisbon", _dms(38, 43), -_dms(9, 8)),
    ("Asia/Kolkata", _dms(22, 32), _dms(88, 22)),
    ("Asia/Kathmandu", _dms(27, 43), _dms(85, 19)),
    ("Asia/Tokyo", _dms(35, 39, 16), _dms(139, 44, 41)),
    ("Australia/Sydney", -_dms(33, 52), _dms(151, 13)),
    ("Africa/Nairobi", -_dms(1, 17), _dms(36, 49)),
]

#: Rio de Onor (PT) / Rihonor de Castilla (ES): one village split by the border, 41°56′25″N 6°36′59″W.
RIO_DE_ONOR = (_dms(41, 56, 25), -_dms(6, 36, 59))
#: Indiana–Michigan line, its mark nearest Lake Michigan: 41°45′36.07″N 86°46′03.36″W (USGS Bulletin 1212, NAD 27);
#: 60 m south of it is La Porte County, Indiana (Central time), the line's north side Berrien County, Michigan.
LA_PORTE = (_south(_dms(41, 45, 36.07), 60), -_dms(86, 46, 3.36))
#: The same line near its east end, 41°45′33″N (USGS, Marshall 1916), at 85°W: Steuben County, Indiana (Eastern).
STEUBEN = (_dms(41, 45, 33), -85.0)
#: The Arizona–Utah line is the 37th parallel; 50 m south of it at 112°58′30″W is Colorado City, Arizona (no DST),
#: across the line Hildale, Utah (Mountain time with DST).
COLORADO_CITY = (_south(37.0, 50), -_dms(112, 58, 30))
#: Peace Arch Park straddles the 49th-parallel boundary at 49°00′07.5″N 122°45′24″W; 60 m south is Blaine, WA.
BLAINE = (_south(_dms(49, 0, 7.5), 60), -_dms(122, 45, 24))

JULY_2024 = TimeCandidate("mp4.mvhd.creation", datetime(2024, 7, 1, 10, 0, 0), "local")


def _at(point: tuple[float, float], candidate: TimeCandidate = JULY_2024, tz: str | None = None) -> Footage:
    return resolve(Extraction("mp4", duration_s=10.0, times=[candidate], location=GpsFix(*point)), tz)


@pytest.mark.parametrize("name, lat, lon", CITIES)
def test_each_zones_principal_location_is_in_that_zone(name: str, lat: float, lon: float) -> None:
    assert zones.zone_at(lat, lon) == name


@pytest.mark.parametrize("lat, lon", [
    (-_dms(48, 52, 36), -_dms(123, 23, 36)),  # Point Nemo, the ocean's pole of inaccessibility
    (30.0, -30.0),                            # mid-Atlantic (the data's nautical zone there is Etc/GMT+2)
    (90.0, 0.0),                              # the North Pole, Etc/GMT in the data
])
def test_a_point_at_sea_has_no_zone(lat: float, lon: float) -> None:
    assert zones.zone_at(lat, lon) is None
    assert zones.zones_near(lat, lon) == ()


@pytest.mark.parametrize("lat, lon", [(math.nan, 0.0), (0.0, math.nan), (91.0, 0.0), (0.0, 18501.3), (math.inf, 0)])
def test_a_position_off_the_earth_has_no_zone(lat: float, lon: float) -> None:
    assert zones.zone_at(lat, lon) is None and zones.zones_near(lat, lon) == ()


def test_every_zone_the_lookup_can_return_is_in_the_zone_data() -> None:
    from tzfpy import timezonenames

    assert [name for name in timezonenames() if not zones.known(name)] == []


def test_a_point_in_a_village_split_by_the_spain_portugal_border_is_flagged() -> None:
    assert zones.zone_at(*RIO_DE_ONOR) == "Europe/Lisbon"
    assert zones.zones_near(*RIO_DE_ONOR) == ("Europe/Madrid",)
    footage = _at(RIO_DE_ONOR)
    # the point's zone is kept: 10:00 WEST (+01:00) is 09:00Z
    assert footage.zone_kind == "inferred:Europe/Lisbon"
    assert footage.start_utc == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    (flag,) = footage.flags
    assert flag.startswith(ZONE_NEAR_BORDER)
    assert "Europe/Lisbon (+01:00) kept" in flag and "Europe/Madrid (+02:00)" in flag
    assert "Europe/Madrid (+02:00) within 250 m" in footage.time_reason


def test_the_central_eastern_line_in_northwest_indiana_is_flagged() -> None:
    footage = _at(LA_PORTE)
    assert footage.zone_kind == "inferred:America/Chicago"
    assert footage.start_utc == datetime(2024, 7, 1, 15, 0, tzinfo=UTC)  # CDT, −05:00
    (flag,) = footage.flags
    assert flag.startswith(ZONE_NEAR_BORDER) and "America/Detroit (-04:00)" in flag


def test_a_border_between_zones_with_the_same_offset_is_not_flagged() -> None:
    assert zones.zone_at(*BLAINE) == "America/Los_Angeles"
    assert zones.zones_near(*BLAINE) == ("America/Vancouver",)
    footage = _at(BLAINE)
    assert footage.zone_kind == "inferred:America/Los_Angeles" and footage.flags == ()
    assert footage.start_utc == datetime(2024, 7, 1, 17, 0, tzinfo=UTC)  # PDT
    assert "within" not in footage.time_reason


def test_offsets_are_compared_at_the_recordings_own_time() -> None:
    # Indiana kept standard time all year until 2006: in July 2005 Indianapolis was −05:00, Michigan −04:00.
    assert zones.zone_at(*STEUBEN) == "America/Indiana/Indianapolis"
    assert "America/Detroit" in zones.zones_near(*STEUBEN)
    assert _at(STEUBEN).flags == ()
    july_2005 = TimeCandidate("mp4.mvhd.creation", datetime(2005, 7, 1, 10, 0, 0), "local")
    footage = _at(STEUBEN, july_2005)
    assert footage.start_utc == datetime(2005, 7, 1, 15, 0, tzinfo=UTC)
    (flag,) = footage.flags
    assert "America/Indiana/Indianapolis (-05:00) kept" in flag and "America/Detroit (-04:00)" in flag


def test_arizona_beside_utah_is_flagged_in_summer_only() -> None:
    assert zones.zone_at(*COLORADO_CITY) == "America/Phoenix"
    assert zones.zones_near(*COLORADO_CITY) == ("America/Denver",)
    (flag,) = _at(COLORADO_CITY).flags  # July: MST −07:00 beside MDT −06:00
    assert "America/Phoenix (-07:00) kept" in flag and "America/Denver (-06:00)" in flag
    january = TimeCandidate("mp4.mvhd.creation", datetime(2024, 1, 15, 10, 0, 0), "local")
    footage = _at(COLORADO_CITY, january)  # both −07:00 in winter
    assert footage.flags == () and footage.start_utc == datetime(2024, 1, 15, 17, 0, tzinfo=UTC)


def test_a_clock_drift_measured_against_a_zone_near_a_border_is_flagged() -> None:
    # a camera on Detroit time (EDT, −04:00) in La Porte County (CDT, −05:00): the position's zone makes it 1 h off
    mvhd = TimeCandidate("mp4.mvhd.creation", datetime(2024, 7, 1, 10, 0, 0), "local")
    gps = TimeCandidate("gpmf.gpsu", datetime(2024, 7, 1, 14, 0, 0, tzinfo=UTC), "utc")
    footage = resolve(Extraction("mp4", duration_s=10.0, times=[mvhd, gps], location=GpsFix(*LA_PORTE)))
    assert footage.start_utc == datetime(2024, 7, 1, 14, 0, tzinfo=UTC) and footage.zone_kind == "utc"
    assert (footage.clock_offset_s, footage.drift_s) == (-4 * 3600, 3600)
    (flag,) = footage.flags
    assert flag.startswith(ZONE_NEAR_BORDER) and "measured against America/Chicago (-05:00)" in flag
    assert "America/Detroit (-04:00)" in flag
    same = resolve(Extraction("mp4", duration_s=10.0, times=[mvhd, gps], location=GpsFix(*BLAINE)))
    assert same.flags == ()
    given = resolve(Extraction("mp4", duration_s=10.0, times=[mvhd, gps], location=GpsFix(*LA_PORTE)),
                    tz="America/Detroit")
    assert (given.drift_s, given.flags) == (0, ())


def test_tz_given_near_a_border_keeps_only_the_conflict_check() -> None:
    footage = _at(RIO_DE_ONOR, tz="Europe/Madrid")
    assert footage.zone_kind == "assumed:Europe/Madrid"
    assert footage.start_utc == datetime(2024, 7, 1, 8, 0, tzinfo=UTC)
    (flag,) = footage.flags
    assert flag.startswith(ZONE_CONFLICT) and "Europe/Lisbon (+01:00)" in flag


def test_a_zone_name_missing_from_the_zone_data_leaves_the_time_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    # a lookup newer than the machine's zone data can name a zone zoneinfo lacks: never a per-file error
    monkeypatch.setattr(zones, "zone_at", lambda lat, lon: "America/Not_Yet_In_Tzdata")
    footage = _at(BLAINE)
    assert footage.zone_kind == "unknown"
    assert footage.start_utc == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)  # the wall-clock reading, as stored
    (flag,) = footage.flags
    assert flag.startswith(ZONE_NOT_IN_DATA) and "America/Not_Yet_In_Tzdata" in flag
    assert "not in this machine's zone data" in footage.time_reason

    assumed = _at(BLAINE, tz="America/Los_Angeles")
    assert assumed.zone_kind == "assumed:America/Los_Angeles"
    assert assumed.start_utc == datetime(2024, 7, 1, 17, 0, tzinfo=UTC)
    assert [f.split(":")[0] for f in assumed.flags] == [ZONE_NOT_IN_DATA]

    # the clock drift falls back to the nearest quarter hour
    mvhd = TimeCandidate("mp4.mvhd.creation", datetime(2024, 3, 1, 10, 25, 0), "local")
    gps = TimeCandidate("gpmf.gpsu", datetime(2024, 3, 1, 18, 15, 0, tzinfo=UTC), "utc")
    drifting = resolve(Extraction("mp4", duration_s=10.0, times=[mvhd, gps], location=GpsFix(*BLAINE)))
    assert drifting.drift_s == -300


def test_a_nearby_zone_missing_from_the_zone_data_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zones, "zones_near", lambda lat, lon: ("America/Not_Yet_In_Tzdata",))
    (flag,) = _at(BLAINE).flags
    assert flag.startswith(ZONE_NEAR_BORDER) and "America/Not_Yet_In_Tzdata (offset unknown)" in flag


@pytest.mark.corpus
@pytest.mark.parametrize("name, start, zone_kind", [
    # MANIFEST: DateTimeOriginal without offset, GPS in Seattle (PDT −07:00; GPS time-of-day 23:11:25.63 agrees)
    ("metadata-extractor-images/jpg/Apple iPhone 5.jpg", datetime(2012, 9, 29, 23, 11, 25, tzinfo=UTC),
     "inferred:America/Los_Angeles"),
    # MANIFEST: 2019:08:21 11:21:36.245, no offset tags, GPS in Lisbon (WEST +01:00)
    ("metadata-extractor-images/heic/Issue 263 dotnet.heic", datetime(2019, 8, 21, 10, 21, 36, 245000, tzinfo=UTC),
     "inferred:Europe/Lisbon"),
    # MANIFEST: 2020:09:02 18:52:42.892, GPS on the Croatian coast (CEST +02:00)
    ("metadata-extractor-images/jpg/Issue 508.jpg", datetime(2020, 9, 2, 16, 52, 42, 892000, tzinfo=UTC),
     "inferred:Europe/Zagreb"),
])
def test_corpus_stills_placed_by_the_zone_at_their_position(name: str, start: datetime, zone_kind: str) -> None:
    from bodycam_index.recording import record

    footage = record(MEDIA / name).footage
    assert (footage.start_utc, footage.zone_kind) == (start, zone_kind)
    assert not [f for f in footage.flags if f.startswith((ZONE_NEAR_BORDER, ZONE_NOT_IN_DATA))]
