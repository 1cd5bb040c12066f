"""What every stakeholder has in common."""

from __future__ import annotations

import itertools
import weakref

import mesa


class _IdsPerModel(weakref.WeakKeyDictionary):
    """Agent id counters per model that let a finished model be freed.

    Mesa 3.3's ``Agent`` counts ids in a class-level ``defaultdict`` keyed by model, which keeps
    every model ever built alive (160 KB a run: a 10,000-run sweep grew by gigabytes). Mesa
    reads ``self._ids[model]``, so this class attribute takes its place for our agents; ids are
    numbered exactly as Mesa numbers them. Newer Mesa does not use ``_ids``, and ignores it.
    """

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class Stakeholder(mesa.Agent):
    """A stakeholder on the relationship graph.

    Trust is not stored here: it lives on the graph's edges (``model.graph[i][j]["trust"]``), because
    trust is a property of a relation, not of one agent.
    """

    kind = "stakeholder"
    _ids = _IdsPerModel()

    def __init__(self, model, spec):
        super().__init__(model)
        self.key: str = spec.id
        self.name: str = spec.name or spec.id
        # Understanding of the project's technical side (0-1); it tempers how much complexity
        # inflates perceived impact. Subclasses set it from their own spec fields.
        self.understanding: float = 0.5
        self.perceived_impact: float = 0.0
        self.resources: float = float(getattr(spec, "resources", 0.0))
        # Participation in interventions this month (ids of interventions met); filled by them.
        self.meetings_attended: int = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"

    def perceive(self, actual_impact: float, complexity: float) -> None:
        """Move perceived impact toward actual impact, inflated by complexity not understood."""
        p = self.model.p
        target = actual_impact * (1.0 + p["distrust_amplification"] * complexity * (1.0 - self.understanding))
        target = min(1.0, target)
        self.perceived_impact += p["perception_rate"] * (target - self.perceived_impact)

    def learn(self, amount: float) -> None:
        """Understanding rises with exposure, with diminishing returns (a learning curve)."""
        self.understanding += amount * (1.0 - self.understanding)

    def spend(self, amount: float) -> float:
        """Pay up to ``amount`` from resources, never going below zero; returns what was paid."""
        paid = min(max(amount, 0.0), self.resources)
        self.resources -= paid
        return paid
