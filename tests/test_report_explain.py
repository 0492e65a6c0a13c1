"""Explained gaps: each required incident without footage lists its nearest candidates and why each failed."""

from __future__ import annotations

from pathlib import Path

from test_link import HOME, add_footage, add_incident, iso

from bodycam_index import db as store
from bodycam_index.link import relink
from bodycam_index.reports.explain import one_edit
from bodycam_index.reports.gaps import ReportOptions, build_report
from bodycam_index.reports.render import render

FAR = (47.70, -122.40)  # 9.16 km north, 8.91 km west of HOME: 12.78 km
AS_OF = "2024-01-01T00:00:00.000000Z"


def test_one_edit():
    assert one_edit("2023-0001", "2023-0002") and one_edit("2023-001", "2023-0001") and one_edit("ab", "b")
    assert not one_edit("2023-0001", "2023-0001") and not one_edit("2023-0001", "2023-0012")
    assert not one_edit("abc", "a")


def test_each_candidate_says_why(tmp_path: Path):
    db = store.connect(tmp_path / "e.db")
    add_incident(db, "2023000000001", 0, units=[("1A12", None)])  # window [+5, +40] min at HOME
    add_incident(db, "2023000009999", 30 * 24 * 60)
    db["assignments"].insert({"camera_serial": "CAM-A", "officer": "101", "unit": "1A12",
                              "from_utc": iso(-1440), "to_utc": None})
    db["assignments"].insert({"camera_serial": "CAM-C", "officer": "303", "unit": "2B20",
                              "from_utc": iso(-1440), "to_utc": None})
    late = add_footage(db, "late.mp4", 100, 10, fixes=[(1, *HOME)], serial="CAM-A")
    far = add_footage(db, "far.mp4", 10, 20, fixes=[(1, *FAR)], serial="CAM-X")
    other = add_footage(db, "other.mp4", 20, 5, fixes=[(1, *FAR)], serial="CAM-C")
    zone = add_footage(db, "zone.mp4", 300, 10, fixes=[(1, *FAR)], zone_kind="unknown")
    typo = add_footage(db, "typo.mp4", 2 * 24 * 60, 10, hints=["2023000000002"])
    relink(db)
    report = build_report(db, ReportOptions(as_of=AS_OF))
    assert [r["number"] for r in report["no_footage"]] == ["2023000000001", "2023000009999"]
    why = {r["footage_id"]: r["why"] for r in report["explained"] if r["incident"] == "2023000000001"}
    assert list(why) == [far, other, late, zone, typo]  # nearest in time first, the number match last
    assert why[late] == ["starts 3,600 s after the window", "0 m from the incident (within the radius)"]
    assert why[far] == ["overlaps the window", "12,777 m from the incident (radius 300 m)",
                        "camera CAM-X not on the roster that day"]
    assert why[other][2] == "camera CAM-C was 303's, not on the incident"
    assert why[zone][:2] == ["starts 15,600 s after the window", "zone unknown (its time may be hours off)"]
    assert why[typo][-1] == "carries incident number '2023000000002', one edit from 2023000000001"
    (lonely,) = [r for r in report["explained"] if r["incident"] == "2023000009999"]
    assert lonely["footage_id"] is None and "no recording within 6 h" in lonely["why"][0]
    assert "Why no recording matched (nearest candidates) (6)" in render(report, "table")
