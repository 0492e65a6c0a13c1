"""The footage policy: a TOML file saying which incidents require footage and how coverage is judged.

`load(path)` reads one (the shipped `default_policy.toml` when no path is given); every key is optional and falls
back to the default. A report prints the effective policy and `digest`, the SHA-256 of its canonical JSON form, so
the same rules give the same digest whatever the file's comments or layout.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..model import InputError

DEFAULT_PATH = Path(__file__).with_name("default_policy.toml")
_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(text: str | float, key: str = "duration") -> float:
    """`90s`, `10m`, `1.5h`, `2d` or a bare number of seconds → seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*", str(text))
    if not match:
        raise InputError(f"policy: bad duration {text!r} for {key} (use e.g. 90s, 10m, 2h)")
    return float(match[1]) * _UNITS[match[2] or "s"]


@dataclass(frozen=True)
class Policy:
    """Effective policy values (durations in seconds, patterns upper-cased)."""

    zone: str = ""
    import_flag: bool = True
    priorities: tuple[str, ...] = ()
    call_types: tuple[str, ...] = ()
    use_of_force: bool = True
    min_on_scene_s: float = 0.0
    exclude_call_types: tuple[str, ...] = ("*CANCEL*", "TEST*", "*TEST CALL*")
    exclude_clearance: tuple[str, ...] = ()
    before_s: float = 0.0
    after_s: float = 0.0
    default_duration_s: float = 3600.0
    covered: float = 0.8
    goal: float = 0.95
    time_only_counts: bool = False
    drift_threshold_s: float = 120.0
    upload_grace_s: float = 72 * 3600.0
    min_pre_event_s: float = 30.0
    use_of_force_retention_days: int | None = 0
    retention_days: dict[str, int | None] = field(default_factory=dict)
    retention_call_types: dict[str, int | None] = field(default_factory=dict)
    source: str = "default"

    def as_dict(self) -> dict[str, Any]:
        """The rules as plain data (without `source`), for the report."""
        data = asdict(self)
        data.pop("source")
        return data

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the rules."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def with_overrides(self, **changes: Any) -> Policy:
        """A copy with some values replaced (command-line options), noted in `source`."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self
        note = ", ".join(f"{k}={v}" for k, v in sorted(changes.items()))
        return replace(self, **changes, source=f"{self.source} + options ({note})")


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InputError(f"policy: {key} must be a list of strings")
    return tuple(str(v).strip().upper() for v in value)


def _fraction(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InputError(f"policy: {key} must be a number from 0 to 1")
    return float(value)


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"policy: {key} must be true or false")
    return value


def retention(value: Any, key: str) -> int | None:
    """A retention period in whole days: a number of days, `"180d"`, `"10y"` (365 days a year) or `"indefinite"`
    (None: kept until deleted by hand)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if text in ("indefinite", "permanent", "forever"):
        return None
    match = re.fullmatch(r"(\d+)\s*(d|y)", text)
    if not match:
        raise InputError(f"policy: bad retention {value!r} for {key} (use days, e.g. 180, \"180d\", \"10y\" or "
                         "\"indefinite\")")
    return int(match[1]) * (365 if match[2] == "y" else 1)


def _retention_map(value: Any, key: str) -> dict[str, int | None]:
    if not isinstance(value, dict):
        raise InputError(f"policy: {key} must map names to retention periods")
    return {str(k).strip().upper(): retention(v, f"{key}.{k}") for k, v in sorted(value.items())}


def from_toml(data: dict[str, Any], source: str) -> Policy:
    """A Policy from parsed TOML; unknown sections or keys are an error (a typo must not weaken the policy)."""
    known = {
        "agency": {"zone"},
        "requires": {"import_flag", "priorities", "call_types", "use_of_force", "min_on_scene"},
        "exclude": {"call_types", "clearance_codes"},
        "window": {"before", "after", "default_duration"},
        "coverage": {"covered", "goal", "time_only_counts", "drift_threshold", "upload_grace", "min_pre_event"},
        "retention": {"use_of_force_days", "categories", "call_types"},
    }
    for section, values in data.items():
        if section not in known or not isinstance(values, dict):
            raise InputError(f"policy: unknown section [{section}]")
        for key in values:
            if key not in known[section]:
                raise InputError(f"policy: unknown key {key!r} in [{section}]")
    get = lambda section, key, default: data.get(section, {}).get(key, default)
    base = Policy()
    zone = str(get("agency", "zone", ""))
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"policy: unknown time zone {zone!r}") from exc
    return Policy(
        zone=zone,
        import_flag=_flag(get("requires", "import_flag", base.import_flag), "requires.import_flag"),
        priorities=_strings(get("requires", "priorities", []), "requires.priorities"),
        call_types=_strings(get("requires", "call_types", []), "requires.call_types"),
        use_of_force=_flag(get("requires", "use_of_force", base.use_of_force), "requires.use_of_force"),
        min_on_scene_s=seconds(get("requires", "min_on_scene", 0), "requires.min_on_scene"),
        exclude_call_types=_strings(get("exclude", "call_types", list(base.exclude_call_types)),
                                    "exclude.call_types"),
        exclude_clearance=_strings(get("exclude", "clearance_codes", []), "exclude.clearance_codes"),
        before_s=seconds(get("window", "before", 0), "window.before"),
        after_s=seconds(get("window", "after", 0), "window.after"),
        default_duration_s=seconds(get("window", "default_duration", "60m"), "window.default_duration"),
        covered=_fraction(get("coverage", "covered", base.covered), "coverage.covered"),
        goal=_fraction(get("coverage", "goal", base.goal), "coverage.goal"),
        time_only_counts=_flag(get("coverage", "time_only_counts", False), "coverage.time_only_counts"),
        drift_threshold_s=seconds(get("coverage", "drift_threshold", "2m"), "coverage.drift_threshold"),
        upload_grace_s=seconds(get("coverage", "upload_grace", "72h"), "coverage.upload_grace"),
        min_pre_event_s=seconds(get("coverage", "min_pre_event", "30s"), "coverage.min_pre_event"),
        use_of_force_retention_days=retention(get("retention", "use_of_force_days", 0),
                                              "retention.use_of_force_days"),
        retention_days=_retention_map(get("retention", "categories", {}), "retention.categories"),
        retention_call_types=_retention_map(get("retention", "call_types", {}), "retention.call_types"),
        source=source,
    )


def load(path: str | Path | None = None) -> Policy:
    """The policy in `path` (TOML), or the shipped default."""
    target = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise InputError(f"policy: cannot read {target}: {exc.strerror or exc}") from exc
    if len(raw) > 1_000_000:
        raise InputError(f"policy: {target} is over 1 MB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"policy: {target} is not valid TOML: {exc}") from exc
    return from_toml(data, "default" if path is None else str(target))


def matches(value: str | None, patterns: tuple[str, ...]) -> str | None:
    """The first pattern `value` matches (case-insensitive glob), or None."""
    if not value or not patterns:
        return None
    text = value.strip().upper()
    return next((p for p in patterns if fnmatch.fnmatchcase(text, p)), None)
