"""Incident import on generated files: the CSV reader, normalisation, re-imports, skipped rows and the CLI."""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bodycam_index.cli import main
from bodycam_index.db import connect
from bodycam_index.incidents.csvread import CsvFile, clean
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.normalize import (
    ColumnTimes,
    Projector,
    TimeParser,
    TimeZoneConverter,
    canonical_number,
    digit_keys,
    incident_key,
    parse_clock,
    parse_point,
    utc_text,
)
from bodycam_index.incidents.presets import Rules
from bodycam_index.incidents.roster import import_roster
from bodycam_index.incidents.store import find_incident

HEADER = ["Case #", "Date  Occurred", "Type", "Priority", "Unit"]


def _rows(path):
    reader = CsvFile(path)
    return reader.header, [(r.line, r.cells) for r in reader.rows()]


# ------------------------------------------------------------------------------------------------ CSV reader

@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_reader_bom_and_line_ends(tmp_path, newline):
    path = tmp_path / "a.csv"
    path.write_bytes(("\ufeffa,b" + newline + "1,2" + newline + "3,4" + newline).encode("utf-8"))
    header, rows = _rows(path)
    assert header == ["a", "b"]
    assert rows == [(2, ["1", "2"]), (3, ["3", "4"])]


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_reader_sniffs_delimiter_whatever_the_extension(tmp_path, delimiter):
    path = tmp_path / "a.csv"
    path.write_text(delimiter.join(["x", "y z", "w"]) + "\n" + delimiter.join(["1", "2", "3"]) + "\n")
    header, rows = _rows(path)
    assert len(header) == 3 and rows[0][1] == ["1", "2", "3"]


def test_reader_multiline_cells_repeated_headers_and_line_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('a,b\n1,"two\nlines"\na,b\n\n3,4\n')
    _, rows = _rows(path)
    assert rows == [(2, ["1", "two\nlines"]), (6, ["3", "4"])]


