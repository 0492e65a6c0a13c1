"""The README's examples do what they say: the `$ bodycam-index …` sessions on `sample_media/` run as written, in
order, in a fresh folder, and print the output the README shows; the synopsis lines name real commands and options.
"""

from __future__ import annotations

import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlite_utils.cli import cli as sqlite_utils_cli

from bodycam_index.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Lines of shown output that differ from run to run or from machine to machine, by design.
VARIABLE = re.compile(r"sha256|^\s+database\s|^\s+[0-9a-f]{20,}\s*$|^\s+\S+\) sha256|^\s+tool\s")


def blocks() -> list[list[str]]:
    """The README's fenced code blocks, as lines."""
    return [block.splitlines() for block in re.findall(r"^```[^\n]*\n(.*?)^```", README, re.MULTILINE | re.DOTALL)]


def install_commands() -> list[str]:
    """The `bodycam-index` commands inside the first (install and scan) line."""
    first = blocks()[0][0]
    return [part.strip().removeprefix(".venv/bin/") for part in first.split("&&") if "bodycam-index" in part]


def sessions() -> list[tuple[str, list[str]]]:
    """Every `$ bodycam-index --db sample.db …` and `$ sqlite-utils … sample.db …` line with the output shown below
    it, in README order."""
    found: list[tuple[str, list[str]]] = []
    for block in blocks():
        output: list[str] | None = None
        for line in block:
            if line.startswith("$ "):
                output = []
                found.append((line[2:], output))
            elif output is not None:
                output.append(line)
    return [(cmd, out) for cmd, out in found
            if cmd.startswith(("bodycam-index --db sample.db", "sqlite-utils ")) and " sample.db " in cmd]


def synopses() -> list[str]:
    """Lines that start with `bodycam-index ` in a block without `$` prompts (syntax with placeholders)."""
    return [line for block in blocks() if not any(x.startswith("$") for x in block)
            for line in block if line.startswith("bodycam-index ")]


def _args(command: str) -> tuple[click.Command, list[str], bool]:
    """The command's program, its arguments, and whether the line ends with `; echo $?`."""
    echo = command.rstrip().endswith("; echo $?")
    words = shlex.split(command.removesuffix("; echo $?") if echo else command, comments=True)
    programs = {"bodycam-index": main, "sqlite-utils": sqlite_utils_cli}
    return programs[words[0]], words[1:], echo


def _normalised(lines: list[str], folder: Path) -> list[str]:
    """Output lines with the run's folder written as the README writes it (`/…/`) and table padding and rules
    shortened (their widths follow the folder's length)."""
    return [re.sub(r"\s+", " ", re.sub(r"-{3,}", "---", re.sub(r"─+", "─", line.replace(f"{folder}/", "/…/"))))
            .strip() for line in lines]


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """A fresh folder (short, so that table cells of paths do not wrap) holding a copy of sample_media."""
    base = Path(tempfile.mkdtemp(prefix="readme"))
    shutil.copytree(ROOT / "sample_media", base / "sample_media")
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _run(folder: Path, monkeypatch: pytest.MonkeyPatch, program: click.Command, args: list[str]) -> Result:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("BODYCAM_INDEX_DB", raising=False)
    monkeypatch.delenv("BODYCAM_AUDIT_KEY", raising=False)
    return CliRunner().invoke(program, args)


def test_readme_has_the_examples_this_test_reads() -> None:
    assert len(install_commands()) == 2 and len(sessions()) >= 9 and len(synopses()) >= 14


def test_install_line_scans_sample_media(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (program, scan, _), (_, listing, _) = (_args(c) for c in install_commands())
    scanned = _run(folder, monkeypatch, program, scan)
    assert scanned.exit_code == 0, scanned.output
    assert scanned.stdout.startswith("4 new, 0 unchanged (skipped), 0 updated, 0 moved, 1 failed;")
    listed = _run(folder, monkeypatch, program, listing)
    assert listed.exit_code == 0 and "GX010042.MP4" in listed.stdout and "4 of 4 recordings shown" in listed.stdout


@pytest.mark.parametrize("index", range(len(sessions())), ids=lambda i: sessions()[i][0][28:70])
def test_session_runs_as_written(folder: Path, monkeypatch: pytest.MonkeyPatch, index: int) -> None:
    """Run in README order (the module's database carries over), each shows the README's output."""
    command, shown = sessions()[index]
    program, args, echo = _args(command)
    result = _run(folder, monkeypatch, program, args)
    shown = list(shown)
    expected_code = int(shown.pop()) if echo else 0
    assert result.exit_code == expected_code, result.output
    assert result.stdout or result.stderr, f"{command} printed nothing"
    actual = _normalised(result.stdout.splitlines(), folder)
    if not shown:
        return
    assert len(actual) == len(shown), "\n".join(actual)
    for got, want in zip(actual, _normalised(shown, folder), strict=True):
        if not VARIABLE.search(want):
            assert got == want


@pytest.mark.parametrize("line", synopses())
def test_synopsis_names_real_commands_and_options(line: str) -> None:
    """`bodycam-index import-incidents calls.csv --preset …`: placeholders (calls.csv, ID|PATH…) cannot run, but the
    subcommand and every option the line names must exist."""
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " "), comments=True)[1:]
    path = [w for w in words[:2] if not w.startswith("-") and w.islower() and w.replace("-", "").isalpha()]
    group: click.Command = main
    for name in path:  # get_command: the CLI loads a command's module when it is asked for
        found = group.get_command(click.Context(group), name) if isinstance(group, click.Group) else None
        group = found or group
    assert group is not main, line
    known = {opt for param in group.params for opt in getattr(param, "opts", [])}
    for option in (w.split("=")[0] for w in words if w.startswith("-")):
        assert option in known, f"{line}: {option} is not an option of {group.name}"

