"""Commands over reports: gaps, show, export."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from .. import db as store
from ..link import ACCEPTED, EPOCH, find_footage, find_incident
from ..model import InputError
from ..reports import geo
from ..reports import policy as policies
from ..reports.gaps import GROUPS, ReportOptions, build_report, coverage_span, has_gaps, union_seconds
from ..reports.render import FORMATS, render
from .options import output_option, parse_duration, to_stdout


def parse_when(text: str | None, end: bool = False) -> str | None:
    """A date or ISO time (UTC unless it has an offset) as stored text; a date `--until` includes that day."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"bad date {text!r} (use YYYY-MM-DD or an ISO time)") from exc
    if end and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", text):
        value += timedelta(days=1)
    return store.iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))


def _db(ctx: click.Context, write: bool = False) -> Any:
    return store.connect(ctx.obj.db, write=write)


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option()
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Footage policy (TOML); default: the shipped default_policy.toml.")
@click.option("--as-of", help="Judge as of this UTC time (default now); fix it to reproduce a report.")
@click.option("--tz", help="Agency time zone for local times beside UTC (overrides the policy's).")
@click.option("--by", type=click.Choice(GROUPS), default="unit", show_default=True, help="Summary grouping.")
@click.option("--since", help="Incidents from this date/time (UTC).")
@click.option("--until", help="Incidents before this time; a date includes the whole day (UTC).")
@click.option("--type", "type_", help="Only this incident type.")
@click.option("--priority", help="Only this priority.")
@click.option("--precinct", help="Only this precinct.")
@click.option("--requires-footage-only", is_flag=True, help="List only required incidents.")
@click.option("--min-coverage", type=click.FloatRange(0, 1), help="Override the policy's covered share.")
@click.option("--accept", "accept", type=click.Choice(["time-only"]), multiple=True,
              help="Count time-only candidates as evidence (overrides the policy).")
@click.option("--drift-threshold", help="Override the policy's clock drift threshold.")
@click.option("--default-duration", help="Override the policy's incident length when not cleared.")
@click.option("--fail-on-gaps", is_flag=True, help="Exit 1 when a required incident has no or partial footage.")
@click.pass_context
def gaps(ctx: click.Context, fmt: str, output: Path | None, policy_file: Path | None, as_of: str | None,
         tz: str | None, by: str, since: str | None, until: str | None, type_: str | None, priority: str | None,
         precinct: str | None, requires_footage_only: bool, min_coverage: float | None, accept: tuple[str, ...],
         drift_threshold: str | None, default_duration: str | None, fail_on_gaps: bool) -> None:
    """The auditor's report: every incident's state under a policy, gaps, orphans, clocks, manifest."""
    base = policies.load(policy_file)
    if tz:
        policies.from_toml({"agency": {"zone": tz}}, "check")
    policy = base.with_overrides(
        zone=tz, covered=min_coverage, time_only_counts=True if accept else None,
        drift_threshold_s=parse_duration(drift_threshold) if drift_threshold else None,
        default_duration_s=parse_duration(default_duration) if default_duration else None,
    )
    opts = ReportOptions(
        since=parse_when(since), until=parse_when(until, end=True), type=type_, priority=priority,
        precinct=precinct, requires_footage_only=requires_footage_only, by=by,
        as_of=parse_when(as_of), policy=policy,
    )
    report = build_report(_db(ctx), opts)
    text = render(report, fmt)
    if not to_stdout(output):
        output.write_text(text, encoding="utf-8", newline="")
        s = report["summary"]
        click.echo(f"wrote {output}: of {s['required']} required incidents {s['covered']} covered, "
                   f"{s['partial']} partial, {s['in_doubt']} in doubt, {s['no_footage']} without footage; "
                   f"{s['orphans']} orphan recordings", err=True)
    else:
        click.echo(text, nl=False)
    if fail_on_gaps and has_gaps(report):
        ctx.exit(1)


