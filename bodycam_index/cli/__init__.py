"""The `bodycam-index` command: a thin layer over the library. Each sub-module adds its commands.

Conventions for every command: the global options (`--db`, `--debug`, `-q/--quiet`, `-v/--verbose`) go before or
after the subcommand; bad input (an `InputError`, an unreadable file, a database problem) is one line on stderr and
exit 2; anything else is a bug: one line and exit 3 (`--debug` shows the traceback of either); a closed pipe
(`| head`) ends quietly; data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..version import VERSION

#: Exit codes: 1 is left to commands that find something (gaps, changed files, a broken audit log).
EXIT_INPUT, EXIT_BUG, EXIT_PIPE = 2, 3, 141

_FLAGS = {"--debug": "--debug", "-q": "--quiet", "--quiet": "--quiet", "-v": "--verbose", "--verbose": "--verbose"}


@dataclass
class Context:
    """What every command gets: where the database is, whether to show tracebacks, and how much to say."""

    db: Path
    debug: bool
    quiet: bool = False
    verbose: bool = False


def hoist_global_options(args: list[str]) -> list[str]:
    """Move the global options found after the subcommand to the front (up to a `--`), so they work anywhere."""
    front: list[str] = []
    rest: list[str] = []
    k = 0
    while k < len(args):
        arg = args[k]
        if arg == "--":
            rest += args[k:]
            break
        if arg in _FLAGS:
            front.append(_FLAGS[arg])
        elif arg == "--db" and k + 1 < len(args):
            front += [arg, args[k + 1]]
            k += 1
        elif arg.startswith("--db="):
            front.append(arg)
        else:
            rest.append(arg)
        k += 1
    return front + rest


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so the interpreter's final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


#: Where each command lives and the first paragraph of its help: `--help` lists the commands from here, and a command
#: imports its module (and the part of the library it uses) only when it runs, which keeps start-up short.
#: tests/test_cli_startup.py checks this table against the commands themselves.
_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("audit", "The hash-chained log of manual links, exclusions and overrides."),
    "export": ("export", "Export incidents and footage: GeoJSON for QGIS, or flat CSV tables for spreadsheets."),
    "footage": ("footage", "What is in the database."),
    "gaps": ("reports", ("The auditor's report: every incident's state under a policy, gaps, orphans, clocks, "
                        "manifest.")),
    "import-footage-list": ("imports", ("Load a DEMS evidence inventory as footage records (no video files "
                                         "needed).")),
    "import-incidents": ("imports", "Load a CAD / RMS / use-of-force export (CSV or TSV) as incidents."),
    "import-roster": ("imports", "Load camera serial ↔ officer (badge) ↔ unit assignments, from … to."),
    "incidents": ("incidents", "List and show imported incidents."),
    "link": ("links", "Rebuild automatic links (manual links and exclusions are kept). Subcommands: add, remove."),
    "probe": ("footage", "Show what was found in FILES and from which tag, without a database."),
    "resolve": ("footage", ("Re-place stored wall-clock times with --tz, from the stored time candidates (no file is "
                           "read).")),
    "sample": ("reports", ("A reproducible random sample of required incident × officer pairs for manual review "
                          "(some without footage).")),
    "scan": ("footage", "Index the footage under PATHS (recursively) into the database."),
    "show": ("show", ("Everything known about one INCIDENT (number or alias) or one recording (id, path or sha256 "
                     "prefix).")),
    "verify": ("footage", ("Re-hash indexed files under PATHS (all without) and check the audit log; exit 1 on any "
                          "changed or missing file or audit finding, 2 when there is nothing to verify.")),
}


def _input_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean bad input: InputError, ExtractError, OSError, sqlite3.Error. Only a loaded module can
    have raised its own, so none is imported here (start-up time)."""
    errors: list[type[BaseException]] = [OSError]
    model = sys.modules.get(f"{__name__.rpartition('.')[0]}.model")
    if model is not None:
        errors += [model.InputError, model.ExtractError]
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None:
        errors.append(sqlite3.Error)
    return tuple(errors)


class _Group(click.Group):
    """Global options anywhere; library errors as one line and an exit code (traceback only with --debug);
    commands loaded from their module when asked for (`_COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module = importlib.import_module(f"{__name__}.{_COMMANDS[cmd_name][0]}")
            for command in module.COMMANDS:
                self.commands.setdefault(command.name, command)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                           list[str]]:
        if args and args[0] not in self.list_commands(ctx):  # mistyped: every command loaded for click's suggestion
            for name in _COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from `_COMMANDS` (no module imported) and any command added at run time."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            added = self.commands.get(name)
            if added is not None:
                if not added.hidden:
                    rows.append((name, added.get_short_help_str(limit)))
            else:
                rows.append((name, click.Command(name, help=_COMMANDS[name][1]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(EXIT_PIPE)
        except _input_errors() as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
                       err=True)
            ctx.exit(EXIT_BUG)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", metavar="FILE", help="Database file (default ./bodycam_index.db or $BODYCAM_INDEX_DB).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.option("--quiet", "-q", is_flag=True, help="Only errors and the data asked for.")
@click.option("--verbose", "-v", is_flag=True, help="Say more about what is done.")
@click.version_option(version=VERSION)
@click.pass_context
def main(ctx: click.Context, db: str | None, debug: bool, quiet: bool, verbose: bool) -> None:
    """Index body-worn and dash-cam footage, link it to incidents and report coverage gaps."""
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose contradict each other")
    from ..db import db_path

    ctx.obj = Context(db_path(db), debug, quiet, verbose)
    if quiet:  # otherwise the default level (WARNING) applies; logging is not even imported (start-up time)
        import logging

        logging.getLogger("bodycam_index").setLevel(logging.ERROR)
