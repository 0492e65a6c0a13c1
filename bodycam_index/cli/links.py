"""Commands that change links: link (rebuild the automatic ones), link add, link remove (manual, audited)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from ..link import LinkOptions, add_manual, relink, remove_link
from ..records import link_rows
from .options import distance_option, duration_option, emit_json, json_option
from .runtime import detail, open_db, say, verbose


@click.group(invoke_without_command=True)
@duration_option("--before", "10m", "Window starts this long before dispatch.")
@duration_option("--after", "30m", "Window ends this long after clearance.")
@duration_option("--default-duration", "60m",
                 "Assumed length of an incident with no clearance time (from its last known time).")
@distance_option("--radius", "300m", "GPS fix to incident distance for time+place.")
@duration_option("--drift-threshold", "2m",
                 "Clock drift beyond this widens the recording's window and marks its links uncertain.")
@duration_option("--unknown-zone-window", "14h",
                 "Widening for recordings whose time zone is unknown (scan with --tz to avoid it).")
@json_option("Print the run's counts as JSON.")
@click.pass_context
def link(ctx: click.Context, before: float, after: float, default_duration: float, radius: float,
         drift_threshold: float, unknown_zone_window: float, as_json: bool) -> None:
    """Rebuild automatic links (manual links and exclusions are kept). Subcommands: add, remove."""
    if ctx.invoked_subcommand is not None:
        return
    opts = LinkOptions(before_s=before, after_s=after, default_duration_s=default_duration, radius_m=radius,
                       drift_threshold_s=drift_threshold, unknown_zone_s=unknown_zone_window)
    db = open_db(write=True)
    stats = relink(db, opts)
    if verbose():
        for row in link_rows(db):
            state = "excluded" if row["excluded"] else "accepted" if row["accepted"] else "not counted"
            flags = (" manual" if row["manual"] else "") + (" uncertain" if row["uncertain"] else "")
            detail(f"{row['incident']} ← {row['file']}: {row['method']} {row['score']:.2f} {state}{flags}: "
                   f"{row['reason']}")
    if as_json:
        emit_json(asdict(stats))
        return
    methods = ", ".join(f"{n} {m}" for m, n in stats.links.items()) or "none"
    say(f"{stats.footage} recordings × {stats.incidents} incidents: links {methods}; "
        f"{stats.uncertain} uncertain; {stats.manual_kept} manual links/exclusions kept")


def _manual_row(db: Any, link_id: int) -> dict[str, Any]:
    """The manual link as stored: what the references resolved to."""
    row = db.execute(
        "SELECT l.id, l.footage_id, COALESCE(f.path, f.dems_source || ':' || f.dems_id), l.incident_id, i.number,"
        " l.excluded, l.reason FROM links l JOIN footage f ON f.id = l.footage_id"
        " JOIN incidents i ON i.id = l.incident_id WHERE l.id = ?", [link_id]).fetchone()
    keys = ("link_id", "footage_id", "footage", "incident_id", "incident", "excluded", "reason")
    return dict(zip(keys, row, strict=True))


def _manual_command(name: str, change: Any, verb: str, doc: str) -> click.Command:
    @click.command(name, help=doc)
    @click.argument("footage")
    @click.argument("incident")
    @click.option("--reason", required=True, help="Why (kept in the audit log).")
    @json_option("Print the stored link as JSON.")
    def command(footage: str, incident: str, reason: str, as_json: bool) -> None:
        db = open_db(write=True)
        row = _manual_row(db, change(db, footage, incident, reason))
        if as_json:
            emit_json(row)
            return
        say(f"{verb} {row['link_id']}: {row['footage']} (footage {row['footage_id']}) "
            f"{'✕' if row['excluded'] else '→'} incident {row['incident']} (audited)")
    return command


link.add_command(_manual_command(
    "add", add_manual, "manual link",
    "Link FOOTAGE (path, id or sha256 prefix) to INCIDENT (number or alias) by hand; audited."))
link.add_command(_manual_command(
    "remove", remove_link, "exclusion",
    "Exclude FOOTAGE from INCIDENT (re-linking will not restore it); audited."))

COMMANDS = [link]
