"""Plain data shared by every stage: extraction, resolution, storage, linking and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Literal

#: How a time's zone is known. `utc`: the value is UTC. `offset`: the value carries its own UTC offset.
#: `local`: wall-clock time of an unrecorded zone. `unset`: the container says "no time" (e.g. mvhd 0).
ZoneKind = Literal["utc", "offset", "local", "unset"]


class ExtractError(Exception):
    """A file cannot be read as the format it claims to be (corrupt, truncated, hostile)."""


@dataclass(frozen=True)
class TimeCandidate:
    """One time found in a file, with the tag it came from and how its zone is known.

    `value` is timezone-aware for `utc` and `offset`, naive for `local` and `unset`.
    """

    source: str
    value: datetime
    zone: ZoneKind
    note: str = ""


@dataclass(slots=True, unsafe_hash=True)
class GpsFix:
    """One GPS position. `t_utc` is aware UTC when the fix carries its own time; `t_offset_s` is the time
    from the start of the recording when known (samples of a timed track).

    A value like the other records, but not `frozen`: it is built once per fix (thousands per clip), and a frozen
    dataclass's `__init__` sets each field through `object.__setattr__`, 5× the cost (2.9 against 0.6 µs). Never
    assign to a field: `dataclasses.replace` makes a changed copy. Slots keep each fix small."""

    lat: float
    lon: float
    t_utc: datetime | None = None
    t_offset_s: float | None = None
    alt_m: float | None = None
    speed_mps: float | None = None
    quality: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Identity:
    """Who and what made a recording."""

    make: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    officer: str | None = None
    unit: str | None = None

    def merged(self, other: Identity) -> Identity:
        """Fill this identity's empty fields from `other` (own values win)."""
        if other == self or other == _NOBODY:  # the common cases (per GPMF payload, per sidecar): nothing to add
            return self
        if self == _NOBODY:
            return other
        return _merge(self, other)


@lru_cache(maxsize=256)  # a clip's payloads merge the same two identities again and again
def _merge(mine: Identity, theirs: Identity) -> Identity:
    values = {k: v or getattr(theirs, k) for k, v in vars(mine).items()}
    return mine if values == vars(mine) else Identity(**values)


_NOBODY = Identity()


@dataclass
class Extraction:
    """Everything one parser found in one file, before any choice is made.

    `tags` maps a tag's source name to its raw value as found, so `probe` can show where each value came from.
    `dropped_fixes` counts invalid fixes (no lock, status V, 0/0) that were discarded.
    `pre_event_s` is the pre-event buffer the file shows (seconds recorded before the trigger), with
    `pre_event_source` naming the fields it came from; None when the file does not show one.
    """

    container: str
    duration_s: float | None = None
    times: list[TimeCandidate] = field(default_factory=list)
    identity: Identity = field(default_factory=Identity)
    location: GpsFix | None = None
    track: list[GpsFix] = field(default_factory=list)
    incident_hints: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    dropped_fixes: int = 0
    pre_event_s: float | None = None
    pre_event_source: str | None = None

    def merge(self, other: Extraction) -> None:
        """Add another extraction's findings (a sidecar, a file name) to this one; own values win."""
        if self.duration_s is None:
            self.duration_s = other.duration_s
        self.times.extend(other.times)
        self.identity = self.identity.merged(other.identity)
        if self.location is None:
            self.location = other.location
        if not self.track:
            self.track = list(other.track)
        self.incident_hints.extend(h for h in other.incident_hints if h not in self.incident_hints)
        self.warnings.extend(other.warnings)
        for key, value in other.tags.items():
            self.tags.setdefault(key, value)
        self.dropped_fixes += other.dropped_fixes
        if self.pre_event_s is None and other.pre_event_s is not None:
            self.pre_event_s, self.pre_event_source = other.pre_event_s, other.pre_event_source


@dataclass(frozen=True)
class Footage:
    """The resolved record of one recording: one chosen start time in UTC and how it was chosen.

    `zone_kind` is `utc`, `offset`, `assumed:<IANA zone>`, `inferred:<IANA zone>` or `unknown`.
    `clock_offset_s` is header time minus GPS UTC; `drift_s` what remains after removing whole-zone offsets.
    `flags` are doubts about the time a report should show (a zone guessed, --tz against the position's zone).
    """

    start_utc: datetime | None
    end_utc: datetime | None
    duration_s: float | None
    time_source: str | None
    zone_kind: str
    time_reason: str
    clock_offset_s: float | None
    drift_s: float | None
    identity: Identity
    lat: float | None
    lon: float | None
    fix_count: int
    flags: tuple[str, ...] = ()


class InputError(Exception):
    """Bad input from the user (an option, a CSV, a missing file): reported as one line, exit code 2."""
