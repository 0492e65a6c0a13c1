"""`export`: incidents and footage for GIS (GeoJSON) and spreadsheets (CSV tables)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model import InputError
from ..reports import geo
from .options import accept_option, to_stdout
from .runtime import open_db, say


@click.command()
@click.argument("kind", type=click.Choice(["geojson", "csv"]))
@click.option("--output", "-o", type=click.Path(path_type=Path, allow_dash=True),
              help="geojson: the file (default stdout); csv: the directory for the tables (required).")
@accept_option("Count time-only candidates as links in the GeoJSON properties.")
def export(kind: str, output: Path | None, accept: tuple[str, ...]) -> None:
    """Export incidents and footage: GeoJSON for QGIS, or flat CSV tables for spreadsheets."""
    db = open_db()
    if kind == "geojson":
        text = geo.dumps(geo.geojson(db, "time-only" in accept))
        if not to_stdout(output):
            output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return
    if to_stdout(output):
        raise InputError("export csv needs --output DIR (a directory for the tables)")
    for path in geo.write_csv_tables(db, output):
        say(f"wrote {path}")


COMMANDS = [export]
