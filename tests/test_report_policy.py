"""Policy file, one state per incident, exclusions per rule, upload grace, manifest and reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_link import HOME, add_footage, add_incident

from bodycam_index import db as store
from bodycam_index.cli import main
from bodycam_index.link import relink
from bodycam_index.model import InputError
from bodycam_index.reports import policy as policies
from bodycam_index.reports.gaps import STATES, ReportOptions, build_report, has_gaps
from bodycam_index.reports.render import render

AS_OF = "2024-01-01T00:00:00.000000Z"


def test_default_policy_file_is_the_dataclass_default():
    shipped = policies.load()
    assert shipped.as_dict() == policies.Policy().as_dict()
    assert shipped.source == "default" and len(shipped.digest()) == 64


def test_digest_follows_the_rules_not_the_layout(tmp_path: Path):
    a, b, c = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "c.toml"
    a.write_text('[coverage]\ncovered = 0.9\n[requires]\npriorities = ["1"]\n')
    b.write_text('# same rules, other layout\n[requires]\npriorities = [ "1" ]  # top priority\n\n'
                 "[coverage]\ncovered = 0.90\n")
    c.write_text('[coverage]\ncovered = 0.91\n[requires]\npriorities = ["1"]\n')
    assert policies.load(a).digest() == policies.load(b).digest() != policies.load(c).digest()


@pytest.mark.parametrize(("text", "message"), [
    ("[coverage]\ncoverd = 0.9\n", "unknown key 'coverd'"),
    ("[coverage_rules]\n", "unknown section"),
    ('[window]\nbefore = "ten minutes"\n', "bad duration"),
    ("[coverage]\ncovered = 1.5\n", "from 0 to 1"),
    ('[agency]\nzone = "Mars/Olympus"\n', "unknown time zone"),
    ("[coverage\n", "not valid TOML"),
])
def test_bad_policy_is_one_clear_error(tmp_path: Path, text: str, message: str):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        policies.load(path)


def _policy(tmp_path: Path, text: str) -> policies.Policy:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return policies.load(path)


@pytest.fixture
def calls(tmp_path: Path):
    """Incidents each decided by one rule (times: received at +N min, arrived +5, cleared +40)."""
    db = store.connect(tmp_path / "p.db")
    ids = {
        "uof_cancelled": add_incident(db, "2023000000001", 0, type="CANCELLED CALL", use_of_force=1),
        "cancelled": add_incident(db, "2023000000002", 60, type="CANCELLED CALL"),
        "test": add_incident(db, "2023000000003", 120, type="TEST - SYSTEM"),
        "short": add_incident(db, "2023000000004", 180, type="ASSAULT", cleared_utc="2023-06-04T19:06:00.000000Z"),
        "priority": add_incident(db, "2023000000005", 240, priority="1", requires_footage=0),
        "pattern": add_incident(db, "2023000000006", 300, type="DOMESTIC ASSAULT", priority="4",
                                requires_footage=0),
        "flagged": add_incident(db, "2023000000007", 360, priority="4"),
        "plain": add_incident(db, "2023000000008", 420, priority="4", requires_footage=0),
        "clearance": add_incident(db, "2023000000009", 480, type_description="UNFOUNDED"),
    }
    return db, ids


def test_each_rule_decides_and_is_counted(calls, tmp_path: Path):
    db, _ids = calls
    policy = _policy(tmp_path, '[requires]\npriorities = ["1"]\ncall_types = ["*ASSAULT*"]\nmin_on_scene = "2m"\n'
                               '[exclude]\ncall_types = ["CANCEL*", "TEST*"]\nclearance_codes = ["UNFOUNDED"]\n')
    report = build_report(db, ReportOptions(policy=policy, as_of=AS_OF))
    rules = {r["number"]: (r["state"], r["rule"]) for r in report["incidents"]}
    assert rules == {
        "2023000000001": ("no footage", "use of force"),
        "2023000000002": ("not required", "excluded call type CANCEL*"),
        "2023000000003": ("not required", "excluded call type TEST*"),
        "2023000000004": ("not required", "under 120 s on scene"),  # arrived 19:05, cleared 19:06
        "2023000000005": ("no footage", "priority 1"),
        "2023000000006": ("no footage", "call type *ASSAULT*"),
        "2023000000007": ("no footage", "marked at import"),
        "2023000000008": ("not required", "not a required call"),
        "2023000000009": ("not required", "excluded clearance UNFOUNDED"),
    }
    s = report["summary"]
    assert s["required"] == 4 and s["denominator"] == "4 required incidents of 9 in scope"
    assert s["exclusions"] == {"excluded call type CANCEL*": 1, "excluded call type TEST*": 1,
                               "excluded clearance UNFOUNDED": 1, "not a required call": 1,
                               "under 120 s on scene": 1}
    assert sum(s[k.replace(" ", "_")] for k in STATES) == s["incidents"] == len(report["incidents"]) == 9
    flag_off = _policy(tmp_path, "[requires]\nimport_flag = false\nuse_of_force = false\n")
    off = {r["number"]: r["state"] for r in build_report(db, ReportOptions(policy=flag_off, as_of=AS_OF))["incidents"]}
    assert off["2023000000007"] == "not required" and off["2023000000001"] == "not required"


def test_upload_grace_and_as_of(calls, tmp_path: Path):
    db, _ids = calls
    # Incident 7 clears at 2023-06-04 22:40 UTC, within 3 h of the as-of; incident 9 is received at 00:00 on the 5th, after this as-of.
    policy = _policy(tmp_path, '[coverage]\nupload_grace = "3h"\n')
    report = build_report(db, ReportOptions(policy=policy, as_of="2023-06-04T23:59:00.000000Z"))
    rows = {r["number"]: (r["state"], r["rule"]) for r in report["incidents"]}
    assert "2023000000009" not in rows and report["summary"]["incidents"] == 8
    assert rows["2023000000007"] == ("not required", "within the upload grace period")
    assert rows["2023000000004"] == ("no footage", "marked at import")  # cleared 19:06, long before


def test_fail_on_gaps_only_for_required_incidents(tmp_path: Path):
    db = store.connect(tmp_path / "f.db")
    add_incident(db, "2023000000001", 0, requires_footage=0)
    add_footage(db, "a.mp4", 20, 5, fixes=[(1, *HOME)])  # 5 of 35 minutes
    relink(db)
    report = build_report(db, ReportOptions(as_of=AS_OF))
    assert report["incidents"][0]["state"] == "not required" and not has_gaps(report)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "f.db"), "gaps", "--fail-on-gaps", "--as-of",
                                       "2024-01-01"])
    assert result.exit_code == 0, result.output


def test_states_partial_covered_and_zero_overlap(tmp_path: Path):
    db = store.connect(tmp_path / "s.db")
    add_incident(db, "2023000000001", 0)          # window [+5, +40] min: 2100 s
    add_incident(db, "2023000000002", 24 * 60)
    add_incident(db, "2023000000003", 48 * 60)
    add_footage(db, "a.mp4", 5, 28, hints=["2023000000001"])              # 1680 s = 80.0 %: covered
    add_footage(db, "b.mp4", 24 * 60 + 5, 27.9, hints=["2023000000002"])  # 1674 s = 79.7 %: partial
    add_footage(db, "c.mp4", 48 * 60 - 30, 20, hints=["2023000000003"])   # ends before arrival: 0 %
    relink(db)
    report = build_report(db, ReportOptions(as_of=AS_OF))
    got = {r["number"]: (r["state"], r["coverage_pct"]) for r in report["incidents"]}
    assert got == {"2023000000001": ("covered", 80.0), "2023000000002": ("partial", 79.7),
                   "2023000000003": ("partial", 0.0)}
    zero = next(r for r in report["partial"] if r["number"] == "2023000000003")
    assert zero["covered_s"] == 0.0 and zero["activation_delay_s"] == -35 * 60 and zero["early_stop_s"] == 50 * 60


def _cli(path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(path), "gaps", "--as-of", "2024-01-01T00:00:00Z", *args])
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_same_inputs_give_byte_identical_json_and_csv(tmp_path: Path):
    path = tmp_path / "r.db"
    db = store.connect(path)
    export = tmp_path / "cad.csv"
    export.write_bytes(b"number,received\n2023000000001,2023-06-04 16:00\n")
    add_incident(db, "2023000000001", 0, source_file=str(export), time_flags='["ambiguous"]')
    add_incident(db, "2023000000002", 60, units=[("3B12", "4711")])
    add_footage(db, "a.mp4", 60 + 5, 10, fixes=[(1, *HOME)], serial="CAM1")
    relink(db)
    first = {fmt: _cli(path, "--format", fmt) for fmt in ("json", "csv")}
    relink(db)  # new link rows, same content
    again = {fmt: _cli(path, "--format", fmt) for fmt in ("json", "csv")}
    assert first == again
    report = json.loads(first["json"])
    m = report["manifest"]
    assert m["as_of"] == "2024-01-01T00:00:00.000000Z" and m["database"]["path"] == str(path.resolve())
    # inserted by hand, not by an importer: nothing was hashed at import, and the report does not pretend
    assert m["imported_files"] == [{"kind": "incidents", "file": str(export), "rows": 1, "sha256": None,
                                    "imported_utc": None, "on_disk": "no hash stored at import"}]
    assert m["policy"]["sha256"] == policies.Policy().digest() == report["policy"]["sha256"]
    assert m["audit_head"]["entry"] == 0
    assert report["data_warnings"][0]["subject"] == "2023000000001"
    assert "repeated DST hour" in report["data_warnings"][0]["detail"]
    db.execute("UPDATE incidents SET priority = '1' WHERE number = '2023000000002'")
    db.conn.commit()
    changed = json.loads(_cli(path, "--format", "json"))["manifest"]["database"]["content_sha256"]
    assert changed != m["database"]["content_sha256"]


def test_policy_and_digest_printed_in_every_format(tmp_path: Path):
    path = tmp_path / "r.db"
    db = store.connect(path)
    add_incident(db, "2023000000001", 0)
    policy = tmp_path / "mine.toml"
    policy.write_text('[agency]\nzone = "America/Los_Angeles"\n[coverage]\ncovered = 0.5\n')
    digest = policies.load(policy).digest()
    for fmt in ("table", "md", "html", "csv", "json"):
        text = _cli(path, "--policy", str(policy), "--format", fmt)
        assert digest in text and "mine.toml" in text, fmt
    report = json.loads(_cli(path, "--policy", str(policy), "--format", "json"))
    assert report["no_footage"][0]["received_local"] == "2023-06-04 09:00:00 PDT"
    assert "received (local)" in _cli(path, "--policy", str(policy))
    overridden = json.loads(_cli(path, "--policy", str(policy), "--min-coverage", "0.7", "--format", "json"))
    assert overridden["policy"]["rules"]["covered"] == 0.7 and "covered=0.7" in overridden["policy"]["source"]
    bad = CliRunner().invoke(main, ["--db", str(path), "gaps", "--policy", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 2 and "cannot read" in bad.output


def test_render_all_formats_in_one_state_each(calls):
    db, _ids = calls
    report = build_report(db, ReportOptions(as_of=AS_OF))
    for fmt in ("table", "md", "csv", "html"):
        assert "not required" in render(report, fmt)
