"""Float arithmetic that rounds the same on every supported Python.

Python 3.12 made the built-in ``sum`` of floats compensated (Neumaier), so the same run summed
with ``sum`` differs in the last bits between Python 3.11 and 3.12+, and a last bit can tip a
threshold. The engine adds floats left to right with this function instead, as 3.11 does, so a
seed gives the same numbers on any Python the project supports.

``array_sum`` gives, without building an array, the sum numpy computes for a 1-D float64 array:
numpy starts from 0 and adds fewer than eight numbers left to right (a pairwise sum only splits
blocks of eight and more), so for short lists it is ``ordered_sum``, and numpy itself otherwise.
``tests/test_numbers.py`` checks both against numpy on awkward values.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Iterable, Sequence

import numpy as np


def ordered_sum(values: Iterable[float]) -> float:
    """Left-to-right float sum (what ``sum`` computed before Python 3.12)."""
    return reduce(operator.add, values, 0.0)


# Below this many numbers numpy's pairwise summation is a plain left-to-right loop (numpy's
# ``pairwise_sum`` in loops_utils.h.src: ``if (n < 8)``), started from the reduction's initial 0.
PAIRWISE_BLOCK = 8


def array_sum(values: Sequence[float]) -> float:
    """``float(np.add.reduce(np.asarray(values, dtype=float)))`` to the last bit, cheaper for short lists."""
    if len(values) < PAIRWISE_BLOCK:
        total = 0.0
        for value in values:
            total += value
        return float(total)
    return float(np.add.reduce(np.asarray(values, dtype=float)))


# Reductions of a column of the monthly record as pandas computes them (``Series.sum``, ``mean``,
# ``max``, which skip missing values: pandas' nanops fill them with 0, or -inf for a maximum, and
# call numpy's own ``sum`` and ``max`` on the float64 values), from a list or an array, without
# building a Series. tests/test_numbers.py checks them against pandas, missing values included.
def _floats(values) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(values, dtype=float)
    return array, np.isnan(array)


def column_sum(values) -> float:
    """``pd.Series(values, dtype=float).sum()``."""
    array, missing = _floats(values)
    if missing.any():
        array = np.where(missing, 0.0, array)
    return float(array.sum())


def column_mean(values) -> float:
    """``pd.Series(values, dtype=float).mean()``."""
    array, missing = _floats(values)
    count = array.size - int(np.count_nonzero(missing))
    if count == 0:
        return float("nan")
    if missing.any():
        array = np.where(missing, 0.0, array)
    return float(array.sum() / np.float64(count))


def column_max(values) -> float:
    """``pd.Series(values, dtype=float).max()``."""
    array, missing = _floats(values)
    if array.size == 0 or missing.all():
        return float("nan")
    if missing.any():
        array = np.where(missing, -np.inf, array)
    return float(array.max())
