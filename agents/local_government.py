"""The local (municipal or regional) government."""

from __future__ import annotations

from stakesim.agents.base import Stakeholder


class LocalGovernment(Stakeholder):
    """Receives revenue transfers, turns some into services, and lets some leak.

    Unspent money is held as a balance; the balance is what leaks, so large transfers to a
    government with little capacity to invest them invite corruption (Cervantes 2023). Money set
    aside for commitments it signed is ``reserved``: neither invested in services nor leaked
    until the commitment falls due, so a signed agreement competes with services.
    Money is conserved: received = invested + leaked + change in (balance + reserved).
    """

    kind = "local_government"

    def __init__(self, model, spec):
        super().__init__(model, spec)
        self.capacity: float = spec.capacity
        self.integrity: float = spec.integrity
        self.presence: float = spec.presence
        self.revenue_share: float = spec.revenue_share
        self.balance: float = spec.budget
        self.reserved: float = 0.0  # set aside for commitments signed and not yet due
        self.understanding = spec.capacity
        self.received_total = 0.0
        self.invested_total = 0.0
        self.leaked_total = 0.0
        self.invested_now = 0.0
        self.leaked_now = 0.0
        self.received_now = 0.0

    @property
    def resources(self) -> float:  # the government's resources are its balance
        return self.balance

    @resources.setter
    def resources(self, value: float) -> None:
        self.balance = value

    def manage_revenue(self, received: float) -> None:
        p = self.model.p
        self.balance += received
        invest = self.balance * p["investment_rate"] * self.capacity
        leak = self.balance * p["leakage_rate"] * (1.0 - self.integrity) * (1.0 - self.capacity)
        leak = min(leak, self.balance - invest)
        self.balance -= invest + leak
        self.received_now, self.invested_now, self.leaked_now = received, invest, leak
        self.received_total += received
        self.invested_total += invest
        self.leaked_total += leak

    @property
    def unspent(self) -> float:
        return self.balance + self.reserved

    def set_aside(self, amount: float) -> float:
        """Move up to ``amount`` from the balance to the reserve for a commitment; returns what was moved."""
        moved = min(max(amount, 0.0), self.balance)
        self.balance -= moved
        self.reserved += moved
        return moved

    def settle_reserved(self, amount: float, keep: bool) -> None:
        """A commitment falls due: its reserve is spent on the community if kept, else returns to the balance."""
        amount = min(amount, self.reserved)
        self.reserved -= amount
        if keep:
            self.invested_now += amount
            self.invested_total += amount
        else:
            self.balance += amount

    def spend(self, amount: float) -> float:
        """Spending on a kept commitment is investment in a community, and is counted as such."""
        paid = super().spend(amount)
        self.invested_now += paid
        self.invested_total += paid
        return paid

    def keep_probability(self) -> float:
        return self.capacity * self.integrity
