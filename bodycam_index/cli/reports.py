"""Commands over reports: gaps, sample (export is `export.py`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from .. import db as store
from ..model import InputError
from ..reports import policy as policies
from ..reports.gaps import GROUPS, ReportOptions, build_report, has_gaps
from ..reports.render import FORMATS, render
from .options import accept_option, json_option, output_option, parse_duration, to_stdout, tz_option
from .runtime import open_db, say


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
    return open_db(write)


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@output_option()
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Footage policy (TOML); default: the shipped default_policy.toml.")
@click.option("--as-of", help="Judge as of this UTC time (default now); fix it to reproduce a report.")
@tz_option("Agency time zone for local times beside UTC (overrides the policy's).")
@click.option("--by", type=click.Choice(GROUPS), default="unit", show_default=True, help="Summary grouping.")
@click.option("--since", help="Incidents from this date/time (UTC).")
@click.option("--until", help="Incidents before this time; a date includes the whole day (UTC).")
@click.option("--type", "type_", help="Only this incident type.")
@click.option("--priority", help="Only this priority.")
@click.option("--precinct", help="Only this precinct.")
@click.option("--requires-footage-only", is_flag=True, help="List only required incidents.")
@click.option("--min-coverage", type=click.FloatRange(0, 1), help="Override the policy's covered share.")
@accept_option("Count time-only candidates as evidence (overrides the policy).")
@click.option("--drift-threshold", help="Override the policy's clock drift threshold.")
@click.option("--default-duration", help="Override the policy's incident length when not cleared.")
@click.option("--fail-on-gaps", is_flag=True, help="Exit 1 when a required incident has no or partial footage.")
@json_option("Same as --format json.")
@click.pass_context
def gaps(ctx: click.Context, as_json: bool, fmt: str, output: Path | None, policy_file: Path | None, as_of: str | None,
         tz: str | None, by: str, since: str | None, until: str | None, type_: str | None, priority: str | None,
         precinct: str | None, requires_footage_only: bool, min_coverage: float | None, accept: tuple[str, ...],
         drift_threshold: str | None, default_duration: str | None, fail_on_gaps: bool) -> None:
    """The auditor's report: every incident's state under a policy, gaps, orphans, clocks, manifest."""
    base = policies.load(policy_file)
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
    text = render(report, "json" if as_json else fmt)
    if not to_stdout(output):
        output.write_text(text, encoding="utf-8", newline="")
        s = report["summary"]
        say(f"wrote {output}: of {s['required']} required incidents {s['covered']} covered, "
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
@json_option("Same as --format json.")
@click.pass_context
def sample(ctx: click.Context, as_json: bool, n: int, seed: int | None, stratify: str | None, policy_file: Path | None,
           as_of: str | None, fmt: str) -> None:
    """A reproducible random sample of required incident × officer pairs for manual review (some without footage)."""
    import random

    from ..reports import sample as sampling
    from ..reports.render import sample_text

    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    report = build_report(_db(ctx), ReportOptions(as_of=parse_when(as_of), policy=policies.load(policy_file)))
    chosen = sampling.draw(report, n, seed, stratify)
    say(f"sample of {len(chosen)} from {len(sampling.population(report))} required incident × officer pairs;"
        f" seed {seed}{f', stratified by {stratify}' if stratify else ''}; as of {report['manifest']['as_of']}",
        err=True)
    click.echo(sample_text(chosen, "json" if as_json else fmt, seed), nl=False)


COMMANDS = [gaps, sample]
