"""Commands that load incidents, DEMS inventories and camera rosters: import-incidents, import-footage-list,
import-roster."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import click

from ..incidents import presets
from ..incidents.dems import DEMS_PRESETS, import_footage_list
from ..incidents.importer import ImportReport, import_incidents, preview
from ..incidents.infer import Proposal
from ..incidents.plan import DATE_ORDERS, KINDS, MappingError
from ..incidents.presets import Rules
from ..incidents.roster import import_roster
from ..model import InputError
from ..reports.render import excel_safe
from .options import emit_json, emit_table, json_option, tz_option
from .runtime import open_db, quiet, verbose

_SHOWN_SKIPS = 5


def _proposal_data(proposal: Proposal | None) -> dict[str, Any] | None:
    if proposal is None:
        return None
    return {"map": proposal.mapping(), "options": proposal.map_line(), "problems": proposal.problems,
            "kind": proposal.kind}


def _report(report: ImportReport, errors: str | None, as_json: bool = False) -> None:
    """Print an import's counts and first skipped rows (all with -v, none with -q; everything with --json); write
    every skipped row to `errors` (spreadsheet-safe)."""
    if as_json:
        emit_json({"source": report.source, "preset": report.preset, "rows": report.rows, "new": report.new,
                   "updated": report.updated, "unchanged": report.unchanged, "skipped": report.skipped,
                   "aliased": report.aliased, "proposal": _proposal_data(report.proposal), "notes": report.notes,
                   "skipped_rows": [{"file": s.file, "line": s.line, "reason": s.reason}
                                    for s in report.skipped_rows]})
    elif not quiet():
        _proposal(report.proposal)
        shown = None if verbose() else _SHOWN_SKIPS
        click.echo(f"{report.source}: {report.summary()}")
        for note in report.notes:
            click.echo(f"  note: {note}")
        for skipped in report.skipped_rows[:shown]:
            click.echo(f"  skipped {skipped.file}:{skipped.line}: {skipped.reason}")
        if shown is not None and report.skipped > shown:
            click.echo(f"  … and {report.skipped - shown} more" + ("" if errors else " (-v or --errors FILE lists them)"))
    if errors:
        with open(errors, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", "line", "reason"])
            writer.writerows([excel_safe(s.file), s.line, excel_safe(s.reason)] for s in report.skipped_rows)


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    """`--map field=column` pairs as a dict."""
    mapping = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column:
            raise InputError(f"--map wants field=column, got {pair!r}")
        mapping[name.strip()] = column
    return mapping


def _rules(types: tuple[str, ...], priorities: tuple[str, ...], require_all: bool) -> Rules | None:
    """The `--require-*` options as footage rules, or None to keep the preset's."""
    split = tuple(p.strip() for value in priorities for p in value.split(",") if p.strip())
    if not (types or split or require_all):
        return None
    return Rules(all=require_all, types=types, priorities=split)


def _proposal(proposal: Proposal | None) -> None:
    """Show a mapping inferred because no preset matched, as a ready `--map` line with a confidence per field."""
    if proposal is None:
        return
    click.echo("no preset matches these columns; inferred mapping:")
    for line in proposal.describe():
        click.echo(line)
    click.echo(f"  as options: {proposal.map_line()}")


#: A time written with its own UTC offset (`…+00`, `…-05:00`, `…Z`): --tz does not apply to it.
_WITH_OFFSET = re.compile(r"(?:[+-]\d{2}(?::?\d{2})?|Z)$", re.ASCII)


def _preview(rows: list[dict[str, Any]]) -> None:
    """The first incidents as they would be stored."""
    click.echo(f"dry run: nothing written; the first {len(rows)} incidents as they would be stored:")
    for row in rows:
        aliases = f" (aliases {', '.join(row['aliases'])})" if row["aliases"] else ""
        click.echo(f"  line {row['line']}: {row['number_raw']!r} → {row['number']}{aliases}")
        for name, (local, utc) in row["times"].items():
            zone = "its own offset" if local and _WITH_OFFSET.search(local) else "local"
            click.echo(f"    {name:<10} {local or '-'} ({zone}) → {utc or 'unreadable'}")
        if row["lat"] is not None:
            click.echo(f"    position   {row['lat']:.6f}, {row['lon']:.6f}")
        if row["units"]:
            click.echo(f"    units      {', '.join(row['units'])}")
        if row["flags"]:
            click.echo(f"    flags      {', '.join(row['flags'])}")


def _list_presets(as_json: bool) -> None:
    columns = ["preset", "kind", "requires footage", "description"]
    rows = [[p.name, "use of force" if p.use_of_force else "CAD", p.rules.describe(), p.description]
            for p in presets.PRESETS.values()]
    if as_json:
        emit_json([dict(zip(columns, row, strict=True)) for row in rows])
        return
    emit_table("incident presets", columns, rows, tsv_when_piped=True)


