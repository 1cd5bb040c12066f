"""The interface every intervention shares; concrete interventions subclass it."""

from __future__ import annotations


class Intervention:
    name = "intervention"

    def __init__(self, spec):
        self.spec = spec

    def step(self, model) -> None:
        raise NotImplementedError


def build_intervention(spec) -> Intervention:
    raise KeyError(f"unknown intervention {spec!r}")
