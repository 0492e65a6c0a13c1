"""Re-hash indexed recordings against their stored SHA-256: changed, missing, or moved (found elsewhere by hash).

Paths select recordings by exact containment of real paths (a folder holds what is inside it, not every path that
starts with the same text). A missing file is looked for among the files of the same size under the selected
folders (or the folders of the scans that indexed it), and reported as moved when one has its hash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .model import ExtractError, InputError

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class VerifyResult:
    """What `verify` found: counts, and the files in each outcome."""

    checked: int = 0
    ok: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when any file changed, went missing or cannot be read, or the audit log is broken."""
        return bool(self.changed or self.missing or self.unreadable or self.audit)

    def as_dict(self) -> dict[str, object]:
        """Plain data for --json."""
        return {"checked": self.checked, "ok": self.ok, "changed": self.changed, "missing": self.missing,
                "moved": [{"from": a, "to": b} for a, b in self.moved],
                "unreadable": [{"path": a, "error": b} for a, b in self.unreadable], "audit": self.audit}


def _inside(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


def select(db: sqlite_utils.Database, paths: list[Path]) -> list[dict[str, object]]:
    """The hashed recordings under `paths` (all of them without paths); InputError when there is nothing to verify."""
    folders = [Path(os.path.realpath(p)) for p in paths]
    rows = [r for r in db.query("SELECT id, path, size, sha256 FROM footage WHERE origin = 'file' ORDER BY path")
            if not folders or _inside(Path(os.path.realpath(str(r["path"]))), folders)]
    hashed = [r for r in rows if r["sha256"]]
    if not hashed:
        where = f" under {', '.join(str(p) for p in paths)}" if paths else ""
        if rows:
            raise InputError(f"nothing to verify: the {len(rows)} recordings{where} were scanned with --no-hash "
                             "(scan them again without it)")
        raise InputError(f"nothing to verify: no indexed recording{where}")
    return hashed


def _search_roots(db: sqlite_utils.Database, paths: list[Path]) -> list[Path]:
    if paths:
        return [Path(os.path.realpath(p)) for p in paths]
    roots: set[str] = set()
    for (text,) in db.execute("SELECT roots FROM scans"):
        try:
            roots.update(str(r) for r in json.loads(text or "[]"))
        except ValueError:
            continue
    return [Path(r) for r in sorted(roots)]


def _find_moved(size: int | None, sha256: str, roots: list[Path], known: set[str],
                hasher: Callable[[Path], str]) -> str | None:
    """A file under `roots`, not an indexed path, with this size and hash."""
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                candidate = Path(folder, name)
                try:
                    if str(candidate) in known or candidate.stat().st_size != size:
                        continue
                    if hasher(candidate) == sha256:
                        return str(candidate)
                except (OSError, ExtractError):
                    continue
    return None


def verify(db: sqlite_utils.Database, paths: list[Path], hasher: Callable[[Path], str],
           progress: Callable[[str, int], None] | None = None) -> VerifyResult:
    """Re-hash the selected recordings and check the audit chain."""
    from . import audit

    rows = select(db, paths)
    result = VerifyResult()
    known = {str(r[0]) for r in db.execute("SELECT path FROM footage WHERE path IS NOT NULL")}
    for row in rows:
        path = Path(str(row["path"]))
        result.checked += 1
        try:
            digest = hasher(path)
        except FileNotFoundError:
            moved = _find_moved(row["size"], str(row["sha256"]), _search_roots(db, paths), known,  # type: ignore[arg-type]
                                hasher)
            if moved:
                result.moved.append((str(path), moved))
            else:
                result.missing.append(str(path))
        except (OSError, ExtractError) as exc:
            result.unreadable.append((str(path), getattr(exc, "strerror", None) or str(exc)))
        else:
            if digest == row["sha256"]:
                result.ok += 1
            else:
                result.changed.append(str(path))
        if progress:
            progress(str(path), int(row["size"] or 0))  # type: ignore[call-overload]
    result.audit = audit.verify(db)
    return result
