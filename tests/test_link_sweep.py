"""The linker's sweep (time-ordered batches, vectorised place join, nearest-start walk) gives exactly what checking
every (recording, incident) pair by the rules in link.py's docstring gives, on random data that exercises every
rule: units and officers, the roster, unknown zones and drift, wide recordings, fixes with and without times,
incidents without a position, several batches."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bodycam_index import db as store
from bodycam_index import link
from bodycam_index.link import LinkOptions, haversine_m, incident_window

T0 = datetime(2023, 3, 1, tzinfo=UTC)
LAT0, LON0 = 47.60, -122.30


def _iso(seconds: float) -> str:
    return store.iso_utc(T0 + timedelta(seconds=seconds)) or ""


def _random_db(path: Path, seed: int, n: int = 260) -> None:
    rnd = random.Random(seed)
    db = store.connect(path)
    span = 4 * 86400.0
    with db.conn:
        times: tuple = ()
        for k in range(1, n + 1):
            if not times or rnd.random() > seed / 8:  # the others share the previous times: ties in time-only
                t = rnd.uniform(0, span)
                times = (_iso(t), _iso(t + 60) if rnd.random() > 0.2 else None, _iso(t + 400),
                         _iso(t + rnd.uniform(600, 9000)) if rnd.random() > 0.3 else None)
            placed = rnd.random() > 0.15
            db.conn.execute(
                "INSERT INTO incidents (id, number, source, received_utc, dispatched_utc, arrived_utc, cleared_utc,"
                " lat, lon) VALUES (?, ?, 'test', ?, ?, ?, ?, ?, ?)",
                (k, f"N{k}", *times,
                 LAT0 + rnd.uniform(0, 0.02) if placed else None, LON0 + rnd.uniform(0, 0.03) if placed else None))
            if rnd.random() < 0.3:
                db.conn.execute("INSERT INTO incident_units (incident_id, unit, officer) VALUES (?, ?, ?)",
                                (k, f"u{rnd.randrange(6)}", f"B{rnd.randrange(6)}" if rnd.random() < 0.5 else None))
        for serial in range(4):
            db.conn.execute("INSERT INTO assignments (camera_serial, officer, unit, from_utc, to_utc)"
                            " VALUES (?, ?, ?, ?, ?)", (f"CAM{serial}", f"B{serial}", f"U{serial}", _iso(0),
                                                        _iso(span / 2) if serial % 2 else None))
        for f in range(1, n + 1):
            start = rnd.uniform(-3600, span)
            duration = rnd.choice([rnd.uniform(60, 3000), rnd.uniform(60, 3000), 3 * 86400.0])
            zone = rnd.choice(["utc", "utc", "utc", "unknown", None])
            drift = rnd.choice([None, None, 30.0, -900.0])
            placed = rnd.random() > 0.2
            db.conn.execute(
                "INSERT INTO footage (id, path, status, start_utc, end_utc, duration_s, zone_kind, drift_s, serial,"
                " officer, unit, lat, lon, fix_count) VALUES (?, ?, 'ok', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f, f"/m/{f}.mp4", _iso(start), _iso(start + duration) if rnd.random() > 0.1 else None, duration,
                 zone, drift, f"CAM{rnd.randrange(6)}" if rnd.random() < 0.4 else None,
                 f"b{rnd.randrange(6)}" if rnd.random() < 0.2 else None,
                 f"U{rnd.randrange(6)} " if rnd.random() < 0.2 else None,
                 LAT0 + rnd.uniform(0, 0.02) if placed else None, LON0 + rnd.uniform(0, 0.03) if placed else None,
                 0))
            for _ in range(rnd.choice([0, 0, 1, 3, 8])):
                off = rnd.uniform(0, min(duration, 4000))
                kind = rnd.random()
                db.conn.execute(
                    "INSERT INTO gps_fixes (footage_id, t_utc, t_offset_s, lat, lon) VALUES (?, ?, ?, ?, ?)",
                    (f, _iso(start + off) if kind < 0.7 else None, off if 0.7 <= kind < 0.9 else None,
                     LAT0 + rnd.uniform(0, 0.02), LON0 + rnd.uniform(0, 0.03)))
        db.conn.execute("UPDATE footage SET fix_count = (SELECT COUNT(*) FROM gps_fixes WHERE footage_id = footage.id)")
    db.close()


def _brute_force(db, opts: LinkOptions) -> dict[int, tuple[dict, bool]]:
    """Every recording against every incident, by the rules as documented."""
    epoch = link.EPOCH
    incidents = []
    for iid, rec, dis, arr, clr, lat, lon in db.execute(
            f"SELECT id, {epoch.format('received_utc')}, {epoch.format('dispatched_utc')},"
            f" {epoch.format('arrived_utc')}, {epoch.format('cleared_utc')}, lat, lon FROM incidents"):
        window = incident_window(rec, dis, arr, clr, opts)
        if window:
            incidents.append((window[0], window[1], iid, lat, lon))
    keys: dict[int, list[tuple[str, str]]] = {}
    for iid, unit, officer in db.execute("SELECT incident_id, unit, officer FROM incident_units"):
        keys.setdefault(iid, [])
        if unit:
            keys[iid].append(("unit", unit.strip().upper()))
        if officer:
            keys[iid].append(("officer", officer.strip().upper()))
    roster = link._load_roster(db)
    cell = opts.radius_m / link.M_PER_DEG
    result = {}
    for wide in (False, True):
        for row in link._footage_stream(db, opts, wide):
            fid, start, end, duration, serial, officer, unit, lat, lon, pad, _n = row
            end = end if end is not None else start + (duration or 0.0)
            lo, hi = start - pad, end + pad
            found: dict[int, tuple[str, float, str]] = {}
            idkeys = []
            if officer:
                idkeys.append((("officer", officer.strip().upper()), f"footage officer {officer}"))
            if unit:
                idkeys.append((("unit", unit.strip().upper()), f"footage unit {unit}"))
            for a_from, a_to, a_officer, a_unit in roster.get((serial or "").strip().upper(), ()):
                if a_from <= hi and a_to >= lo:
                    if a_officer:
                        idkeys.append((("officer", a_officer.strip().upper()),
                                       f"camera {serial} (roster: officer {a_officer})"))
                    if a_unit:
                        idkeys.append((("unit", a_unit.strip().upper()), f"camera {serial} (roster: unit {a_unit})"))
            for key, why in idkeys:
                for ws, we, iid, _la, _lo in incidents:
                    if key in keys.get(iid, ()) and ws <= hi and we >= lo and iid not in found:
                        found[iid] = ("assignment", 0.9, f"{why} is on the incident; times overlap")
            points: dict = {}
            for _f, t, off, flat, flon in db.execute(
                    f"SELECT footage_id, {epoch.format('t_utc')}, t_offset_s, lat, lon FROM gps_fixes"
                    " WHERE footage_id = ? ORDER BY rowid", [fid]):
                t0, t1 = ((t, t) if t is not None else (start + off - pad, start + off + pad) if off is not None
                          else (start - pad, end + pad))
                key = (math.floor(flat / cell), math.floor(flon / cell), round(t0, -2), round(t1, -2))
                points.setdefault(key, (flat, flon, t0, t1, "GPS fix"))
            plist = list(points.values())
            if not plist and lat is not None:
                plist = [(lat, lon, lo, hi, "footage position (no fixes)")]
            for plat, plon, t0, t1, what in plist:
                for ws, we, iid, ilat, ilon in incidents:
                    if ilat is None or not (ws <= min(t1, hi) and we >= max(t0, lo)):
                        continue
                    d = haversine_m(plat, plon, ilat, ilon)
                    score = round(0.8 - 0.3 * d / opts.radius_m, 3)
                    if d <= opts.radius_m and (iid not in found or found[iid][1] < score):
                        found[iid] = ("time+place", score, f"{what} {d:.0f} m from the incident within its window")
            pool = [r for r in incidents if r[0] <= hi and r[1] >= lo and (not plist or r[3] is None)]
            side = "incident has no position" if plist else "footage has no position"
            for _ws, _we, iid, _la, _lo in sorted(pool, key=lambda r: (abs(r[0] - lo), r[2]))[:opts.max_time_only]:
                found.setdefault(iid, ("time-only", 0.2, f"times overlap; {side}"))
            result[fid] = (found, pad > 0)
    return result


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_sweep_equals_every_pair_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    _random_db(tmp_path / "r.db", seed)
    db = store.connect(tmp_path / "r.db")
    opts = LinkOptions()
    expected = _brute_force(db, opts)
    monkeypatch.setattr(link, "BATCH_FOOTAGE", 17)  # many batches: incidents carried from one to the next
    monkeypatch.setattr(link, "BATCH_FIXES", 40)
    got = {fid: (found, uncertain) for fid, found, uncertain in link.sweep(db, opts)}
    assert got == expected
    methods = {m for found, _u in got.values() for m, _s, _r in found.values()}
    assert methods == {"assignment", "time+place", "time-only"}
    assert any(u for _f, u in got.values()) and any(not u for _f, u in got.values())


def test_links_written_are_the_sweep_plus_numbers(tmp_path: Path) -> None:
    """relink writes the sweep's candidates (bulk path: links emptied, its index rebuilt), keeps manual rows and
    leaves foreign-key enforcement as it found it."""
    _random_db(tmp_path / "r.db", 4, n=120)
    db = store.connect(tmp_path / "r.db")
    db.conn.execute("INSERT INTO footage_hints (footage_id, kind, value, normalized) VALUES (5, 'incident_number',"
                    " 'N7', 'N7')")
    link.add_manual(db, "1", "N3", "seen on the video")
    stats = link.relink(db)
    expected = {(fid, iid): (m, s)
                for fid, found, _u in link.sweep(db, LinkOptions()) for iid, (m, s, _r) in found.items()}
    expected[(5, 7)] = ("number", 1.0)
    rows = {(f, i): (m, s) for f, i, m, s in db.execute("SELECT footage_id, incident_id, method, score FROM links"
                                                       " WHERE manual = 0")}
    assert rows == expected and stats.manual_kept == 1
    assert db.execute("SELECT COUNT(*) FROM links WHERE manual = 1").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'links_incident'").fetchone()[0] == 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
