"""The time+place join of the linker, vectorised: which incidents of a batch can lie within the radius of which GPS
points, found with sorted arrays instead of Python work per (point, incident) pair.

Cells are `radius` tall in degrees of latitude and as wide in degrees of longitude; a point sees the incidents in
its own row of cells and the rows above and below, up to `span = min(50, ceil(1 / max(cos(lat), 0.02)))` cells
left and right (cells come from the caller, computed with `math`; a span whose value numpy's cosine could leave on
the other side of an integer is recomputed with `math`), so the candidates are exactly the ones a dictionary of
cells would give. Within a row, cells are contiguous in the sorted keys, so a point costs three range searches.
Distances here are only a filter with a margin: the caller recomputes each survivor's distance with `math` and
decides. Positions off the globe (|lat| > 90°, |lon| > 360°, not finite) take no part.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
#: Columns are clipped to ±COL_LIMIT (clipping only merges far-away columns: the candidate set can only grow) and
#: keys are `row rank * COL_SPACE + column + COL_LIMIT`, which stays inside int64 for any batch.
COL_LIMIT = 2**36
COL_SPACE = 2**38


def _on_globe(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return (np.abs(lat) <= 90.0) & (np.abs(lon) <= 360.0)


def _spans(lat: np.ndarray) -> np.ndarray:
    """Columns each side a point looks at, as `math` computes them."""
    inverse = 1.0 / np.maximum(np.cos(np.radians(lat)), 0.02)
    spans = np.minimum(50, np.ceil(inverse)).astype(np.int64)
    for k in np.nonzero(np.abs(inverse - np.round(inverse)) < 1e-9)[0].tolist():
        spans[k] = min(50, math.ceil(1.0 / max(math.cos(math.radians(float(lat[k]))), 0.02)))
    return spans


class PlaceJoin:
    """Incidents with a position (window start, window end, lat, lon), sorted by cell."""

    def __init__(self, starts: Sequence[float], ends: Sequence[float], lats: Sequence[float],
                 lons: Sequence[float], cell: float) -> None:
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        keep = np.nonzero(_on_globe(lat, lon))[0]
        lat, lon = lat[keep], lon[keep]
        rows = np.floor(lat / cell).astype(np.int64)
        cols = np.clip(np.floor(lon / cell), -COL_LIMIT, COL_LIMIT).astype(np.int64)
        self.row_values = np.unique(rows)
        keys = np.searchsorted(self.row_values, rows) * COL_SPACE + cols + COL_LIMIT
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.index = keep[order]  # position in the caller's sequences
        self.starts = np.asarray(starts, dtype=np.float64)[self.index]
        self.ends = np.asarray(ends, dtype=np.float64)[self.index]
        self.lat_rad = np.radians(lat[order])
        self.lon = lon[order]

    def pairs(self, lats: Sequence[float], lons: Sequence[float], rows: Sequence[int], cols: Sequence[int],
              starts: tuple[Sequence[float], Sequence[float]], ends: tuple[Sequence[float], Sequence[float]],
              radius_m: float) -> tuple[list[int], list[int]]:
        """(point, incident) index pairs, in point order: each incident in a point's cells (`rows`, `cols`) whose
        window meets the point's span (from the later of the two `starts` to the earlier of the two `ends`) and
        which lies about within the radius of the point."""
        if len(lats) == 0 or len(self.keys) == 0:
            return [], []
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        keep = np.nonzero(_on_globe(lat, lon))[0]
        lat, lon = lat[keep], lon[keep]
        p_row = np.asarray(rows, dtype=np.int64)[keep]
        p_col = np.clip(np.asarray(cols, dtype=np.int64)[keep], -COL_LIMIT, COL_LIMIT)
        p_start = np.maximum(np.asarray(starts[0], dtype=np.float64), np.asarray(starts[1], dtype=np.float64))[keep]
        p_end = np.minimum(np.asarray(ends[0], dtype=np.float64), np.asarray(ends[1], dtype=np.float64))[keep]
        p_span = _spans(lat)
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
            point = np.repeat(np.arange(len(keep)), counts)
            incident = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(left, counts)
            meets = (self.starts[incident] <= p_end[point]) & (self.ends[incident] >= p_start[point])
            found_p.append(point[meets])
            found_i.append(incident[meets])
        if not found_p:
            return [], []
        point = np.concatenate(found_p)
        incident = np.concatenate(found_i)
        p1 = np.radians(lat)[point]
        p2 = self.lat_rad[incident]
        dl = np.radians(self.lon[incident] - lon[point])
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        near = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))) <= radius_m * (1 + 1e-9) + 1e-6
        point, incident = point[near], incident[near]
        by_point = np.argsort(point, kind="stable")
        return keep[point[by_point]].tolist(), self.index[incident[by_point]].tolist()
