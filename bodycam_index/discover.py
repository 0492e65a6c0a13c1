"""Find the files a scan indexes under its roots, in sorted order, without ever stopping on a bad path.

Path problems (a name that is not UTF-8, a dangling symlink or a symlink loop, a folder that cannot be listed)
come out as jobs carrying the problem, which the scan stores as that path's error row. Symlinks whose target lies
outside every scanned root are skipped unless the scan follows symlinks (each folder is then walked once: no
loops); symlinked folders inside a root are not descended, as the scan walks them as themselves. A file reached
twice (a symlink to a file inside the roots, two overlapping roots) is indexed once, under the path met first in
the sorted walk; the other paths are skipped as duplicates. Hidden files and folders are skipped.
"""

from __future__ import annotations

import errno
import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .extract import file_kind, is_recording
from .sidecars import SidecarIndex, is_sidecar


@dataclass(frozen=True)
class Job:
    """One recording to index: the file, and the sidecar files that belong to it.

    `problem` is a path problem found while discovering it (stored as its error); `skip` the reason it is not
    indexed at all.
    """

    path: Path
    sidecars: tuple[Path, ...] = ()
    sidecar_only: bool = False
    problem: str | None = None
    skip: str | None = None


def path_text(path: Path | str) -> str:
    """A path as text that can be stored and printed: undecodable bytes of a non-UTF-8 name shown as \\xNN."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def _name_problem(path: Path) -> str | None:
    if path_text(path) != os.fspath(path):
        return "file name is not valid UTF-8 (rename the file to index it)"
    return None


class _Walker:
    """One discovery pass over the roots."""

    def __init__(self, roots: list[Path], follow_symlinks: bool, exclude: tuple[str, ...],
                 skip_files: frozenset[str]) -> None:
        self.roots = roots
        self.real_roots = [Path(os.path.realpath(r)) for r in roots]
        self.follow = follow_symlinks
        self.exclude = exclude
        self.skip_files = skip_files
        self.first_path: dict[str, Path] = {}  # real path → the path it is indexed under

    def _duplicate(self, path: Path, real: str) -> Job | None:
        """A skip job when the file at real path `real` was met before under another path; else remember it."""
        first = self.first_path.setdefault(real, path)
        if first == path:
            return None
        return Job(path, skip=f"duplicate of {path_text(first)} (the same file by its real path)")

    def _excluded(self, path: Path, root: Path) -> bool:
        """True when a --exclude pattern matches the name or the path relative to the root."""
        if not self.exclude:
            return False
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        return any(fnmatch.fnmatch(path.name, g) or fnmatch.fnmatch(relative, g) for g in self.exclude)

    def _inside(self, real: Path) -> bool:
        return any(real == root or real.is_relative_to(root) for root in self.real_roots)

    def _link_verdict(self, path: Path) -> Job | None:
        """For a symlink: a job carrying its problem or skip reason, or None when it is to be followed."""
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return Job(path, problem="symlink loop")
            if exc.errno == errno.ENOENT:
                return Job(path, problem=f"dangling symlink (target {path_text(os.readlink(path))} is missing)")
            return Job(path, problem=f"cannot follow symlink: {exc.strerror or exc}")
        if not self.follow and not self._inside(Path(os.path.realpath(path))):
            return Job(path, skip="symlink out of the scanned folder (use --follow-symlinks to index it)")
        return None

    def _files(self, paths: list[Path], real_folder: str) -> Iterator[Job]:
        """Jobs for the files of one folder (`real_folder` its real path): recordings with their sidecars, then
        unclaimed sidecars."""
        usable: list[Path] = []
        for path in paths:
            problem = _name_problem(path)
            verdict = Job(path, problem=problem) if problem else None
            if verdict is None and os.path.islink(path):
                verdict = self._link_verdict(path) or self._duplicate(path, os.path.realpath(path))
            elif verdict is None:
                verdict = self._duplicate(path, os.path.join(real_folder, path.name))
            if verdict is not None:
                yield verdict
            else:
                usable.append(path)
        sidecars = {p for p in usable if is_sidecar(p)}
        index = SidecarIndex([p for p in usable if p in sidecars])
        claimed: set[Path] = set()
        for path in usable:
            if path not in sidecars:
                kind = file_kind(path)
                if kind is not None and kind.kind == "skip":  # JSON, CSV, Markdown, logs, tiny files: never probed
                    yield Job(path, skip=f"not media: {kind.reason}")
                    continue
                found = tuple(index.for_video(path))
                if found and (kind is None or kind.kind not in ("media", "probe")):
                    found = ()  # a sidecar pairs only with a recording (Geotag.gpx is not Geotag.igc's)
                claimed.update(found)
                yield Job(path, found)
        for path in sorted(sidecars - claimed):
            yield Job(path, (), sidecar_only=True)

    def _single(self, root: Path) -> Job:
        problem = _name_problem(root)
        if problem:
            return Job(root, problem=problem)
        duplicate = self._duplicate(root, os.path.realpath(root))
        if duplicate:
            return duplicate
        try:
            siblings = [p for p in root.parent.iterdir() if is_sidecar(p) and not _name_problem(p) and p.is_file()]
        except OSError:
            siblings = []
        own = is_sidecar(root)
        paired = () if own or not is_recording(root) else tuple(SidecarIndex(siblings).for_video(root))
        return Job(root, paired, own)

    def _tree(self, root: Path) -> Iterator[Job]:
        errors: list[OSError] = []
        seen = {os.path.realpath(root)}
        for folder, dirs, files in os.walk(root, onerror=errors.append, followlinks=self.follow):
            yield from self._folder_errors(errors)
            kept = []
            for name in sorted(dirs):
                sub = Path(folder, name)
                if name.startswith(".") or self._excluded(sub, root):
                    continue
                if os.path.islink(sub):
                    real = os.path.realpath(sub)
                    if self._inside(Path(real)):  # walked as itself
                        continue
                    if not self.follow:
                        yield Job(sub, skip="symlink out of the scanned folder (use --follow-symlinks)")
                        continue
                elif self.follow:
                    real = os.path.realpath(sub)
                else:
                    real = ""
                if real and real in seen:  # a symlink loop, or a folder reached twice
                    continue
                seen.add(real)
                kept.append(name)
            dirs[:] = kept
            real_folder = os.path.realpath(folder)
            yield from self._files([Path(folder, f) for f in sorted(files) if not f.startswith(".")
                                    and os.path.join(real_folder, f) not in self.skip_files
                                    and not self._excluded(Path(folder, f), root)], real_folder)
        yield from self._folder_errors(errors)

    @staticmethod
    def _folder_errors(errors: list[OSError]) -> Iterator[Job]:
        for exc in errors:
            yield Job(Path(exc.filename), problem=f"cannot list folder: {exc.strerror or exc}")
        errors.clear()

    def run(self) -> Iterator[Job]:
        for root in self.roots:
            if os.path.isdir(root):
                yield from self._tree(root)
            else:
                yield self._single(root)


def discover(roots: Iterable[Path], *, follow_symlinks: bool = False, exclude: Iterable[str] = (),
             skip_files: Iterable[str] = ()) -> Iterator[Job]:
    """Every recording under the roots (recursively, in sorted order), with its sidecars; files and folders whose
    name or path below the root matches an `exclude` glob, and the files at the real paths `skip_files` (the
    index's own database), are left out."""
    return _Walker(list(roots), follow_symlinks, tuple(exclude), frozenset(skip_files)).run()
