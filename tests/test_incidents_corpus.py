"""The real agency exports in ../shared/corpus/cad import with the counts and conversions MANIFEST.md gives."""

from __future__ import annotations

import pytest
from conftest import CAD

from bodycam_index.db import connect
from bodycam_index.incidents.dems import import_footage_list
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.store import find_incident

pytestmark = pytest.mark.corpus
PORTAL = CAD / "portal_samples"
SEATTLE = "America/Los_Angeles"

FILES = [
    ("seattle_call_data_dennyblaine_2018-2023.csv", "seattle-cad", SEATTLE, 222, 222),
    ("seattle_911_incident_response_clanfear.csv", "seattle-911", SEATTLE, 706, 706),
    ("dallas_active_calls_are8-xahz_ghfox.csv", "dallas-active", "America/Chicago", 63, 45),
    ("nopd_use_of_force_hk131999.csv", "nopd-uof", "America/Chicago", 3194, 3193),
    ("seattle_use_of_force_galenegan.tsv", "seattle-uof", SEATTLE, 11270, 10714),
    ("portal_samples/28ec-c8d6.csv", "nopd-cfs", "America/Chicago", 10, 10),
    ("portal_samples/wgrp-d3ma.csv", "nopd-cfs", "America/Chicago", 10, 10),
    ("portal_samples/xviu-ezkt.csv", "baltimore-cfs", "America/New_York", 10, 10),
    ("portal_samples/hz9m-tj6z.csv", "sf-cfs", SEATTLE, 10, 10),
    ("portal_samples/mgue-vbsx.csv", "la-cfs", SEATTLE, 10, 10),
]


@pytest.fixture
def db(tmp_path):
    return connect(tmp_path / "t.db")


@pytest.mark.parametrize(("name", "preset", "tz", "rows", "incidents"), FILES)
def test_corpus_counts_detected_preset_and_idempotent(db, name, preset, tz, rows, incidents):
    report = import_incidents(db, CAD / name, tz=tz)
    assert report.preset == preset  # detected from the header
    assert (report.rows, report.new, report.skipped) == (rows, incidents, 0)
    again = import_incidents(db, CAD / name, tz=tz)
    assert (again.new, again.updated, again.unchanged) == (0, 0, incidents)


def test_seattle_cad_times_to_utc_with_dst(db):
    import_incidents(db, CAD / FILES[0][0], preset="seattle-cad", tz=SEATTLE)
    first = find_incident(db, "2023000319821")
    assert first["received_utc"] == "2023-11-05T01:08:26.000000Z"  # 11/04/2023 6:08:26 PM Pacific (PDT, -7 h)
    assert first["arrived_utc"] == "2023-11-05T01:51:06.000000Z"
    july = find_incident(db, "2023000154966")  # 06/04/2023 4:18:15 PM, summer: +7 h
    assert july["received_utc"] == "2023-06-04T23:18:15.000000Z"
    january = find_incident(db, "2019000026022")  # 01/20/2019 7:42:04 AM, winter: +8 h
    assert january["received_utc"] == "2019-01-20T15:42:04.000000Z"
    assert db.execute("SELECT COUNT(*) FROM incidents WHERE arrived_utc IS NULL").fetchone()[0] == 36


def test_seattle_911_number_forms_meet(db):
    import_incidents(db, CAD / FILES[1][0], tz=SEATTLE)
    found = [find_incident(db, n) for n in ("2016-104006", "16000104006", "2016104006")]
    assert found[0] is not None and found[0]["id"] == found[1]["id"] == found[2]["id"]
    assert (found[0]["lat"], found[0]["lon"]) == (47.598347, -122.32245)
    assert found[0]["arrived_utc"] == "2016-03-26T05:25:51.000000Z"  # 03/25/2016 10:25:51 PM PDT
    assert db.execute("SELECT COUNT(*) FROM incidents WHERE arrived_utc IS NULL").fetchone()[0] == 435


