"""Compare the zone lookup (tzfpy, simplified borders) with timezonefinder (full borders) as an oracle.

    pip install timezonefinder   # not a dependency: only this script uses it
    python scripts/check_zone_lookup.py [--points 20000] [--borders 2000] [--seed 1]

Both lookups are read with `bodycam_index.zones` semantics (a nautical `Etc/` zone at sea is no zone). Two samples:

- random land points, uniform on the sphere (a point counts when either lookup names a land zone);
- points near borders: from a random land point, walk east in 1 km steps until the oracle's zone changes, bisect to
  the border (to 1 m), then take a point up to 300 m east or west of it; shown by east-west distance band.

Each point is one of: same zone; other name, same clock (the same UTC offsets at noon on 15 January and 15 July
2025); one lookup names no zone (the edge of territorial waters: our side stores `unknown`, nothing misplaced);
another UTC offset, the case that would misplace a recording, split into flagged `zone near border` by `resolve`
(a zone in `zones.zones_near` has another offset than ours) or not. Disagreements with another offset are listed
with the distance to each lookup's own border (ring search), unflagged first. Not run in CI (timezonefinder is not installed there).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bodycam_index import zones

M_PER_DEG = 111_320.0
DATES = (datetime(2025, 1, 15, 12), datetime(2025, 7, 15, 12))
BANDS = (25, 50, 100, 150, 200, 300)
KINDS = ("same zone", "other name, same clock", "no zone in one", "other offset, flagged", "other offset, unflagged")


def _land(name: str | None) -> str | None:
    return name if name and not name.startswith("Etc/") else None


def _offset(lat: float, lon: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    dlon = metres * math.sin(b) / (M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6))
    return min(90.0, max(-90.0, lat + metres * math.cos(b) / M_PER_DEG)), (lon + dlon + 180.0) % 360.0 - 180.0


def border_distance(lookup: object, lat: float, lon: float, limit_m: float = 3000.0) -> float | None:
    """Metres to the nearest point (72 bearings, 5 m then 50 m steps) where `lookup` changes, or None beyond."""
    own = lookup(lat, lon)  # type: ignore[operator]
    metres = 5.0
    while metres <= limit_m:
        if any(lookup(*_offset(lat, lon, metres, 5.0 * k)) != own for k in range(72)):  # type: ignore[operator]
            return metres
        metres += 5.0 if metres < 500 else 50.0
    return None


def _same_clock(a: str, b: str) -> bool:
    if not (zones.known(a) and zones.known(b)):
        return a == b
    return all(zones.utc_offset(a, d) == zones.utc_offset(b, d) for d in DATES)


def classify(lat: float, lon: float, ours: str | None, theirs: str | None) -> str:
    """One of KINDS for a point where at least one lookup names a land zone."""
    if ours == theirs:
        return KINDS[0]
    if ours is None or theirs is None:
        return KINDS[2]
    if _same_clock(ours, theirs):
        return KINDS[1]
    flagged = any(not _same_clock(ours, name) for name in zones.zones_near(lat, lon))
    return KINDS[3] if flagged else KINDS[4]


class Check:
    """The two samples against one oracle, with the misplacing disagreements kept for listing."""

    def __init__(self, seed: int) -> None:
        try:
            from timezonefinder import TimezoneFinder
        except ImportError:
            sys.exit("timezonefinder is not installed (pip install timezonefinder): it is this script's oracle")
        self.finder = TimezoneFinder()
        self.rnd = random.Random(seed)
        self.misplacing: list[tuple[float, float, str | None, str | None, str]] = []

    def oracle(self, lat: float, lon: float) -> str | None:
        return _land(self.finder.timezone_at(lat=lat, lng=lon))

    def _point(self) -> tuple[float, float]:
        return math.degrees(math.asin(2 * self.rnd.random() - 1)), self.rnd.uniform(-180.0, 180.0)

    def _judge(self, lat: float, lon: float) -> str | None:
        ours, theirs = zones.zone_at(lat, lon), self.oracle(lat, lon)
        if ours is None and theirs is None:
            return None
        kind = classify(lat, lon, ours, theirs)
        if kind.startswith("other offset"):
            self.misplacing.append((lat, lon, ours, theirs, kind))
        return kind

    def random_land(self, n: int) -> Counter[str]:
        counts: Counter[str] = Counter()
        while sum(counts.values()) < n:
            kind = self._judge(*self._point())
            if kind is not None:
                counts[kind] += 1
        return counts

    def _border_east_of(self, lat: float, lon: float) -> tuple[float, float] | None:
        """The longitude where the oracle's zone first changes walking east (1 km steps, up to 300 km), to ~1 m,
        and degrees of longitude per metre there."""
        start = self.oracle(lat, lon)
        per_m = 1.0 / (M_PER_DEG * math.cos(math.radians(lat)))
        for _ in range(300):
            east = lon + 1000.0 * per_m
            if east > 180.0:
                return None
            if self.oracle(lat, east) != start:
                west_lon, east_lon = lon, east
                while east_lon - west_lon > per_m:
                    middle = (west_lon + east_lon) / 2
                    west_lon, east_lon = (middle, east_lon) if self.oracle(lat, middle) == start else (west_lon, middle)
                return (west_lon + east_lon) / 2, per_m
            lon = east
        return None

    def near_borders(self, n: int) -> dict[int, Counter[str]]:
        bands: dict[int, Counter[str]] = {band: Counter() for band in BANDS}
        taken = 0
        while taken < n:
            lat, lon = self._point()
            if abs(lat) > 80 or self.oracle(lat, lon) is None or (found := self._border_east_of(lat, lon)) is None:
                continue
            metres = self.rnd.uniform(-300.0, 300.0)
            kind = self._judge(lat, found[0] + metres * found[1])
            if kind is not None:
                taken += 1
                bands[next(b for b in BANDS if abs(metres) <= b)][kind] += 1
        return bands


def _row(counts: Counter[str]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{kind} {counts[kind]} ({100 * counts[kind] / total:.2f} %)" for kind in KINDS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000, help="random land points")
    parser.add_argument("--borders", type=int, default=2_000, help="points near oracle borders")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--list", type=int, default=20, help="disagreements with another offset to list")
    args = parser.parse_args(argv)
    import tzfpy

    check = Check(args.seed)
    print(f"tzfpy {version('tzfpy')} (data {tzfpy.data_version()}) against timezonefinder "
          f"{version('timezonefinder')} (data {check.finder.data_version})")
    started = time.perf_counter()
    print(f"random land points ({args.points}): {_row(check.random_land(args.points))}")
    print(f"points within 300 m east or west of an oracle border ({args.borders}):")
    low = 0
    for band, counts in check.near_borders(args.borders).items():
        print(f"  {low:>3}–{band:<3} m, {sum(counts.values()):>5} points: {_row(counts)}")
        low = band
    print(f"disagreements with another UTC offset ({len(check.misplacing)}; distance to each lookup's border):")
    ours_lookup = zones.zone_at
    for lat, lon, ours, theirs, kind in sorted(check.misplacing, key=lambda m: m[4] != KINDS[4])[: args.list]:
        print(f"  ({lat:.5f}, {lon:.5f}) tzfpy {ours} ({border_distance(ours_lookup, lat, lon)} m) / oracle {theirs} "
              f"({border_distance(check.oracle, lat, lon)} m): {kind}")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
