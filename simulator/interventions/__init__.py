"""Interventions: objects with a schedule, participants, a meeting rhythm, a cost and an effect.

Every module in this package is imported here, and each registers its intervention with
``@register``: adding an intervention is adding one file, with no list to update. ``REGISTRY``
maps each ``type`` tag to its (spec, runtime class) pair, and ``InterventionSpecUnion`` is what
scenario files may contain.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Union

from pydantic import Field

from stakesim.simulator.interventions.base import REGISTRY, Intervention, InterventionSpec

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "base":
        importlib.import_module(f"{__name__}.{_module}")

KINDS: tuple[str, ...] = tuple(REGISTRY)

InterventionSpecUnion = Annotated[
    Union[tuple(spec for spec, _ in REGISTRY.values())], Field(discriminator="type")
]


def default_spec(kind: str, **overrides) -> InterventionSpec:
    """The spec of an intervention type with its defaults (what an arm name in `compare` means)."""
    if kind not in REGISTRY:
        raise KeyError(f"unknown intervention '{kind}'; known: {', '.join(KINDS)}")
    return REGISTRY[kind][0](type=kind, **overrides)


def build_intervention(spec: InterventionSpec, model) -> Intervention:
    return REGISTRY[spec.type][1](spec, model)


__all__ = ["KINDS", "REGISTRY", "Intervention", "InterventionSpec", "InterventionSpecUnion",
           "build_intervention", "default_spec"]
