"""The interface every intervention shares: a schedule, participants, a meeting rhythm, a cost, an effect.

An intervention is two classes: a pydantic spec (what a scenario file says; it round-trips to YAML)
and a runtime class that acts on the model each month it meets. Adding an intervention is adding
those two classes and registering them with ``@register``; the engine never changes.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from stakesim.simulator.declarations import PHASES, Strict, field


class InterventionSpec(Strict):
    """Fields every intervention has. Subclasses add ``type: Literal[...]`` and their own knobs."""

    type: str
    name: str | None = Field(None, description="Unique name (default: the type).")
    start: int | Literal[PHASES] = field(  # type: ignore[valid-type]
        1, unit="month (1 = first) or phase name",
        doc="When it starts: a calendar month, or the start of a life-cycle phase.")
    end: int | Literal[PHASES] | None = field(  # type: ignore[valid-type]
        None, unit="month or phase name",
        doc="When it ends (inclusive): a calendar month, or the end of a phase; none runs to the end.")
    every: int = field(1, ge=1, le=120, unit="months", doc="Months between meetings.")
    participants: list[str] = Field(
        default_factory=list,
        description="Who takes part: stakeholder types, CSO roles or stakeholder ids "
                    "(empty: the intervention's default participants).")
    cost_per_meeting: float = field(0.01, ge=0, unit="US$ million", doc="Cost of one meeting or round.")

    @property
    def label(self) -> str:
        return self.name or self.type

    def check_against(self, scenario, where: str) -> None:
        """Checks that need the whole scenario; raise ValueError naming ``where``."""


REGISTRY: dict[str, tuple[type[InterventionSpec], type["Intervention"]]] = {}


def register(spec_class: type[InterventionSpec]):
    """Class decorator tying a runtime intervention to its spec and its ``type`` tag."""
    kind = spec_class.model_fields["type"].annotation.__args__[0]

    def wrap(cls):
        cls.kind = kind
        REGISTRY[kind] = (spec_class, cls)
        return cls

    return wrap


class Intervention(ABC):
    kind: ClassVar[str] = "intervention"
    default_participants: ClassVar[tuple[str, ...]] = ("company", "local_government", "community", "cso")

    def __init__(self, spec: InterventionSpec, model):
        self.spec = spec
        self.name = spec.label
        self.meetings = 0
        self.attendance_now: int | None = None  # participants present at the meeting being held
        self._months_active: int | None = None  # months since the current active spell began
        selectors = spec.participants or list(self.default_participants)
        self.participant_keys = resolve_participants(model, selectors)
        # Its own random stream, derived from the run's seed and its name: arms that share a seed
        # share every draw the intervention does not change (common random numbers).
        self.rng = np.random.default_rng([model.seed_entropy, zlib.crc32(self.name.encode())])

    # ------------------------------------------------------------------ schedule
    def is_active(self, model) -> bool:
        month = model.steps  # Mesa counts the month being simulated before calling step()
        phase = PHASES.index(model.project.phase_name)
        start, end = self.spec.start, self.spec.end
        if isinstance(start, int):
            if month < start:
                return False
        elif phase < PHASES.index(start):
            return False
        if end is None:
            return True
        if isinstance(end, int):
            return month <= end
        return phase <= PHASES.index(end)

    def meets(self, model) -> bool:
        if not self.is_active(model):
            self._months_active = None
            return False
        self._months_active = 0 if self._months_active is None else self._months_active + 1
        return self._months_active % self.spec.every == 0

    def participants(self, model) -> list:
        return [model.stakeholders[k] for k in self.participant_keys]

    # ------------------------------------------------------------------ the monthly hook
    def step(self, model) -> None:
        if self.meets(model):
            self.hold_meeting(model)

    def hold_meeting(self, model) -> None:
        """Count, pay for, hold and log one meeting; ``step`` decides when (a table overrides it).

        The intervention log gets one row per meeting: who came (``attendance``: the participants
        present, as ``act`` sets ``attendance_now``; every participant when it does not), the
        agreements signed at it and what it cost.
        """
        self.meetings += 1
        cost = self.spec.cost_per_meeting
        model.pay_intervention(cost)
        participants = self.participants(model)
        self.attendance_now = None
        signed_before = model.commitments.agreements
        self.act(model, participants)
        attendance = len(participants) if self.attendance_now is None else self.attendance_now
        model.intervention_log.append({
            "step": model.steps, "intervention": self.name, "kind": self.kind,
            "attendance": int(attendance), "agreements": model.commitments.agreements - signed_before,
            "cost": cost,
        })

    @abstractmethod
    def act(self, model, participants: list) -> None:
        """What one meeting does to the model; every intervention defines it."""


def resolve_participants(model, selectors: list[str]) -> list[str]:
    """Stakeholder keys matching any selector (type, CSO role or id), in scenario order.

    The scenario schema has already checked every selector matches; this only expands them.
    """
    keys: list[str] = []
    for selector in selectors:
        matched = [k for k, a in model.stakeholders.items()
                   if selector in (k, a.kind, getattr(a, "role", None))]
        keys.extend(k for k in matched if k not in keys)
    return keys