def test_dallas_units_grouped(db):
    import_incidents(db, CAD / FILES[2][0], tz="America/Chicago")
    assert db.execute("SELECT COUNT(*) FROM incident_units").fetchone()[0] == 63
    marfa = find_incident(db, "18-0052951")
    assert marfa["received_utc"] == "2018-01-09T15:16:00.000000Z"  # 09:16 CST
    units = {r[0] for r in db.execute("SELECT unit FROM incident_units WHERE incident_id = ?", [marfa["id"]])}
    assert units == {"D723", "B732", "D714", "B715"}  # its four rows


def test_nopd_use_of_force_numbers_and_date_only(db):
    import_incidents(db, CAD / FILES[3][0], tz="America/Chicago")
    row = find_incident(db, "ftn2021-0378")
    assert row["number"] == "FTN2021-378" and row["use_of_force"] == 1 and row["requires_footage"] == 1
    assert row["received_utc"] == "2021-12-01T06:00:00.000000Z"  # whole local day, flagged
    assert row["cleared_utc"] == "2021-12-02T06:00:00.000000Z"
    assert "date_only:received" in row["time_flags"]
    assert find_incident(db, "FTN2016-0215") is not None  # written with a trailing space


def test_seattle_use_of_force_rows_per_officer(db):
    import_incidents(db, CAD / FILES[4][0], tz=SEATTLE)
    assert db.execute("SELECT COUNT(DISTINCT incident_id) FROM incident_units").fetchone()[0] == 10714
    assert db.execute("SELECT MIN(requires_footage) FROM incidents").fetchone()[0] == 1
    first = find_incident(db, "251")
    assert first["received_utc"] == "2014-06-07T07:09:00.000000Z"  # 6/7/14 0:09 PDT


def test_nopd_state_plane_lands_in_new_orleans(db):
    import_incidents(db, PORTAL / "28ec-c8d6.csv", tz="America/Chicago")
    row = find_incident(db, "A0000111")
    assert 29.9 <= row["lat"] <= 30.1 and -90.2 <= row["lon"] <= -90.0
    import_incidents(db, PORTAL / "wgrp-d3ma.csv", tz="America/Chicago")
    bad = find_incident(db, "A0000816")  # MapX/MapY 37369000, 3513814: garbage, refused and flagged
    assert bad["lat"] is None and "bad_coordinates" in bad["time_flags"]


def test_split_date_and_time_columns(db):
    import_incidents(db, PORTAL / "mgue-vbsx.csv", tz=SEATTLE)
    assert find_incident(db, "140212004623")["received_utc"] == "2014-02-13T02:11:47.000000Z"
    import_incidents(db, PORTAL / "hz9m-tj6z.csv", tz=SEATTLE)
    assert find_incident(db, "160913285")["received_utc"] == "2016-04-01T02:49:00.000000Z"


def test_baltimore_point_string(db):
    import_incidents(db, PORTAL / "xviu-ezkt.csv", tz="America/New_York")
    row = find_incident(db, "P151941002")
    assert (row["lat"], row["lon"]) == (39.2899299, -76.6123462)
    assert row["received_utc"] == "2015-07-13T14:41:00.000000Z"


def test_axon_inventory_as_footage_with_hints(db):
    report = import_footage_list(db, PORTAL / "5rka-m6jr.csv", tz=SEATTLE)
    assert (report.rows, report.new) == (10, 10)
    assert import_footage_list(db, PORTAL / "5rka-m6jr.csv", tz=SEATTLE).unchanged == 10
    row = db.execute("SELECT start_utc, end_utc, duration_s, officer, origin, status, zone_kind, time_source "
                     "FROM footage WHERE dems_id = 'E9E5F148-E719-45CB-8B5A-3B1D6BB27CAB'").fetchone()
    assert row == ("2015-01-14T22:04:04.000000Z", "2015-01-14T22:05:42.000000Z", 98.39, "7828", "dems", "ok",
                   "assumed:America/Los_Angeles", "dems.axon")
    hints = dict(db.execute("SELECT value, normalized FROM footage_hints").fetchall())
    assert hints["system check"] is None and hints["Training Scenario 1-4"] is None
    assert len(hints) == 6  # blank id_external gives no hint
