"""Social licence to operate, as levels after Boutilier & Thomson (2011)."""

from __future__ import annotations

LEVELS = ("withdrawal", "acceptance", "approval", "identification")
# Boundaries on the licence score (0-1): equal quarters, a modelling choice; Boutilier & Thomson
# separate the levels by legitimacy and trust, which the score combines.
BOUNDARIES = (0.25, 0.5, 0.75)


def level(score: float) -> str:
    for name, upper in zip(LEVELS, BOUNDARIES):
        if score < upper:
            return name
    return LEVELS[-1]
