"""The `bodycam-index` command: a thin layer over the library. Each sub-module adds its commands.

Conventions for every command: the global options (`--db`, `--debug`, `-q/--quiet`, `-v/--verbose`) go before or
after the subcommand; bad input (an `InputError`, an unreadable file, a database problem) is one line on stderr and
exit 2; anything else is a bug: one line and exit 3 (`--debug` shows the traceback of either); a closed pipe
(`| head`) ends quietly; data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..db import db_path
from ..model import ExtractError, InputError

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


class _Group(click.Group):
    """Global options anywhere; library errors as one line and an exit code (traceback only with --debug)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(EXIT_PIPE)
        except (InputError, ExtractError, OSError, sqlite3.Error) as exc:
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
@click.version_option(package_name="bodycam-index")
@click.pass_context
def main(ctx: click.Context, db: str | None, debug: bool, quiet: bool, verbose: bool) -> None:
    """Index body-worn and dash-cam footage, link it to incidents and report coverage gaps."""
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose contradict each other")
    ctx.obj = Context(db_path(db), debug, quiet, verbose)
    logging.getLogger("bodycam_index").setLevel(logging.ERROR if quiet else logging.WARNING)


from . import audit, footage, incidents, links, reports, show

for _module in (footage, incidents, links, reports, show, audit):
    for _command in _module.COMMANDS:
        main.add_command(_command)
