"""Float arithmetic that rounds the same on every supported Python.

Python 3.12 made the built-in ``sum`` of floats compensated (Neumaier), so the same run summed
with ``sum`` differs in the last bits between Python 3.11 and 3.12+, and a last bit can tip a
threshold. The engine adds floats left to right with this function instead, as 3.11 does, so a
seed gives the same numbers on any Python the project supports.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Iterable


def ordered_sum(values: Iterable[float]) -> float:
    """Left-to-right float sum (what ``sum`` computed before Python 3.12)."""
    return reduce(operator.add, values, 0.0)
