"""Incident import behaviours on rows cut from the corpus exports: distinct numbers stay distinct, ids under
concurrent imports, header and footer rows, split date/time columns, per-unit times."""

from __future__ import annotations

import csv
import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import CAD

from bodycam_index.db import SCHEMA_VERSION, connect
from bodycam_index.incidents import importer
from bodycam_index.incidents.csvread import CsvFile
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.normalize import canonical_number, incident_key, utc_text
from bodycam_index.incidents.store import find_incident

SEATTLE_UOF = CAD / "seattle_use_of_force_galenegan.tsv"
NOPD_UOF = CAD / "nopd_use_of_force_hk131999.csv"


def _write(path, header, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _column(path, *names):
    """The named columns of a corpus export, row by row (as the reader gives them)."""
    reader = CsvFile(path)
    at = [reader.header.index(n) for n in names]
    return [[r.cells[i] for i in at] for r in reader.rows()]


# ------------------------------------------------------------------------------------------------ numbers

@pytest.mark.parametrize(("a", "b"), [
    ("-1727", "1727"), ("+1727", "1727"), ("C1727", "1727"), ("GO-1727", "1727"), ("2016-1727", "2017-1727"),
    ("16-1727", "17-1727"), ("1200345678", "2012345678"), ("FTN2021-0378", "FTN2020-0378"), ("A0000116", "B0000116"),
])
def test_numbers_that_differ_by_sign_prefix_or_year_stay_apart(a, b):
    assert incident_key(a) != incident_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("16000104006", "2016104006"), ("2016-0104006", "16-104006"), ("ftn2021-0378 ", "FTN2021-378"), ("00251", "251"),
])
def test_declared_forms_of_one_number_meet(a, b):
    assert incident_key(a) == incident_key(b)


def test_label_words_dropped_and_system_prefixes_kept_in_hints_and_numbers_alike():
    assert canonical_number("Case # 2015-089852") == incident_key("Case # 2015-089852") == "2015-89852"
    assert incident_key("GO-1727") == canonical_number("GO-1727") == "GO1727"


@pytest.mark.corpus
def test_corpus_numbers_differing_by_sign_prefix_or_year_are_distinct_incidents(tmp_path):
    """A quarter of the Seattle use-of-force numbers written five ways that are different numbers (as is, with a
    minus sign, with a letter prefix, as two years' numbers) and once zero-padded (the same number): nothing merges
    but the padded form, and the summary counts those rows."""
    rows = _column(SEATTLE_UOF, "Incident_Num", "Occured_date_time")
    numbers = sorted({n for n, _ in rows}, key=int)
    assert len(numbers) == 10714
    numbers = numbers[::4]  # thousands are enough, and keep the test fast
    when = dict(rows)
    out = []
    for n in numbers:
        out += [[n, when[n]], [f"-{n}", when[n]], [f"C{n}", when[n]], [f"2016-{n}", when[n]], [f"2017-{n}", when[n]],
                [n.zfill(7), when[n]]]
    path = tmp_path / "signed.csv"
    _write(path, ["Incident Number", "Occurred"], out)
    db = connect(tmp_path / "t.db")
    report = import_incidents(db, path, mapping={"number": "Incident Number", "received": "Occurred"},
                              tz="America/Los_Angeles")
    assert (report.rows, report.new, report.skipped) == (len(out), 5 * len(numbers), 0)
    assert report.aliased == len([n for n in numbers if len(n) < 7])
    assert "rows met an incident under another written form" in report.summary()
    assert db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 5 * len(numbers)
    n = numbers[1]
    assert find_incident(db, f"-{n}")["number_raw"] == f"-{n}" and find_incident(db, n)["number_raw"] == n
    again = import_incidents(db, path, mapping={"number": "Incident Number", "received": "Occurred"},
                             tz="America/Los_Angeles")
    assert (again.new, again.unchanged) == (0, 5 * len(numbers))


# ------------------------------------------------------------------------------------------------ ids

def _import_in_child(db_path, csv_path, queue):
    try:
        report = import_incidents(connect(db_path), csv_path, mapping={"number": "n", "received": "t"}, tz="UTC")
        queue.put(("ok", report.new))
    except Exception as exc:  # noqa: BLE001 -- reported to the test
        queue.put(("error", repr(exc)))


