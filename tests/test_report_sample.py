"""Review sample (reproducible, includes incidents without footage, stratified) and the DEMS audit section."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from test_link import add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.link import relink
from bodycam_index.reports import sample
from bodycam_index.reports.gaps import ReportOptions, build_report

AS_OF = "2024-01-01T00:00:00.000000Z"


def _world(path: Path):
    db = store.connect(path)
    for k in range(40):
        units = [(f"U{k % 4}", f"{100 + k % 4}")]
        add_incident(db, f"2023{k:09d}", k * 24 * 60, lat=None, lon=None, units=units,
                     type="THEFT" if k % 2 else "ASSAULT")
        if k % 5:  # every fifth incident has no footage
            add_footage(db, f"{k}.mp4", k * 24 * 60 + 5, 35, hints=[f"2023{k:09d}"], officer=f"{100 + k % 4}")
    relink(db)
    return db


def test_sample_is_reproducible_and_includes_gaps(tmp_path: Path):
    report = build_report(_world(tmp_path / "s.db"), ReportOptions(as_of=AS_OF))
    assert len(sample.population(report)) == 40
    first = sample.draw(report, 8, seed=42)
    assert first == sample.draw(report, 8, seed=42) and first != sample.draw(report, 8, seed=43)
    assert len(first) == 8 and sum(p["state"] == "no footage" for p in first) == 2  # a quarter of 8
    by_officer = sample.draw(report, 8, seed=1, stratify="officer")
    assert len(by_officer) == 8 and {p["officer"] for p in by_officer} == {"100", "101", "102", "103"}
    by_type = sample.draw(report, 6, seed=1, stratify="type")
    assert {p["type"] for p in by_type} == {"THEFT", "ASSAULT"}
    assert len(sample.draw(report, 100, seed=1)) == 40


def test_sample_cli_prints_the_seed(tmp_path: Path):
    _world(tmp_path / "s.db")
    args = ["--db", str(tmp_path / "s.db"), "sample", "--n", "5", "--as-of", "2024-01-01", "--format", "json"]
    runner = CliRunner()
    one = runner.invoke(main, [*args, "--seed", "9"])
    assert one.exit_code == 0, one.output
    assert "seed 9" in one.stderr and "from 40 required incident × officer pairs" in one.stderr
    assert json.loads(one.stdout)["seed"] == 9 and len(json.loads(one.stdout)["pairs"]) == 5
    assert runner.invoke(main, [*args, "--seed", "9"]).stdout == one.stdout
    fresh = runner.invoke(main, args)
    assert fresh.exit_code == 0 and "seed " in fresh.stderr


def test_dems_audit_lists_entries_without_a_number(tmp_path: Path):
    db = store.connect(tmp_path / "d.db")
    add_incident(db, "2023000000001", 0, units=[("1A12", "7731")])
    typed = add_footage(db, None, 5, 30, origin="dems", dems_id="E-1", dems_source="axon", officer="7731", path=None)
    db["footage_hints"].insert({"footage_id": typed, "kind": "incident_number", "value": "system check",
                                "normalized": None})
    numbered = add_footage(db, None, 900, 10, origin="dems", dems_id="E-2", dems_source="axon", path=None,
                           hints=["2023000000001"])
    relink(db)
    rows = build_report(db, ReportOptions(as_of=AS_OF))["dems_audit"]
    assert [(r["dems_id"], r["typed"], r["linked_to"], r["action"]) for r in rows] == [
        ("E-1", "system check", ["2023000000001"], "enter 2023000000001")]
    assert numbered not in [r["footage_id"] for r in rows]
