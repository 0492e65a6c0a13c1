"""Every error a user can cause: one line on stderr, exit 2, the exact message. One row per message text.

Rows name their arguments with `{tmp}` (a folder of test files), `{db}` (sample_media scanned and its CAD export
imported), `{dup}` (two copies of one clip and the CAD export imported under two sources) and `{nohash}` (a
`scan --no-hash`); files a row needs are written first. Messages asserted elsewhere: the database's schema
version (test_db.py), the kind-of-error mapping (test_cli_conventions.py), an inferred mapping that is unsure
(test_incidents_infer.py)."""

from __future__ import annotations

import shlex
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bodycam_index.cli import main
from bodycam_index.incidents.presets import FIELDS

SAMPLE = Path(__file__).resolve().parents[1] / "sample_media"
GOPRO = SAMPLE / "footage" / "unit-3B12" / "2024-000451" / "GX010042.MP4"
CAD = SAMPLE / "exports" / "cad_calls.csv"
LA = "America/Los_Angeles"
CAD_COLUMNS = ("CAD Event Number, Event Clearance Description, Call Type, Priority, Initial Call Type, Final Call Type,"
               " Original Time Queued, Arrived Time, Precinct, Sector, Beat, Blurred_Longitude, Blurred_Latitude")


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("errors")
    for folder in ("a", "b"):
        (base / folder).mkdir()
        shutil.copy(GOPRO, base / folder / "same.MP4")
    made = {"db": base / "sample.db", "dup": base / "dup.db", "nohash": base / "nohash.db"}
    for args in (["--db", str(made["db"]), "scan", "-j", "1", str(SAMPLE / "footage"), "--tz", LA],
                 ["--db", str(made["db"]), "import-incidents", str(CAD), "--preset", "seattle-cad", "--tz", LA],
                 ["--db", str(made["dup"]), "scan", "-j", "1", str(base / "a"), str(base / "b")],
                 ["--db", str(made["dup"]), "import-incidents", str(CAD), "--preset", "seattle-cad", "--tz", LA],
                 ["--db", str(made["dup"]), "import-incidents", str(CAD), "--preset", "seattle-cad", "--tz", LA,
                  "--source", "copy"],
                 ["--db", str(made["nohash"]), "scan", "-j", "1", "--no-hash", str(SAMPLE / "footage")]):
        assert invoke(args)[0] == 0, args
    conn = sqlite3.connect(made["dup"])
    sha = conn.execute("SELECT sha256 FROM footage LIMIT 1").fetchone()[0][:12]
    conn.close()
    return {**made, "sha": sha}


def _policy(text: str) -> dict[str, bytes]:
    return {"policy.toml": text.encode()}