def test_two_imports_at_once_take_different_ids(tmp_path, monkeypatch):
    """Two processes import different exports into one database at the same time, in many small batches: both
    finish, every incident stored once (ids were `MAX(id)+1` read outside the write lock before)."""
    monkeypatch.setattr(importer, "BATCH", 50)
    paths = []
    for k in range(2):
        path = tmp_path / f"e{k}.csv"
        _write(path, ["n", "t"], [[f"{k}-{i:05d}", "2024-01-01T00:00:00"] for i in range(2000)])
        paths.append(path)
    db_path = tmp_path / "t.db"
    connect(db_path)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_import_in_child, args=(db_path, p, queue)) for p in paths]
    for child in children:
        child.start()
    results = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert results == [("ok", 2000), ("ok", 2000)]
    db = connect(db_path)
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT number) FROM incidents").fetchone() == (4000, 4000)
    assert db.execute("SELECT COUNT(*) FROM incident_aliases").fetchone()[0] == 4000


# ------------------------------------------------------------------------------------------------ per-unit times

DALLAS = CAD / "dallas_active_calls_are8-xahz_ghfox.csv"
CHICAGO = ZoneInfo("America/Chicago")


def _unit_history(path):
    """The Dallas rows (one per assigned unit) with each unit's own dispatch, arrival and clear times added, local
    Central time as a CAD unit-history export writes them; returns the expected UTC times per (number, unit)."""
    reader = CsvFile(DALLAS)
    header = reader.header + ["Unit Dispatched", "Unit Arrived", "Unit Cleared"]
    rows, expected = [], {}
    for i, row in enumerate(reader.rows()):
        cells = row.cells
        start = datetime.fromisoformat(cells[2])
        times = [start + timedelta(minutes=m) for m in (1 + i % 4, 6 + i % 9, 30 + 3 * i)]
        rows.append(cells + [t.strftime("%m/%d/%Y %I:%M:%S %p") for t in times])
        expected[(cells[4], cells[10])] = [utc_text(t.replace(tzinfo=CHICAGO).astimezone(UTC).replace(tzinfo=None))
                                           for t in times]
    _write(path, header, rows)
    return expected


UNIT_MAP = {"dispatched": "Unit Dispatched", "arrived": "Unit Arrived", "cleared": "Unit Cleared"}


@pytest.mark.corpus
@pytest.mark.parametrize("batch", [2, 20_000])
def test_corpus_unit_history_keeps_each_units_times(tmp_path, monkeypatch, batch):
    monkeypatch.setattr(importer, "BATCH", batch)
    path = tmp_path / "units.csv"
    expected = _unit_history(path)
    db = connect(tmp_path / "t.db")
    report = import_incidents(db, path, preset="dallas-active", mapping=UNIT_MAP, tz="America/Chicago")
    assert (report.rows, report.new) == (63, 45)
    stored = {(n, u): [d, a, c] for n, u, d, a, c in db.execute(
        "SELECT i.number_raw, u.unit, u.dispatched_utc, u.arrived_utc, u.cleared_utc "
        "FROM incident_units u JOIN incidents i ON i.id = u.incident_id")}
    assert stored == expected
    marfa = find_incident(db, "18-0052951")  # four units: the incident spans the first dispatch to the last clear
    mine = [t for (n, _), t in expected.items() if n == "18-0052951"]
    assert len(mine) == 4
    assert marfa["dispatched_utc"] == min(t[0] for t in mine) and marfa["arrived_utc"] == min(t[1] for t in mine)
    assert marfa["cleared_utc"] == max(t[2] for t in mine)
    again = import_incidents(db, path, preset="dallas-active", mapping=UNIT_MAP, tz="America/Chicago")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 45)


def test_a_unit_on_two_rows_keeps_first_dispatch_and_last_clear(tmp_path):
    path = tmp_path / "u.csv"
    _write(path, ["Event", "Unit", "Dispatched", "Arrived", "Cleared"], [
        ["24-1", "B1", "2024-03-01 10:05", "2024-03-01 10:20", "2024-03-01 10:40"],
        ["24-1", "B1", "2024-03-01 10:02", "", "2024-03-01 11:10"],
        ["24-1", "B2", "2024-03-01 10:30", "", ""],
    ])
    db = connect(tmp_path / "t.db")
    import_incidents(db, path, mapping={"number": "Event", "unit": "Unit", "dispatched": "Dispatched",
                                        "arrived": "Arrived", "cleared": "Cleared"}, tz="UTC")
    assert db.execute("SELECT unit, dispatched_utc, arrived_utc, cleared_utc FROM incident_units ORDER BY unit"
                      ).fetchall() == [
        ("B1", "2024-03-01T10:02:00.000000Z", "2024-03-01T10:20:00.000000Z", "2024-03-01T11:10:00.000000Z"),
        ("B2", "2024-03-01T10:30:00.000000Z", None, None)]


