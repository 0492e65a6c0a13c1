"""CLI conventions: global options anywhere, exit codes by kind of error, quiet closed pipes, shared options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bodycam_index.cli import EXIT_BUG, EXIT_INPUT, EXIT_PIPE, hoist_global_options, main, options
from bodycam_index.db import connect
from bodycam_index.model import InputError

SAMPLE = Path(__file__).resolve().parents[1] / "sample_media"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_global_options_before_or_after_the_subcommand(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    connect(db).close()
    assert hoist_global_options(["audit", "list", "--db", str(db), "-q", "--", "-v"]) == [
        "--db", str(db), "--quiet", "audit", "list", "--", "-v"]
    before = invoke("--db", str(db), "audit", "list", "--json")
    after = invoke("audit", "list", "--json", "--db", str(db), "--debug", "-v")
    assert before.exit_code == after.exit_code == 0 and before.stdout == after.stdout == "[]\n"


def test_quiet_and_verbose_together_are_a_usage_error(tmp_path: Path) -> None:
    result = invoke("-q", "-v", "--db", str(tmp_path / "x.db"), "audit", "list")
    assert result.exit_code == 2 and "--quiet and --verbose contradict each other" in result.stderr


def _failing_command(exc: BaseException) -> click.Command:
    @click.command("boom")
    def boom() -> None:
        raise exc
    return boom


@pytest.mark.parametrize(("exc", "code", "line"), [
    (InputError("bad thing"), EXIT_INPUT, "error: bad thing"),
    (FileNotFoundError(2, "No such file or directory", "x.csv"), EXIT_INPUT,
     "error: [Errno 2] No such file or directory: 'x.csv'"),
    (ValueError("a bug, not bad input"), EXIT_BUG,
     "internal error: ValueError: a bug, not bad input (run again with --debug for the traceback)"),
])
def test_exit_codes_by_kind_of_error(exc: BaseException, code: int, line: str) -> None:
    main.add_command(_failing_command(exc))
    try:
        result = invoke("boom")
        assert (result.exit_code, result.stderr) == (code, line + "\n")
        debug = invoke("boom", "--debug")  # --debug read from the option, wherever it is: the exception escapes
        assert debug.exception is exc
    finally:
        main.commands.pop("boom")


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`bodycam-index … | head -1`: no "Broken pipe" message, exit 141 like a shell's SIGPIPE."""
    script = ("import click, sys\n"
              "from bodycam_index.cli import main\n"
              "@click.command('lines')\n"
              "def lines():\n"
              "    for n in range(200000):\n"
              "        click.echo(f'line {n}')\n"
              "main.add_command(lines)\n"
              "main(['lines'])\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=os.environ | {"PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None and proc.stdout.readline() == b"line 0\n"
    proc.stdout.close()
    assert proc.wait(timeout=60) == EXIT_PIPE
    assert proc.stderr is not None and proc.stderr.read() == b""


def test_shared_validators_give_one_line_each() -> None:
    assert options.parse_duration("1.5h") == 5400 and options.parse_distance("1.2km") == 1200
    for call, text in [(lambda: options.parse_duration("soon"), "bad duration 'soon' (use e.g. 90s, 10m, 2h)"),
                       (lambda: options.parse_distance("far"), "bad distance 'far' (use e.g. 300m, 1km)"),
                       (lambda: options.zone("Mars/Base"),
                        "unknown time zone 'Mars/Base' (use an IANA name such as America/Los_Angeles)")]:
        with pytest.raises(InputError) as caught:
            call()
        assert str(caught.value) == text


def test_output_dash_is_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert options.write_output(Path("-"), "to stdout\n") is False
    assert capsys.readouterr().out == "to stdout\n" and not Path("-").exists()
    target = tmp_path / "out.txt"
    assert options.write_output(target, "to file\n") is True and target.read_text() == "to file\n"
