"""Commands over the audit log of manual decisions: list, verify."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .. import audit as log
from ..db import connect


@click.group("audit")
def audit_group() -> None:
    """The hash-chained log of manual links, exclusions and overrides."""


@audit_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of entries).")
@click.pass_obj
def list_cmd(obj: Any, as_json: bool) -> None:
    """Every entry, oldest first."""
    rows = log.entries(connect(obj.db))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        details = row["details"]
        text = ", ".join(f"{k}={v}" for k, v in details.items()) if isinstance(details, dict) else str(details)
        click.echo(f"{row['id']:>5}  {row['ts_utc'][:19]}Z  {row['user']}  {row['action']}  {text}")
    click.echo(_entries(len(rows)), err=True)


@audit_group.command("verify")
@click.pass_obj
def verify_cmd(obj: Any) -> None:
    """Check the chain, its anchor file and the manual links it covers; exit 1 on any finding."""
    db = connect(obj.db)
    findings = log.verify(db)
    for finding in findings:
        click.echo(finding)
    head = log.head(db)
    if findings:
        click.echo(f"audit log NOT intact: {len(findings)} findings ({_entries(head.id)})", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {_entries(head.id)}, head {head.hash}")


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


COMMANDS = [audit_group]
