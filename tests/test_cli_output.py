"""Every command that prints data: `--json` gives one shape whatever the count, `-q` leaves only data and errors,
`-v` adds per-file lines, and every database a command opens is closed when it ends. Values asserted come from
`scripts/make_sample_media.py`, which wrote `sample_media/` (its story is the ground truth)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bodycam_index import db as store
from bodycam_index.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "sample_media"
GOPRO = SAMPLE / "footage" / "unit-3B12" / "2024-000451" / "GX010042.MP4"
PHONE = SAMPLE / "footage" / "phone" / "IMG_0042.MOV"
DAMAGED = SAMPLE / "footage" / "dashcam" / "2024_0301_090000_0006F.MP4"
EXPORTS = SAMPLE / "exports"
LA = "America/Los_Angeles"


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args])


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sample_media scanned, its CAD export, roster and DEMS inventory imported, linked, one manual link."""
    db = tmp_path_factory.mktemp("cli") / "sample.db"
    for args in (["scan", "-j", "1", str(SAMPLE / "footage"), "--tz", LA],
                 ["import-incidents", str(EXPORTS / "cad_calls.csv"), "--preset", "seattle-cad", "--tz", LA],
                 ["import-roster", str(EXPORTS / "roster.csv"), "--tz", LA],
                 ["import-footage-list", str(EXPORTS / "dems_inventory.csv"), "--preset", "axon", "--tz", LA],
                 ["link"],
                 ["link", "add", str(PHONE), "2024-000453", "--reason", "officer seen on the video"]):
        result = run(db, *args)
        assert result.exit_code == 0, (args, result.output)
    return db


def _incident(data: dict[str, Any]) -> bool:
    assert data["number"] == "2024-451" and data["requires_footage"] == 1
    assert [a["raw"] for a in data["aliases"]] == ["2024000000451"]
    assert [(link["path"], link["method"], link["accepted"]) for link in data["links"]] == [
        (str(GOPRO), "number", True)]
    return True


def _footage(data: dict[str, Any]) -> bool:
    assert data["path"] == str(GOPRO) and data["serial"] == "C3441324512345" and data["status"] == "ok"
    assert 0 < data["gps"]["fixes"] <= data["fix_count"]  # stored at most one a second
    assert {"value": "2024-000451", "normalized": "2024-451"} in data["hints"]
    assert [(link["incident"], link["method"]) for link in data["links"]] == [("2024-451", "number")]
    return True


#: (arguments, expected JSON type, a check of values from the sample's story)
DATA_COMMANDS: list[tuple[list[str], type, Any]] = [
    (["scan", "-j", "1", str(SAMPLE / "footage"), "--tz", LA], dict,
     lambda d: d["unchanged"] == 4 and d["new"] == 0 and d["failures"] == []),
    (["probe", str(GOPRO)], list, lambda d: len(d) == 1 and d[0]["resolved"]["identity"]["serial"] == "C3441324512345"),
    (["probe", str(GOPRO), str(DAMAGED)], list, lambda d: len(d) == 2 and "error" in d[1]),
    (["footage", "list"], list, lambda d: len(d) == 6 and {r["status"] for r in d} == {"ok", "error"}),
    (["footage", "list", "--status", "error"], list, lambda d: [r["path"] for r in d] == [str(DAMAGED)]),
    (["footage", "show", str(GOPRO)], dict, _footage),
    (["show", "GX010042.MP4"], dict, _footage),
    (["show", "2024-000451"], dict, _incident),
    (["incidents", "list"], list, lambda d: sorted(r["number"] for r in d) == [f"2024-45{n}" for n in range(1, 5)]),
    (["incidents", "list", "--limit", "1"], list, lambda d: len(d) == 1),
    (["incidents", "show", "2024000000451"], dict, _incident),
    (["import-incidents", str(EXPORTS / "cad_calls.csv"), "--preset", "seattle-cad", "--tz", LA], dict,
     lambda d: (d["rows"], d["unchanged"], d["skipped_rows"]) == (4, 4, [])),
    (["import-incidents", str(EXPORTS / "cad_calls.csv"), "--preset", "seattle-cad", "--tz", LA, "--dry-run"], dict,
     lambda d: d["dry_run"] and len(d["incidents"]) == 4),
    (["import-incidents", "--list-presets"], list, lambda d: "seattle-cad" in {p["preset"] for p in d}),
    (["import-roster", str(EXPORTS / "roster.csv"), "--tz", LA], dict, lambda d: (d["rows"], d["unchanged"]) == (1, 1)),
    (["import-footage-list", str(EXPORTS / "dems_inventory.csv"), "--preset", "axon", "--tz", LA], dict,
     lambda d: (d["rows"], d["unchanged"]) == (2, 2)),
    (["link"], dict, lambda d: d["links"]["number"] == 2 and d["manual_kept"] == 1),
    (["link", "remove", "GX010042.MP4", "2024-000452", "--reason", "another call"], dict,
     lambda d: (d["footage"], d["incident"], d["excluded"]) == (str(GOPRO), "2024-452", 1)),
    (["audit", "list"], list, lambda d: [e["action"] for e in d][:1] == ["link.add"]),
    (["audit", "verify"], dict, lambda d: d["intact"] and d["findings"] == []),
    (["resolve", "--tz", LA, str(PHONE)], list, lambda d: d == []),
    (["verify", str(SAMPLE / "footage" / "phone")], dict, lambda d: (d["checked"], d["ok"]) == (1, 1)),
    (["gaps", "--as-of", "2024-06-01"], dict,
     lambda d: {r["number"]: r["state"] for r in d["incidents"]}["2024-451"] == "covered"
     and d["summary"]["required"] == 2),
    (["sample", "--n", "1", "--seed", "11", "--as-of", "2024-06-01"], dict, lambda d: d["seed"] == 11 and len(d["pairs"]) == 1),
]


