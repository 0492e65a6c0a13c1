"""The append-only, hash-chained audit log of manual decisions (manual links, exclusions and other overrides).

Each entry's `hash` covers the previous entry's hash and the entry's own fields, so editing, deleting or reordering
a past entry breaks the chain. With an operator key (`$BODYCAM_AUDIT_KEY`) the hash is an HMAC-SHA256
(`hmac-sha256:<hex>`), which someone holding only the database cannot recompute. After every committed change the
new head (`id hash`) is appended to the anchor file beside the database (`<database>-anchor`), so deleting the newest
entries or re-hashing the whole chain is caught too. `verify` also cross-checks the log against the `links` table.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .db import now_utc
from .txn import immediate

if TYPE_CHECKING:
    import sqlite_utils

GENESIS = "0" * 64
KEY_ENV = "BODYCAM_AUDIT_KEY"
_KEYED = "hmac-sha256:"
#: Actions whose effect is a manual row in `links`, and the `excluded` value that row must have.
LINK_ACTIONS = {"link.add": 0, "link.remove": 1}


class Head(NamedTuple):
    """The newest entry: its id (0 for an empty log) and hash."""

    id: int
    hash: str


def _key() -> bytes | None:
    key = os.environ.get(KEY_ENV)
    return key.encode("utf-8") if key else None


def _digest(prev_hash: str, ts_utc: str, user: str, action: str, details: str, key: bytes | None) -> str:
    payload = json.dumps([prev_hash, ts_utc, user, action, details], ensure_ascii=False).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return _KEYED + hmac.new(key, payload, hashlib.sha256).hexdigest()


def current_user() -> str:
    """The operating-system user making the change."""
    import getpass  # here: only writes need it, and its import (termios, pwd) is a cost every report would pay

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def head(db: sqlite_utils.Database) -> Head:
    """The chain's newest entry (what a report's manifest prints)."""
    row = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return Head(row[0], row[1]) if row else Head(0, GENESIS)


def append(db: sqlite_utils.Database, action: str, details: dict[str, Any], user: str | None = None) -> str:
    """Append one entry inside the caller's transaction (use `change`, which also anchors it); returns its hash."""
    prev = head(db).hash
    ts, who = now_utc(), user or current_user()
    text = json.dumps(details, sort_keys=True, ensure_ascii=False)
    digest = _digest(prev, ts, who, action, text, _key())
    db.execute(
        "INSERT INTO audit_log (ts_utc, user, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
        [ts, who, action, text, prev, digest],
    )
    return digest


def anchor_path(db: sqlite_utils.Database) -> Path | None:
    """The anchor file beside the database file (None for an in-memory database)."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file + "-anchor") if file else None
    return None


def _anchored(path: Path) -> list[tuple[int, str, int]]:
    """The anchor file's (entry id, hash, line number) records."""
    records = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit():
                records.append((int(parts[0]), parts[1], number))
            else:
                records.append((-1, line.strip()[:80], number))
    return records


def anchor(db: sqlite_utils.Database) -> Head:
    """Append the current head to the anchor file when it is not its last line (fsync'd); returns the head."""
    now, path = head(db), anchor_path(db)
    if path is None or now.id == 0:
        return now
    if path.exists():
        records = _anchored(path)
        if records and records[-1][:2] == (now.id, now.hash):
            return now
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{now.id} {now.hash}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return now


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C during the block is raised when it ends (only the main thread can hold it back)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


@contextmanager
def change(db: sqlite_utils.Database) -> Iterator[Callable[..., str]]:
    """One audited change: a write transaction whose entries (added with the yielded `append(action, details,
    user=None)`) commit with the rows they describe, then the new head is anchored. Ctrl-C is held back until
    the anchor is written, so an interrupted change is either absent or complete and anchored."""
    with _interrupts_held():
        with immediate(db):
            yield lambda action, details, user=None: append(db, action, details, user)
        anchor(db)


