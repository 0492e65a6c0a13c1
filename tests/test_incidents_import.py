"""Incident import behaviours on rows cut from the corpus exports: distinct numbers stay distinct, ids under
concurrent imports, header and footer rows, split date/time columns, per-unit times."""

from __future__ import annotations

import csv
import multiprocessing

import pytest
from conftest import CAD

from bodycam_index.db import connect
from bodycam_index.incidents import importer
from bodycam_index.incidents.csvread import CsvFile
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.normalize import canonical_number, incident_key
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


def test_labels_dropped_from_hints_only():
    assert canonical_number("Case # 2015-089852") == canonical_number("2015-089852") == "2015-89852"
    assert incident_key("GO-1727") == "GO1727" and canonical_number("GO-1727") == "1727"


@pytest.mark.corpus
def test_corpus_numbers_differing_by_sign_prefix_or_year_are_distinct_incidents(tmp_path):
    """A quarter of the Seattle use-of-force numbers written four ways that are different numbers (as is, with a minus sign,
    with a letter prefix, as another year's number) and once zero-padded (the same number): nothing merges but
    the padded form, and the summary counts those rows."""
    rows = _column(SEATTLE_UOF, "Incident_Num", "Occured_date_time")
    numbers = sorted({n for n, _ in rows}, key=int)
    assert len(numbers) == 10714
    numbers = numbers[::4]  # thousands are enough, and keep the test fast
    when = dict((n, t) for n, t in rows)
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