def test_version_1_database_gains_unit_time_columns(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);"
                       "CREATE TABLE incident_units (incident_id INTEGER NOT NULL, unit TEXT, officer TEXT,"
                       " UNIQUE (incident_id, unit, officer)); INSERT INTO incident_units VALUES (7, 'B1', NULL);")
    conn.commit()
    conn.close()
    db = connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert db.execute("SELECT * FROM incident_units").fetchall() == [(7, "B1", None, None, None, None)]
    connect(path)  # nothing left to do
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


# ------------------------------------------------------------------------------------------------ header and junk rows

@pytest.mark.corpus
@pytest.mark.parametrize(("chunk", "batch", "helper"), [(7, 40, False), (7, 40, True),
                                                       (importer.CHUNK, importer.BATCH, False)])
def test_corpus_repeated_headers_and_footers_are_skipped_with_a_reason(tmp_path, monkeypatch, chunk, batch, helper):
    """NOPD use-of-force rows with the header repeated inside (upper case without spaces, as a second export
    appended writes it; and once with two names changed), totals and a report footer: none becomes an incident.
    Rows built a few at a time in small batches give the same, skipped rows in file order; with `helper`, read and
    built in the helper process and handed over two chunks at a time."""
    monkeypatch.setattr(importer, "CHUNK", chunk)
    monkeypatch.setattr(importer, "BATCH", batch)
    if helper:
        monkeypatch.setattr(importer, "HELPER_BYTES", 0)
        monkeypatch.setattr(importer, "GROUP", 2)
    reader = CsvFile(NOPD_UOF)
    rows = [r.cells for r in reader.rows()][:300]
    shouting = [h.upper().replace(" ", "") for h in reader.header]
    changed = list(reader.header)
    changed[1], changed[5] = "DATE OF OCCURRENCE", "UNIT NAME"
    width = len(reader.header)
    out = rows[:100] + [shouting] + rows[100:200] + [changed] + rows[200:] + [
        ["Total", "300"] + [""] * (width - 2), ["Report generated on 12/02/2021 08:00"] + [""] * (width - 1),
        ["Page 3 of 3"]]
    path = tmp_path / "uof.csv"
    _write(path, reader.header, out)
    db = connect(tmp_path / "t.db")
    report = import_incidents(db, path, preset="nopd-uof", tz="America/Chicago")
    expected = len({importer.incident_key(r[0].strip()) for r in rows})
    assert report.new == expected
    reasons = [(s.line, s.reason) for s in report.skipped_rows]
    assert reasons == [(102, "repeated header row"), (203, "repeated header row"), (304, "totals or footer line"),
                       (305, "totals or footer line"), (306, "totals or footer line")]
    assert report.rows == len(out)
    assert find_incident(db, "PIBFILENUMBER") is None and find_incident(db, "Total") is None


# ------------------------------------------------------------------------------------------------ split date and time

SF = CAD / "portal_samples" / "hz9m-tj6z.csv"


