"""Commands over footage files: scan, probe, footage list/show, verify, resolve."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..model import ExtractError
from .options import accept_option, emit_json, emit_table, json_option, tz_option
from .runtime import detail, open_db, quiet, say, show_progress, verbose

if TYPE_CHECKING:
    import sqlite_utils
    from rich.console import Console

    from ..scan import ScanSummary


def _console() -> Console:
    """Standard output for rich text (rich is imported only by the commands that print with it)."""
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def human_bytes(count: float) -> str:
    """A byte count for people: 812 B, 3.4 MB, 1.2 GB."""
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"


def _size(path: Path) -> int:
    """A file's size for the progress bar (0 when it cannot be read: the scan records why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _print_summary(summary: ScanSummary) -> None:
    """The scan's counts, first failures and skips, and the unknown-zone hint (none under -q; all with -v)."""
    if summary.interrupted:
        click.echo("interrupted: everything listed above is saved; run the same scan again to resume", err=True)
    if quiet():
        return
    shown = None if verbose() else 20
    click.echo(
        f"{summary.new} new, {summary.unchanged} unchanged (skipped), {summary.updated} updated"
        + (f" ({summary.reread} read again: indexed by an older version)" if summary.reread else "")
        + f", {summary.moved} moved, {summary.failed} failed; {summary.no_time} without a usable time, "
        f"{summary.no_gps} without GPS ({human_bytes(summary.bytes)} indexed)"
        + (f"; {summary.skipped} skipped" if summary.skipped else "")
    )
    for path, error in summary.failures[:shown]:
        click.echo(f"  failed: {path}: {error}")
    if shown is not None and len(summary.failures) > shown:
        click.echo(f"  … and {len(summary.failures) - shown} more (bodycam-index footage list --status error)")
    for path, reason in summary.skipped_files[:shown]:
        click.echo(f"  skipped: {path}: {reason}")
    if shown is not None and len(summary.skipped_files) > shown:
        click.echo(f"  … and {len(summary.skipped_files) - shown} more skipped (-v or --json lists them all)")
    from ..extract.filekind import ARCHIVES

    archives = [path for path, reason in summary.skipped_files if reason.removeprefix("not media: ") in ARCHIVES]
    if archives:
        click.echo(f"{len(archives)} archives (ZIP, gzip, 7-Zip, RAR) were not opened: footage inside them is not "
                   f"indexed; extract them and scan the folder (first: {archives[0]})")
    if summary.zone_unknown:
        click.echo(f"{summary.zone_unknown} recordings have wall-clock times in an unknown zone (stored as read, "
                   "flagged in reports): place them with `bodycam-index resolve --tz ZONE [PATH…]`")


def _print_scanned(db: Any) -> None:
    """-v: one line per recording the scan stored (new, updated or moved), with its warnings."""
    from ..records import scanned_files  # here, as in the other commands: `scan` needs no link or record code

    for row in scanned_files(db):
        if row["status"] == "error":
            detail(f"{row['path']}: error: {row['error']}")
            continue
        start = f"{row['start_utc']} ({row['zone_kind']}, from {row['time_source']})" if row["start_utc"] else "no time"
        camera = " ".join(str(row[k]) for k in ("make", "model", "serial") if row[k]) or "camera unknown"
        detail(f"{row['path']}: {row['status']}, {start}, {row['duration_s'] or 0:.1f} s, {camera}, "
               f"{row['fix_count']} GPS fixes")
        for warning in row["warnings"]:
            detail(f"  warning: {warning}")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@tz_option("IANA zone for wall-clock camera times the files cannot place.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=min(4, os.cpu_count() or 1), show_default=True,
              help="Worker processes.")
@click.option("--no-hash", is_flag=True, help="Skip SHA-256 (faster; moved files are then not recognised).")
@click.option("--rescan", is_flag=True, help="Re-extract files even when unchanged.")
@click.option("--full-tracks", is_flag=True, help="Keep every GPS fix (default: at most one per second).")
@click.option("--incident-pattern", metavar="REGEX",
              help="Regular expression for incident numbers in file and folder names (default: e.g. 2023-045871).")
@click.option("--exclude", "exclude", metavar="GLOB", multiple=True,
              help="Leave out files and folders whose name or path below the scanned folder matches (repeatable).")
@click.option("--follow-symlinks", is_flag=True,
              help="Index symlinked files and folders whose target is outside the scanned folders.")