@click.command()
@click.option("--n", "n", type=click.IntRange(1, 100_000), required=True, help="How many pairs to draw.")
@click.option("--seed", type=int, help="Random seed (printed; default: a new one). Same seed, same sample.")
@click.option("--stratify", type=click.Choice(["officer", "type"]), help="Draw proportionally per officer or type.")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False, path_type=Path), help="Footage policy.")
@click.option("--as-of", help="Judge as of this UTC time (default now).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def sample(ctx: click.Context, n: int, seed: int | None, stratify: str | None, policy_file: Path | None,
           as_of: str | None, fmt: str) -> None:
    """A reproducible random sample of required incident × officer pairs for manual review (some without footage)."""
    import random

    from ..reports import sample as sampling
    from ..reports.render import sample_text

    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    report = build_report(_db(ctx), ReportOptions(as_of=parse_when(as_of), policy=policies.load(policy_file)))
    chosen = sampling.draw(report, n, seed, stratify)
    click.echo(f"sample of {len(chosen)} from {len(sampling.population(report))} required incident × officer pairs;"
               f" seed {seed}{f', stratified by {stratify}' if stratify else ''}; as of {report['manifest']['as_of']}",
               err=True)
    click.echo(sample_text(chosen, fmt, seed), nl=False)


def _timeline(start: float, end: float, spans: list[tuple[float, float]], width: int = 48) -> str:
    step = (end - start) / width
    cells = []
    for k in range(width):
        mid = start + (k + 0.5) * step
        cells.append("█" if any(s <= mid <= e for s, e in spans) else "·")
    return "".join(cells)


def _show_incident(db: Any, iid: int, accept_time_only: bool) -> None:
    names = ["number", "type", "priority", "precinct", "received_utc", "dispatched_utc", "arrived_utc", "cleared_utc",
             "lat", "lon", "requires_footage"]
    times = ("received_utc", "dispatched_utc", "arrived_utc", "cleared_utc")
    cols = ", ".join(names + [EPOCH.format(c) for c in times])
    fetched = db.execute(f"SELECT {cols} FROM incidents WHERE id = ?", [iid]).fetchone()
    row, epochs = dict(zip(names, fetched[:len(names)], strict=True)), fetched[len(names):]
    click.echo(f"incident {row['number']}  type {row['type'] or '-'}  priority {row['priority'] or '-'}  "
               f"precinct {row['precinct'] or '-'}  requires footage: {'yes' if row['requires_footage'] else 'no'}")
    for key in times:
        click.echo(f"  {key[:-4]:<10} {row[key] or '-'}")
    click.echo(f"  position   {row['lat']}, {row['lon']}" if row["lat"] is not None else "  position   -")
    aliases = [a for (a,) in db.execute("SELECT alias FROM incident_aliases WHERE incident_id = ?", [iid])]
    units = [f"{u or ''}{'/' + o if o else ''}" for u, o in db.execute(
        "SELECT unit, officer FROM incident_units WHERE incident_id = ?", [iid])]
    if aliases:
        click.echo(f"  aliases    {', '.join(aliases)}")
    if units:
        click.echo(f"  units      {', '.join(units)}")
    links = _incident_links(db, iid, accept_time_only)
    click.echo("footage:" if links else "footage: none linked")
    spans = []
    for fid, path, method, score, reason, manual, excluded, uncertain, s, e, s_txt, e_txt, ok in links:
        state = "excluded" if excluded else "accepted" if ok else "not counted"
        flags = " manual" if manual else ""
        flags += " uncertain" if uncertain else ""
        click.echo(f"  [{fid}] {path or '-'}  {s_txt or '?'} → {e_txt or '?'}")
        click.echo(f"       {method} {score:.2f} {state}{flags}: {reason}")
        if ok and s is not None:
            spans.append((s, e if e is not None else s))
    default = policies.Policy().default_duration_s
    span = coverage_span(*epochs, default)
    if span is not None:
        start, end = span
        assumed = f" (assumed +{default / 60:g}m)" if epochs[3] is None else ""
        click.echo(f"coverage of [arrived, cleared{assumed}]: {union_seconds(spans, start, end) / max(end - start, 1.0):.1%}")
        click.echo(f"  |{_timeline(start, end, spans)}|")


def _incident_links(db: Any, iid: int, accept_time_only: bool) -> list[tuple[Any, ...]]:
    sql = (
        f"SELECT l.footage_id, f.path, l.method, l.score, l.reason, l.manual, l.excluded, l.uncertain,"
        f" {EPOCH.format('f.start_utc')}, {EPOCH.format('f.end_utc')}, f.start_utc, f.end_utc, {ACCEPTED}"
        f" FROM links l JOIN footage f ON f.id = l.footage_id WHERE l.incident_id = :iid"
        f" ORDER BY l.manual DESC, l.score DESC, l.footage_id"
    )
    return db.execute(sql, {"time_only": int(accept_time_only), "iid": iid}).fetchall()