@pytest.mark.corpus
def test_corpus_split_date_and_time_placeholder_midnight_is_never_a_time(tmp_path):
    """San Francisco calls (separate date and time columns) as a CSV export writes them: the date column carries
    a `12:00:00 AM` placeholder. A blank time gives a date-only incident (whole local day, flagged), a later row of
    the same call with its time fills it, a spreadsheet's day-zero date before a time is ignored."""
    reader = CsvFile(SF)
    at = {n: reader.header.index(n) for n in ("crime_id", "call_date", "call_time")}
    rows = [r.cells for r in reader.rows()]
    out = []
    for cells in rows:
        day = datetime.fromisoformat(cells[at["call_date"]]).strftime("%m/%d/%Y") + " 12:00:00 AM"
        out.append([cells[at["crime_id"]], day, cells[at["call_time"]]])
    first, second, third = out[0], out[1], out[2]  # 160913285 19:49, 160913298 19:54, then a third call
    first_time, third_time = first[2], third[2]
    first[2] = ""  # blank: this call's time is on a later row
    out.append([first[0], first[1], first_time])
    second[2] = "12/30/1899 " + datetime.strptime(second[2], "%H:%M").strftime("%I:%M:%S %p")
    third[2] = ""  # blank and never given
    path = tmp_path / "sf.csv"
    _write(path, ["Crime Id", "Call Date", "Call Time"], out)
    db = connect(tmp_path / "t.db")
    report = import_incidents(db, path, preset="sf-cfs", tz="America/Los_Angeles")
    assert (report.rows, report.new, report.skipped) == (len(out), len(rows), 0)
    filled = find_incident(db, first[0])
    assert filled["received_utc"] == "2016-04-01T02:49:00.000000Z"  # 19:49 PDT on 3/31
    assert filled["time_flags"] is None and filled["cleared_utc"] is None
    assert find_incident(db, second[0])["received_utc"] == "2016-04-01T02:54:00.000000Z"
    day_only = find_incident(db, third[0])
    assert third_time  # the export had one: the test blanked it
    assert day_only["received_utc"] == "2016-03-31T07:00:00.000000Z"  # local midnight, never 12:00:00 AM as a time
    assert day_only["cleared_utc"] == "2016-04-01T07:00:00.000000Z"  # the whole local day
    assert "date_only:received" in day_only["time_flags"]


# ------------------------------------------------------------------------------------------------ DEMS inventories

@pytest.mark.corpus
def test_corpus_dems_inventory_flags_dst_ambiguous_and_skipped_hours(tmp_path):
    """Axon inventory rows (Seattle pilot) recorded in the hour repeated on 2015-11-01 and the hour skipped on
    2015-03-08 in Pacific time: stored as for incidents (first occurrence; offset before the change) and flagged."""
    from bodycam_index.incidents.dems import import_footage_list

    reader = CsvFile(CAD / "portal_samples" / "5rka-m6jr.csv")
    at = reader.header.index("created_date_record_start")
    end_at = reader.header.index("date_record_end")
    rows = [r.cells for r in reader.rows()]
    rows[0][at], rows[0][end_at] = "2015-11-01T01:30:00", "2015-11-01T01:40:00"
    rows[1][at], rows[1][end_at] = "2015-03-08T02:30:00", ""
    path = tmp_path / "inventory.csv"
    _write(path, reader.header, rows)
    db = connect(tmp_path / "t.db")
    assert import_footage_list(db, path, tz="America/Los_Angeles").new == len(rows)
    ids = [r[0] for r in rows]
    got = {d: (s, w) for d, s, w in db.execute("SELECT dems_id, start_utc, warnings FROM footage")}
    assert got[ids[0]][0] == "2015-11-01T08:30:00.000000Z"  # PDT, the first 01:30
    assert "start 2015-11-01 01:30:00 is ambiguous" in got[ids[0]][1] and "end 2015-11-01 01:40:00" in got[ids[0]][1]
    assert got[ids[1]][0] == "2015-03-08T10:30:00.000000Z"  # PST, the offset before the change
    assert "is nonexistent in America/Los_Angeles" in got[ids[1]][1]
    assert all(w is None for d, (_, w) in got.items() if d not in ids[:2])
    assert import_footage_list(db, path, tz="America/Los_Angeles").unchanged == len(rows)


@pytest.mark.corpus
def test_corpus_date_column_written_with_midnight_is_date_only(tmp_path):
    """NOPD use-of-force dates as a spreadsheet re-save writes them (`12/01/2021 12:00:00 AM` in every row, one
    column): the midnight is a placeholder, so incidents stay date-only with their whole local day."""
    reader = CsvFile(NOPD_UOF)
    rows = [r.cells for r in reader.rows()][:50]
    for cells in rows:
        cells[1] = cells[1] + " 12:00:00 AM"
    path = tmp_path / "uof.csv"
    _write(path, reader.header, rows)
    db = connect(tmp_path / "t.db")
    import_incidents(db, path, preset="nopd-uof", tz="America/Chicago")
    row = find_incident(db, "FTN2021-0378")
    assert row["received_utc"] == "2021-12-01T06:00:00.000000Z" and row["cleared_utc"] == "2021-12-02T06:00:00.000000Z"
    assert "date_only:received" in row["time_flags"]
    assert db.execute("SELECT COUNT(*) FROM incidents WHERE time_flags LIKE '%date_only:received%'").fetchone()[0] == \
        db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
