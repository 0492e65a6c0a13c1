"""The pre-event buffer (Axis `TriggerOnTime − StartTime`, formats.md §4) from parser to officer report, and one
row per incident × officer when the officer is on the incident under two units."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import require_ffmpeg
from test_link import add_footage, add_incident, iso
from test_report_officers import AS_OF, _assign, _unit
from test_sidecars import AXIS_CLIP, AXIS_CONTAINER, _axis_folder
from test_times import _ffmpeg

from bodycam_index import db as store
from bodycam_index.link import relink
from bodycam_index.reports import policy as policies
from bodycam_index.reports.gaps import ReportOptions, build_report
from bodycam_index.reports.render import render
from bodycam_index.scan import scan_paths
from bodycam_index.sidecars import read_sidecar
from bodycam_index.sidecars.axis import parse_metadata


def test_synthetic_axis_pre_event_buffer_is_trigger_minus_start(tmp_path: Path):
    folder = _axis_folder(tmp_path)
    container = read_sidecar(folder / f"{AXIS_CONTAINER}.metadata.json")
    # StartTime 11:46:40 includes the buffer, TriggerOnTime 11:46:50: 10 s recorded before the trigger
    assert (container.pre_event_s, container.pre_event_source) == (10.0, "axis.triggerontime-starttime")
    clip = read_sidecar(folder / f"{AXIS_CONTAINER}.{AXIS_CLIP}.metadata.json")
    assert clip.pre_event_s is None  # a clip's header has no trigger: nothing to compute, nothing guessed
    base = {"Bwcserialnumber": "ACCC8E012345", "Starttimeiso": "2022-08-23T11:46:40Z",
            "Stoptimeiso": "2022-08-23T11:50:00Z"}
    assert parse_metadata(json.dumps(base)).pre_event_s is None  # no trigger time
    odd = parse_metadata(json.dumps({**base, "Triggerontimeiso": "2022-08-23T11:46:30Z"}))
    assert odd.pre_event_s is None and "pre-event buffer not known" in odd.warnings[0]


def test_scan_stores_the_pre_event_buffer(tmp_path: Path):
    require_ffmpeg()
    folder = _axis_folder(tmp_path)
    (folder / AXIS_CLIP).unlink()
    _ffmpeg(folder / AXIS_CLIP, fmt="matroska")
    db = store.connect(tmp_path / "a.db")
    scan_paths(db, [folder])
    row = next(db.query("SELECT serial, pre_event_s, pre_event_source FROM footage WHERE path LIKE '%.mkv'"))
    assert row == {"serial": "ACCC8E012345", "pre_event_s": 10.0,
                   "pre_event_source": "axis.triggerontime-starttime"}


def _world(tmp_path: Path):
    """Minutes after T0. One incident (received 0, dispatched 1, arrived 5, cleared 40); officer 101 is on it under
    unit 1A12 (dispatched 2, arrived 6, cleared 30) and unit 1A13 (dispatched 3, arrived 4, cleared 35); officer
    202 under 1A13 only, 303 under 1B01 (incident times), 404 under 1B01 with no recording.
    Recordings: CAM-1 (101) 5-25 with a 10 s pre-event buffer; CAM-2 (202) 4-44, no buffer shown;
    CAM-3 (303) 3-43 with a 30 s buffer."""
    db = store.connect(tmp_path / "p.db")
    iid = add_incident(db, "2023000000001", 0, lat=None, lon=None)
    _unit(db, iid, "1A12", "101", (2, 6, 30))
    _unit(db, iid, "1A13", "101", (3, 4, 35))
    _unit(db, iid, "1A13", "202", (3, 4, 35))
    _unit(db, iid, "1B01", "303")
    _unit(db, iid, "1B01", "404")
    for n in (1, 2, 3):
        _assign(db, f"CAM-{n}", f"{n}0{n}", "", -1440, None)
    add_footage(db, "one.mkv", 5, 20, serial="CAM-1", pre_event_s=10.0, pre_event_source="axis")
    add_footage(db, "two.mp4", 4, 40, serial="CAM-2")
    add_footage(db, "three.mkv", 3, 40, serial="CAM-3", pre_event_s=30.0, pre_event_source="axis")
    relink(db)
    return db


FIGURES = ("units", "dispatched_utc", "arrived_utc", "cleared_utc", "times_from", "state",
           "activation_after_dispatch_s", "activation_after_arrival_s", "stopped_before_clear_s", "covered_s",
           "window_s", "coverage_pct", "pre_event_s", "pre_event")


def test_officer_under_two_units_is_one_row_with_pre_event_check(tmp_path: Path):
    report = build_report(_world(tmp_path), ReportOptions(as_of=AS_OF))
    got = {p["officer"]: tuple(p[f] for f in FIGURES) for p in report["officers"]}
    assert got == {
        # Earliest dispatch (2) and arrival (4), latest clear (35): window [4, 35] = 1860 s; recorded [5, 25].
        "101": (["1A12", "1A13"], iso(2), iso(4), iso(35), "unit", "partial", 180.0, 60.0, 600.0, 1200.0, 1860.0,
                64.5, 10.0, "missing pre-event buffer"),
        # Recording 4-44 covers [4, 35] whole, started at arrival, ran 9 min past clear; the file shows no buffer.
        "202": (["1A13"], iso(3), iso(4), iso(35), "unit", "covered", 60.0, 0.0, -540.0, 1860.0, 1860.0, 100.0,
                None, "not shown by the file"),
        # Incident times (dispatched 1, arrived 5, cleared 40): 30 s buffer meets the 30 s minimum.
        "303": (["1B01"], iso(1), iso(5), iso(40), "incident", "covered", 120.0, -120.0, -180.0, 2100.0, 2100.0,
                100.0, 30.0, "ok"),
        "404": (["1B01"], iso(1), iso(5), iso(40), "incident", "no footage", None, None, None, None, None, None,
                None, None),
    }
    assert len(report["officers"]) == 4 and report["summary"]["pre_event_missing"] == 1
    by_unit = {r["group"]: (r["expected"], r["pre_event_missing"]) for r in report["officer_summary"]["unit"]}
    assert by_unit == {"1A12": (1, 1), "1A13": (2, 1), "1B01": (2, 0)}
    text = render(report, "csv")
    assert "missing pre-event buffer" in text and "not shown by the file" in text and '"1A12, 1A13"' in text
    stricter = policies.from_toml({"coverage": {"min_pre_event": "45s"}}, "test")
    (tmp_path / "b").mkdir()
    again = build_report(_world(tmp_path / "b"), ReportOptions(as_of=AS_OF, policy=stricter))
    assert [p["pre_event"] for p in again["officers"]] == [
        "missing pre-event buffer", "not shown by the file", "missing pre-event buffer", None]
