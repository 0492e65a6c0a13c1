"""Generate the linking/report test scenario: real Seattle incidents, synthetic recordings, and the expected answer.

    python scripts/make_scenario.py OUTDIR [--seed 6]

Writes under OUTDIR: `footage/` (generated MP4s), `roster.csv`, `scenario.db` (built with the real importer,
roster import, scan and linker) and `expected.json` (`no_footage`: incident numbers that require footage and were
deliberately given none; `orphans`: file names of the decoy recordings). Check it with
`bodycam-index --db OUTDIR/scenario.db gaps --format json`.

Incidents come from the corpus's Seattle call data (read in place, imported with preset seattle-cad and zone
America/Los_Angeles; the importer marks priority 1–2 as requiring footage). Among incidents isolated by two days
from any other, recordings are made: by number in the folder name (one with GPS, one without, one whose clock zone
is unknown), by roster assignment (camera serial → unit on the incident; the export has no unit column, so the
scenario adds the dispatched unit to `incident_units` as a unit log would; each such body camera's export carries
Axis container metadata, whose TriggerOnTime − StartTime is a pre-event buffer of 10 s and 30 s), by time and
place only, with a clock
10 or 3 minutes fast (GPS gives the truth), and one for an incident that does not require footage. A DEMS
inventory (Axon columns, `dems_inventory.csv`) lists the two body cameras' recordings again with their incident
numbers and categories (`Evidence`, `Patrol`), one more with a number and no category, and a `system check`. Decoys: the same
place on days without incidents, the time of an uncovered incident 5 km away, and a recording without position.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from mp4_writer import Fix, Recording, write_mp4

from bodycam_index import db as store
from bodycam_index.incidents.dems import import_footage_list
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.roster import import_roster
from bodycam_index.link import relink
from bodycam_index.scan import scan_paths

CORPUS = Path(os.environ.get("BODYCAM_CORPUS", ROOT.parent / "shared" / "corpus"))
CAD_FILE = CORPUS / "cad" / "seattle_call_data_dennyblaine_2018-2023.csv"
ZONE = ZoneInfo("America/Los_Angeles")
DAY = timedelta(days=1)


def _track(start: datetime, minutes: int, lat: float, lon: float, rnd: random.Random) -> list[Fix]:
    """One fix a minute, wandering within about 40 m of a point."""
    return [Fix(start + timedelta(minutes=m), lat + rnd.uniform(-3e-4, 3e-4), lon + rnd.uniform(-3e-4, 3e-4), 40.0)
            for m in range(minutes + 1)]


def _axis_metadata(folder: Path, serial: str, officer: str, start: datetime, minutes: int, buffer_s: int) -> None:
    """Axis container metadata as the reference content destination stores it (formats.md §4): StartTime includes
    the pre-event buffer, TriggerOnTime is when the officer started recording."""
    trigger, stop = start + timedelta(seconds=buffer_s), start + timedelta(minutes=minutes)
    iso = lambda t: t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {"Bwcserialnumber": serial, "Userid": officer, "Bwcmodel": "W110", "Timezone": str(ZONE),
            "Starttime": str(int(start.timestamp())), "Starttimeiso": iso(start),
            "Triggerontime": str(int(trigger.timestamp())), "Triggerontimeiso": iso(trigger),
            "Stoptime": str(int(stop.timestamp())), "Stoptimeiso": iso(stop)}
    name = f"{officer}_{serial}_{trigger.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}.metadata.json"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def _local(value: datetime) -> datetime:
    """The naive Pacific wall-clock reading a camera set to local time would write."""
    return value.astimezone(ZONE).replace(tzinfo=None)


def _isolated(incidents: list[dict], gap: timedelta) -> list[dict]:
    times = sorted(i["received"] for i in incidents)
    out = []
    for inc in incidents:
        near = [t for t in times if abs(t - inc["received"]) < gap]
        if len(near) == 1 and inc["arrived"] is not None:
            out.append(inc)
    return out


def _quiet_time(rnd: random.Random, incidents: list[dict], gap: timedelta) -> datetime:
    """A moment at least `gap` from every incident, between the first and the last."""
    lo, hi = min(i["received"] for i in incidents), max(i["received"] for i in incidents)
    while True:
        t = lo + (hi - lo) * rnd.random()
        if all(abs(t - i["received"]) > gap for i in incidents):
            return t.replace(microsecond=0)


def generate(out: Path, seed: int = 6, cad: Path = CAD_FILE) -> dict:
    """Write the footage, roster, database and expected answer; returns the expected answer."""
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / "scenario.db"
    for old in out.glob("scenario.db*"):
        old.unlink()
    db = store.connect(db_file)
    import_incidents(db, cad, preset="seattle-cad", tz="America/Los_Angeles")
    incidents = [
        {"id": r[0], "number": r[1], "received": store.parse_utc(r[2]), "arrived": store.parse_utc(r[3]),
         "lat": r[4], "lon": r[5], "requires": bool(r[6])}
        for r in db.execute("SELECT id, number, received_utc, arrived_utc, lat, lon, requires_footage FROM incidents"
                            " ORDER BY number")
    ]
    isolated = _isolated(incidents, 2 * DAY)
    required = [i for i in isolated if i["requires"]]
    optional = [i for i in isolated if not i["requires"]]
    rnd.shuffle(required)
    plan = dict(zip(["number_gps", "number_nogps", "number_unknown_zone", "roster_gps", "roster_nogps",
                     "place_1", "place_2", "place_3", "drift_1", "drift_2", "left_uncovered"],
                    [*required[:10], required[10]], strict=True))
    footage = out / "footage"
    roster = []
    inventory = []
    for label, inc in plan.items():
        if label == "left_uncovered":
            continue
        start = inc["arrived"] - timedelta(minutes=2)
        track = _track(start, 40, inc["lat"], inc["lon"], rnd)
        folder = footage / label
        rec = Recording(duration_s=40 * 60, creation=_local(start), fixes=track)
        if label.startswith("number"):
            folder = footage / "by-number" / inc["number"]
            if label != "number_gps":
                rec.fixes = ()
            if label == "number_nogps":
                rec.keys = {"com.apple.quicktime.creationdate": start.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S%z")}
        elif label.startswith("roster"):
            serial = f"C90000{len(roster) + 1:08d}"
            unit = f"2C{len(roster) + 1}"
            rec.gpmf_device = {"MINF": "HERO9 Black", "CASN": serial}
            if label == "roster_nogps":
                rec.fixes = ()
                rec.keys = {"com.apple.quicktime.creationdate": start.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S%z")}
            officer = f"8{len(roster) + 1:03d}"
            _axis_metadata(folder, serial, officer, start, 40, 10 if label == "roster_gps" else 30)
            inventory.append((f"SCN-{len(inventory) + 1}", inc["number"], start, 40, officer,
                              "Evidence" if label == "roster_gps" else "Patrol"))
            roster.append((serial, officer, unit, (start - 30 * DAY).date().isoformat(),
                           (start + 30 * DAY).date().isoformat()))
            db["incident_units"].insert({"incident_id": inc["id"], "unit": unit, "officer": None})
        elif label.startswith("drift"):
            rec.creation = _local(start + timedelta(minutes=10 if label == "drift_1" else 3))
        write_mp4(folder / f"{label}.MP4", rec)
    bonus = optional[0]
    write_mp4(footage / "by-number" / bonus["number"] / "optional_number.MP4", Recording(
        duration_s=600, creation=_local(bonus["arrived"]), fixes=_track(bonus["arrived"], 10, bonus["lat"],
                                                                        bonus["lon"], rnd)))
    home = plan["place_1"]
    orphans = []
    for k in range(3):
        t = _quiet_time(rnd, incidents, 3 * DAY)
        name = f"decoy_quiet_day_{k + 1}.MP4"
        write_mp4(footage / "decoys" / name, Recording(duration_s=1200, creation=_local(t),
                                                       fixes=_track(t, 20, home["lat"], home["lon"], rnd)))
        orphans.append(name)
    uncovered = plan["left_uncovered"]
    for k in range(2):
        t = uncovered["arrived"] + timedelta(minutes=5 * k)
        name = f"decoy_far_away_{k + 1}.MP4"
        write_mp4(footage / "decoys" / name, Recording(
            duration_s=1200, creation=_local(t), fixes=_track(t, 20, uncovered["lat"] + 0.045, uncovered["lon"], rnd)))
        orphans.append(name)
    t = _quiet_time(rnd, incidents, 3 * DAY)
    write_mp4(footage / "decoys" / "decoy_no_position.MP4", Recording(
        duration_s=300, creation=_local(t),
        keys={"com.apple.quicktime.creationdate": t.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S%z")}))
    orphans.append("decoy_no_position.MP4")
    place = plan["place_1"]
    inventory.append(("SCN-3", place["number"], place["arrived"] - timedelta(minutes=2), 40, "8003", ""))
    t = _quiet_time(rnd, incidents, 3 * DAY)
    inventory.append(("SCN-4", "system check", t, 1, "8001", "System Check"))
    orphans.append("dems:SCN-4")
    with (out / "dems_inventory.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["evidence_id", "id_external", "created_date_record_start", "date_record_end",
                         "owner_badge_id", "categories"])
        for evidence_id, typed, begin, minutes, badge, category in inventory:
            writer.writerow([evidence_id, typed, _local(begin).isoformat(),
                             _local(begin + timedelta(minutes=minutes)).isoformat(), badge, category])

    with (out / "roster.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["camera_serial", "officer", "unit", "from", "to"])
        writer.writerows(roster)
    db.conn.commit()
    import_roster(db, out / "roster.csv", tz="America/Los_Angeles")
    scan_paths(db, [footage])
    import_footage_list(db, out / "dems_inventory.csv", tz="America/Los_Angeles")
    relink(db)
    covered = {inc["number"] for label, inc in plan.items() if label != "left_uncovered"}
    expected = {
        "no_footage": sorted(i["number"] for i in incidents if i["requires"] and i["number"] not in covered),
        "orphans": sorted(orphans),
        "covered": {label: inc["number"] for label, inc in plan.items() if label != "left_uncovered"},
        "left_uncovered_with_far_decoys": uncovered["number"],
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    return expected


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    expected = generate(args.outdir, args.seed)
    print(f"{len(expected['covered'])} incidents given footage, {len(expected['no_footage'])} requiring footage "
          f"left without, {len(expected['orphans'])} decoys; database {args.outdir / 'scenario.db'}")


if __name__ == "__main__":
    main()
