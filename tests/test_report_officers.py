"""Officer-level expectation on hand-built incidents, units, roster and recordings whose every number is known."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_link import add_footage, add_incident, iso

from bodycam_index import db as store
from bodycam_index.link import relink
from bodycam_index.reports.gaps import ReportOptions, build_report
from bodycam_index.reports.render import render

AS_OF = "2024-01-01T00:00:00.000000Z"


def _unit(db, iid: int, unit: str, officer: str | None = None, times: tuple[float, float, float] | None = None):
    row = {"incident_id": iid, "unit": unit, "officer": officer}
    if times:
        row.update(dispatched_utc=iso(times[0]), arrived_utc=iso(times[1]), cleared_utc=iso(times[2]))
    db["incident_units"].insert(row)


def _assign(db, serial: str, officer: str, unit: str, start: float, end: float | None) -> None:
    db["assignments"].insert({"camera_serial": serial, "officer": officer, "unit": unit, "from_utc": iso(start),
                              "to_utc": iso(end) if end is not None else None})


@pytest.fixture
def world(tmp_path: Path):
    """Minutes after T0 (2023-06-04 16:00 UTC):

    I1: unit 1A12 (officers 101 and 202 by the roster), unit times dispatched 2, arrived 6, cleared 30.
    I2: unit 1A12 again, no unit times: the incident's dispatched 46, arrived 50, cleared 85.
    I3: unit 2B20, no arrival time at all: dispatched 121, cleared 160; camera C passed from 303 to 404 at 60.
    I4: officer 505 named on the incident; the recording's zone is unknown (clock in doubt).
    Recordings: A 4-60 (officer 101, spans I1 and I2); B1 8-15 and B2 12-20 (officer 202, overlapping);
    C 125-150 (camera C, 404's by then); D 205-230 (officer 505, zone unknown).
    """
    db = store.connect(tmp_path / "o.db")
    i1 = add_incident(db, "2023000000001", 0, lat=None, lon=None)
    i2 = add_incident(db, "2023000000002", 45, lat=None, lon=None)
    i3 = add_incident(db, "2023000000003", 120, lat=None, lon=None, arrived_utc=None, cleared_utc=iso(160))
    i4 = add_incident(db, "2023000000004", 200, lat=None, lon=None)
    _unit(db, i1, "1A12", times=(2, 6, 30))
    _unit(db, i2, "1A12")
    _unit(db, i3, "2B20")
    _unit(db, i4, "3C30", "505")
    _assign(db, "CAM-A", "101", "1A12", -1440, None)
    _assign(db, "CAM-B", "202", "1A12", -1440, None)
    _assign(db, "CAM-C", "303", "2B20", -1440, 60)
    _assign(db, "CAM-C", "404", "2B20", 60, None)
    _assign(db, "CAM-D", "505", "3C30", -1440, None)
    add_footage(db, "a.mp4", 4, 56, serial="CAM-A")
    add_footage(db, "b1.mp4", 8, 7, serial="CAM-B")
    add_footage(db, "b2.mp4", 12, 8, serial="CAM-B")
    add_footage(db, "c.mp4", 125, 25, serial="CAM-C")
    add_footage(db, "d.mp4", 205, 25, serial="CAM-D", zone_kind="unknown")
    relink(db)
    return db


def _pairs(report) -> dict[tuple[str, str | None], dict]:
    return {(p["number"], p["officer"]): p for p in report["officers"]}


FIGURES = ("state", "times_from", "activation_after_dispatch_s", "activation_after_arrival_s",
           "stopped_before_clear_s", "covered_s", "window_s", "coverage_pct")


def test_every_officer_figure(world):
    report = build_report(world, ReportOptions(as_of=AS_OF))
    got = {k: tuple(p[f] for f in FIGURES) for k, p in _pairs(report).items()}
    assert got == {
        # A covers I1's [6, 30] whole; it started 2 min after dispatch, 2 min before arrival, ran 30 min past clear.
        ("2023000000001", "101"): ("covered", "unit", 120.0, -120.0, -1800.0, 1440.0, 1440.0, 100.0),
        # B1 and B2 overlap: [8, 20] counted once = 720 s of 1440.
        ("2023000000001", "202"): ("partial", "unit", 360.0, 120.0, 600.0, 720.0, 1440.0, 50.0),
        # The same recording A also covers [50, 60] of I2's [50, 85]: already recording 42 min before dispatch.
        ("2023000000002", "101"): ("partial", "incident", -2520.0, -2760.0, 1500.0, 600.0, 2100.0, 28.6),
        ("2023000000002", "202"): ("no footage", "incident", None, None, None, None, None, None),
        # No arrival: the window starts at dispatch [121, 160]; camera C is 404's at that time, not 303's.
        ("2023000000003", "404"): ("partial", "incident", 240.0, None, 600.0, 1500.0, 2340.0, 64.1),
        # Zone unknown: only uncertain evidence, no figures.
        ("2023000000004", "505"): ("in doubt", "incident", None, None, None, None, None, None),
    }
    assert _pairs(report)[("2023000000001", "101")]["cameras"] == ["CAM-A"]
    assert _pairs(report)[("2023000000003", "404")]["cameras"] == ["CAM-C"]


def test_officer_summaries(world):
    report = build_report(world, ReportOptions(as_of=AS_OF))
    by_officer = {r["group"]: r for r in report["officer_summary"]["officer"]}
    assert by_officer["101"] == {
        "group": "101", "expected": 2, "recorded": 2, "covered": 1, "in_doubt": 0, "recorded_pct": 100.0,
        "covered_pct": 50.0, "median_activation_after_arrival_s": -1440.0, "mean_coverage_pct": 64.3,
        "meets_goal": False, "pre_event_missing": 0,
    }
    assert by_officer["202"]["recorded"] == 1 and by_officer["202"]["expected"] == 2
    assert by_officer["505"]["in_doubt"] == 1 and by_officer["505"]["recorded_pct"] == 0.0
    by_unit = {r["group"]: r["expected"] for r in report["officer_summary"]["unit"]}
    assert by_unit == {"1A12": 4, "2B20": 1, "3C30": 1}
    assert [r["group"] for r in report["officer_summary"]["month"]] == ["2023-06"]
    text = render(report, "table")
    assert "Officers on required incidents (6)" in text and "Officer compliance by officer (4)" in text


def test_unit_without_roster_is_expected_as_the_unit(tmp_path: Path):
    db = store.connect(tmp_path / "u.db")
    iid = add_incident(db, "2023000000001", 0, lat=None, lon=None)
    _unit(db, iid, "9Z99")
    add_footage(db, "z.mp4", 5, 35, unit="9Z99")
    relink(db)
    (pair,) = build_report(db, ReportOptions(as_of=AS_OF))["officers"]
    assert (pair["unit"], pair["officer"], pair["state"], pair["coverage_pct"]) == ("9Z99", None, "covered", 100.0)
