"""Date order: `05/01/2023` is 1 May in a United States export and 5 January in most others. The order is settled by
the first date that can only be read one way, or by --date-order, and said in the output when nothing settles it."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from bodycam_index.cli import main
from bodycam_index.db import connect
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.infer import infer
from bodycam_index.incidents.normalize import TimeParser, date_order_evidence
from bodycam_index.model import InputError

HEADER = ["Incident Number", "Call Type", "Received"]


def _export(tmp_path, rows, name="calls.csv"):
    path = tmp_path / name
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def _received(db):
    return dict(db.execute("SELECT number_raw, received_utc FROM incidents").fetchall())


@pytest.mark.parametrize(("text", "evidence"), [
    ("28/01/2023", "day-first"), ("28.01.2023 14:32", "day-first"), ("01/28/2023 2:32 PM", "month-first"),
    ("05/01/2023", None), ("2023-01-28", None), ("13/13/2023", None), ("", None)])
def test_date_order_evidence(text, evidence):
    assert date_order_evidence(text) == evidence


def test_day_first_parser():
    assert TimeParser(day_first=True)("28/01/2023 14:32")[0].isoformat() == "2023-01-28T14:32:00"
    assert TimeParser(day_first=True)("05.01.2023")[0].isoformat() == "2023-01-05T00:00:00"
    assert TimeParser()("05/01/2023")[0].isoformat() == "2023-05-01T00:00:00"


def test_a_day_past_12_makes_the_whole_file_day_first(tmp_path):
    """The first rows alone (5 January, 12 January) could be read either way; a later 28/01 settles it."""
    rows = [["INC-1001", "THEFT", "05/01/2023 14:32"], ["INC-1002", "ALARM", "12/01/2023 09:00"],
            ["INC-1003", "ASSAULT", "28/01/2023 23:10"]]
    db = connect(tmp_path / "db.sqlite")
    report = import_incidents(db, _export(tmp_path, rows), tz="Europe/London")
    assert report.notes == []
    # London in January is GMT (UTC+0)
    assert _received(db) == {"INC-1001": "2023-01-05T14:32:00.000000Z", "INC-1002": "2023-01-12T09:00:00.000000Z",
                             "INC-1003": "2023-01-28T23:10:00.000000Z"}


def test_nothing_settles_the_order_so_it_is_said(tmp_path):
    rows = [["INC-1001", "THEFT", "05/01/2023 14:32"], ["INC-1002", "ALARM", "06/01/2023 09:00"]]
    path = _export(tmp_path, rows)
    db = connect(tmp_path / "db.sqlite")
    report = import_incidents(db, path, tz="Europe/London")
    assert any("read month-first" in note for note in report.notes)
    # 1 May 2023 in London is BST (UTC+1)
    assert _received(db)["INC-1001"] == "2023-05-01T13:32:00.000000Z"
    again = connect(tmp_path / "other.sqlite")
    report = import_incidents(again, path, tz="Europe/London", date_order="day-first")
    assert report.notes == []
    assert _received(again)["INC-1001"] == "2023-01-05T14:32:00.000000Z"


def test_an_order_the_file_contradicts_is_refused(tmp_path):
    rows = [["INC-1001", "THEFT", "05/01/2023 14:32"], ["INC-1002", "ASSAULT", "28/01/2023 23:10"]]
    with pytest.raises(InputError, match=r"--date-order month-first, but line 3 has '28/01/2023 23:10', which can "
                                         r"only be day-first"):
        import_incidents(connect(tmp_path / "db.sqlite"), _export(tmp_path, rows), tz="Europe/London",
                         date_order="month-first")


def test_iso_dates_need_no_order_and_get_no_note(tmp_path):
    rows = [["INC-1001", "THEFT", "2023-01-05T14:32:00"], ["INC-1002", "ALARM", "2023-01-06 09:00"]]
    report = import_incidents(connect(tmp_path / "db.sqlite"), _export(tmp_path, rows), tz="Europe/London")
    assert report.notes == []


def test_inference_recognises_a_day_first_column():
    rows = [["INC-1001", "THEFT", "13/01/2023 14:32"], ["INC-1002", "ALARM", "28/01/2023 09:00"]]
    assert infer(HEADER, iter(rows)).mapping["received"] == "Received"


def test_cli_prints_the_note_and_takes_the_option(tmp_path):
    path = _export(tmp_path, [["INC-1001", "THEFT", "05/01/2023 14:32"]])
    runner = CliRunner()
    base = ["--db", str(tmp_path / "db.sqlite"), "import-incidents", str(path), "--tz", "Europe/London"]
    result = runner.invoke(main, [*base, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "05/01/2023 14:32 (local) → 2023-05-01T13:32:00.000000Z" in result.output
    assert "note: no date in the file has a day past 12" in result.output
    result = runner.invoke(main, [*base, "--date-order", "day-first", "--dry-run"])
    assert "05/01/2023 14:32 (local) → 2023-01-05T14:32:00.000000Z" in result.output
    assert "note:" not in result.output
