"""The mining project's life cycle: phases with durations that blockades delay."""

from __future__ import annotations

from dataclasses import dataclass

from stakesim.simulator.schema import PhaseSpec, ProjectSpec

IDLE = PhaseSpec(name="closure", duration=1)  # what a finished or suspended project does: nothing


@dataclass
class Project:
    """Where the project is in its life cycle.

    Project time moves only in months without a blockade; the difference between calendar months
    and project months is the delay. A suspended project stops: no jobs, no revenue, no new impact.
    """

    spec: ProjectSpec
    phase_index: int = 0
    month_in_phase: int = 0
    delay_months: int = 0
    suspended: bool = False
    suspension_step: int | None = None
    finished: bool = False
    blocked: bool = False
    months_suspended: int = 0  # calendar months since the suspension took effect

    @property
    def phase(self) -> PhaseSpec:
        return self.spec.phases[self.phase_index]

    @property
    def phase_name(self) -> str:
        return self.phase.name

    @property
    def active(self) -> bool:
        """True when the project is producing jobs, revenue and impacts this month."""
        return not (self.suspended or self.finished or self.blocked)

    @property
    def conditions(self) -> PhaseSpec:
        """The phase's per-month conditions, or an idle phase when the project is not running."""
        return self.phase if self.active else IDLE

    def advance(self, blocked: bool) -> bool:
        """Move one calendar month; returns True when a new phase started."""
        self.blocked = blocked and not (self.suspended or self.finished)
        if self.suspended:
            self.months_suspended += 1
        if self.suspended or self.finished:
            return False
        if self.blocked:
            self.delay_months += 1
            return False
        started = False
        if self.month_in_phase >= self.phase.duration:  # the previous month completed the phase
            if self.phase_index + 1 == len(self.spec.phases):
                self.finished = True
                return False
            self.phase_index += 1
            self.month_in_phase = 0
            started = True
        self.month_in_phase += 1  # this month is spent in the (possibly new) phase
        return started

    def forgone_revenue(self) -> float:
        """Revenue (US$ million per month) the plan would have transferred this month had the
        project not been stopped: the month a blockade cost it, or, once suspended, the month of
        the plan it would have reached by now from where it stopped. 0 while running or finished.
        """
        if self.finished or not (self.blocked or self.suspended):
            return 0.0
        phase = self.planned_phase(1 if self.blocked else self.months_suspended)
        return 0.0 if phase is None else phase.revenue

    def planned_phase(self, ahead: int) -> PhaseSpec | None:
        """The phase the plan reaches ``ahead`` project months after this one (None past its end)."""
        index, month = self.phase_index, self.month_in_phase + ahead
        phases = self.spec.phases
        while index < len(phases) and month > phases[index].duration:
            month -= phases[index].duration
            index += 1
        return phases[index] if index < len(phases) else None

    def suspend(self, step: int) -> None:
        if not self.suspended:
            self.suspended = True
            self.suspension_step = step
