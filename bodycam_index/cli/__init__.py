"""The `bodycam-index` command: a thin layer over the library. Each sub-module adds its commands."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from ..db import db_path
from ..model import ExtractError, InputError


@dataclass
class Context:
    """What every command gets: where the database is, and whether to show tracebacks."""

    db: Path
    debug: bool


class _Group(click.Group):
    """Turns library errors into one line on stderr and exit code 2 (traceback only with --debug)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (InputError, ExtractError, OSError, ValueError) as exc:
            if "--debug" in sys.argv:
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", metavar="FILE", help="Database file (default ./bodycam_index.db or $BODYCAM_INDEX_DB).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="bodycam-index")
@click.pass_context
def main(ctx: click.Context, db: str | None, debug: bool) -> None:
    """Index body-worn and dash-cam footage, link it to incidents and report coverage gaps."""
    ctx.obj = Context(db_path(db), debug)


from . import audit, footage, incidents, reports

for _module in (footage, incidents, reports, audit):
    for _command in _module.COMMANDS:
        main.add_command(_command)
