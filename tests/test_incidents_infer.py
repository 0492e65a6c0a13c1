"""Mapping inference, --dry-run, --kind and --crs on corpus exports whose headers are renamed the way other agencies
name the same columns."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from conftest import CAD

from bodycam_index.cli import main
from bodycam_index.db import connect
from bodycam_index.incidents import presets
from bodycam_index.incidents.csvread import CsvFile, header_key
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.infer import infer
from bodycam_index.incidents.plan import MappingError
from bodycam_index.incidents.store import find_incident
from bodycam_index.model import InputError

pytestmark = pytest.mark.corpus
DALLAS = CAD / "dallas_active_calls_are8-xahz_ghfox.csv"
NOPD_2016 = CAD / "portal_samples" / "wgrp-d3ma.csv"
CORPUS_EXPORTS = [
    ("seattle_call_data_dennyblaine_2018-2023.csv", "seattle-cad"),
    ("seattle_911_incident_response_clanfear.csv", "seattle-911"),
    ("dallas_active_calls_are8-xahz_ghfox.csv", "dallas-active"),
    ("nopd_use_of_force_hk131999.csv", "nopd-uof"),
    ("seattle_use_of_force_galenegan.tsv", "seattle-uof"),
    ("portal_samples/28ec-c8d6.csv", "nopd-cfs"),
    ("portal_samples/wgrp-d3ma.csv", "nopd-cfs"),
    ("portal_samples/xviu-ezkt.csv", "baltimore-cfs"),
    ("portal_samples/hz9m-tj6z.csv", "sf-cfs"),
]


def _renamed(src, path, names):
    """The export with its header renamed (`names`: old → new), rows as they are."""
    reader = CsvFile(src)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([names.get(h, h) for h in reader.header])
        writer.writerows(r.cells for r in reader.rows())
    return path


DALLAS_NAMES = {"incident_number": "CFS #", "date_time": "Call Received", "nature_of_call": "Nature",
                "unit_number": "Unit", "division": "Division", "beat": "Beat", "priority": "Priority"}
NOPD_NAMES = {"nopd_item": "Event No", "timecreate": "Call Received", "timedispatch": "Time Dispatched",
              "timearrive": "On Scene", "timeclosed": "Time Cleared", "mapx": "X Coordinate", "mapy": "Y Coordinate",
              "type_": "Call Type", "priority": "Priority"}


@pytest.mark.parametrize(("name", "preset"), CORPUS_EXPORTS)
def test_inferred_number_and_times_match_the_presets(name, preset):
    """Without the preset, inference finds the same number column and a time column of the preset's."""
    reader = CsvFile(CAD / name)
    proposal = infer(reader.header, (cells for _, cells in reader.records()))
    assert proposal.ok, proposal.describe()
    columns = {f: {header_key(c) for c in names} for f, names in presets.PRESETS[preset].columns.items()}
    found = {f: header_key(c) for f, c in proposal.mapping.items()}
    assert found["number"] in columns["number"]
    times = set().union(*(columns.get(f, set()) for f in presets.TIME_FIELDS))
    assert any(found.get(f) in times for f in presets.TIME_FIELDS)
    assert proposal.kind == ("use-of-force" if presets.PRESETS[preset].use_of_force else "cad")


def test_unknown_export_imports_without_map(tmp_path):
    path = _renamed(DALLAS, tmp_path / "calls.csv", DALLAS_NAMES)
    db = connect(tmp_path / "t.db")
    report = import_incidents(db, path, tz="America/Chicago")
    assert report.preset == "inferred" and report.proposal is not None
    assert report.proposal.mapping == {"number": "CFS #", "type": "Nature", "priority": "Priority",
                                       "received": "Call Received", "precinct": "Division", "beat": "Beat",
                                       "unit": "Unit"}
    assert (report.rows, report.new, report.skipped) == (63, 45, 0)  # the corpus counts (MANIFEST.md)
    assert find_incident(db, "18-0052951")["received_utc"] == "2018-01-09T15:16:00.000000Z"  # 09:16 CST


def test_cli_prints_the_inferred_map_line_and_dry_run_writes_nothing(tmp_path):
    path = _renamed(NOPD_2016, tmp_path / "cfs.csv", NOPD_NAMES)
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(main, ["--db", str(db), "import-incidents", str(path), "--tz", "America/Chicago",
                                       "--crs", "EPSG:3452", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "--map 'number=Event No'" in result.output and "--map 'arrived=On Scene'" in result.output
    assert "--map 'x=X Coordinate'" in result.output
    assert "'A0000116' → A116" in result.output
    assert "2016-01-01T00:46:39 (local) → 2016-01-01T06:46:39.000000Z" in result.output  # dispatched, CST
    assert not db.exists()
    result = CliRunner().invoke(main, ["--db", str(db), "import-incidents", str(path), "--tz", "America/Chicago",
                                       "--crs", "EPSG:3452"])
    assert result.exit_code == 0, result.output
    row = find_incident(connect(db), "A0000116")
    assert row["dispatched_utc"] == "2016-01-01T06:46:39.000000Z"
    assert 29.9 <= row["lat"] <= 30.1 and -90.2 <= row["lon"] <= -90.0  # New Orleans


def test_xy_without_crs_and_with_a_wrong_crs_are_refused(tmp_path):
    path = _renamed(NOPD_2016, tmp_path / "cfs.csv", NOPD_NAMES)
    db = connect(tmp_path / "t.db")
    with pytest.raises(InputError, match="--crs"):
        import_incidents(db, path, tz="America/Chicago")
    with pytest.raises(InputError, match="outside EPSG:2249's area of use"):  # Massachusetts state plane
        import_incidents(db, path, tz="America/Chicago", crs="EPSG:2249")
    with pytest.raises(InputError, match="does not know"):
        import_incidents(db, path, tz="America/Chicago", crs="EPSG:99999")
    assert db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 0


def test_ambiguous_number_column_stops_with_the_proposal(tmp_path):
    reader = CsvFile(DALLAS)
    path = tmp_path / "two.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Incident Number", "Incident No", "Call Received"])
        for r in reader.rows():
            writer.writerow([r.cells[4], r.cells[4].replace("-", ""), r.cells[2]])
    with pytest.raises(MappingError) as caught:
        import_incidents(connect(tmp_path / "t.db"), path, tz="America/Chicago")
    assert "fits as well" in str(caught.value) and "proposal: --map" in str(caught.value)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "import-incidents", str(path),
                                       "--tz", "America/Chicago"])
    assert result.exit_code == 2 and "proposal: --map 'number=Incident Number'" in result.output


def test_kind_use_of_force_applies_to_any_export(tmp_path):
    db = connect(tmp_path / "t.db")
    import_incidents(db, DALLAS, preset="dallas-active", tz="America/Chicago", kind="use-of-force",
                     source="dallas-uof")
    assert db.execute("SELECT MIN(use_of_force), MIN(requires_footage), COUNT(*) FROM incidents").fetchone() == (
        1, 1, 45)
