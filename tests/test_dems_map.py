"""DEMS inventories whose columns the Axon preset does not name: `--map`, `--source`, clock-style durations."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from bodycam_index.cli import main
from bodycam_index.db import connect
from bodycam_index.incidents.dems import duration_seconds, import_footage_list
from bodycam_index.model import InputError

HEADER = ["Media ID", "Case #", "Recording Start", "Recording End", "Length", "Officer Badge", "Device", "Retention"]
ROWS = [
    ["WG-0001", "2024-000451", "2024-03-09 14:02:11", "2024-03-09 14:07:34", "00:05:23", "4411", "WGV-88", "Evidence"],
    ["WG-0002", "", "2024-11-03 01:30:00", "", "1:02:03.5", "4412", "WGV-89", "Non-Evidence"],
]
MAP = {"id": "Media ID", "number": "Case #", "start": "Recording Start", "end": "Recording End",
       "duration": "Length", "officer": "Officer Badge", "serial": "Device", "category": "Retention"}


def _inventory(tmp_path):
    path = tmp_path / "inventory.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    return path


@pytest.mark.parametrize(("text", "seconds"), [("00:05:23", 323.0), ("5:23", 323.0), ("1:02:03.5", 3723.5),
                                               ("323", 323.0), ("323.25", 323.25), ("", None), ("n/a", None)])
def test_duration_seconds(text, seconds):
    assert duration_seconds(text) == seconds


def test_mapped_inventory_is_stored_under_its_own_source(tmp_path):
    db = connect(tmp_path / "db.sqlite")
    report = import_footage_list(db, _inventory(tmp_path), tz="America/Los_Angeles", mapping=MAP,
                                 source="watchguard")
    assert (report.new, report.skipped) == (2, 0)
    rows = db.execute("SELECT dems_source, dems_id, start_utc, end_utc, duration_s, officer, serial, dems_category, "
                      "warnings FROM footage ORDER BY dems_id").fetchall()
    # 14:02:11 PST (UTC-8) and 01:30 on 3 November 2024, the hour Pacific time repeats (PDT ends at 02:00 PDT)
    assert rows[0][:8] == ("watchguard", "WG-0001", "2024-03-09T22:02:11.000000Z", "2024-03-09T22:07:34.000000Z",
                           323.0, "4411", "WGV-88", "Evidence")
    assert rows[1][:5] == ("watchguard", "WG-0002", "2024-11-03T08:30:00.000000Z", None, 3723.5)
    assert "ambiguous" in rows[1][8]
    hints = db.execute("SELECT value FROM footage_hints WHERE kind = 'incident_number'").fetchall()
    assert hints == [("2024-000451",)]
    again = import_footage_list(db, _inventory(tmp_path), tz="America/Los_Angeles", mapping=MAP, source="watchguard")
    assert (again.new, again.unchanged) == (0, 2)


def test_unknown_field_and_missing_column_are_clear_errors(tmp_path):
    db = connect(tmp_path / "db.sqlite")
    with pytest.raises(InputError, match="no field 'camera' here"):
        import_footage_list(db, _inventory(tmp_path), mapping={"camera": "Device"})
    with pytest.raises(InputError, match="--map start=Started: no such column"):
        import_footage_list(db, _inventory(tmp_path), mapping={"id": "Media ID", "start": "Started"})
    with pytest.raises(InputError, match="--map id=COLUMN --map start=COLUMN"):
        import_footage_list(db, _inventory(tmp_path))


def test_cli_map_and_source(tmp_path):
    args = ["--db", str(tmp_path / "db.sqlite"), "import-footage-list", str(_inventory(tmp_path)),
            "--tz", "America/Los_Angeles", "--source", "watchguard"]
    for fld, column in MAP.items():
        args += ["--map", f"{fld}={column}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("watchguard: 2 rows: 2 new")


def test_roster_with_its_own_column_names(tmp_path):
    from bodycam_index.incidents.roster import import_roster

    path = tmp_path / "roster.csv"
    path.write_text("Body Cam SN,Employee #,Car,Checked Out,Checked In\nX6039AB1,4411,3B12,2024-03-01,2024-03-31\n")
    db = connect(tmp_path / "db.sqlite")
    mapping = {"camera": "Body Cam SN", "officer": "Employee #", "unit": "Car", "from": "Checked Out",
               "to": "Checked In"}
    report = import_roster(db, path, tz="America/Los_Angeles", mapping=mapping)
    assert (report.new, report.skipped) == (1, 0)
    row = db.execute("SELECT camera_serial, officer, unit, from_utc, to_utc FROM assignments").fetchone()
    # from midnight Pacific (PST, UTC-8) on 1 March through the whole of 31 March (PDT from 10 March, UTC-7)
    assert row == ("X6039AB1", "4411", "3B12", "2024-03-01T08:00:00.000000Z", "2024-04-01T07:00:00.000000Z")


def test_day_first_inventory_and_roster(tmp_path):
    """A UK-style inventory and roster: the first date past the 12th settles the order for the whole file."""
    from bodycam_index.incidents.roster import import_roster

    path = tmp_path / "inventory.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER, ["WG-0001", "", "05/01/2024 14:02:11", "", "60", "4411", "X", "Evidence"],
                                  ["WG-0002", "", "28/01/2024 09:00:00", "", "60", "4411", "X", "Evidence"]])
    db = connect(tmp_path / "db.sqlite")
    report = import_footage_list(db, path, tz="Europe/London", mapping=MAP, source="uk")
    assert report.notes == []
    starts = dict(db.execute("SELECT dems_id, start_utc FROM footage").fetchall())
    assert starts == {"WG-0001": "2024-01-05T14:02:11.000000Z", "WG-0002": "2024-01-28T09:00:00.000000Z"}  # GMT
    roster = tmp_path / "roster.csv"
    roster.write_text("camera_serial,officer,from,to\nX6039AB1,4411,05/01/2024,04/02/2024\n")
    report = import_roster(db, roster, tz="Europe/London")
    assert any("read month-first" in note for note in report.notes)  # nothing in it has a day past 12
    assert (report.new, report.skipped) == (0, 1)  # read month-first it would end (2 April) before it starts (1 May)
    report = import_roster(db, roster, tz="Europe/London", date_order="day-first")
    assert (report.new, report.notes) == (1, [])
    rows = db.execute("SELECT from_utc, to_utc FROM assignments").fetchall()
    assert rows == [("2024-01-05T00:00:00.000000Z", "2024-02-05T00:00:00.000000Z")]  # through 4 February, GMT
