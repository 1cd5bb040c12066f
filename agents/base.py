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
        # The understanding it started with: what perception keeps using when the perception
        # channel is switched off (knockouts), however much is learned.
        self.initial_understanding: float | None = None
        # Signed bias of its uninformed view of impacts (share of actual impact): positive fears an
        # impact beyond what it is, negative underestimates one; understanding removes it.
        self.impact_bias: float = 0.0
        self.perceived_impact: float = 0.0
        self.resources: float = float(getattr(spec, "resources", 0.0))
        # Participation in interventions this month (ids of interventions met); filled by them.
        self.meetings_attended: int = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"

    def perceive(self, actual_impact: float, complexity: float) -> None:
        """Move perceived impact toward actual impact as seen through what is not understood.

        The part not understood carries two biases: complexity inflates (distrust of what one
        cannot check), and the stakeholder's own ``impact_bias`` inflates or deflates (an invisible
        or played-down impact is underestimated). Understanding removes both, so it can raise a
        perception as well as lower it.
        """
        p = self.model.p
        understood = self.understanding if p["channel_perception"] else self.initial_understanding
        if understood is None:
            understood = self.understanding
        bias = p["distrust_amplification"] * complexity + self.impact_bias
        target = min(1.0, max(0.0, actual_impact * (1.0 + bias * (1.0 - understood))))
        self.perceived_impact += p["perception_rate"] * (target - self.perceived_impact)

    def learn(self, amount: float) -> None:
        """Understanding rises with exposure, with diminishing returns (a learning curve)."""
        if self.model.p["channel_understanding"]:
            self.understanding += amount * (1.0 - self.understanding)

    def spend(self, amount: float) -> float:
        """Pay up to ``amount`` from resources, never going below zero; returns what was paid."""
        paid = min(max(amount, 0.0), self.resources)
        self.resources -= paid
        return paid