@pytest.mark.parametrize(("args", "shape", "check"), DATA_COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list)
                         else None)
def test_every_data_command_prints_json_of_one_shape(sample_db: Path, args: list[str], shape: type, check: Any) -> None:
    result = run(sample_db, *args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, shape) and check(data), data


def test_show_and_footage_show_give_the_same_record(sample_db: Path) -> None:
    """One lookup and one record: `show`, `footage show` by path, id or hash prefix, `incidents show` agree."""
    shown = json.loads(run(sample_db, "show", str(GOPRO), "--json").stdout)
    by_id = json.loads(run(sample_db, "footage", "show", str(shown["id"]), "--json").stdout)
    by_hash = json.loads(run(sample_db, "footage", "show", shown["sha256"][:12], "--json").stdout)
    assert shown == by_id == by_hash
    text = run(sample_db, "show", str(shown["id"])).stdout
    assert text == run(sample_db, "footage", "show", str(GOPRO)).stdout
    assert text.startswith(f"recording {shown['id']}: {GOPRO}\n") and "  serial          C3441324512345\n" in text
    assert "  2024-451  number 1.00 accepted: " in text
    incident = run(sample_db, "show", "2024-451").stdout
    assert incident == run(sample_db, "incidents", "show", "24-451").stdout
    assert "  aliases    2024-451 (2024000000451)\n" in incident and "coverage of [arrived, cleared" in incident


@pytest.mark.parametrize(("args", "summary"), [
    (["link"], "recordings × 4 incidents: links"),
    (["footage", "list"], "recordings shown"),
    (["import-roster", str(EXPORTS / "roster.csv"), "--tz", LA], "1 rows: 0 new, 0 updated, 1 unchanged"),
    (["audit", "verify"], "audit log intact: "),
    (["audit", "list"], "entries"),
    (["verify", str(SAMPLE / "footage" / "phone")], "1 checked, 1 unchanged"),
    (["resolve", "--tz", LA, str(PHONE)], "0 recordings re-placed"),
])
def test_quiet_leaves_only_data(sample_db: Path, args: list[str], summary: str) -> None:
    loud = run(sample_db, *args)
    quiet = run(sample_db, "-q", *args)
    assert loud.exit_code == quiet.exit_code == 0
    assert summary in loud.output and summary not in quiet.output
    assert quiet.stderr == ""


