"""Commands over the audit log of manual decisions: list, verify."""

from __future__ import annotations

import sys

import click

from .. import audit as log
from .options import emit_json, json_option
from .runtime import open_db, say


@click.group("audit")
def audit_group() -> None:
    """The hash-chained log of manual links, exclusions and overrides."""


@audit_group.command("list")
@json_option("Print JSON (a list of entries).")
def list_cmd(as_json: bool) -> None:
    """Every entry, oldest first."""
    rows = log.entries(open_db())
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        details = row["details"]
        text = ", ".join(f"{k}={v}" for k, v in details.items()) if isinstance(details, dict) else str(details)
        click.echo(f"{row['id']:>5}  {row['ts_utc'][:19]}Z  {row['user']}  {row['action']}  {text}")
    say(_entries(len(rows)), err=True)


@audit_group.command("verify")
@json_option("Print JSON: {intact, entries, head, anchor, findings}.")
def verify_cmd(as_json: bool) -> None:
    """Check the chain, its anchor file and the manual links it covers; exit 1 on any finding."""
    db = open_db()
    findings = log.verify(db)
    head = log.head(db)
    if as_json:
        anchor = log.anchor_path(db)
        emit_json({"intact": not findings, "entries": head.id, "head": head.hash,
                   "anchor": str(anchor) if anchor else None, "findings": findings})
        sys.exit(1 if findings else 0)
    for finding in findings:
        click.echo(finding)
    if findings:
        click.echo(f"audit log NOT intact: {len(findings)} findings ({_entries(head.id)})", err=True)
        sys.exit(1)
    say(f"audit log intact: {_entries(head.id)}, head {head.hash}")


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


COMMANDS = [audit_group]