def test_reader_windows_1252(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("a,b\ncaf\u00e9,1\n".encode("cp1252"))
    assert _rows(path)[1][0][1] == ["caf\u00e9", "1"]


@pytest.mark.parametrize("token", ["", "NULL", "-", "N/A", "n/a", "X", "  ", "System.Xml.XmlElement", "#VALUE!"])
def test_null_and_garbage_tokens(token):
    assert clean(token) is None


def test_real_values_are_kept():
    assert clean(" B791 ") == "B791" and clean("Sam") == "Sam"


# ------------------------------------------------------------------------------------------------ numbers

@pytest.mark.parametrize("text", ["2016-104006", "16000104006", "2016104006", " 2016-0104006 ", "16-104006"])
def test_number_forms_meet(text):
    assert canonical_number(text) == "2016-104006"


@pytest.mark.parametrize(("text", "key"), [
    ("2023000319821", "2023-319821"), ("18-0052973", "2018-52973"), ("FTN2021-0378", "FTN2021-378"),
    ("ftn2021-0378 ", "FTN2021-378"), ("A0000116", "A116"), ("P151941002", "P151941002"),
    ("Case # 2015-089852", "2015-89852"), ("00251", "251"),
])
def test_number_keys(text, key):
    assert canonical_number(text) == key


@pytest.mark.parametrize("text", ["system check", "Training Scenario 1", "Training NV", "3/26/2015", "2015-03-26",
                                  "20150326", "12", "", "   "])
def test_not_incident_numbers(text):
    assert canonical_number(text) is None


@pytest.mark.parametrize(("column", "keys"), [
    (["2023000319821", "2018000052973"], ["2023-319821", "2018-52973"]),  # 13 digits: YYYY + sequence
    (["2016104006", "2017000001"], ["2016-104006", "2017-1"]),  # 10 digits: YYYY + sequence
    (["00251", "10251"], ["251", "10251"]),  # leading zeros of the sequence dropped
    (["5510400600", "1234567890"], ["5510400600", "1234567890"]),  # 10 digits, no year in front
    (["12345678901", "98765432109"], ["12345678901", "98765432109"]),  # 11 digits without the `YY00` form
])
def test_digit_keys_of_a_column(column, keys):
    assert digit_keys(column) == keys == [incident_key(text) for text in column]


@pytest.mark.parametrize("column", [
    ["2016104006", "5510400600"],  # a year in front of one, not of the other: each by its own rule
    ["16000104006"],  # 11 digits `YY00SSSSSSS`: the two-digit year rule, row by row
    ["20150326"],  # 8 digits: may be a date, which is no number
    ["12"], ["251", "2510"], ["A0000116"], [" 251"], [],
])
def test_digit_keys_leave_mixed_columns_to_incident_key(column):
    assert digit_keys(column) is None


@given(st.lists(st.text("0123456789", min_size=1, max_size=14), min_size=1, max_size=5))
def test_digit_keys_agree_with_incident_key(column):
    keys = digit_keys(column)
    assert keys is None or keys == [incident_key(text) for text in column]


@given(st.text(max_size=30))
def test_canonical_number_never_raises(text):
    result = canonical_number(text)
    assert result is None or (result and result == result.upper())


# ------------------------------------------------------------------------------------------------ times

@pytest.mark.parametrize(("text", "expected", "has_time"), [
    ("11/04/2023 6:08:26 PM", datetime(2023, 11, 4, 18, 8, 26), True),
    ("11/04/2023 06:08:26 PM", datetime(2023, 11, 4, 18, 8, 26), True),
    ("12/31/2023 12:05 AM", datetime(2023, 12, 31, 0, 5), True),
    ("6/7/14 0:09", datetime(2014, 6, 7, 0, 9), True),
    ("2018-01-09T09:26:00.000", datetime(2018, 1, 9, 9, 26), True),
    ("2016-01-01T05:33:23", datetime(2016, 1, 1, 5, 33, 23), True),
    ("12/01/2021", datetime(2021, 12, 1), False),
    ("2021-12-01", datetime(2021, 12, 1), False),
])
def test_time_forms(text, expected, has_time):
    assert TimeParser()(text) == (expected, has_time)


def test_time_with_offset_is_aware():
    value, _ = TimeParser()("2023-11-05T01:08:26-08:00")
    assert TimeZoneConverter("America/New_York").to_utc(value) == (datetime(2023, 11, 5, 9, 8, 26), None)


@pytest.mark.parametrize(("text", "expected"), [("19:49", time(19, 49)), ("18:11:47", time(18, 11, 47)),
                                                ("344", time(3, 44)), ("0344", time(3, 44)),
                                                ("6:08 PM", time(18, 8))])
def test_clock_forms(text, expected):
    assert parse_clock(text) == expected


def test_bad_time_raises_value_error():
    with pytest.raises(ValueError):
        TimeParser()("next tuesday")


def test_dst_flags():
    tz = TimeZoneConverter("America/Los_Angeles")
    assert tz.to_utc(datetime(2023, 7, 1, 12)) == (datetime(2023, 7, 1, 19), None)
    assert tz.to_utc(datetime(2023, 1, 1, 12)) == (datetime(2023, 1, 1, 20), None)
    assert tz.to_utc(datetime(2023, 11, 5, 1, 30)) == (datetime(2023, 11, 5, 8, 30), "ambiguous")
    assert tz.to_utc(datetime(2023, 3, 12, 2, 30)) == (datetime(2023, 3, 12, 10, 30), "nonexistent")


# ------------------------------------------------------------------------------------------------ coordinates

def test_points():
    assert parse_point("(47.598347, -122.32245)") == (47.598347, -122.32245)
    assert parse_point("POINT (-122.32245 47.598347)") == (47.598347, -122.32245)
    assert parse_point("(0, 0)") is None and parse_point("nowhere") is None


def test_state_plane_epsg_3452():
    lat, lon = Projector(3452)(3673089, 533629)
    assert 29.9 <= lat <= 30.1 and -90.2 <= lon <= -90.0
    assert Projector(3452)(37369000, 3513814) is None


# ------------------------------------------------------------------------------------------------ import

def _write(path, rows, header=HEADER):
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _generated(n=20):
    return [[f"24-{i:06d}", f"{1 + i % 12}/{1 + i % 28}/2024 {1 + i % 12}:0{i % 10} PM", "ASLT" if i % 3 else "THEFT",
             str(1 + i % 4), f"U{i % 5}"] for i in range(n)]


MAP = {"number": "case", "received": "date occurred", "type": "TYPE", "priority": "Priority", "unit": "unit"}


def test_idempotent_reimport_and_updated_export(tmp_path):
    db = connect(tmp_path / "t.db")
    path = tmp_path / "export.csv"
    rows = _generated()
    _write(path, rows)
    first = import_incidents(db, path, mapping=MAP, tz="America/Chicago")
    assert (first.new, first.updated, first.unchanged) == (20, 0, 0)
    snapshot = db.execute("SELECT * FROM incidents ORDER BY id").fetchall()
    again = import_incidents(db, path, mapping=MAP, tz="America/Chicago")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 20)
    assert db.execute("SELECT * FROM incidents ORDER BY id").fetchall() == snapshot
    rows[3][2] = "ROBBERY"
    rows.append(["24-999999", "7/4/2024 9:00 PM", "THEFT", "4", "U1"])
    _write(path, rows)
    newer = import_incidents(db, path, mapping=MAP, tz="America/Chicago")
    assert (newer.new, newer.updated, newer.unchanged) == (1, 1, 19)
    assert find_incident(db, "2024-3")["type"] == "ROBBERY"
    assert find_incident(db, "24000999999")["received_utc"] == "2024-07-05T02:00:00.000000Z"


