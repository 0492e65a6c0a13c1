"""`incidents list|show`: the imported incidents (loading them is `imports.py`)."""

from __future__ import annotations

import click

from ..lookup import reference_incident
from ..records import incident_rows
from .options import accept_option, emit_json, emit_table, json_option
from .runtime import open_db
from .show import show_incident


@click.group("incidents")
def incidents_group() -> None:
    """List and show imported incidents."""


@incidents_group.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@json_option("Print JSON (a list of incidents).")
def list_cmd(limit: int, as_json: bool) -> None:
    """The latest incidents by received time."""
    rows = incident_rows(open_db(), limit)
    if as_json:
        emit_json(rows)
        return
    columns = ["number", "source", "type", "priority", "received_utc", "requires_footage", "units"]
    emit_table(None, columns, [[r[c] for c in columns] for r in rows], tsv_when_piped=True)


@incidents_group.command("show")
@click.argument("number")
@accept_option("Count time-only candidates as coverage.")
@json_option("Print the record as JSON (an object; the same as `show NUMBER --json`).")
def show_cmd(number: str, accept: tuple[str, ...], as_json: bool) -> None:
    """Everything known about one incident, found by its number or any alias in any written form."""
    db = open_db()
    show_incident(db, reference_incident(db, number), as_json, "time-only" in accept)


COMMANDS = [incidents_group]
