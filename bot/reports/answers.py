"""Yes/no and number answers summed for the results page: the share that said yes, a number step's spread.

A route survey's key measure is often a yes/no ("¿esperaste más de 20 minutos?") and a count or duration
("¿cuántos minutos?"). Both are read here from what the database hands back, which differs by engine:
SQLite's JSON_EXTRACT gives 1/0 for true/false and numbers as numbers, PostgreSQL's ->> gives 'true'/'false'
and '20' as text, and the tallies keep the JSON text ('true', '20'). A number step's figures are exact: the
tallies keep a count per value answered, so the median and mean come from every answer, and the histogram's
buckets are worked out from the answered range when the page is drawn (no bucket width is stored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["YesNoCount", "NumberSummary", "Bucket", "as_yes_no", "as_number", "MAX_BUCKETS"]

MAX_BUCKETS = 12  # a histogram's bars at most: enough to see a shape, few enough to read each label
NICE_STEPS = (1, 2, 5)  # bucket widths are 1, 2 or 5 times a power of ten: 1, 2, 5, 10, 20, 50, 0.5 ...

_YES = {"true", "1"}
_NO = {"false", "0"}


def as_yes_no(stored) -> bool | None:
    """A stored yes/no answer as the database returned it: True, False, or None (not answered, or not a yes/no)."""
    if isinstance(stored, bool):
        return stored
    text = str(stored).strip().lower() if stored is not None else ""
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def as_number(stored) -> int | float | None:
    """A stored number answer as the database returned it (20, '20', '2.5'): an int when whole, else a float; None
    when absent or not a number (a yes/no, a text from an older flows.yaml)."""
    if stored is None or isinstance(stored, bool):
        return None
    try:
        value = float(str(stored))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


@dataclass
class YesNoCount:
    """How many said yes and how many said no (unanswered is neither)."""

    yes: int = 0
    no: int = 0

    def add(self, said: bool, count: int) -> None:
        if said:
            self.yes += count
        else:
            self.no += count

    @property
    def answered(self) -> int:
        return self.yes + self.no

    @property
    def share_yes(self) -> float | None:
        """The share of answers that were yes, 0..1; None when nobody answered."""
        return self.yes / self.answered if self.answered else None


@dataclass(frozen=True)
class Bucket:
    """One bar of a number step's histogram: answers from low (included) to high (excluded)."""

    low: Decimal
    high: Decimal
    count: int
    whole: bool  # every answer is a whole number: the bucket is low..high-1 ("20–29"), or just low when one wide

    @property
    def last(self) -> Decimal:
        """The highest answer the bucket can hold when answers are whole numbers."""
        return self.high - 1


@dataclass
class NumberSummary:
    """How a number step was answered: the count of each value, so every figure is exact."""

    step_id: str
    values: dict[int | float, int] = field(default_factory=dict)

    def add(self, value: int | float, count: int) -> None:
        self.values[value] = self.values.get(value, 0) + count

    @property
    def count(self) -> int:
        return sum(self.values.values())

    @property
    def mean(self) -> float | None:
        return sum(v * n for v, n in self.values.items()) / self.count if self.count else None

    @property
    def median(self) -> float | None:
        """The middle answer (the mean of the two middle ones when the count is even)."""
        total = self.count
        if not total:
            return None
        low_rank, high_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle answer(s)
        seen, low = 0, None
        for value in sorted(self.values):
            seen += self.values[value]
            if low is None and seen > low_rank:
                low = value
            if seen > high_rank:
                return (low + value) / 2
        return None  # not reached: the ranks are below the total

    @property
    def lowest(self) -> int | float | None:
        return min(self.values) if self.values else None

    @property
    def highest(self) -> int | float | None:
        return max(self.values) if self.values else None

    def buckets(self) -> list[Bucket]:
        """The histogram: MAX_BUCKETS bars at most, of a nice width (1, 2, 5 × 10ⁿ), from the lowest answer's
        bucket to the highest's, empty bars between them kept (a gap is part of the shape)."""
        if not self.values:
            return []
        exact = {Decimal(str(v)): n for v, n in self.values.items()}
        whole = all(v == v.to_integral_value() for v in exact)
        low, high = min(exact), max(exact)
        width = _nice_width(low, high, whole)
        first = (low / width).to_integral_value(rounding="ROUND_FLOOR")
        last = (high / width).to_integral_value(rounding="ROUND_FLOOR")
        counts = [0] * (int(last - first) + 1)
        for value, n in exact.items():
            counts[int((value / width).to_integral_value(rounding="ROUND_FLOOR") - first)] += n
        return [
            Bucket(((first + i) * width).normalize() + 0, ((first + i + 1) * width).normalize() + 0, n, whole)
            for i, n in enumerate(counts)
        ]


def _nice_width(low: Decimal, high: Decimal, whole: bool) -> Decimal:
    """The narrowest nice width that fits low..high into MAX_BUCKETS buckets (1 at least for whole numbers)."""
    span = high - low
    if span == 0:
        return Decimal(1) if whole or low == low.to_integral_value() else Decimal(10) ** low.as_tuple().exponent
    exponent = math.floor(math.log10(float(span) / MAX_BUCKETS)) if span else 0
    if whole:
        exponent = max(exponent, 0)
    while True:
        for step in NICE_STEPS:
            width = Decimal(step).scaleb(exponent)
            buckets = (high / width).to_integral_value(rounding="ROUND_FLOOR") - (low / width).to_integral_value(
                rounding="ROUND_FLOOR"
            )
            if buckets + 1 <= MAX_BUCKETS:
                return width
        exponent += 1