def test_reimport_rewrites_when_settings_change_and_ignores_unmapped_columns(tmp_path):
    """The content hash covers the mapped cells and the settings that decide the stored values (zone, rules), so
    another --tz or rule set updates every incident, while a change in a column the import does not read updates
    none."""
    db = connect(tmp_path / "t.db")
    path = tmp_path / "export.csv"
    rows = _generated(6)
    _write(path, rows)
    import_incidents(db, path, mapping=MAP, tz="America/Chicago")
    other_zone = import_incidents(db, path, mapping=MAP, tz="America/New_York")
    assert (other_zone.new, other_zone.updated, other_zone.unchanged) == (0, 6, 0)
    assert find_incident(db, "24-0")["received_utc"] == "2024-01-01T18:00:00.000000Z"  # 1/1/2024 1:00 PM EST
    other_rules = import_incidents(db, path, mapping=MAP, tz="America/New_York", requires_footage=Rules(all=True))
    assert (other_rules.new, other_rules.updated, other_rules.unchanged) == (0, 6, 0)
    assert find_incident(db, "24-1")["requires_footage"] == 1
    unmapped = {k: v for k, v in MAP.items() if k != "unit"}
    import_incidents(db, path, mapping=unmapped, tz="America/New_York", requires_footage=Rules(all=True))
    for row in rows:
        row[4] = "U9"  # the unit column, not mapped below
    _write(path, rows)
    same = import_incidents(db, path, mapping=unmapped, tz="America/New_York", requires_footage=Rules(all=True))
    assert (same.new, same.updated, same.unchanged) == (0, 0, 6)


def test_malformed_rows_reported_with_file_and_line(tmp_path):
    db = connect(tmp_path / "t.db")
    path = tmp_path / "bad.csv"
    path.write_text("Case #,Date  Occurred,Type\n24-1,1/2/2024 3:04 PM,A\n24-2,1/2/2024\n,1/2/2024 3:04 PM,B\n"
                    "24-3,not a date,C\n")
    report = import_incidents(db, path, mapping={"number": "Case #", "received": "Date  Occurred"})
    assert (report.new, report.skipped) == (2, 2)
    assert [(s.line, s.reason) for s in report.skipped_rows] == [
        (3, "2 cells where the header has 3"), (4, "no incident number")]
    assert find_incident(db, "24-3")["time_flags"] == '["bad_time:received"]'


def test_requires_footage_rules(tmp_path):
    db = connect(tmp_path / "t.db")
    path = tmp_path / "export.csv"
    _write(path, _generated(12))
    import_incidents(db, path, mapping=MAP, requires_footage=Rules(types=("ASLT*",)))
    assert db.execute("SELECT SUM(requires_footage) FROM incidents").fetchone()[0] == 8
    assert Rules(priorities=("1",)).requires(None, None, "1A") and not Rules(priorities=("1",)).requires(None, None, "12")


