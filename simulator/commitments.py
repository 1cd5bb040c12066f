"""The commitment ledger: who promised what to whom, by when, and whether it was kept."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Commitment:
    debtor: str
    creditor: str
    amount: float  # benefit index delivered to the creditor when kept
    cost: float  # what keeping it costs the debtor (resource units of the debtor)
    made_step: int
    due_step: int
    monitored: bool
    source: str = "agreement"  # which intervention or process made it
    cosigners: tuple[str, ...] = ()  # the agreement's other signatories, who share the blame
    reserved: float = 0.0  # money the debtor set aside for it when it signed (governments)
    kept: bool | None = None  # None while pending


@dataclass
class CommitmentLedger:
    """Commitments fall due and are kept or broken; the model turns each into a trust event.

    Whether a commitment is kept is drawn from the model's generator with the debtor's keep
    probability, raised by monitoring (Defensoría del Pueblo 2021: most commitments have no
    follow-up body, and unmonitored ones are often not kept), and needs the money to keep it.
    """

    items: list[Commitment] = field(default_factory=list)

    def make(self, commitment: Commitment) -> Commitment:
        self.items.append(commitment)
        return commitment

    def due(self, step: int) -> list[Commitment]:
        return [c for c in self.items if c.kept is None and c.due_step <= step]

    @property
    def made(self) -> int:
        return len(self.items)

    @property
    def kept(self) -> int:
        return sum(1 for c in self.items if c.kept is True)

    @property
    def broken(self) -> int:
        return sum(1 for c in self.items if c.kept is False)

    @property
    def pending(self) -> int:
        return sum(1 for c in self.items if c.kept is None)
