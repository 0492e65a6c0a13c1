"""Options shared by the commands, each with its one validator: `--tz`, `--json`, `--output` and durations and
distances (the linking window), plus the two ways data leaves a command (JSON, or text to a file or stdout)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..model import InputError

F = TypeVar("F", bound=Callable[..., Any])

_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def zone(value: str | None) -> str | None:
    """An IANA zone name, checked by `zones.zone` (InputError when unknown); None stays None."""
    if value is not None:
        from ..zones import zone as check

        check(value)
    return value


def parse_duration(text: str) -> float:
    """`90s`, `10m`, `1.5h`, `2d` or bare seconds → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*", text)
    if not match:
        raise InputError(f"bad duration {text!r} (use e.g. 90s, 10m, 2h)")
    return float(match[1]) * _UNITS[match[2] or "s"]


def parse_distance(text: str) -> float:
    """`300m`, `1.2km` or bare metres → metres."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|km)?\s*", text)
    if not match:
        raise InputError(f"bad distance {text!r} (use e.g. 300m, 1km)")
    return float(match[1]) * (1000.0 if match[2] == "km" else 1.0)


def tz_option(help: str = "IANA zone for wall-clock times.", required: bool = False,
              callback: Callable[[click.Context, click.Parameter, str | None], str | None] | None = None,
              ) -> Callable[[F], F]:
    """`--tz ZONE`, checked by `zone` (after `callback`, when given, has seen it)."""
    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        return zone(callback(ctx, param, value) if callback else value)
    return click.option("--tz", metavar="ZONE", help=help, required=required, callback=check)


def json_option(help: str = "Print JSON (the same shape whatever the count).") -> Callable[[F], F]:
    """`--json`, passed as `as_json`."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def accept_option(help: str) -> Callable[[F], F]:
    """`--accept time-only` (repeatable), passed as the tuple `accept`."""
    return click.option("--accept", "accept", type=click.Choice(["time-only"]), multiple=True, help=help)


def duration_option(name: str, default: str, help: str) -> Callable[[F], F]:
    """A duration option (`90s`, `10m`, `2h`, `1d`), passed in seconds."""
    return click.option(name, default=default, show_default=True, metavar="DURATION", help=help,
                        callback=lambda ctx, param, value: parse_duration(value))


def distance_option(name: str, default: str, help: str) -> Callable[[F], F]:
    """A distance option (`300m`, `1.2km`), passed in metres."""
    return click.option(name, default=default, show_default=True, metavar="DISTANCE", help=help,
                        callback=lambda ctx, param, value: parse_distance(value))


def output_option(help: str = "Write to FILE ('-' is stdout).", dir_okay: bool = False) -> Callable[[F], F]:
    """`--output/-o FILE`, where `-` means stdout."""
    return click.option("--output", "-o", type=click.Path(dir_okay=dir_okay, allow_dash=True, path_type=Path),
                        help=help)


def to_stdout(output: Path | None) -> bool:
    """Whether an `--output` value means stdout (absent or `-`)."""
    return output is None or str(output) == "-"


def write_output(output: Path | None, text: str) -> bool:
    """`text` to the `--output` file, or to stdout for none or `-`; True when a file was written."""
    if to_stdout(output):
        sys.stdout.write(text)
        sys.stdout.flush()
        return False
    assert output is not None
    output.write_text(text, encoding="utf-8", newline="")
    return True


def emit_json(data: Any) -> None:
    """Data as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit_table(title: str | None, columns: list[str], rows: list[list[Any]], tsv_when_piped: bool = False) -> None:
    """Rows as a plain-text table on stdout (`reports.texttable`, the reports' own), each cell made visible
    (control characters escaped) and capped; None is an empty cell. With `tsv_when_piped`, stdout that is not a
    terminal gets the title and tab-separated lines instead (for `cut`, `awk` or a spreadsheet)."""
    text = [["" if v is None else str(v) for v in row] for row in rows]
    if tsv_when_piped and not sys.stdout.isatty():
        for line in ([title] if title else []) + ["\t".join(r) for r in [columns, *text]]:
            click.echo(line)
        return
    from ..reports.safe import cap, visible
    from ..reports.texttable import render_table

    click.echo(render_table(title, columns, [[cap(visible(cell)) for cell in row] for row in text]), nl=False)
