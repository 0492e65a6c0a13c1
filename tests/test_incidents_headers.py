"""Mapping inference on headers of agencies the corpus does not hold: the column names of Detroit's and
Cincinnati's published calls-for-service exports (ArcGIS Hub and Socrata), with cells in their forms."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from bodycam_index.cli import main
from bodycam_index.db import connect
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.infer import column_kinds, header_words, infer
from bodycam_index.incidents.normalize import TimeParser

# Detroit 911 calls for service (ArcGIS Hub CSV): times as `YYYY/MM/DD hh:mm:ss+00`, durations in minutes in
# columns named like times, and a yes/no `officerinitiated`.
DETROIT_HEADER = ["incident_id", "agency", "incident_address", "zip_code", "priority", "callcode", "calldescription",
                  "category", "call_timestamp", "precinct_sca", "respondingunit", "officerinitiated", "intaketime",
                  "dispatchtime", "traveltime", "totalresponsetime", "time_on_scene", "totaltime", "longitude",
                  "latitude"]
DETROIT_ROWS = [
    ["202104150001", "DPD", "W 7 MILE RD & LIVERNOIS", "48221", "2", "3470", "ASSAULT AND BATTERY", "ASLTBAT",
     "2021/04/15 03:14:07+00", "1206", "12-6", "No", "1.2", "3.4", "5.6", "10.2", "22.1", "32.3", "-83.14", "42.43"],
    ["202104150002", "DPD", "GRAND RIVER & GREENFIELD", "48227", "3", "3210", "TRAFFIC STOP", "TRFSTOP",
     "2021/04/15 03:20:51+00", "0802", "8-3", "Yes", "0.0", "0.0", "0.0", "0.0", "15.0", "15.0", "-83.20", "42.39"],
]
# Cincinnati police calls for service (Socrata): upper-case names, `COMMUNITY_…` holds `unit` inside a word and the
# unit's times are named `…_PRIMARY_UNIT`.
CINCINNATI_HEADER = ["ADDRESS_X", "LATITUDE_X", "LONGITUDE_X", "AGENCY", "CREATE_TIME_INCIDENT", "DISPOSITION_TEXT",
                     "EVENT_NUMBER", "INCIDENT_TYPE_ID", "INCIDENT_TYPE_DESC", "PRIORITY", "PRIORITY_COLOR",
                     "ARRIVAL_TIME_PRIMARY_UNIT", "CLOSED_TIME_INCIDENT", "DISPATCH_TIME_PRIMARY_UNIT", "BEAT",
                     "COMMUNITY_COUNCIL_NEIGHBORHOOD", "DISTRICT", "SNA_NEIGHBORHOOD"]
CINCINNATI_ROWS = [
    ["3XX W MCMICKEN AV", "39.1142", "-84.5212", "CPD", "03/05/2023 11:02:45 PM", "ARR: ARREST", "CPD230305001234",
     "SHOTS", "SHOTS FIRED", "1", "RED", "03/05/2023 11:06:10 PM", "03/06/2023 01:15:00 AM", "03/05/2023 11:03:30 PM",
     "P131", "OVER-THE-RHINE", "1", "OVER-THE-RHINE"],
    ["12XX VINE ST", "39.1101", "-84.5150", "CPD", "03/05/2023 11:30:00 PM", "NR: NO REPORT", "CPD230305001240",
     "DIST", "DISTURBANCE", "3", "YELLOW", "", "03/05/2023 11:45:00 PM", "03/05/2023 11:31:10 PM", "P132",
     "OVER-THE-RHINE", "1", "OVER-THE-RHINE"],
]

# Montgomery County (MD) police dispatched incidents (Socrata): `Start Time` / `End Time`, and durations in seconds
# under names that start like times (`CallTime Dispatch`).
MONTGOMERY_HEADER = ["Incident ID", "Crime Reports", "Start Time", "End Time", "Priority", "Initial Type",
                     "Close Type", "Address", "City", "State", "Zip", "Longitude", "Latitude",
                     "Police District Number", "Beat", "PRA", "CallTime CallRoute", "CallRoute Dispatch",
                     "Dispatch Arrive", "Arrive Clear", "CallTime Dispatch", "CallTime Arrive", "CallTime Clear"]
MONTGOMERY_ROWS = [
    ["P17050134", "", "06/06/2017 11:33:34 PM", "06/07/2017 12:15:10 AM", "2", "SUSP SITUATION", "SUSP SITUATION",
     "1200 BLK ROCKVILLE PIKE", "ROCKVILLE", "MD", "20852", "-77.12", "39.06", "1D", "1D1", "101", "12", "50", "300",
     "2000", "62", "362", "2362"],
    ["P17050135", "", "06/06/2017 11:40:00 PM", "06/06/2017 11:55:00 PM", "3", "TRAFFIC", "TRAFFIC",
     "100 BLK MAIN ST", "GAITHERSBURG", "MD", "20877", "-77.20", "39.14", "6D", "6D2", "602", "10", "40", "200",
     "500", "50", "250", "750"],
]


def _write(path, header, rows):
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(("name", "words"), [
    ("CREATE_TIME_INCIDENT", ["create", "time", "incident"]),
    ("createTimeIncident", ["create", "time", "incident"]),
    ("Blurred_Latitude", ["blurred", "latitude"]),
    ("CAD Event #", ["cad", "event"]),
])
def test_header_words(name, words):
    assert header_words(name) == words


def test_yes_no_columns_are_flags():
    assert "flag" in column_kinds(["Yes", "No", "No"])
    assert "flag" in column_kinds(["Y", "N"])
    assert "flag" not in column_kinds(["B791", "D414"])


def test_ymd_slash_times_with_and_without_an_offset():
    parse = TimeParser()
    value, has_time = parse("2021/04/15 03:14:07+00")
    assert has_time and value.isoformat() == "2021-04-15T03:14:07+00:00"
    value, has_time = parse("2021/4/5 23:59:59")
    assert has_time and value.isoformat() == "2021-04-05T23:59:59"
    value, has_time = parse("2021/04/15")
    assert not has_time and value.isoformat() == "2021-04-15T00:00:00"


def test_cincinnati_unit_is_not_a_word_inside_community():
    proposal = infer(CINCINNATI_HEADER, iter(CINCINNATI_ROWS))
    mapping = proposal.mapping
    assert proposal.ok, proposal.describe()
    assert "unit" not in mapping  # COMMUNITY_COUNCIL_NEIGHBORHOOD names a neighbourhood, not a unit
    assert mapping["number"] == "EVENT_NUMBER"
    assert mapping["received"] == "CREATE_TIME_INCIDENT"
    assert mapping["dispatched"] == "DISPATCH_TIME_PRIMARY_UNIT"
    assert mapping["arrived"] == "ARRIVAL_TIME_PRIMARY_UNIT"
    assert mapping["cleared"] == "CLOSED_TIME_INCIDENT"
    assert mapping["type_description"] == "INCIDENT_TYPE_DESC"
    assert (mapping["lat"], mapping["lon"]) == ("LATITUDE_X", "LONGITUDE_X")


def test_detroit_flags_and_durations_are_not_people_or_times():
    proposal = infer(DETROIT_HEADER, iter(DETROIT_ROWS))
    mapping = proposal.mapping
    assert proposal.ok, proposal.describe()
    assert "officer" not in mapping  # officerinitiated holds Yes/No
    assert "dispatched" not in mapping  # dispatchtime holds minutes
    assert mapping["received"] == "call_timestamp"
    assert mapping["unit"] == "respondingunit"
    assert mapping["number"] == "incident_id"


def test_detroit_times_keep_their_own_offset_whatever_tz(tmp_path):
    rows = [*DETROIT_ROWS, ["202104150003", *DETROIT_ROWS[0][1:8], "2021/04/15 03:30:00", *DETROIT_ROWS[0][9:]]]
    path = _write(tmp_path / "detroit.csv", DETROIT_HEADER, rows)
    db = connect(tmp_path / "db.sqlite")
    report = import_incidents(db, path, tz="America/Detroit")
    assert report.new == 3
    received = dict(db.execute("SELECT number, received_utc FROM incidents").fetchall())
    assert received["202104150001"] == "2021-04-15T03:14:07.000000Z"  # +00 written: UTC as it stands
    assert received["202104150003"] == "2021-04-15T07:30:00.000000Z"  # no offset: Detroit, EDT (UTC-4)


def test_dry_run_says_which_times_carry_their_own_offset(tmp_path):
    path = _write(tmp_path / "detroit.csv", DETROIT_HEADER, DETROIT_ROWS)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "db.sqlite"), "import-incidents", str(path),
                                       "--tz", "America/Detroit", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2021/04/15 03:14:07+00 (its own offset) → 2021-04-15T03:14:07.000000Z" in result.output
    assert "dry run: nothing written" in result.output


def test_montgomery_start_and_end_times_not_durations():
    proposal = infer(MONTGOMERY_HEADER, iter(MONTGOMERY_ROWS))
    mapping = proposal.mapping
    assert proposal.ok, proposal.describe()
    assert mapping["received"] == "Start Time"
    assert mapping["cleared"] == "End Time"
    assert not {"dispatched", "arrived"} & set(mapping)  # the CallTime … columns are seconds


def test_date_beside_a_24_hour_digits_time_column(tmp_path):
    """`Date` + `Time_24HR` holding `1432`: one received time of day, not a date-only incident."""
    header = ["Call_Number", "Date", "Time_24HR", "Address", "Nature_Code", "Nature_Text", "Priority"]
    rows = [["20230105001", "01/05/2023", "1432", "100 MAIN ST", "SUSP", "SUSPICIOUS PERSON", "2"],
            ["20230705002", "07/05/2023", "0915", "200 PARK ST", "MVA", "MOTOR VEHICLE ACCIDENT", "1"]]
    proposal = infer(header, iter(rows))
    assert proposal.mapping["received"] == "Date"
    assert proposal.mapping["received_time"] == "Time_24HR"
    assert proposal.mapping["type_description"] == "Nature_Text"
    db = connect(tmp_path / "db.sqlite")
    import_incidents(db, _write(tmp_path / "calls.csv", header, rows), tz="America/New_York")
    stored = dict(db.execute("SELECT number, received_utc FROM incidents").fetchall())
    assert stored == {"20230105001": "2023-01-05T19:32:00.000000Z",  # EST, UTC-5
                      "20230705002": "2023-07-05T13:15:00.000000Z"}  # EDT, UTC-4
    flags = [f for (f,) in db.execute("SELECT time_flags FROM incidents")]
    assert flags == [None, None]


def test_excel_text_formulas_lose_their_wrapper(tmp_path):
    """Excel writes `="0012345"` to keep a number's leading zeros: the number is 0012345 as written."""
    rows = [['="0012345"', "THEFT", "2023-01-05 14:32"], ['="0012346"', "ALARM", '="2023-01-06 09:00"']]
    path = _write(tmp_path / "excel.csv", ["Incident Number", "Call Type", "Received"], rows)
    db = connect(tmp_path / "db.sqlite")
    import_incidents(db, path, tz="America/Los_Angeles")
    stored = db.execute("SELECT number_raw, received_utc FROM incidents ORDER BY id").fetchall()
    assert stored == [("0012345", "2023-01-05T22:32:00.000000Z"), ("0012346", "2023-01-06T17:00:00.000000Z")]
