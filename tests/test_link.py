"""Linking rules, uncertainty, manual overrides and the audit chain, on rows built directly in the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bodycam_index import audit
from bodycam_index import db as store
from bodycam_index.link import (
    IntervalIndex,
    LinkOptions,
    add_manual,
    haversine_m,
    incident_window,
    relink,
    remove_link,
)
from bodycam_index.lookup import ACCEPTED, find_footage, find_incident
from bodycam_index.model import InputError

T0 = datetime(2023, 6, 4, 16, 0, tzinfo=UTC)
HOME = (47.6176, -122.2811)


def iso(minutes: float) -> str:
    """T0 + minutes as stored text."""
    return store.iso_utc(T0 + timedelta(minutes=minutes)) or ""


def add_incident(db, number: str, at: float = 0, *, lat=HOME[0], lon=HOME[1], units=(), aliases=(), **extra) -> int:
    """One incident received `at` minutes after T0, arriving 5 min later, cleared after 40 min."""
    row = {
        "number": number, "source": "test", "received_utc": iso(at), "dispatched_utc": iso(at + 1),
        "arrived_utc": iso(at + 5), "cleared_utc": iso(at + 40), "lat": lat, "lon": lon,
        "requires_footage": 1, "type": "THEFT", "priority": "2", "precinct": "EAST",
    }
    row.update(extra)
    iid = db["incidents"].insert(row).last_pk
    for unit, officer in units:
        db["incident_units"].insert({"incident_id": iid, "unit": unit, "officer": officer})
    for alias in aliases:
        db["incident_aliases"].insert({"incident_id": iid, "alias": alias, "raw": alias})
    return iid


def add_footage(db, name: str, at: float = 0, minutes: float = 30, *, fixes=(), hints=(), **extra) -> int:
    """One recording starting `at` minutes after T0; fixes are (minutes_from_start, lat, lon)."""
    row = {
        "path": f"/media/{name}", "status": "ok", "start_utc": iso(at), "end_utc": iso(at + minutes),
        "duration_s": minutes * 60, "zone_kind": "utc", "sha256": f"{abs(hash(name)):064x}"[:64],
    }
    row.update(extra)
    fid = db["footage"].insert(row).last_pk
    for off, lat, lon in fixes:
        db["gps_fixes"].insert({"footage_id": fid, "t_utc": iso(at + off), "lat": lat, "lon": lon})
    for hint in hints:
        db["footage_hints"].insert({"footage_id": fid, "kind": "incident_number", "value": hint, "normalized": hint})
    return fid


@pytest.fixture
def db(tmp_path: Path):
    return store.connect(tmp_path / "t.db")


def links(db) -> dict[tuple[int, int], tuple[str, float, int]]:
    rows = db.execute("SELECT footage_id, incident_id, method, score, uncertain FROM links WHERE manual = 0")
    return {(f, i): (m, s, u) for f, i, m, s, u in rows}


def accepted(db, time_only: int = 0) -> set[tuple[int, int]]:
    sql = f"SELECT l.footage_id, l.incident_id FROM links l WHERE {ACCEPTED}"
    return {tuple(r) for r in db.execute(sql, {"time_only": time_only})}


def test_haversine_one_degree_of_latitude():
    assert haversine_m(47.0, -122.0, 48.0, -122.0) == pytest.approx(111_195, rel=1e-3)


def test_window_uses_dispatch_and_clear_with_margins_and_falls_back():
    opts = LinkOptions(before_s=600, after_s=1800, default_duration_s=3600)
    assert incident_window(100.0, 200.0, 300.0, 1000.0, opts) == (-400.0, 2800.0)
    # Seattle-style rows: received and arrived only, no clearance: end = latest known + default duration.
    assert incident_window(0.0, None, 600.0, None, opts) == (-600.0, 600.0 + 3600 + 1800)
    assert incident_window(None, None, None, None, opts) is None


def test_interval_index_matches_brute_force():
    import random

    rnd = random.Random(7)
    items = []
    for k in range(2000):
        s = rnd.uniform(0, 1e6)
        items.append((s, s + rnd.choice([10, 500, 4000, 90000]) * rnd.random(), k))
    index = IntervalIndex(items)
    for _ in range(200):
        a = rnd.uniform(0, 1e6)
        b = a + rnd.uniform(0, 5000)
        expect = {k for s, e, k in items if s <= b and e >= a}
        assert {p for _, _, p in index.overlapping(a, b)} == expect


def test_number_assignment_place_and_time_only_rules(db):
    by_number = add_incident(db, "2023000000001", 0, aliases=["23-000001"])
    by_unit = add_incident(db, "2023000000002", 300, units=[("3B12", None)])
    by_place = add_incident(db, "2023000000003", 600)
    no_place = add_incident(db, "2023000000004", 900, lat=None, lon=None)
    f_num = add_footage(db, "a.mp4", 2000, hints=["23-000001"])  # other time: the number alone links it
    f_roster = add_footage(db, "b.mp4", 305, serial="X81000001")
    db["assignments"].insert({"camera_serial": "X81000001", "unit": "3B12", "from_utc": iso(-600), "to_utc": iso(6000)})
    f_place = add_footage(db, "c.mp4", 606, fixes=[(1, 47.6186, -122.2811)])  # ~111 m north
    f_far = add_footage(db, "d.mp4", 606, fixes=[(1, 47.70, -122.2811)])  # 9 km away: nothing
    f_time = add_footage(db, "e.mp4", 910)  # no position at all
    stats = relink(db)
    got = links(db)
    assert got[(f_num, by_number)] == ("number", 1.0, 0)
    assert got[(f_roster, by_unit)][0] == "assignment"
    method, score, _ = got[(f_place, by_place)]
    assert method == "time+place" and score == pytest.approx(0.8 - 0.3 * 111.3 / 300, abs=0.01)
    assert got[(f_time, no_place)][0] == "time-only"
    assert not any(f == f_far for f, _ in got)
    assert stats.footage == 5 and stats.incidents == 4
    assert (f_time, no_place) not in accepted(db) and (f_time, no_place) in accepted(db, 1)


def test_place_needs_a_fix_during_the_overlap(db):
    inc = add_incident(db, "N1", 0)
    # Recording overlaps the window, but its only nearby fix is 3 h later (the camera came back later).
    fid = add_footage(db, "late.mp4", 30, minutes=300, fixes=[(0, 47.80, -122.2), (200, *HOME)])
    relink(db)
    assert (fid, inc) not in links(db)


def test_unknown_zone_and_drift_widen_the_window_and_mark_uncertain(db):
    inc = add_incident(db, "U1", 0)
    # Wall clock read as UTC, 7 h off: only the ±14 h widening reaches the incident.
    unknown = add_footage(db, "u.mp4", 7 * 60, zone_kind="unknown", lat=HOME[0], lon=HOME[1])
    drifted = add_footage(db, "d.mp4", 80, zone_kind="utc", drift_s=1800.0, lat=HOME[0], lon=HOME[1])
    steady = add_footage(db, "s.mp4", 80, zone_kind="utc", drift_s=5.0, lat=HOME[0], lon=HOME[1])
    relink(db)
    got = links(db)
    assert got[(unknown, inc)][0] == "time+place" and got[(unknown, inc)][2] == 1
    assert got[(drifted, inc)][2] == 1
    assert (steady, inc) not in got  # 80 min after receipt is past cleared + 30 min


def test_manual_add_and_remove_survive_relink_and_are_audited(db):
    inc = add_incident(db, "M1", 0)
    other = add_incident(db, "M2", 5000)
    fid = add_footage(db, "m.mp4", 2, fixes=[(1, *HOME)])
    relink(db)
    assert (fid, inc) in accepted(db)
    remove_link(db, "m.mp4", "M1", "officer was on a different call", user="auditor")
    add_manual(db, str(fid), "M2", "supervisor confirmed", user="auditor")
    relink(db)
    assert accepted(db) == {(fid, other)}
    log = audit.entries(db)
    assert [(e["action"], e["user"], e["details"]["incident"]) for e in log] == [
        ("link.remove", "auditor", "M1"), ("link.add", "auditor", "M2")]
    assert audit.verify(db) == []
    db.execute("UPDATE audit_log SET details = '{}' WHERE id = 1")
    assert audit.verify(db) and "edited" in audit.verify(db)[0]


def test_manual_needs_reason_and_real_references(db):
    add_incident(db, "R1", 0)
    add_footage(db, "r.mp4", 0)
    with pytest.raises(InputError):
        add_manual(db, "r.mp4", "R1", "  ")
    with pytest.raises(InputError):
        add_manual(db, "nope.mp4", "R1", "x")
    with pytest.raises(InputError):
        add_manual(db, "r.mp4", "R9", "x")


def test_find_by_id_path_sha_and_alias(db):
    iid = add_incident(db, "2023000000009", 0, aliases=["23-000009"])
    fid = add_footage(db, "x.mp4", 0, sha256="ab" * 32)
    assert find_footage(db, str(fid)) == fid
    assert find_footage(db, "/media/x.mp4") == fid
    assert find_footage(db, "abababab") == fid
    assert find_incident(db, "23-000009") == iid
    assert find_incident(db, "2023000000009") == iid
    assert find_incident(db, "nothing") is None
