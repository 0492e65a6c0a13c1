"""The time+place join of the linker, vectorised: which incidents of a batch can lie within the radius of which GPS
points, found with sorted arrays instead of Python work per (point, incident) pair.

Cells are `radius` tall in degrees of latitude and as wide in degrees of longitude; a point sees the incidents in
its own row of cells and the rows above and below, up to `span` cells left and right (the caller computes the
cells and spans with `math`, so the candidates are exactly the ones a dictionary of cells would give). Within a
row, cells are contiguous in the sorted keys, so a point costs three range searches. Distances here are only a
filter with a margin: the caller recomputes each survivor's distance with `math` and decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
#: Columns are clipped to ±COL_LIMIT (clipping only merges far-away columns: the candidate set can only grow) and
#: keys are `row rank * COL_SPACE + column + COL_LIMIT`, which stays inside int64 for any batch.
COL_LIMIT = 2**36
COL_SPACE = 2**38
#: Coordinates outside these bounds are not on the globe and are not compared.
MAX_LAT, MAX_LON = 90.0, 360.0


def on_globe(lat: float, lon: float) -> bool:
    """Whether a position can take part in the join."""
    return -MAX_LAT <= lat <= MAX_LAT and -MAX_LON <= lon <= MAX_LON


class PlaceJoin:
    """Incidents with a position (window start, window end, lat, lon), sorted by cell."""

    def __init__(self, starts: Sequence[float], ends: Sequence[float], lats: Sequence[float],
                 lons: Sequence[float], cell: float) -> None:
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        rows = np.floor(lat / cell).astype(np.int64)
        cols = np.clip(np.floor(lon / cell), -COL_LIMIT, COL_LIMIT).astype(np.int64)
        self.row_values = np.unique(rows)
        keys = np.searchsorted(self.row_values, rows) * COL_SPACE + cols + COL_LIMIT
        self.order = np.argsort(keys, kind="stable")
        self.keys = keys[self.order]
        self.starts = np.asarray(starts, dtype=np.float64)[self.order]
        self.ends = np.asarray(ends, dtype=np.float64)[self.order]
        self.lat_rad = np.radians(lat[self.order])
        self.lon = lon[self.order]

    def pairs(self, points: dict[str, list[Any]], radius_m: float) -> tuple[list[int], list[int]]:
        """(point index, incident index) of every incident in a point's cells whose window meets the point's span
        and which lies about within the radius, ordered by point index. `points` holds equal-length lists `row`,
        `col`, `span` (ints), `lat`, `lon`, `start`, `end` (floats)."""
        n = len(points["row"])
        if n == 0 or len(self.keys) == 0:
            return [], []
        p_row = np.asarray(points["row"], dtype=np.int64)
        p_col = np.clip(np.asarray(points["col"], dtype=np.int64), -COL_LIMIT, COL_LIMIT)
        p_span = np.asarray(points["span"], dtype=np.int64)
        p_start = np.asarray(points["start"], dtype=np.float64)
        p_end = np.asarray(points["end"], dtype=np.float64)
        found_p, found_i = [], []
        last = len(self.row_values) - 1
        for dy in (-1, 0, 1):
            wanted = p_row + dy
            rank = np.minimum(np.searchsorted(self.row_values, wanted), last)
            base = rank * COL_SPACE + COL_LIMIT
            left = np.searchsorted(self.keys, base + p_col - p_span, side="left")
            right = np.searchsorted(self.keys, base + p_col + p_span, side="right")
            counts = np.where(self.row_values[rank] == wanted, right - left, 0)
            total = int(counts.sum())
            if total == 0:
                continue
            point = np.repeat(np.arange(n), counts)
            incident = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(left, counts)
            meets = (self.starts[incident] <= p_end[point]) & (self.ends[incident] >= p_start[point])
            point, incident = point[meets], incident[meets]
            found_p.append(point)
            found_i.append(incident)
        if not found_p:
            return [], []
        point = np.concatenate(found_p)
        incident = np.concatenate(found_i)
        p1 = np.radians(np.asarray(points["lat"], dtype=np.float64))[point]
        p2 = self.lat_rad[incident]
        dl = np.radians(self.lon[incident] - np.asarray(points["lon"], dtype=np.float64)[point])
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        near = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))) <= radius_m * (1 + 1e-9) + 1e-6
        point, incident = point[near], incident[near]
        by_point = np.argsort(point, kind="stable")
        return point[by_point].tolist(), self.order[incident[by_point]].tolist()
