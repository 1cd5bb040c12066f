"""The two things a scenario can go wrong with: an error that stops it, a warning that does not."""

from __future__ import annotations


class ScenarioError(ValueError):
    """Bad scenario input; its message names the file (or option) and the field, and says what is allowed."""


class ScenarioWarning(UserWarning):
    """A scenario that is valid but probably not what its author meant (an intervention that never starts)."""
