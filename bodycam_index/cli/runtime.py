"""What every command shares at run time: the database it opens (closed when the command ends, whatever happens)
and how much it says (`-q`: only data and errors; `-v`: per-file lines and warnings too)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .. import db as store

if TYPE_CHECKING:
    import sqlite_utils


def open_db(write: bool = False) -> sqlite_utils.Database | store.Reader:
    """The command's database (`--db`, `$BODYCAM_INDEX_DB` or the default), closed when the command ends: through
    sqlite-utils for a command that writes, read-only (`mode=ro`, stdlib sqlite3 only) for one that only reads."""
    ctx = click.get_current_context()
    db = store.connect(ctx.obj.db, write=True) if write else store.open_read(ctx.obj.db)
    ctx.find_root().call_on_close(db.close)
    return db


def _flag(name: str) -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.obj is not None and getattr(ctx.obj, name, False))


def quiet() -> bool:
    """Whether `-q/--quiet` was given."""
    return _flag("quiet")


def verbose() -> bool:
    """Whether `-v/--verbose` was given."""
    return _flag("verbose")


def say(text: str, err: bool = False) -> None:
    """A message that is not the data asked for (a summary, a confirmation): left out under `-q`."""
    if not quiet():
        click.echo(text, err=err)


def detail(text: str) -> None:
    """A line for `-v` only (per-file progress, warnings), on stderr."""
    if verbose():
        click.echo(text, err=True)


def show_progress(as_json: bool = False) -> bool:
    """Whether to draw a progress bar: on a terminal, not for JSON, not under `-q` or `-v` (which prints lines)."""
    return sys.stderr.isatty() and not as_json and not quiet() and not verbose()