def entries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """All entries, oldest first, with details decoded."""
    rows = db.execute("SELECT id, ts_utc, user, action, details, hash FROM audit_log ORDER BY id").fetchall()
    return [
        {"id": r[0], "ts_utc": r[1], "user": r[2], "action": r[3], "details": _decode(r[4]), "hash": r[5]}
        for r in rows
    ]


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _chain_findings(db: sqlite_utils.Database, key: bytes | None) -> list[str]:
    findings: list[str] = []
    prev, keyed_seen, unverifiable = GENESIS, False, []
    for id_, ts, user, action, details, prev_hash, digest in db.execute(
        "SELECT id, ts_utc, user, action, details, prev_hash, hash FROM audit_log ORDER BY id"
    ):
        if prev_hash != prev:
            findings.append(f"audit entry {id_}: previous hash does not match (an entry was removed or reordered)")
        keyed = str(digest).startswith(_KEYED)
        if keyed and key is None:
            unverifiable.append(id_)
        elif not keyed and keyed_seen:
            findings.append(f"audit entry {id_}: not keyed although earlier entries are (re-hashed without the key)")
        elif _digest(prev_hash, ts, user, action, details, key if keyed else None) != digest:
            findings.append(f"audit entry {id_}: content does not match its hash (edited"
                            + (", or another key)" if keyed else ")"))
        keyed_seen = keyed_seen or keyed
        prev = digest
    if unverifiable:
        findings.append(f"audit entries {unverifiable[0]}-{unverifiable[-1]} are keyed: set ${KEY_ENV} to verify "
                        "them")
    return findings


def _anchor_findings(db: sqlite_utils.Database) -> list[str]:
    path, now = anchor_path(db), head(db)
    if path is None:
        return []
    if not path.exists():
        return [f"audit anchor {path} is missing ({now.id} entries unanchored)"] if now.id else []
    hashes = dict(db.execute("SELECT id, hash FROM audit_log").fetchall())
    findings, last = [], 0
    for id_, digest, line in _anchored(path):
        if id_ < 0:
            findings.append(f"audit anchor {path}:{line}: not an anchor line ({digest!r})")
        elif id_ not in hashes:
            findings.append(f"audit anchor {path}:{line}: entry {id_} is missing from the database (deleted)")
        elif hashes[id_] != digest:
            findings.append(f"audit anchor {path}:{line}: entry {id_} has another hash in the database (re-hashed)")
        last = max(last, id_)
    if now.id > last:
        findings.append(f"audit entries {last + 1}-{now.id} are newer than the anchor file (written outside "
                        "bodycam-index, or a run stopped before anchoring)")
    return findings


def _link_findings(db: sqlite_utils.Database) -> list[str]:
    """Every manual link or exclusion has an entry, and each pair's latest entry is in effect in `links`."""
    latest: dict[tuple[int, int], tuple[int, str, dict[str, Any]]] = {}
    for id_, action, details in db.execute(
        "SELECT id, action, details FROM audit_log WHERE action IN ('link.add', 'link.remove') ORDER BY id"
    ):
        info = _decode(details)
        if isinstance(info, dict) and "footage_id" in info and "incident_id" in info:
            latest[(info["footage_id"], info["incident_id"])] = (id_, action, info)
    findings = []
    manual = {(f, i): (lid, excluded, reason) for lid, f, i, excluded, reason in db.execute(
        "SELECT id, footage_id, incident_id, excluded, reason FROM links WHERE manual = 1")}
    for pair, (lid, excluded, reason) in sorted(manual.items()):
        entry = latest.get(pair)
        kind = "exclusion" if excluded else "manual link"
        if entry is None:
            findings.append(f"{kind} {lid} (footage {pair[0]}, incident {pair[1]}) has no audit entry")
        elif LINK_ACTIONS[entry[1]] != excluded or entry[2].get("reason") != reason:
            findings.append(f"{kind} {lid} (footage {pair[0]}, incident {pair[1]}) differs from audit entry "
                            f"{entry[0]} ({entry[1]}: {entry[2].get('reason')!r})")
    for pair, (id_, action, _info) in sorted(latest.items()):
        if pair not in manual:
            findings.append(f"audit entry {id_} ({action} footage {pair[0]}, incident {pair[1]}) is not in effect: "
                            "no manual row in links")
    return findings


def verify(db: sqlite_utils.Database) -> list[str]:
    """Every break found, one line each (empty when intact): the chain, the anchor file and the links it covers."""
    return _chain_findings(db, _key()) + _anchor_findings(db) + _link_findings(db)