def test_roster(tmp_path):
    db = connect(tmp_path / "t.db")
    path = tmp_path / "roster.csv"
    path.write_text("Camera Serial,Badge #,Unit,From,To\nX6001,1234,B791,2024-01-01 06:00,2024-01-31\n"
                    "X6002,5678,D414,1/15/2024 7:00 AM,\nX6003,,,,\n")
    report = import_roster(db, path, tz="America/Chicago")
    assert (report.new, report.skipped) == (2, 1)
    assert db.execute("SELECT camera_serial, officer, unit, from_utc, to_utc FROM assignments ORDER BY id").fetchall() == [
        ("X6001", "1234", "B791", "2024-01-01T12:00:00.000000Z", "2024-02-01T06:00:00.000000Z"),
        ("X6002", "5678", "D414", "2024-01-15T13:00:00.000000Z", None)]
    assert import_roster(db, path, tz="America/Chicago").unchanged == 2


def test_cli_import_list_show_and_errors(tmp_path):
    path = tmp_path / "export.csv"
    rows = _generated(8) + [["", "1/1/2024 1:00 PM", "X", "1", "U1"]]
    _write(path, rows)
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    errors = tmp_path / "skipped.csv"
    maps = [a for k, v in MAP.items() for a in ("--map", f"{k}={v}")]
    result = runner.invoke(main, ["--db", db, "import-incidents", str(path), *maps, "--tz", "America/Chicago",
                                  "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    assert "8 new, 0 updated, 0 unchanged, 1 skipped" in result.output
    assert f"{path}:10: no incident number" in result.output
    assert errors.read_text().splitlines()[1] == f"{path},10,no incident number"
    shown = runner.invoke(main, ["--db", db, "incidents", "show", "24000000005"])
    assert shown.exit_code == 0 and "2024-5" in shown.output
    listed = runner.invoke(main, ["--db", db, "incidents", "list", "--limit", "3"])
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 4
    missing = runner.invoke(main, ["--db", db, "incidents", "show", "nope"])
    assert missing.exit_code == 2
    bad = runner.invoke(main, ["--db", db, "import-incidents", str(path), "--preset", "nosuch", "--tz", "UTC"])
    assert bad.exit_code == 2 and "unknown preset" in bad.output
    no_zone = runner.invoke(main, ["--db", db, "import-incidents", str(path)])
    assert no_zone.exit_code == 2 and "give --tz" in no_zone.output
    presets = runner.invoke(main, ["import-incidents", "--list-presets"])
    assert "nopd-cfs" in presets.output and "seattle-uof" in presets.output


# ------------------------------------------------------------------------------------------------ fast paths

@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/London"])
def test_fast_utc_agrees_with_zoneinfo_around_dst(tz):
    """Every 10 minutes across the 2023 DST changes: the cached text path equals the general path, and leaves
    flagged (ambiguous / non-existent) hours and part-hour offsets to it."""
    converter = TimeZoneConverter(tz)
    column = ColumnTimes(TimeZoneConverter(tz))
    column.parse("1/1/2023 1:00 AM")  # the column's form, as the importer learns it from the first value
    for start in (datetime(2023, 3, 11), datetime(2023, 4, 1), datetime(2023, 9, 30), datetime(2023, 11, 4)):
        for step in range(0, 3 * 24 * 60, 10):
            local = start + timedelta(minutes=step)
            text = f"{local.month}/{local.day}/{local.year} {local.hour % 12 or 12}:{local:%M:%S} {local:%p}"
            utc, flag = converter.to_utc(local)
            fast = column.fast_utc(text)
            if flag or converter.offset(local)[0] % timedelta(hours=1):
                assert fast is None, text
            else:
                assert fast == utc_text(utc), text


@given(st.integers(0, 24), st.sampled_from(["", "A", " ", "\t"]), st.integers(0, 61),
       st.sampled_from([None, 0, 7, 59, 60]), st.sampled_from(["", ".5", ".123456", ".1234567"]),
       st.sampled_from(["", " AM", " PM", "pm", " a.m.", " P", " M", "  AM "]), st.sampled_from(["", " ", "  "]))
def test_fast_clock_agrees_with_the_parser(hour, junk, minute, second, fraction, ampm, space):
    """Clock texts of every shape the M/D/Y parser reads (and some it refuses): the cached path gives the parser's
    UTC text or leaves the value to it."""
    converter = TimeZoneConverter("America/Chicago")
    column = ColumnTimes(converter)
    column.parse("1/1/2024 1:00 AM")
    clock = f"{hour}{junk}:{minute:02d}" + (f":{second:02d}{fraction}" if second is not None else "")
    text = f"{space}1/15/2024{space or ' '}{clock}{ampm}"
    try:
        expected = utc_text(converter.to_utc(column.parse(text)[0])[0])
    except ValueError:
        expected = None
    fast = column.fast_utc(text)
    assert fast == expected or (fast is None and (ampm == " M" or space == "  ")), text  # left to the parser
    assert column.fast_utc(text) == fast  # and again from the caches


def test_fast_utc_leaves_other_forms_to_the_parser():
    column = ColumnTimes(TimeZoneConverter("America/Chicago"))
    assert column.fast_utc("1/2/2024 3:04 PM") is None  # form not yet known
    column.parse("1/2/2024 3:04 PM")
    assert column.fast_utc("1/2/2024 3:04 PM") == "2024-01-02T21:04:00.000000Z"
    assert column.fast_utc("1/2/2024") is None and column.fast_utc("1/2/2024 25:61") is None
    assert column.fast_utc("13/45/2024 3:04 PM") is None and column.fast_utc("2024-01-02T15:04:00") is None


def test_dst_flags_survive_the_fast_path(tmp_path):
    db = connect(tmp_path / "t.db")
    path = tmp_path / "dst.csv"
    _write(path, [["24-1", "11/3/2024 11:30 PM", "A", "1", ""], ["24-2", "11/3/2024 1:30 AM", "A", "1", ""],
                  ["24-3", "3/10/2024 2:30 AM", "A", "1", ""], ["24-4", "3/10/2024 3:30 AM", "A", "1", ""]])
    import_incidents(db, path, mapping=MAP, tz="America/Chicago")
    rows = db.execute("SELECT number, received_utc, time_flags FROM incidents ORDER BY id").fetchall()
    assert rows == [("2024-1", "2024-11-04T05:30:00.000000Z", None),
                    ("2024-2", "2024-11-03T06:30:00.000000Z", '["ambiguous:received"]'),
                    ("2024-3", "2024-03-10T08:30:00.000000Z", '["nonexistent:received"]'),
                    ("2024-4", "2024-03-10T08:30:00.000000Z", None)]


def _tables(db):
    return [db.execute(f"SELECT {cols} FROM {table} ORDER BY 1, 2, 3").fetchall() for table, cols in (
        ("incidents", "id, number, number_raw, type, priority, received_utc, time_flags"),
        ("incident_aliases", "incident_id, alias, raw"), ("incident_units", "incident_id, unit, officer"))]


@pytest.mark.parametrize("helper", [False, True])
def test_incident_split_across_batches_matches_one_batch(tmp_path, monkeypatch, helper):
    """Rows of one incident far apart (in different batches) give what one batch gives: first row's fields, every
    unit; a re-import changes nothing and an edit updates only that incident. With `helper`, the file is parsed in
    the helper process (as large files are)."""
    if helper:
        monkeypatch.setattr("bodycam_index.incidents.importer.HELPER_BYTES", 0)
    rows = _generated(10)
    rows += [[r[0], r[1], r[2], r[3], "LATE" + r[4]] for r in rows[::3]] + [["24-000001", "", "", "", "U9"]]
    path = tmp_path / "split.csv"
    _write(path, rows)
    whole = connect(tmp_path / "whole.db")
    import_incidents(whole, path, mapping=MAP, tz="America/Chicago")
    monkeypatch.setattr("bodycam_index.incidents.importer.BATCH", 3)
    split = connect(tmp_path / "split.db")
    first = import_incidents(split, path, mapping=MAP, tz="America/Chicago")
    assert (first.new, first.updated, first.unchanged, first.rows) == (10, 0, 0, 15)
    assert _tables(split) == _tables(whole)
    assert {u for (u,) in split.execute("SELECT unit FROM incident_units WHERE incident_id = 2")} == {"U1", "U9"}
    again = import_incidents(split, path, mapping=MAP, tz="America/Chicago")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 10)
    assert _tables(split) == _tables(whole)
    rows[4][2] = "ROBBERY"
    _write(path, rows)
    newer = import_incidents(split, path, mapping=MAP, tz="America/Chicago")
    assert (newer.new, newer.updated, newer.unchanged) == (0, 1, 9)
    assert find_incident(split, "24-4")["type"] == "ROBBERY"
    assert {u for (u,) in split.execute("SELECT unit FROM incident_units WHERE incident_id = 5")} == {"U4"}


@pytest.mark.parametrize("batch", [2, 20_000])
def test_a_time_of_day_in_a_later_batch_replaces_a_date_only_time(tmp_path, monkeypatch, batch):
    """Rows of one incident in different batches merge as rows of one batch do: a time of day replaces a date-only
    value and clears its flag (the whole-day cleared time goes with it); a date-only value never replaces a time;
    among times the earlier received and the later cleared win."""
    monkeypatch.setattr("bodycam_index.incidents.importer.BATCH", batch)
    path = tmp_path / "batches.csv"
    _write(path, [["24-1", "3/1/2024", "", ""], ["24-2", "3/1/2024 10:00 AM", "3/1/2024 10:02 AM", ""],
                  ["24-3", "3/2/2024 9:00 AM", "", "3/2/2024 9:30 AM"], ["24-4", "3/3/2024", "", ""],
                  ["24-1", "3/1/2024 10:05 AM", "3/1/2024 10:06 AM", "3/1/2024 10:30 AM"],
                  ["24-2", "3/1/2024", "3/1/2024", "3/1/2024 11:00 AM"], ["24-3", "3/2/2024 8:00 AM", "", ""]],
           header=["Case #", "Received", "Dispatched", "Cleared"])
    db = connect(tmp_path / "t.db")
    mapping = {"number": "Case #", "received": "Received", "dispatched": "Dispatched", "cleared": "Cleared"}
    assert import_incidents(db, path, mapping=mapping, tz="UTC").new == 4
    got = db.execute("SELECT number_raw, received_utc, dispatched_utc, cleared_utc, time_flags FROM incidents"
                     " ORDER BY id").fetchall()
    assert got == [
        ("24-1", "2024-03-01T10:05:00.000000Z", "2024-03-01T10:06:00.000000Z", "2024-03-01T10:30:00.000000Z", None),
        ("24-2", "2024-03-01T10:00:00.000000Z", "2024-03-01T10:02:00.000000Z", "2024-03-01T11:00:00.000000Z", None),
        ("24-3", "2024-03-02T08:00:00.000000Z", None, "2024-03-02T09:30:00.000000Z", None),
        ("24-4", "2024-03-03T00:00:00.000000Z", None, "2024-03-04T00:00:00.000000Z", '["date_only:received"]'),
    ]
    again = import_incidents(db, path, mapping=mapping, tz="UTC")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 4)
    assert db.execute("SELECT number_raw, received_utc, dispatched_utc, cleared_utc, time_flags FROM incidents"
                      " ORDER BY id").fetchall() == got


