"""Civil-society organisations: NGOs, roundtables, chambers, associations, academia, conveners."""

from __future__ import annotations

from stakesim.agents.base import Stakeholder


class CSO(Stakeholder):
    """A broker on the graph: it passes perceptions between the types it is tied to.

    A neutral convener is a CSO with role ``convener``; the engine treats it like any other CSO.
    """

    kind = "cso"

    def __init__(self, model, spec):
        super().__init__(model, spec)
        self.role: str = spec.role
        self.understanding = spec.understanding

    def keep_probability(self) -> float:
        return self.model.p["cso_keep_probability"]