def test_quiet_scan_says_nothing_and_verbose_scan_lists_every_file(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    quiet = run(db, "scan", "-j", "1", str(SAMPLE / "footage"), "-q")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert run(db, "footage", "list", "--json").stdout.count('"path"') == 4  # it did scan
    verbose = run(db, "scan", "-j", "1", str(SAMPLE / "footage"), "--rescan", "--tz", LA, "-v")
    assert verbose.exit_code == 0
    lines = verbose.stderr.splitlines()
    assert f"{DAMAGED}: error: box 'moov' at byte 48 claims 116 bytes but its parent ends at byte 124 " \
           "(truncated or corrupt file)" in lines
    assert any(line.startswith(f"{GOPRO}: ok, 2024-03-01T18:14:02.000000Z (utc, from gpmf.gpsu)")
               and "C3441324512345" in line for line in lines)
    assert any(line.startswith(f"{PHONE}: ok, ") and "Apple iPhone 13" in line for line in lines)
    assert "0 new, 0 unchanged (skipped), 4 updated" in verbose.stdout


def test_verbose_link_lists_every_link(sample_db: Path) -> None:
    result = run(sample_db, "-v", "link")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert f"2024-451 ← {GOPRO}: number 1.00 accepted: footage carries incident number '2024-000451' (file)" in lines
    assert any(line.startswith(f"2024-453 ← {PHONE}: manual 1.00 accepted manual: officer seen") for line in lines)
    assert "recordings × 4 incidents" in result.stdout and "←" not in run(sample_db, "link").output


def test_verbose_import_lists_every_skipped_row(tmp_path: Path) -> None:
    export = tmp_path / "calls.csv"
    header = "CAD Event Number,Event Clearance Description,Call Type,Priority,Initial Call Type,Final Call Type," \
             "Original Time Queued,Arrived Time,Precinct,Sector,Beat,Blurred_Longitude,Blurred_Latitude\n"
    export.write_text(header + ",X,911,1,A,A,03/01/2024 10:09:40 AM,,EAST,C,C2,,\n" * 7)
    short = run(tmp_path / "i.db", "import-incidents", str(export), "--preset", "seattle-cad", "--tz", LA)
    full = run(tmp_path / "i.db", "-v", "import-incidents", str(export), "--preset", "seattle-cad", "--tz", LA)
    assert short.exit_code == full.exit_code == 0, short.output
    assert short.output.count("  skipped ") == 5 and "… and 2 more (-v or --errors FILE lists them)" in short.output
    assert full.output.count("  skipped ") == 7 and "… and" not in full.output


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every database the command opens: through sqlite-utils (`_open`) or read-only (`_read_only`)."""
    opened: list[Any] = []
    real_open, real_read_only = store._open, store._read_only

    def recording(*args: Any, **kwargs: Any) -> Any:
        db = real_open(*args, **kwargs)
        opened.append(db)
        return db

    def recording_read_only(*args: Any, **kwargs: Any) -> Any:
        conn, version = real_read_only(*args, **kwargs)
        opened.append(conn)
        return conn, version
    monkeypatch.setattr(store, "_open", recording)
    monkeypatch.setattr(store, "_read_only", recording_read_only)
    return opened


WITH_DATABASE = [c for c in DATA_COMMANDS if c[0][0] != "probe" and not {"--dry-run", "--list-presets"} & set(c[0])]


@pytest.mark.parametrize(("args", "shape", "check"), WITH_DATABASE,
                         ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_every_command_closes_its_database(sample_db: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                           shape: type, check: Any) -> None:
    opened = _opened(monkeypatch)
    assert run(sample_db, *args).exit_code == 0
    assert opened, "the command opened no database"
    for db in opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
            db.conn.execute("SELECT 1")


def test_a_failing_command_closes_its_database(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _opened(monkeypatch)
    result = run(sample_db, "show", "no-such-thing")
    assert (result.exit_code, result.stderr) == (2, "error: no incident or recording matches 'no-such-thing'\n")
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].conn.execute("SELECT 1")


def test_no_resource_warning(sample_db: Path) -> None:
    """The commands under `python -W error::ResourceWarning -X dev`: nothing left open for the interpreter."""
    code = ("import sys\nfrom bodycam_index.cli import main\n"
            "for args in sys.argv[1:]:\n"
            "    try:\n        main(args.split('|'))\n    except SystemExit as exit:\n"
            "        assert not exit.code, (args, exit.code)\n"
            "import gc; gc.collect()\n")
    runs = [f"--db|{sample_db}|{cmd}" for cmd in ("footage|list", f"footage|show|{GOPRO}", "show|2024-451",
                                                     "incidents|list", "audit|verify", f"verify|{SAMPLE}/footage/phone",
                                                     "gaps|--format|json", "export|geojson")]
    proc = subprocess.run([sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code, *runs],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "ResourceWarning" not in proc.stderr and "unclosed" not in proc.stderr


@pytest.mark.parametrize("args", [["gaps", "--format", "json", "--as-of", "2024-06-01"], ["export", "geojson"]])
def test_output_dash_is_stdout_not_a_file(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    dashed = run(sample_db, *args, "-o", "-")
    plain = run(sample_db, *args)
    assert dashed.exit_code == plain.exit_code == 0 and not (tmp_path / "-").exists()
    assert json.loads(dashed.stdout) == json.loads(plain.stdout) and dashed.stdout
    written = run(sample_db, *args, "--output", str(tmp_path / "out.json"))
    assert written.stdout == "" and json.loads((tmp_path / "out.json").read_text()) == json.loads(plain.stdout)


def test_global_options_after_the_subcommand(sample_db: Path, tmp_path: Path) -> None:
    """`--db`, `-q` and `--debug` after the subcommand (and its arguments) act as before it."""
    before = CliRunner().invoke(main, ["--db", str(sample_db), "-q", "footage", "list", "--status", "error"])
    after = CliRunner().invoke(main, ["footage", "list", "--status", "error", "--db", str(sample_db), "-q"])
    assert before.exit_code == after.exit_code == 0 and before.stdout == after.stdout
    assert "recordings shown" not in after.output and DAMAGED.name in after.stdout
    missing = CliRunner().invoke(main, ["show", "x", f"--db={tmp_path}/none.db"])
    assert (missing.exit_code, missing.stderr) == (
        2, f"error: no database at {tmp_path}/none.db (from --db): scan footage or import incidents first\n")
    debug = CliRunner().invoke(main, ["show", "x", "--debug", "--db", str(tmp_path / "none.db")])
    assert type(debug.exception).__name__ == "DatabaseError"  # --debug lets the exception (and traceback) through


def test_quiet_hides_the_upgrade_notice(tmp_path: Path) -> None:
    """Upgrading an older database is said on stderr, except under -q (the backup is made either way)."""
    from test_db import _version_1_database

    for name, flags in (("loud.db", []), ("quiet.db", ["-q"])):
        _version_1_database(tmp_path / name)
        result = subprocess.run(  # a child process: pytest's log capture would take the notice in-process
            [sys.executable, "-c", "from bodycam_index.cli import main; main()", "--db", str(tmp_path / name),
             *flags, "footage", "list", "--json"], check=False, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and len(json.loads(result.stdout)) == 3
        assert ("upgrading database" in result.stderr) == (not flags), result.stderr
        assert len(list(tmp_path.glob(f"{name}.schema1-*.bak"))) == 1


def test_footage_list_is_a_plain_table_with_hostile_names_made_visible(sample_db: Path, tmp_path: Path) -> None:
    """`footage list` prints through the reports' table writer: a header, a rule, one line per recording, and a
    file name's control characters (here an OSC sequence that would retitle the terminal) written as escapes."""
    lines = run(sample_db, "footage", "list", "--status", "ok").stdout.splitlines()
    assert lines[0].split() == ["id", "file", "status", "start", "(UTC)", "secs", "zone", "camera", "fixes", "note"]
    assert set(lines[1].replace(" ", "")) == {"─"}
    gopro = next(line.split() for line in lines if "GX010042.MP4" in line)
    assert gopro[2:6] == ["ok", "2024-03-01", "18:14:02", "4200.0"]  # make_sample_media: 70 min from 18:14:02Z
    db = tmp_path / "hostile.db"
    conn = store.connect(db)
    with conn.atomic():
        conn.execute("INSERT INTO footage (path, status) VALUES (?, 'ok')", ["/e/\x1b]0;owned\x07.mp4"])
    conn.close()
    shown = run(db, "footage", "list").stdout
    assert "\x1b" not in shown and "\\x1b]0;owned\\x07.mp4" in shown
