"""The commitment ledger: who promised what to whom, by when, and whether it was kept."""

from __future__ import annotations

from dataclasses import dataclass, field

DEBTOR_TYPES = ("company", "local_government", "community", "cso")
"""Stakeholder types a commitment can fall on; the ledger counts commitments by these."""


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
    debtor_type: str = "company"  # the debtor's stakeholder type (one of DEBTOR_TYPES)


@dataclass
class CommitmentLedger:
    """Commitments fall due and are kept or broken; the model turns each into a trust event.

    Whether a commitment is kept is drawn from the model's generator with the debtor's keep
    probability, raised by monitoring (Defensoría del Pueblo 2021: most commitments have no
    follow-up body, and unmonitored ones are often not kept), and needs the money to keep it.

    Counts (made, kept, broken, each by debtor type) are kept up as commitments are made and
    settled, so the monthly record reads them without walking the ledger. ``agreements`` counts
    agreements signed: a package of commitments signed with one community at one sitting.
    """

    items: list[Commitment] = field(default_factory=list)
    made_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEBTOR_TYPES, 0))
    kept_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEBTOR_TYPES, 0))
    broken_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DEBTOR_TYPES, 0))
    agreements: int = 0
    _pending: list[Commitment] = field(default_factory=list, repr=False)

    def make(self, commitment: Commitment) -> Commitment:
        self.items.append(commitment)
        self._pending.append(commitment)
        self.made_by[commitment.debtor_type] += 1
        return commitment

    def sign_agreement(self) -> None:
        """Count one agreement signed (its commitments are counted as each is made)."""
        self.agreements += 1

    def due(self, step: int) -> list[Commitment]:
        """Pending commitments falling due by ``step``, in the order made."""
        self._pending = pending = [c for c in self._pending if c.kept is None]
        return [c for c in pending if c.due_step <= step]

    def settle(self, commitment: Commitment, kept: bool) -> None:
        """Record that a commitment falling due was kept or broken."""
        commitment.kept = bool(kept)
        (self.kept_by if kept else self.broken_by)[commitment.debtor_type] += 1

    @property
    def made(self) -> int:
        return len(self.items)

    @property
    def kept(self) -> int:
        return sum(self.kept_by.values())

    @property
    def broken(self) -> int:
        return sum(self.broken_by.values())

    @property
    def pending(self) -> int:
        return sum(1 for c in self.items if c.kept is None)