def _require_zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Exports carry local times without a zone: the user must say which, never a silent default."""
    if value is None and not ctx.params.get("list_presets"):
        raise InputError("give --tz ZONE, the IANA zone of the export's local times (e.g. America/Los_Angeles; "
                         "--tz UTC only if the times really are UTC)")
    return value


#: `--date-order`, shared by every import of local times (`plan.settle_date_order`).
date_order_option = click.option(
    "--date-order", type=click.Choice(DATE_ORDERS),
    help="Whether dates like 05/01/2023 are month-first or day-first (default: from the first date that shows it, "
         "else month-first, said in the output).")


@click.command("import-incidents")
@click.argument("csv_path", metavar="CSV", required=False, type=click.Path(dir_okay=False))
@click.option("--preset", help="Agency preset (see --list-presets); detected from the header when omitted.")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN", help="Map a field to a column (repeatable).")
@tz_option("IANA zone of the local times (required).", callback=_require_zone)
@click.option("--source", help="Label for this export (default: the preset name); re-imports match on it.")
@click.option("--require-type", "types", multiple=True, metavar="GLOB", help="Types that require footage.")
@click.option("--require-priority", "priorities", multiple=True, metavar="P[,P…]",
              help="Priorities that require footage (1 also matches 1A).")
@click.option("--require-all", is_flag=True, help="Every incident requires footage.")
@click.option("--kind", type=click.Choice(KINDS), help="cad, or use-of-force (every incident requires footage).")
@click.option("--crs", metavar="EPSG:NNNN", help="Projection of the x/y columns (any EPSG code pyproj knows).")
@date_order_option
@click.option("--dry-run", is_flag=True, help="Show the first incidents as they would be stored; write nothing.")
@click.option("--errors", metavar="FILE", help="Write skipped rows (file, line, reason) to this CSV.")
@click.option("--list-presets", is_flag=True, is_eager=True, help="Show the presets and exit.")
@json_option("Print the import's counts and skipped rows (or the dry run's incidents, or the presets) as JSON.")
@click.pass_context
def import_incidents_cmd(ctx: click.Context, csv_path: str | None, preset: str | None, maps: tuple[str, ...],
                         tz: str, source: str | None, types: tuple[str, ...], priorities: tuple[str, ...],
                         require_all: bool, kind: str | None, crs: str | None, date_order: str | None, dry_run: bool,
                         errors: str | None, list_presets: bool, as_json: bool) -> None:
    """Load a CAD / RMS / use-of-force export (CSV or TSV) as incidents.

    Columns come from --preset, --map, a preset detected from the header, or else a mapping inferred from header
    names and cells: printed as --map options with a confidence per field, used when certain, otherwise shown
    with exit code 2. Default footage rules: use-of-force presets require footage for every incident; CAD presets
    for priority 1 and 2 (or High / Emergency). --require-* options replace them.
    """
    if list_presets:
        _list_presets(as_json)
        return
    if not csv_path:
        raise InputError("import-incidents needs a CSV file (or --list-presets)")
    options = {"preset": preset, "mapping": _mapping(maps) or None, "tz": tz, "kind": kind, "crs": crs,
               "date_order": date_order}
    try:
        if dry_run:
            plan, rows = preview(Path(csv_path), **options)
            if as_json:
                emit_json({"dry_run": True, "proposal": _proposal_data(plan.proposal), "notes": list(plan.notes),
                           "incidents": rows})
                return
            _proposal(plan.proposal)
            _preview(rows)
            for note in plan.notes:
                click.echo(f"  note: {note}")
            return
        report = import_incidents(open_db(write=True), Path(csv_path), source=source,
                                  requires_footage=_rules(types, priorities, require_all), **options)
    except MappingError as exc:
        click.echo(str(exc), err=True)
        ctx.exit(2)
    _report(report, errors, as_json)


@click.command("import-footage-list")
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.option("--preset", default="axon", show_default=True, type=click.Choice(sorted(DEMS_PRESETS)))
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="Map a field (id, number, start, end, duration, officer, serial, category) to a column "
                   "(repeatable).")
@click.option("--source", help="Label for this inventory (default: the preset name); re-imports match on it.")
@date_order_option
@tz_option("IANA zone of the local times (required).", callback=_require_zone)
@click.option("--errors", metavar="FILE", help="Write skipped rows (file, line, reason) to this CSV.")
@json_option("Print the import's counts and skipped rows as JSON.")
def import_footage_list_cmd(csv_path: str, preset: str, maps: tuple[str, ...], source: str | None,
                            date_order: str | None, tz: str, errors: str | None, as_json: bool) -> None:
    """Load a DEMS evidence inventory as footage records (no video files needed).

    Another system's export is read with --map for the columns the preset does not name, under its own --source.
    """
    report = import_footage_list(open_db(write=True), Path(csv_path), preset=preset, tz=tz,
                                 mapping=_mapping(maps) or None, source=source, date_order=date_order)
    _report(report, errors, as_json)


@click.command("import-roster")
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="Map a field (camera, officer, unit, from, to) to a column (repeatable).")
@date_order_option
@tz_option("IANA zone of the local times (required).", callback=_require_zone)
@click.option("--errors", metavar="FILE", help="Write skipped rows (file, line, reason) to this CSV.")
@json_option("Print the import's counts and skipped rows as JSON.")
def import_roster_cmd(csv_path: str, maps: tuple[str, ...], date_order: str | None, tz: str, errors: str | None,
                      as_json: bool) -> None:
    """Load camera serial ↔ officer (badge) ↔ unit assignments, from … to."""
    report = import_roster(open_db(write=True), Path(csv_path), tz=tz, mapping=_mapping(maps) or None,
                           date_order=date_order)
    _report(report, errors, as_json)


COMMANDS = [import_incidents_cmd, import_footage_list_cmd, import_roster_cmd]
