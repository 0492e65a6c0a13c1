"""DEMS audit on hand-built inventories: categories imported and checked against the policy's retention rules,
entries without a number or category, and imported files listed with the SHA-256 they had when imported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from test_link import add_incident

from bodycam_index import db as store
from bodycam_index.incidents.dems import import_footage_list
from bodycam_index.incidents.importer import import_incidents
from bodycam_index.incidents.normalize import canonical_number
from bodycam_index.incidents.roster import import_roster
from bodycam_index.link import relink
from bodycam_index.reports import policy as policies
from bodycam_index.reports.gaps import ReportOptions, build_report
from bodycam_index.reports.render import render

AS_OF = "2024-01-01T00:00:00.000000Z"
UOF = "2023000000001"
HOMICIDE = "2023000000002"
THEFT = "2023000000003"
#: Axon inventory columns as in the Seattle pilot export (cad/portal_samples/5rka-m6jr.csv); times UTC.
INVENTORY = (
    "evidence_id,id_external,created_date_record_start,date_record_end,owner_badge_id,categories\n"
    f"E-1,{UOF},2023-06-04T16:06:00,2023-06-04T16:30:00,7731,Evidence\n"
    f"E-2,{UOF},2023-06-04T16:06:00,2023-06-04T16:30:00,7732,Patrol\n"
    f"E-3,{UOF},2023-06-04T16:06:00,2023-06-04T16:30:00,7733,Unlisted\n"
    f"E-4,{UOF},2023-06-04T16:06:00,2023-06-04T16:30:00,7734,\n"
    f"E-5,{HOMICIDE},2023-06-04T17:06:00,2023-06-04T17:30:00,7731,Patrol; Evidence\n"
    f"E-6,{HOMICIDE},2023-06-04T17:06:00,2023-06-04T17:30:00,7732,Homicide\n"
    f"E-7,{THEFT},2023-06-04T18:06:00,2023-06-04T18:30:00,7733,Patrol\n"
    f"E-8,{UOF},2023-06-04T16:06:00,2023-06-04T16:30:00,7735,\"Patrol, Unlisted\"\n"
    "E-9,system check,2023-06-04T19:00:00,2023-06-04T19:01:00,7731,System Check\n"
    "E-10,,2023-06-04T19:10:00,2023-06-04T19:11:00,7732,\n"
)
POLICY = """
[retention]
use_of_force_days = "7y"
categories = { "Evidence" = "10y", "Patrol" = 180, "Homicide" = "indefinite", "System Check" = 30 }
call_types = { "*HOMICIDE*" = "indefinite" }
"""


def _world(tmp_path: Path):
    db = store.connect(tmp_path / "d.db")
    for number, at, extra in ((UOF, 0, {"use_of_force": 1, "type": "ASSAULT"}), (HOMICIDE, 60, {"type": "HOMICIDE"}),
                              (THEFT, 120, {})):
        add_incident(db, canonical_number(number), at, lat=None, lon=None, number_raw=number, **extra)
    inventory = tmp_path / "axon.csv"
    inventory.write_text(INVENTORY)
    import_footage_list(db, inventory)
    relink(db)
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(POLICY)
    return db, policies.load(policy_file)


def test_categories_are_imported_as_written(tmp_path: Path):
    db, _policy = _world(tmp_path)
    got = dict(db.execute("SELECT dems_id, dems_category FROM footage ORDER BY id"))
    assert got["E-1"] == "Evidence" and got["E-5"] == "Patrol; Evidence" and got["E-8"] == "Patrol, Unlisted"
    assert got["E-4"] is None and got["E-10"] is None


def test_retention_risk_against_the_policy(tmp_path: Path):
    db, policy = _world(tmp_path)
    report = build_report(db, ReportOptions(as_of=AS_OF, policy=policy))
    got = [(r["dems_id"], r["incident"], r["required_by"], r["required_days"], r["category"], r["kept_days"],
            r["issue"]) for r in report["retention"]]
    assert got == [
        # E-1 Evidence keeps 3650 d ≥ 2555 d (7 years) for use of force: no risk, not listed.
        ("E-2", UOF, "use of force", 2555, "Patrol", 180, "retention shorter than required"),
        ("E-3", UOF, "use of force", 2555, "Unlisted", None, "retention not known"),
        ("E-4", UOF, "use of force", 2555, None, None, "no category"),
        # Patrol is known and short, Unlisted unknown: it might be long enough, so not known rather than short.
        ("E-8", UOF, "use of force", 2555, "Patrol; Unlisted", 180, "retention not known"),
        # Two categories: the longer (Evidence, 3650 d) applies and is still short of indefinite.
        ("E-5", HOMICIDE, "call type *HOMICIDE*", None, "Patrol; Evidence", 3650, "retention shorter than required"),
        # E-6 Homicide is indefinite: enough. E-7 theft: no retention rule applies.
    ]
    assert report["summary"]["retention_risks"] == 5
    assert report["retention"][0]["required"] == "2555 d" and report["retention"][4]["required"] == "indefinite"
    for fmt in ("table", "csv", "html", "md"):
        text = render(report, fmt)
        assert "retention not known" in text and "retention not checked" not in text, fmt


def test_no_retention_rules_no_retention_rows(tmp_path: Path):
    db, _policy = _world(tmp_path)
    report = build_report(db, ReportOptions(as_of=AS_OF))
    assert report["retention"] == [] and report["summary"]["retention_risks"] == 0


def test_entries_without_number_or_category(tmp_path: Path):
    db, policy = _world(tmp_path)
    rows = build_report(db, ReportOptions(as_of=AS_OF, policy=policy))["dems_audit"]
    got = [(r["dems_id"], r["typed"], r["category"], r["issue"], r["action"]) for r in rows]
    assert got == [
        ("E-4", UOF, None, "no category", "set its category"),
        ("E-9", "system check", "System Check", "no incident number", "find its incident"),
        ("E-10", None, None, "no incident number, no category", "find its incident; set its category"),
    ]


def test_inventory_without_categories_said_once(tmp_path: Path):
    db = store.connect(tmp_path / "n.db")
    inventory = tmp_path / "old.csv"
    inventory.write_text("evidence_id,id_external,created_date_record_start\nE-1,,2023-06-04T16:06:00\n"
                         f"E-2,{UOF},2023-06-04T16:06:00\n")
    import_footage_list(db, inventory)
    policy = policies.from_toml({"retention": {"use_of_force_days": 365}}, "test")
    rows = build_report(db, ReportOptions(as_of=AS_OF, policy=policy))["dems_audit"]
    assert [(r["dems_id"], r["issue"]) for r in rows] == [("E-1", "no incident number"),
                                                          (None, "no entry has a category")]
    assert [r["dems_id"] for r in build_report(db, ReportOptions(as_of=AS_OF))["dems_audit"]] == ["E-1"]


def test_imported_files_keep_the_hash_they_had_at_import(tmp_path: Path):
    db = store.connect(tmp_path / "h.db")
    cad = tmp_path / "cad.csv"
    cad.write_bytes(b"number,received\r\n2023000000001,2023-06-04 16:00\r\n2023000000002,2023-06-04 17:00\r\n")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"camera,officer,unit,from\nCAM-1,7731,1A12,2023-01-01\n")
    inventory = tmp_path / "axon.csv"
    inventory.write_text(INVENTORY)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (cad, roster, inventory)}
    import_incidents(db, cad, mapping={"number": "number", "received": "received"})
    import_roster(db, roster)
    import_footage_list(db, inventory)
    files = build_report(db, ReportOptions(as_of=AS_OF))["manifest"]["imported_files"]
    assert [(f["kind"], Path(f["file"]).name, f["rows"], f["sha256"], f["on_disk"]) for f in files] == [
        ("incidents", "cad.csv", 2, digests["cad.csv"], "unchanged"),
        ("inventory", "axon.csv", 10, digests["axon.csv"], "unchanged"),
        ("roster", "roster.csv", 1, digests["roster.csv"], "unchanged"),
    ]
    cad.write_bytes(cad.read_bytes().replace(b"17:00", b"18:00"))  # same size, new content
    roster.unlink()
    files = build_report(db, ReportOptions(as_of=AS_OF))["manifest"]["imported_files"]
    assert [(f["sha256"], f["on_disk"]) for f in files] == [
        (digests["cad.csv"], "changed"), (digests["axon.csv"], "unchanged"), (digests["roster.csv"], "missing")]
    text = render(build_report(db, ReportOptions(as_of=AS_OF)), "csv")
    assert f"sha256 at import {digests['roster.csv']}; on disk now: missing" in text



def test_relative_import_path_not_found_elsewhere_is_not_called_missing(tmp_path: Path, monkeypatch):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "roster.csv").write_bytes(b"camera,officer,from\nCAM-1,7731,2023-01-01\n")
    monkeypatch.chdir(tmp_path)
    db = store.connect(tmp_path / "r.db")
    import_roster(db, Path("exports/roster.csv"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    (entry,) = build_report(db, ReportOptions(as_of=AS_OF))["manifest"]["imported_files"]
    assert (entry["file"], entry["on_disk"]) == (
        "exports/roster.csv", "not found from this folder (imported by a relative path)")