@json_option("Print the summary as JSON (an object; every failed and skipped file listed).")
def scan(paths: tuple[Path, ...], tz: str | None, jobs: int, no_hash: bool, rescan: bool,
         full_tracks: bool, incident_pattern: str | None, exclude: tuple[str, ...], follow_symlinks: bool,
         as_json: bool) -> None:
    """Index the footage under PATHS (recursively) into the database."""
    from ..scan import scan_paths

    db = open_db(write=True)
    options = {"tz": tz, "jobs": jobs, "hash": not no_hash, "rescan": rescan, "full_tracks": full_tracks,
               "incident_pattern": incident_pattern, "follow_symlinks": follow_symlinks, "exclude": exclude}
    if show_progress(as_json):
        summary = _scan_with_bar(db, list(paths), options)
    else:  # no bar: rich is not even imported (start-up time)
        summary = scan_paths(db, list(paths), **options)
    if verbose():
        _print_scanned(db)
    if as_json:
        emit_json(summary.as_dict() | {"failures": summary.failures, "skipped_files": summary.skipped_files})
    else:
        _print_summary(summary)
    if summary.interrupted:
        sys.exit(130)


def _scan_with_bar(db: sqlite_utils.Database, paths: list[Path], options: dict[str, Any]) -> ScanSummary:
    """The scan with a progress bar on stderr: files and bytes counted by a discovery pass first."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from ..scan import database_files, discover, scan_paths

    columns = (TextColumn("{task.fields[files]}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        total_files = total_bytes = 0
        for job in discover(paths, follow_symlinks=options["follow_symlinks"], exclude=options["exclude"],
                            skip_files=database_files(db)):
            total_files += 1
            total_bytes += _size(job.path)
        done = 0
        task = bar.add_task("", total=total_bytes or None, files=f"0/{total_files} files")

        def advance(path: str, size: int) -> None:
            nonlocal done
            done += 1
            bar.update(task, advance=size, files=f"{done}/{total_files} files", description=Path(path).name[:40])

        return scan_paths(db, paths, progress=advance, **options)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def probe_file(path: Path, tz: str | None = None) -> dict[str, Any]:
    """Everything extracted from one file and the record `scan` would store, from the same recording stage."""
    from ..recording import record
    from ..scan import discover

    job = next(discover([path]))
    found = record(job.path, job.sidecars, job.sidecar_only, tz)
    return _jsonable({"path": str(path), "sidecars": [str(p) for p in job.sidecars],
                      "extraction": asdict(found.extraction), "resolved": asdict(found.footage),
                      "warnings": found.warnings})


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@tz_option()
@json_option("Print JSON (a list, one object per file, whatever the count).")
def probe(files: tuple[Path, ...], tz: str | None, as_json: bool) -> None:
    """Show what was found in FILES and from which tag, without a database."""
    results = []
    for path in files:
        try:
            results.append(probe_file(path, tz))
        except ExtractError as exc:
            results.append({"path": str(path), "error": str(exc)})
    if as_json:
        emit_json(results)
        return
    for result in results:
        _print_probe(result)


def _print_probe(result: dict[str, Any]) -> None:
    console = _console()
    console.print(f"[bold]{result['path']}[/bold]")
    if "error" in result:
        console.print(f"  error: {result['error']}")
        return
    ex, res = result["extraction"], result["resolved"]
    console.print(f"  container {ex['container']}, duration {ex['duration_s']} s")
    console.print(f"  start {res['start_utc']} ({res['zone_kind']}) from {res['time_reason']}")
    if res["clock_offset_s"] is not None:
        console.print(f"  clock: header − GPS = {res['clock_offset_s']:+.1f} s, drift {res['drift_s']:+.1f} s")
    ident = {k: v for k, v in res["identity"].items() if v}
    console.print(f"  identity {ident or '-'}")
    console.print(f"  position {res['lat']}, {res['lon']}; {res['fix_count']} GPS fixes, "
                  f"{ex['dropped_fixes']} dropped")
    for cand in ex["times"]:
        console.print(f"  time {cand['source']:<28} {cand['value']:<32} {cand['zone']:<6} {cand['note']}")
    for key, value in ex["tags"].items():
        console.print(f"  tag  {key:<28} {str(value)[:80]}")
    for hint in ex["incident_hints"]:
        console.print(f"  incident number hint {hint}")
    for sidecar in result["sidecars"]:
        console.print(f"  sidecar {sidecar}")
    for warning in result["warnings"]:
        console.print(f"  warning: {warning}")


@click.group()
def footage() -> None:
    """What is in the database."""


_LIST_COLUMNS = ("id", "file", "status", "start (UTC)", "secs", "zone", "camera", "fixes", "note")


def _list_cells(row: dict[str, Any]) -> list[str]:
    camera = " ".join(str(row[k]) for k in ("model", "serial") if row[k])
    start = (row["start_utc"] or "")[:19].replace("T", " ")
    secs = f"{row['duration_s']:.1f}" if row["duration_s"] is not None else ""
    note = row["error"] if row["status"] == "error" else ""
    name = Path(row["path"]).name if row["path"] else ""
    return [str(row["id"]), name, row["status"], start, secs, row["zone_kind"] or "", camera,
            str(row["fix_count"]), note or ""]


@footage.command("list")
@click.option("--status", type=click.Choice(["ok", "partial", "error"]), help="Only rows with this status.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option("Print JSON (a list of recordings).")
def footage_list(status: str | None, limit: int, as_json: bool) -> None:
    """List indexed recordings."""
    from ..records import footage_rows

    rows, total = footage_rows(open_db(), status, limit)
    if as_json:
        emit_json(rows)
        return
    emit_table(None, list(_LIST_COLUMNS), [_list_cells(row) for row in rows])
    say(f"{len(rows)} of {total} recordings shown")


@footage.command("show")
@click.argument("ref")
@accept_option("Count time-only candidates as links.")
@json_option("Print the record as JSON (an object; the same as `show REF --json`).")
def footage_show(ref: str, accept: tuple[str, ...], as_json: bool) -> None:
    """Everything stored about one recording (id, path or sha256 prefix)."""
    from ..lookup import reference_footage
    from .show import show_footage

    db = open_db()
    show_footage(db, reference_footage(db, ref), as_json, "time-only" in accept)


@contextmanager
def _checked_files(rows: list[dict[str, object]], show_bar: bool) -> Iterator[Callable[[str, int], None]]:
    """`verify`'s call per checked file: the `-v` line, and a progress bar on stderr when one is shown (rich is
    imported only then)."""
    if not show_bar:
        yield lambda path, size: detail(f"checked {path}")
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.fields[files]}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=sum(int(r["size"] or 0) for r in rows) or None, files=f"0/{len(rows)}")
        done = [0]

        def advance(path: str, size: int) -> None:
            done[0] += 1
            bar.update(task, advance=size, files=f"{done[0]}/{len(rows)}")
            detail(f"checked {path}")

        yield advance


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@json_option("Print the result as JSON (an object).")
def verify(paths: tuple[Path, ...], as_json: bool) -> None:
    """Re-hash indexed files under PATHS (all without) and check the audit log; exit 1 on any changed or missing
    file or audit finding, 2 when there is nothing to verify."""
    from ..scan import sha256_of
    from ..verify import select
    from ..verify import verify as run_verify

    db = open_db()
    rows = select(db, list(paths))
    with _checked_files(rows, show_progress(as_json)) as advance:
        result = run_verify(db, list(paths), sha256_of, advance)
    if as_json:
        emit_json(result.as_dict())
    else:
        for path in result.changed:
            click.echo(f"changed: {path}")
        for path in result.missing:
            click.echo(f"missing: {path}")
        for old, new in result.moved:
            click.echo(f"moved: {old} → {new} (same SHA-256; scan the new place to update the index)")
        for path, error in result.unreadable:
            click.echo(f"unreadable: {path}: {error}")
        for finding in result.audit:
            click.echo(f"audit: {finding}")
        say(f"{result.checked} checked, {result.ok} unchanged, {len(result.changed)} changed, "
                   f"{len(result.missing)} missing, {len(result.moved)} moved; audit log "
                   f"{'broken' if result.audit else 'intact'}")
    if result.failed:
        sys.exit(1)


@click.command("resolve")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@tz_option("IANA zone the cameras' wall clocks are set to (DESIGN §5: it wins over the GPS position's zone).",
           required=True)
@json_option("Print the changes as JSON (a list).")
def resolve_command(paths: tuple[Path, ...], tz: str, as_json: bool) -> None:
    """Re-place stored wall-clock times with --tz, from the stored time candidates (no file is read)."""
    from ..rezone import rezone

    changes = rezone(open_db(write=True), tz, paths)
    if as_json:
        emit_json([{"id": c.footage_id, "path": c.path, "before": {"start_utc": c.before[0],
                                "zone_kind": c.before[1]}, "after": {"start_utc": c.after[0],
                                "zone_kind": c.after[1]}} for c in changes])
        return
    for change in changes:
        click.echo(f"{change.path}: {change.before[0]} ({change.before[1]}) → {change.after[0]} ({change.after[1]})")
    say(f"{len(changes)} recordings re-placed with --tz {tz}")


COMMANDS = [scan, probe, footage, verify, resolve_command]
