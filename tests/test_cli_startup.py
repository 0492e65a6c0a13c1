"""Start-up: `--help` imports no command module and no heavy dependency; its command list is the commands' own."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest

from bodycam_index import cli

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
