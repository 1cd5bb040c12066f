"""The mining company."""

from __future__ import annotations

from stakesim.agents.base import Stakeholder


class Company(Stakeholder):
    """Offers jobs and procurement, pays the cost of delays, and makes and keeps commitments.

    Its technical understanding is full (it knows its own project); what it may lack is
    understanding of the local context, which decides whether local hiring helps or harms.
    """

    kind = "company"

    def __init__(self, model, spec):
        super().__init__(model, spec)
        self.understanding = 1.0
        self.context_understanding: float = spec.context_understanding
        self.reliability: float = spec.reliability
        self.local_content: float = spec.local_content
        self.communication: float = spec.communication
        self.delay_costs: float = 0.0  # US$ million, cumulative

    def jobs_offered(self, phase_jobs: float) -> float:
        return phase_jobs * self.local_content

    def context_harm(self, jobs: float) -> float:
        """Impact caused by local hiring and contracting done without understanding the place."""
        return self.model.p["context_harm"] * jobs * (1.0 - self.context_understanding)

    def bear_delay(self, cost: float) -> None:
        self.delay_costs += self.spend(cost)

    def keep_probability(self) -> float:
        return self.reliability
