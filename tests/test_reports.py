"""Gap report sections, renderings (escaping), show/export and the CLI, on rows built directly in the tests."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_link import HOME, add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.link import relink
from bodycam_index.reports.gaps import ReportOptions, build_report
from bodycam_index.reports.policy import Policy
from bodycam_index.reports.render import excel_safe, render

FAR = (47.70, -122.40)


@pytest.fixture
def world(tmp_path: Path):
    """Covered, partly covered, uncovered (required and not) incidents; an orphan and a clock-problem camera."""
    path = tmp_path / "r.db"
    db = store.connect(path)
    ids = {
        "full": add_incident(db, "2023000000001", 0, units=[("3B12", "4711")], type="=cmd|' /C calc'!A0"),
        "part": add_incident(db, "2023000000002", 24 * 60, units=[("3B12", None)], precinct="WEST"),
        "none": add_incident(db, "2023000000003", 48 * 60, type="<script>alert(1)</script>"),
        "optional": add_incident(db, "2023000000004", 72 * 60, requires_footage=0),
        "march": add_incident(db, "2023000000005", 40 * 24 * 60, lat=None, lon=None),
    }
    # Arrived at +5, cleared at +40 min (35 min); "full" footage covers it all, "part" only 10 min from +20.
    fids = {
        "full": add_footage(db, "full.mp4", 4, 40, hints=["2023000000001"], serial="CAM1"),
        "part": add_footage(db, "part.mp4", 24 * 60 + 20, 10, fixes=[(1, *HOME)], serial="CAM1"),
        "orphan": add_footage(db, "orphan.mp4", 48 * 60, 20, fixes=[(1, *FAR)], serial="CAM2", officer="9001"),
        "clock": add_footage(db, "clock.mp4", 5000, 10, serial="CAM3", zone_kind="unknown", lat=FAR[0], lon=FAR[1]),
        "drift": add_footage(db, "drift.mp4", 40 * 24 * 60, 30, serial="CAM3", drift_s=-400.0),
    }
    relink(db)
    return path, db, ids, fids


def test_report_sections(world):
    _path, db, _ids, fids = world
    report = build_report(db, ReportOptions(policy=Policy(covered=0.8)))
    s = report["summary"]
    assert (s["incidents"], s["required"], s["not_required"]) == (5, 4, 1)
    assert (s["covered"], s["partial"], s["in_doubt"], s["no_footage"]) == (1, 1, 1, 1)
    assert s["covered_pct"] == 25.0 and s["recorded_pct"] == 50.0
    assert s["denominator"] == "4 required incidents of 5 in scope"
    assert s["exclusions"] == {"not a required call": 1}
    states = {r["number"]: r["state"] for r in report["incidents"]}
    assert states == {"2023000000001": "covered", "2023000000002": "partial", "2023000000003": "no footage",
                      "2023000000004": "not required", "2023000000005": "in doubt"}
    assert [r["incident"] for r in report["no_footage"]] == ["2023000000003"]
    # "march" has no position: the drifted recording without position is only a time-only match, in doubt twice.
    (doubt,) = report["in_doubt"]
    assert doubt["incident"] == "2023000000005" and doubt["why"] == ["recording clock drift"]
    assert doubt["footage"] == [fids["drift"]]
    (partial,) = report["partial"]
    assert partial["incident"] == "2023000000002"
    assert partial["coverage_pct"] == round(100 * 10 / 35, 1)
    assert (partial["covered_s"], partial["window_s"], partial["missing_s"]) == (600.0, 2100.0, 1500.0)
    assert partial["activation_delay_s"] == 15 * 60 and partial["early_stop_s"] == 10 * 60
    assert {o["footage_id"] for o in report["orphans"]} == {fids["orphan"], fids["clock"], fids["drift"]}
    assert next(o for o in report["orphans"] if o["footage_id"] == fids["drift"])["candidates"] == 1
    assert report["orphans_by_camera"][0] == {"camera": "CAM3", "officer": "(none)", "count": 2}
    (clock,) = report["clocks"]
    assert clock == {"camera": "CAM3", "recordings": 2, "unknown_zone": 1, "max_abs_drift_s": 400.0,
                     "footage": [fids["clock"], fids["drift"]]}
    units = {r["group"]: r for r in report["by_group"]["rows"]}
    assert units["3B12"]["covered"] == 1 and units["3B12"]["partial"] == 1 and units["3B12"]["covered_pct"] == 50.0
    assert units["(none)"]["required"] == 2 and units["(none)"]["meets_goal"] is False
    assert [r["group"] for r in report["by_month"]["rows"]] == ["2023-06", "2023-07"]


def test_accepting_time_only_and_filters(world):
    _path, db, *_ = world
    report = build_report(db, ReportOptions(policy=Policy(time_only_counts=True)))
    # Time-only now counts, but the recording's clock is 400 s off: still in doubt, not covered.
    assert [r["incident"] for r in report["in_doubt"]] == ["2023000000005"]
    only_west = build_report(db, ReportOptions(precinct="west"))
    assert only_west["summary"]["incidents"] == 1
    june = build_report(db, ReportOptions(since="2023-06-05T00:00:00.000000Z", until="2023-07-01T00:00:00.000000Z"))
    assert june["summary"]["incidents"] == 3
    assert len(build_report(db, ReportOptions(requires_footage_only=True))["incidents"]) == 4


def test_csv_escapes_formulas_but_not_numbers(world):
    _path, db, *_ = world
    text = render(build_report(db), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["section"] for r in rows} >= {"summary", "by_group", "no_footage", "partial", "orphans", "clocks"}
    assert excel_safe("=1+2") == "'=1+2" and excel_safe("@SUM(A1)") == "'@SUM(A1)" and excel_safe("-3") == "-3"
    assert excel_safe("+cmd") == "'+cmd" and excel_safe("-x") == "'-x"
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+@" and not (value[0] == "-" and not value[1:2].isdigit())


def test_html_is_self_contained_and_escaped(world):
    _path, db, *_ = world
    report = build_report(db)
    html = render(report, "html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # No script, no stylesheet or font from elsewhere; the only network use is the OpenStreetMap basemap tiles.
    assert "<link" not in html and "<script" not in html
    assert set(re.findall(r"([a-z]+://[^/]+)/", html)) == {"https://tile.openstreetmap.org"}
    assert "background-image:url('https://tile.openstreetmap.org/" in html
    assert 'id="summary-no_footage">1<' in html and 'id="chart-month"' in html and 'id="map"' in html
    assert html.count('<circle class="no-footage"') == 1  # the one placed incident without footage
    md = render(report, "md")
    assert "## Required incidents partly recorded (1)" in md and "| 2023000000002 |" in md
    table = render(report, "table")
    assert "2023000000003" in table and "Clock problems per camera (1)" in table
    assert json.loads(render(report, "json"))["summary"] == report["summary"]


def test_cli_gaps_show_link_export(world, tmp_path: Path):
    path, _db, _ids, fids = world
    runner = CliRunner()
    out = tmp_path / "gaps.json"
    result = runner.invoke(main, ["--db", str(path), "gaps", "--format", "json", "--output", str(out),
                                  "--fail-on-gaps"])
    assert result.exit_code == 1
    assert json.loads(out.read_text())["summary"]["no_footage"] == 1
    result = runner.invoke(main, ["--db", str(path), "show", "2023000000002"])
    assert result.exit_code == 0, result.output
    assert "time+place 0.80 accepted" in result.output and "coverage of [arrived, cleared]: 28.6%" in result.output
    result = runner.invoke(main, ["--db", str(path), "link", "add", "orphan.mp4", "2023000000003",
                                  "--reason", "seen on the video"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--db", str(path), "link", "--radius", "300m"])
    assert result.exit_code == 0 and "1 manual links/exclusions kept" in result.output
    result = runner.invoke(main, ["--db", str(path), "show", str(fids["orphan"])])
    assert "2023000000003  manual 1.00 accepted manual: seen on the video" in result.output
    result = runner.invoke(main, ["--db", str(path), "gaps", "--requires-footage-only", "--format", "json"])
    assert json.loads(result.output)["no_footage"] == []
    result = runner.invoke(main, ["--db", str(path), "link", "remove", "x.mp4", "2023000000003", "--reason", "r"])
    assert result.exit_code == 2 and "no recording matches" in result.output
    result = runner.invoke(main, ["--db", str(path), "export", "geojson"])
    features = json.loads(result.output)["features"]
    kinds = [(f["properties"]["kind"], f["geometry"]["type"]) for f in features]
    assert kinds.count(("incident", "Point")) == 4 and ("footage", "Point") in kinds
    result = runner.invoke(main, ["--db", str(path), "export", "csv", "--output", str(tmp_path / "csv")])
    links = list(csv.DictReader((tmp_path / "csv" / "links.csv").open()))
    assert any(r["method"] == "manual" and r["number"] == "2023000000003" for r in links)
    assert runner.invoke(main, ["--db", str(path), "gaps", "--since", "June"]).exit_code == 2


def test_html_chart_labels_are_cut_before_escaping(world):
    _path, db, *_ = world
    report = build_report(db, ReportOptions(by="precinct"))
    report["by_group"]["rows"][0]["group"] = "x" * 28 + "&<y"  # the 29th and 30th characters need escaping
    html = render(report, "html")
    assert "x" * 28 + "&amp;&lt;<" in html  # whole entities, not "&am" cut at 30 characters


def test_float_cells_keep_their_digits(world):
    _path, db, *_ = world
    report = build_report(db)
    report["clocks"][0]["max_abs_drift_s"] = 1234567.8
    for fmt in ("csv", "md", "html"):
        assert "1234567.8" in render(report, fmt) and "e+06" not in render(report, fmt)


def test_footage_in_an_unknown_zone_is_in_doubt_and_flagged_in_orphans(tmp_path: Path):
    db = store.connect(tmp_path / "z.db")
    add_incident(db, "2023000000011", 0)
    # By number, but its clock zone is unknown: only uncertain evidence; and an orphan in an unknown zone.
    add_footage(db, "a.mp4", 10, 10, hints=["2023000000011"], zone_kind="unknown")
    lost = add_footage(db, "b.mp4", 9000, 10, zone_kind="unknown")
    relink(db)
    report = build_report(db)
    assert report["partial"] == []
    (doubt,) = report["in_doubt"]
    assert doubt["why"] == ["recording zone unknown"]
    (orphan,) = report["orphans"]
    assert orphan["footage_id"] == lost and orphan["zone_unknown"] is True
    assert "zone_unknown" in render(report, "csv").splitlines()[0]


def test_time_overlap_of_a_recording_tied_elsewhere_is_no_evidence(tmp_path: Path):
    """A GPS-less recording tied to incident A by its number overlaps incident B in time only: B has no footage.
    An untied GPS-less recording overlapping C could be C's footage: C is in doubt, not missing."""
    db = store.connect(tmp_path / "t.db")
    add_incident(db, "2023000000011", 0)
    add_incident(db, "2023000000012", 10, lat=None, lon=None)
    add_incident(db, "2023000000013", 24 * 60, lat=None, lon=None)
    add_footage(db, "a.mp4", 4, 45, hints=["2023000000011"])
    add_footage(db, "loose.mp4", 24 * 60 + 5, 30)
    relink(db)
    methods = {m for (m,) in db.execute("SELECT method FROM links")}
    assert methods == {"number", "time-only"}  # the tied recording did overlap B in time
    states = {r["number"]: r["state"] for r in build_report(db, ReportOptions())["incidents"]}
    assert states == {"2023000000011": "covered", "2023000000012": "no footage", "2023000000013": "in doubt"}


def test_recording_time_flags_reach_the_warnings_section(tmp_path: Path):
    """A zone conflict or an mtime-only start stored by the scan is listed with the clock warnings."""
    db = store.connect(tmp_path / "w.db")
    add_incident(db, "2023000000021", 0)
    conflict = "zone conflict: --tz America/Los_Angeles, position in America/New_York"
    fid = add_footage(db, "c.mp4", 0, 10, warnings=json.dumps([conflict, "some other note"]))
    add_footage(db, "m.mp4", 100, 10, warnings=json.dumps(["time from file mtime: no time in the file"]))
    rows = [w for w in build_report(db, ReportOptions())["data_warnings"] if w["kind"] == "clock"]
    assert [(w["subject"].split(":")[0], w["issue"]) for w in rows] == [
        (f"recording {fid}", "zone conflict"), (f"recording {fid + 1}", "time from file mtime")]
    assert rows[0]["detail"] == conflict
