"""What makes a published figure safe to publish: reports counted per square cell, small counts in a place folded.

No published figure places a report more precisely than a cell of OPEN_DATA_CELL_METRES a side (500 m by
default), and none shows fewer than OPEN_DATA_MIN_COUNT reports (3) in one place, a map cell or a colonia's
week: those are folded into a total that names no place. Why: a report's place is often the resident's own
door ("fuga frente a mi casa"), and one report alone in a cell or a small colonia's week, with its category,
tells the neighbours who wrote. Counts that name no place (per category, per department) are not folded.

The grid is fixed on the Earth, not on the data: a cell's row is its latitude band, its width the side at that
band's middle latitude, so a cell keeps its id and bounds from one publication to the next. Pure functions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Cell", "GridCells", "cell_of", "fold_small"]

METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator
COORDINATE_DIGITS = 5


@dataclass(frozen=True)
class CellKey:
    """A cell of the grid: its latitude band (row) and its place in the band (column)."""

    row: int
    column: int

    @property
    def id(self) -> str:
        return f"{self.row}:{self.column}"


def cell_of(latitude: float, longitude: float, metres: float) -> CellKey:
    """The cell of the grid of `metres` a side holding the point."""
    height = metres / METRES_PER_DEGREE
    row = math.floor(latitude / height)
    return CellKey(row, math.floor(longitude / _width(row, height, metres)))


def _width(row: int, height: float, metres: float) -> float:
    """A cell's width in degrees of longitude, the side at the middle latitude of its band."""
    middle = (row + 0.5) * height
    return metres / (METRES_PER_DEGREE * max(math.cos(math.radians(middle)), 0.01))


@dataclass
class Cell:
    """A published cell: its bounds, the open reports in it per category, the colonias they are in."""

    key: CellKey
    metres: float
    categories: Counter = field(default_factory=Counter)
    colonias: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.categories.values())

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, rounded as published."""
        height = self.metres / METRES_PER_DEGREE
        width = _width(self.key.row, height, self.metres)
        south, west = self.key.row * height, self.key.column * width
        return tuple(round(v, COORDINATE_DIGITS) for v in (west, south, west + width, south + height))  # type: ignore[return-value]

    def centre(self) -> tuple[float, float]:
        """(latitude, longitude) of the cell's middle, rounded as published."""
        west, south, east, north = self.bounds()
        return round((south + north) / 2, COORDINATE_DIGITS), round((west + east) / 2, COORDINATE_DIGITS)

    def colonia(self) -> str:
        """The colonia most of its reports are in ("" when none has one)."""
        named = [(-count, name) for name, count in self.colonias.items() if name]
        return min(named)[1] if named else ""


@dataclass
class GridCells:
    """Points counted into cells; `published()` keeps the cells with at least min_count, the rest is a total."""

    metres: float
    min_count: int
    cells: dict[CellKey, Cell] = field(default_factory=dict)

    def add(self, latitude: float, longitude: float, category: str, colonia: str | None) -> None:
        key = cell_of(latitude, longitude, self.metres)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = Cell(key, self.metres)
        cell.categories[category] += 1
        cell.colonias[colonia or ""] += 1

    def published(self) -> tuple[list[Cell], int]:
        """The cells shown (most reports first, then by id) and how many reports the cells left out held."""
        shown = [cell for cell in self.cells.values() if cell.count >= self.min_count]
        folded = sum(cell.count for cell in self.cells.values() if cell.count < self.min_count)
        return sorted(shown, key=lambda cell: (-cell.count, cell.key.row, cell.key.column)), folded


def fold_small(
    rows: Iterable[tuple[str, list[int]]], periods: int, min_count: int
) -> tuple[list[tuple[str, list[int]]], list[int]]:
    """Per place, counts per period: each count below min_count (and above 0) moves to the folded total.

    Returns the places left with any count (their small counts now 0) and the folded total per period."""
    folded = [0] * periods
    kept = []
    for name, counts in rows:
        shown = []
        for n, count in enumerate(counts):
            if 0 < count < min_count:
                folded[n] += count
                count = 0
            shown.append(count)
        if any(shown):
            kept.append((name, shown))
    return kept, folded
