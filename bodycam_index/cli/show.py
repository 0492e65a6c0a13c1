"""`show`: one incident or one recording, from the library's records (`records.py`); the same printers serve
`footage show` and `incidents show`, so every command shows a recording or an incident the same way."""

from __future__ import annotations

from typing import Any

import click

from ..lookup import find_footage, find_incident
from ..model import InputError
from ..records import footage_record, incident_record
from .options import accept_option, emit_json, json_option
from .runtime import open_db

_FOOTAGE_FIELDS = ("path", "origin", "status", "error", "sha256", "start_utc", "end_utc", "duration_s", "time_source",
                   "zone_kind", "time_reason", "clock_offset_s", "drift_s", "make", "model", "serial", "firmware",
                   "officer", "unit", "lat", "lon", "fix_count", "dropped_fixes", "dems_source", "dems_id")


def _state(link: dict[str, Any]) -> str:
    state = "excluded" if link["excluded"] else "accepted" if link["accepted"] else "not counted"
    return state + (" manual" if link["manual"] else "") + (" uncertain" if link["uncertain"] else "")


def print_footage(record: dict[str, Any]) -> None:
    """A recording's record as text."""
    click.echo(f"recording {record['id']}: {record['path'] or '(inventory entry)'}")
    for key in _FOOTAGE_FIELDS[1:]:
        if record.get(key) is not None:
            click.echo(f"  {key:<15} {record[key]}")
    for warning in record["warnings"]:
        click.echo(f"  warning         {warning}")
    click.echo("time evidence:")
    for cand in record["time_candidates"]:
        utc = f" = {cand['value_utc']}" if cand["value_utc"] else ""
        note = f"  {cand['note']}" if cand["note"] else ""
        mark = "*" if cand["chosen"] else " "
        click.echo(f" {mark} {cand['source']:<28} {cand['value']} ({cand['zone']}){utc}{note}")
    gps = record["gps"]
    click.echo(f"GPS evidence: {gps['fixes']} fixes")
    for fix in [gps["first"], gps["last"]][: 2 if gps["fixes"] > 1 else gps["fixes"]]:
        when = fix["t_utc"] or f"+{fix['t_offset_s']}s"
        click.echo(f"   {when}  {fix['lat']:.6f}, {fix['lon']:.6f}")
    for hint in record["hints"]:
        click.echo(f"incident number hint {hint['value']} → {hint['normalized'] or 'not a number'}")
    click.echo("incidents:" if record["links"] else "incidents: none linked (orphan)")
    for link in record["links"]:
        click.echo(f"  {link['incident']}  {link['method']} {link['score']:.2f} {_state(link)}: {link['reason']}")


def _timeline(start: float, end: float, spans: list[list[float]], width: int = 48) -> str:
    step = (end - start) / width
    mids = (start + (k + 0.5) * step for k in range(width))
    return "".join("█" if any(s <= mid <= e for s, e in spans) else "·" for mid in mids)


def print_incident(record: dict[str, Any]) -> None:
    """An incident's record as text."""
    click.echo(f"incident {record['number']}  type {record['type'] or '-'}  priority {record['priority'] or '-'}  "
               f"precinct {record['precinct'] or '-'}  requires footage: "
               f"{'yes' if record['requires_footage'] else 'no'}")
    for key in ("received_utc", "dispatched_utc", "arrived_utc", "cleared_utc"):
        click.echo(f"  {key[:-4]:<10} {record[key] or '-'}")
    position = f"{record['lat']}, {record['lon']}" if record["lat"] is not None else "-"
    click.echo(f"  position   {position}")
    click.echo(f"  source     {record['source']}" + (f" ({record['source_file']}:{record['source_line']})"
                                                      if record["source_file"] else ""))
    if record["time_flags"]:
        click.echo(f"  flags      {', '.join(map(str, record['time_flags']))}")
    if record["aliases"]:
        aliases = (f"{a['alias']} ({a['raw']})" if a["raw"] else a["alias"] for a in record["aliases"])
        click.echo(f"  aliases    {', '.join(aliases)}")
    for unit in record["units"]:
        who = f"{unit['unit'] or ''}{'/' + unit['officer'] if unit['officer'] else ''}"
        times = "  ".join(f"{k[:-4]} {unit[k]}" for k in ("dispatched_utc", "arrived_utc", "cleared_utc") if unit[k])
        click.echo(f"  unit       {who}{'  ' + times if times else ''}")
    click.echo("footage:" if record["links"] else "footage: none linked")
    for link in record["links"]:
        click.echo(f"  [{link['footage_id']}] {link['path'] or '-'}  "
                   f"{link['start_utc'] or '?'} → {link['end_utc'] or '?'}")
        click.echo(f"       {link['method']} {link['score']:.2f} {_state(link)}: {link['reason']}")
    coverage = record["coverage"]
    if coverage is not None:
        assumed = f" (assumed +{coverage['end_assumed_s'] / 60:g}m)" if coverage["end_assumed_s"] is not None else ""
        click.echo(f"coverage of [arrived, cleared{assumed}]: {coverage['share']:.1%}")
        click.echo(f"  |{_timeline(coverage['start_epoch'], coverage['end_epoch'], coverage['spans_epoch'])}|")


def show_footage(db: Any, fid: int, as_json: bool, accept_time_only: bool = False) -> None:
    """Print one recording's record (text or JSON)."""
    record = footage_record(db, fid, accept_time_only)
    emit_json(record) if as_json else print_footage(record)


def show_incident(db: Any, iid: int, as_json: bool, accept_time_only: bool = False) -> None:
    """Print one incident's record (text or JSON)."""
    record = incident_record(db, iid, accept_time_only)
    emit_json(record) if as_json else print_incident(record)


@click.command()
@click.argument("ref")
@accept_option("Count time-only candidates as coverage.")
@json_option("Print the record as JSON (an object: the incident's or the recording's).")
def show(ref: str, accept: tuple[str, ...], as_json: bool) -> None:
    """Everything known about one INCIDENT (number or alias) or one recording (id, path or sha256 prefix)."""
    db = open_db()
    iid = find_incident(db, ref)
    if iid is not None:
        show_incident(db, iid, as_json, "time-only" in accept)
        return
    fid = find_footage(db, ref)
    if fid is None:
        raise InputError(f"no incident or recording matches {ref!r}")
    show_footage(db, fid, as_json, "time-only" in accept)


COMMANDS = [show]