def test_helper_process_reports_skipped_rows_and_errors(tmp_path, monkeypatch):
    monkeypatch.setattr("bodycam_index.incidents.importer.HELPER_BYTES", 0)
    monkeypatch.setattr("bodycam_index.incidents.importer.BATCH", 2)
    db = connect(tmp_path / "t.db")
    path = tmp_path / "bad.csv"
    path.write_text("Case #,Date  Occurred,Type\n24-1,1/2/2024 3:04 PM,A\n24-2,1/2/2024\n,1/2/2024 3:04 PM,B\n"
                    "24-3,not a date,C\n24-4,1/3/2024 3:04 PM,D\n24-5,1/4/2024 3:04 PM,E\n")
    report = import_incidents(db, path, mapping={"number": "Case #", "received": "Date  Occurred"})
    assert (report.rows, report.new, report.skipped) == (6, 4, 2)
    assert [(s.line, s.reason) for s in report.skipped_rows] == [
        (3, "2 cells where the header has 3"), (4, "no incident number")]

    def broken(self, records):
        raise RuntimeError(f"boom at line {records[0][0]}")

    monkeypatch.setattr("bodycam_index.incidents.importer.RowBuilder.build_many", broken)  # inherited by the helper
    with pytest.raises(RuntimeError, match="boom at line 2"):
        import_incidents(db, path, mapping={"number": "Case #"})
    assert db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 4


