"""Start-up: `--help` imports no command module and no heavy dependency; its command list is the commands' own; the
read commands import no sqlite-utils, rich or other heavy dependency, and none of the scanner, importer or linker
(checked by the modules loaded, not by timing: figures are in the README, from scripts/bench_startup.py)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bodycam_index import cli

SAMPLE = Path(__file__).resolve().parents[1] / "sample_media"
LA = "America/Los_Angeles"

#: Modules `bodycam-index --help` must not load (each costs start-up time; the commands import them when they run).
HEAVY = ("sqlite3", "sqlite_utils", "rich", "numpy", "tzfpy", "av", "gpxpy", "pynmea2", "exifread",
         "pyproj", "defusedxml", "bodycam_index.db", "bodycam_index.model", "bodycam_index.scan")


def test_help_lists_the_commands_without_importing_them() -> None:
    code = ("import sys, json\nfrom bodycam_index.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    loaded = set(json.loads(lines[-1]))
    assert [name for name in HEAVY if name in loaded] == []
    assert not [name for name in loaded if name.startswith("bodycam_index.cli.")]
    listed = [line.split()[0] for line in lines[lines.index("Commands:") + 1 : -1]]
    assert listed == sorted(cli._COMMANDS)


@pytest.mark.parametrize("module", sorted({module for module, _ in cli._COMMANDS.values()}))
def test_command_table_matches_each_module(module: str) -> None:
    """Every command a module defines is in the table, under that module, with its own help's first paragraph
    (compared as `--help` shows it, at several widths)."""
    commands = importlib.import_module(f"bodycam_index.cli.{module}").COMMANDS
    assert {c.name for c in commands} == {name for name, (where, _) in cli._COMMANDS.items() if where == module}
    for command in commands:
        for width in (30, 55, 80, 400):
            table = click.Command(command.name, help=cli._COMMANDS[command.name][1]).get_short_help_str(width)
            assert table == command.get_short_help_str(width), command.name


def test_a_command_runs_after_a_lazy_load() -> None:
    context = click.Context(cli.main)
    assert cli.main.get_command(context, "probe") is not None and "probe" in cli.main.commands
    assert cli.main.get_command(context, "no-such-command") is None


def test_a_mistyped_command_gets_a_suggestion() -> None:
    done = subprocess.run([sys.executable, "-c", "from bodycam_index.cli import main; main(['scn'])"],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 2 and "No such command 'scn'" in done.stderr
    if hasattr(click.exceptions, "NoSuchCommand"):  # click 8.4+ suggests close names
        assert "Did you mean 'scan'?" in done.stderr


#: Modules no read command may load: third-party weight (sqlite-utils alone ~60 ms, rich's tables ~40 ms,
#: importlib.metadata ~30 ms), stdlib modules only some paths need, and the importer.
READ_HEAVY = ("sqlite_utils", "rich", "numpy", "pandas", "tzfpy", "av", "gpxpy", "pynmea2", "exifread", "pyproj",
              "defusedxml", "dateutil", "garmin_fit_sdk", "importlib.metadata", "statistics", "multiprocessing",
              "logging", "bodycam_index.incidents.importer")
SCANNER = ("bodycam_index.scan", "bodycam_index.recording", "bodycam_index.extract")
#: The linker's own code: a record (footage, incident, show) needs only `lookup`.
LINKER = ("bodycam_index.link", "bodycam_index.placejoin", "bodycam_index.audit")
GOPRO = SAMPLE / "footage" / "unit-3B12" / "2024-000451" / "GX010042.MP4"

#: The read commands (they open the database read-only and print, or write a report file) and what each must not
#: load beyond READ_HEAVY. `verify` re-hashes the recordings too (its time is the hashing): it uses the scanner's.
READ_COMMANDS: list[tuple[list[str], tuple[str, ...]]] = [
    (["footage", "list"], LINKER + SCANNER),
    (["footage", "list", "--json"], LINKER + SCANNER),
    (["footage", "show", str(GOPRO)], LINKER + SCANNER),
    (["show", "2024-000451"], LINKER + SCANNER),
    (["show", str(GOPRO)], LINKER + SCANNER),
    (["incidents", "list"], LINKER + SCANNER),
    (["incidents", "show", "2024-451"], LINKER + SCANNER),
    (["gaps", "--as-of", "2024-06-01", "--tz", LA], SCANNER),
    (["gaps", "--as-of", "2024-06-01", "--format", "json"], SCANNER),
    (["sample", "--n", "2", "--seed", "1", "--as-of", "2024-06-01"], SCANNER),
    (["export", "geojson"], LINKER[:2] + SCANNER),
    (["audit", "list"], LINKER[:2] + SCANNER),
    (["audit", "verify"], LINKER[:2] + SCANNER),
    (["verify"], LINKER[:2]),
]

_RUN = ("import json, sys\nfrom bodycam_index.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's story: sample_media scanned, its CAD export, roster and inventory imported, linked, one manual
    link (so that every read command has rows, links and an audit entry to show)."""
    db = tmp_path_factory.mktemp("startup") / "sample.db"
    exports = SAMPLE / "exports"
    for args in (["scan", "-j", "1", str(SAMPLE / "footage"), "--tz", LA],
                 ["import-incidents", str(exports / "cad_calls.csv"), "--preset", "seattle-cad", "--tz", LA],
                 ["import-roster", str(exports / "roster.csv"), "--tz", LA],
                 ["import-footage-list", str(exports / "dems_inventory.csv"), "--preset", "axon", "--tz", LA],
                 ["link"],
                 ["link", "add", str(SAMPLE / "footage" / "dashcam" / "2024_0301_143000_0007F.MP4"), "2024-000453",
                  "--reason", "dash cam of unit 3B12"]):
        result = CliRunner().invoke(cli.main, ["--db", str(db), *args])
        assert result.exit_code == 0, (args, result.output)
    return db


@pytest.mark.parametrize(("args", "also_not"), READ_COMMANDS,
                         ids=[" ".join(Path(a).name for a in args) for args, _ in READ_COMMANDS])
def test_a_read_command_loads_no_heavy_module(sample_db: Path, args: list[str], also_not: tuple[str, ...]) -> None:
    done = subprocess.run([sys.executable, "-c", _RUN, "--db", str(sample_db), *args], capture_output=True, text=True,
                          check=True, timeout=120)
    code, loaded = json.loads(done.stdout.splitlines()[-1])
    assert code in (0, None), done.stderr
    assert [name for name in READ_HEAVY + also_not if name in loaded] == []
    assert "bodycam_index.lookup" in loaded or args[0] in ("audit", "verify")  # the command did run its reads