def _show_footage(db: Any, fid: int, accept_time_only: bool) -> None:
    cols = ["path", "origin", "status", "sha256", "start_utc", "end_utc", "duration_s", "time_source", "zone_kind",
            "time_reason", "clock_offset_s", "drift_s", "make", "model", "serial", "officer", "unit", "lat", "lon",
            "fix_count", "dropped_fixes"]
    row = dict(zip(cols, db.execute(f"SELECT {', '.join(cols)} FROM footage WHERE id = ?", [fid]).fetchone(),
                   strict=True))
    click.echo(f"recording {fid}: {row['path'] or '(inventory entry)'}")
    for key in cols[1:]:
        if row[key] is not None:
            click.echo(f"  {key:<15} {row[key]}")
    click.echo("time evidence:")
    for source, value, value_utc, zone, note, chosen in db.execute(
        "SELECT source, value, value_utc, zone, note, chosen FROM time_candidates WHERE footage_id = ?", [fid]
    ):
        mark = "*" if chosen else " "
        click.echo(f" {mark} {source:<28} {value} ({zone}){' = ' + value_utc if value_utc else ''}"
                   f"{'  ' + note if note else ''}")
    fixes = db.execute(
        "SELECT t_utc, t_offset_s, lat, lon FROM gps_fixes WHERE footage_id = ? ORDER BY t_utc, t_offset_s", [fid]
    ).fetchall()
    click.echo(f"GPS evidence: {len(fixes)} fixes")
    for t_utc, t_off, lat, lon in (fixes[:1] + fixes[-1:]) if len(fixes) > 1 else fixes:
        click.echo(f"   {t_utc or f'+{t_off}s'}  {lat:.6f}, {lon:.6f}")
    links = db.execute(
        f"SELECT i.number, l.method, l.score, l.reason, l.manual, l.excluded, l.uncertain, {ACCEPTED}"
        f" FROM links l JOIN incidents i ON i.id = l.incident_id WHERE l.footage_id = :fid"
        f" ORDER BY l.manual DESC, l.score DESC, i.number",
        {"time_only": int(accept_time_only), "fid": fid},
    ).fetchall()
    click.echo("incidents:" if links else "incidents: none linked (orphan)")
    for number, method, score, reason, manual, excluded, uncertain, ok in links:
        state = "excluded" if excluded else "accepted" if ok else "not counted"
        flags = (" manual" if manual else "") + (" uncertain" if uncertain else "")
        click.echo(f"  {number}  {method} {score:.2f} {state}{flags}: {reason}")


@click.command()
@click.argument("ref")
@click.option("--accept", "accept", type=click.Choice(["time-only"]), multiple=True,
              help="Count time-only candidates as coverage.")
@click.pass_context
def show(ctx: click.Context, ref: str, accept: tuple[str, ...]) -> None:
    """Everything known about one INCIDENT (number or alias) or one recording (id, path or sha256 prefix)."""
    db = _db(ctx)
    iid = find_incident(db, ref)
    if iid is not None:
        _show_incident(db, iid, "time-only" in accept)
        return
    fid = find_footage(db, ref)
    if fid is None:
        raise InputError(f"no incident or recording matches {ref!r}")
    _show_footage(db, fid, "time-only" in accept)


@click.command()
@click.argument("kind", type=click.Choice(["geojson", "csv"]))
@click.option("--output", "-o", type=click.Path(path_type=Path, allow_dash=True),
              help="geojson: the file (default stdout); csv: the directory for the tables (required).")
@click.option("--accept", "accept", type=click.Choice(["time-only"]), multiple=True,
              help="Count time-only candidates as links in the GeoJSON properties.")
@click.pass_context
def export(ctx: click.Context, kind: str, output: Path | None, accept: tuple[str, ...]) -> None:
    """Export incidents and footage: GeoJSON for QGIS, or flat CSV tables for spreadsheets."""
    db = _db(ctx)
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
        click.echo(f"wrote {path}")


COMMANDS = [gaps, sample, show, export]