#: (id, arguments, files to write under {tmp}, the message after "error: ")
CASES: list[tuple[str, str, dict[str, bytes], str]] = [
    # the database
    ("db is a folder", "--db {tmp} footage list", {}, "database {tmp} (from --db) is a folder, not a file"),
    ("db missing for a read", "--db {tmp}/none.db gaps", {},
     "no database at {tmp}/none.db (from --db): scan footage or import incidents first"),
    ("db folder missing for a write", "--db {tmp}/nofolder/x.db link", {},
     "cannot create database {tmp}/nofolder/x.db (from --db): folder {tmp}/nofolder does not exist"),
    ("db not SQLite", "--db {tmp}/junk.db footage list", {"junk.db": b"not a database, just text" * 100},
     "cannot use database {tmp}/junk.db (from --db): file is not a database"),
    # looking up recordings and incidents
    ("no recording", "--db {db} footage show nope", {},
     "no recording matches 'nope' (give an id, a path or a sha256 prefix)"),
    ("no incident or recording", "--db {db} show zzz", {}, "no incident or recording matches 'zzz'"),
    ("no incident", f"--db {{db}} link add {GOPRO} 2099-1 --reason r", {}, "no incident matches '2099-1'"),
    ("empty reason", f"--db {{db}} link add {GOPRO} 2024-451 --reason ' '", {},
     "a manual link change needs --reason"),
    ("two recordings by name", "--db {dup} footage show same.MP4", {},
     "'same.MP4' matches several recordings; give the full path"),
    ("two recordings by hash", "--db {dup} show {sha}", {},
     "sha256 prefix '{sha}' matches several recordings; give more digits"),
    ("two incidents", "--db {dup} incidents show 2024-451", {}, "incident '2024-451' is ambiguous (2 incidents match)"),
    # verify
    ("nothing indexed there", "--db {db} verify {tmp}", {}, "nothing to verify: no indexed recording under {tmp}"),
    ("nothing hashed", "--db {nohash} verify", {},
     "nothing to verify: the 4 recordings were scanned with --no-hash (scan them again without it)"),
    # options
    ("unknown zone", f"--db {{tmp}}/s.db scan {SAMPLE}/footage --tz Mars/Base", {},
     "unknown time zone 'Mars/Base' (use an IANA name such as America/Los_Angeles)"),
    ("unknown zone in a report", "--db {db} gaps --tz Europe/Nowhere", {},
     "unknown time zone 'Europe/Nowhere' (use an IANA name such as America/Los_Angeles)"),
    ("unknown zone in an import", f"--db {{tmp}}/i.db import-incidents {CAD} --tz America/Springfield", {},
     "unknown time zone 'America/Springfield' (use an IANA name such as America/Los_Angeles)"),
    ("bad duration", "--db {db} link --before soon", {}, "bad duration 'soon' (use e.g. 90s, 10m, 2h)"),
    ("bad distance", "--db {db} link --radius far", {}, "bad distance 'far' (use e.g. 300m, 1km)"),
    ("bad date", "--db {db} gaps --since June", {}, "bad date 'June' (use YYYY-MM-DD or an ISO time)"),
    ("export csv without a folder", "--db {db} export csv", {},
     "export csv needs --output DIR (a directory for the tables)"),
    ("bad incident pattern", f"--db {{tmp}}/s.db scan {SAMPLE}/footage --incident-pattern (", {},
     "incident pattern '(' is not a valid regular expression: missing ), unterminated subpattern at position 0"),
    # imports
    ("no zone", f"--db {{tmp}}/i.db import-incidents {CAD}", {},
     ("give --tz ZONE, the IANA zone of the export's local times (e.g. America/Los_Angeles; --tz UTC only if the "
     "times really are UTC)")),
    ("no CSV", "--db {tmp}/i.db import-incidents --tz UTC", {}, "import-incidents needs a CSV file (or --list-presets)"),
    ("--map without =", f"--db {{tmp}}/i.db import-incidents {CAD} --tz UTC --map number", {},
     "--map wants field=column, got 'number'"),
    ("--map unknown field", f"--db {{tmp}}/i.db import-incidents {CAD} --tz UTC --map case=X", {},
     f"unknown field(s) in --map: case (fields: {', '.join(FIELDS)})"),
    ("--map without a number", f"--db {{tmp}}/i.db import-incidents {CAD} --tz UTC --map type=Priority", {},
     "--map needs at least number=COLUMN"),
    ("--map column missing", (f"--db {{tmp}}/i.db import-incidents {CAD} --tz UTC --preset seattle-cad "
     "--map number=Case"), {}, f"{CAD}: column(s) 'Case' not in the header ({CAD_COLUMNS})"),
    ("X/Y without --crs", ("--db {tmp}/i.db import-incidents {tmp}/xy.csv --tz UTC --map number=N --map received=R "
     "--map x=X --map y=Y"), {"xy.csv": b"N,R,X,Y\n1,2024-01-01 10:00,1270000,210000\n"},
     "{tmp}/xy.csv: X/Y columns need their projection: give --crs EPSG:NNNN"),
    ("--crs not EPSG", f"--db {{tmp}}/i.db import-incidents {CAD} --tz UTC --crs bad", {},
     "--crs wants EPSG:NNNN, got 'bad'"),
    ("--crs unknown", f"--db {{tmp}}/i.db import-incidents {CAD} --tz UTC --crs EPSG:9999", {},
     "--crs: pyproj does not know EPSG:9999"),
    ("CSV missing", "--db {tmp}/i.db import-incidents {tmp}/none.csv --tz UTC", {},
     "{tmp}/none.csv: cannot read (No such file or directory)"),
    ("CSV binary", "--db {tmp}/i.db import-roster {tmp}/bin.csv --tz UTC", {"bin.csv": b"PK\x03\x04\x00\x00"},
     "{tmp}/bin.csv: not a text file"),
    ("CSV empty", "--db {tmp}/i.db import-footage-list {tmp}/empty.csv --tz UTC", {"empty.csv": b"\n \n"},
     "{tmp}/empty.csv: empty file, no header row"),
    ("not an inventory", f"--db {{tmp}}/i.db import-footage-list {CAD} --tz UTC", {},
     (f"{CAD}: the axon preset finds no evidence id or no start column (columns: {CAD_COLUMNS}); name them "
     "with --map id=COLUMN --map start=COLUMN")),
    ("not a roster", f"--db {{tmp}}/i.db import-roster {CAD} --tz UTC", {},
     (f"{CAD}: a roster needs a from column and a camera or officer column (columns: {CAD_COLUMNS}); name them "
     "with --map from=COLUMN --map camera=COLUMN")),
    # the report's policy
    ("policy missing", "--db {db} gaps --policy {tmp}/none.toml", {},
     "policy: cannot read {tmp}/none.toml: No such file or directory"),
    ("policy not TOML", "--db {db} gaps --policy {tmp}/policy.toml", _policy("covered = = 1"),
     "policy: {tmp}/policy.toml is not valid TOML: Invalid value (at line 1, column 11)"),
    ("policy section", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[reporting]\nx = 1\n"),
     "policy: unknown section [reporting]"),
    ("policy key", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[coverage]\ncoverd = 0.8\n"),
     "policy: unknown key 'coverd' in [coverage]"),
    ("policy duration", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[window]\nbefore = 'soon'\n"),
     "policy: bad duration 'soon' for window.before (use e.g. 90s, 10m, 2h)"),
    ("policy share", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[coverage]\ncovered = 80\n"),
     "policy: coverage.covered must be a number from 0 to 1"),
    ("policy flag", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[requires]\nuse_of_force = 'yes'\n"),
     "policy: requires.use_of_force must be true or false"),
    ("policy list", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[requires]\npriorities = 1\n"),
     "policy: requires.priorities must be a list of strings"),
    ("policy zone", "--db {db} gaps --policy {tmp}/policy.toml", _policy("[agency]\nzone = 'Mars/Base'\n"),
     "policy: unknown time zone 'Mars/Base'"),
]


@pytest.mark.parametrize(("args", "files", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_user_error_is_one_line_and_exit_2(dbs: dict[str, object], tmp_path: Path, args: str,
                                           files: dict[str, bytes], message: str) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    values = {"tmp": tmp_path, **dbs}
    code, stderr = invoke([arg.format(**values) for arg in shlex.split(args)])
    assert (code, stderr) == (2, f"error: {message.format(**values)}\n")


def test_every_message_row_is_distinct() -> None:
    assert len({c[3] for c in CASES}) == len(CASES) and len({c[0] for c in CASES}) == len(CASES)
