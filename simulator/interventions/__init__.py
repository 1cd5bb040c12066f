"""Interventions: objects with a schedule, participants, a cost and an effect each month."""

from simulator.interventions.base import Intervention, build_intervention

__all__ = ["Intervention", "build_intervention"]