@pytest.mark.parametrize("batch", [1, 5000])
def test_roster_bulk_update_and_repeated_rows(tmp_path, monkeypatch, batch):
    monkeypatch.setattr("bodycam_index.incidents.roster._BATCH", batch)
    db = connect(tmp_path / "t.db")
    path = tmp_path / "roster.csv"
    path.write_text("Camera,Officer,Unit,From,To\nX1,,B1,2024-01-01 06:00,\nX1,,B1,2024-01-01 06:00,2024-01-31\n"
                    ",77,,2024-02-01 06:00,\n")
    first = import_roster(db, path, tz="UTC")
    assert (first.new, first.updated, first.unchanged) == (2, 1, 0)  # the repeated row updates its first
    path.write_text("Camera,Officer,Unit,From,To\nX1,,B1,2024-01-01 06:00,2024-01-15\n,77,,2024-02-01 06:00,\n")
    second = import_roster(db, path, tz="UTC")
    assert (second.new, second.updated, second.unchanged) == (0, 1, 1)
    assert db.execute("SELECT camera_serial, officer, unit, to_utc FROM assignments ORDER BY id").fetchall() == [
        ("X1", None, "B1", "2024-01-16T00:00:00.000000Z"), (None, "77", None, None)]


@pytest.mark.parametrize("batch", [1, 5000])
def test_synthetic_dems_inventory_bulk(tmp_path, monkeypatch, batch):
    """A generated Axon-style inventory: re-import unchanged, a changed hint updates only its record."""
    from bodycam_index.incidents.dems import import_footage_list

    monkeypatch.setattr("bodycam_index.incidents.dems._BATCH", batch)
    db = connect(tmp_path / "t.db")
    path = tmp_path / "inv.csv"
    rows = [["E1", "24-000001", "2024-01-02T03:04:05", "60", "111"], ["E2", "", "2024-01-02T04:00:00", "30", "222"],
            ["E3", "system check", "2024-01-03T05:00:00", "10", "111"]]
    _write(path, rows, ["evidence_id", "id_external", "created_date_record_start", "duration_seconds",
                        "owner_badge_id"])
    assert import_footage_list(db, path).new == 3
    again = import_footage_list(db, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    rows[1][1] = "24-000002"
    _write(path, rows + [["E3", "system check", "2024-01-03T05:00:00", "12", "111"]],
           ["evidence_id", "id_external", "created_date_record_start", "duration_seconds", "owner_badge_id"])
    newer = import_footage_list(db, path)
    assert (newer.new, newer.updated, newer.unchanged) == (0, 2, 2)  # E2's new hint; E3's second row
    hints = db.execute("SELECT f.dems_id, h.value, h.normalized FROM footage_hints h JOIN footage f ON "
                       "f.id = h.footage_id ORDER BY f.dems_id").fetchall()
    assert hints == [("E1", "24-000001", "2024-1"), ("E2", "24-000002", "2024-2"), ("E3", "system check", None)]
    assert db.execute("SELECT duration_s FROM footage WHERE dems_id = 'E3'").fetchone()[0] == 12


def test_show_and_incidents_show_find_the_same_incident(tmp_path):
    from bodycam_index.lookup import find_incident as find_incident_id

    db = connect(tmp_path / "t.db")
    path = tmp_path / "export.csv"
    _write(path, [["2016-104006", "1/2/2016 3:04 PM", "A", "1", "U1"], ["Walk  In 7", "1/2/2016 3:05 PM", "B", "1", ""]])
    import_incidents(db, path, mapping=MAP, tz="UTC")
    for typed in ("2016-104006", "16000104006", "2016104006", "walk in 7", "WALK   IN 7"):
        found = find_incident(db, typed)
        assert found is not None and find_incident_id(db, typed) == found["id"], typed
    assert find_incident(db, "2016-104007") is None and find_incident_id(db, "2016-104007") is None


def test_cli_errors_file_is_spreadsheet_safe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "=cmd.csv", _generated(2) + [["", "1/1/2024 1:00 PM", "X", "1", "U1"]])
    maps = [a for k, v in MAP.items() for a in ("--map", f"{k}={v}")]
    result = CliRunner().invoke(main, ["--db", "cli.db", "import-incidents", "=cmd.csv", *maps, "--tz", "UTC",
                                       "--errors", "skipped.csv"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "skipped.csv").read_text().splitlines()[1] == "'=cmd.csv,4,no incident number"
