"""Shared test helpers: a minimal valid scenario that each test changes, and ways to build and run it.

Mechanism tests compare two runs that differ in one factor with the same seed, so they need a
world small enough to reason about: one company, one government, one or two communities, one CSO
and three short phases. Tests get it from the ``sim`` fixture as a plain dict, change what they
study, and hand it back to ``sim.run`` or ``sim.model``, which validate it with the same loader
the CLI uses (so a test can never run a scenario a user could not write).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from stakesim.scenarios.loader import validate
from stakesim.simulator.schema import Scenario
from stakesim.simulator.model import MiningModel
from stakesim.simulator.run import RunResult, run_scenario


def minimal_scenario(communities: int = 1, population: int = 200) -> dict[str, Any]:
    """A fresh, valid scenario dict: 48 months over exploration, construction and operation.

    Community ids are ``community`` (and ``community2`` when ``communities == 2``); the others
    are ``company``, ``government`` and ``cso``. Every call returns a new dict to change freely.
    """
    if communities not in (1, 2):
        raise ValueError("the minimal scenario has one or two communities")
    people = [{"id": "community", "type": "community", "population": population,
               "expectation": 0.4, "technical_understanding": 0.2}]
    if communities == 2:
        people.append({"id": "community2", "type": "community", "population": population,
                       "expectation": 0.3, "technical_understanding": 0.3, "exposure": 0.5})
    return {
        "name": "minimal",
        "description": "test fixture: the smallest world the model accepts, plus a CSO",
        "project": {
            "delay_cost_per_month": 10.0,
            "phases": [
                {"name": "exploration", "duration": 6, "impact": 0.001, "jobs": 0.05,
                 "complexity": 0.3, "expectation_shock": 0.1},
                {"name": "construction", "duration": 18, "impact": 0.007, "jobs": 0.6,
                 "revenue": 0.005, "complexity": 0.8, "expectation_shock": 0.2},
                {"name": "operation", "duration": 24, "impact": 0.0015, "jobs": 0.3,
                 "revenue": 0.04, "complexity": 0.6},
            ],
        },
        "stakeholders": [
            {"id": "company", "type": "company"},
            {"id": "government", "type": "local_government"},
            *people,
            {"id": "cso", "type": "cso", "role": "ngo"},
        ],
        "ties": [{"source": "cso", "target": "community", "trust": 0.6}],
    }


def stakeholder(data: dict[str, Any], key: str) -> dict[str, Any]:
    """The stakeholder entry with id ``key``, to change in place."""
    for entry in data["stakeholders"]:
        if entry["id"] == key:
            return entry
    raise KeyError(f"no stakeholder {key!r} in the test scenario")


def phase(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The phase entry called ``name``, to change in place."""
    for entry in data["project"]["phases"]:
        if entry["name"] == name:
            return entry
    raise KeyError(f"no phase {name!r} in the test scenario")


def build(data: dict[str, Any]) -> Scenario:
    """Validate with the loader the CLI uses; a bad test scenario fails with its clear message."""
    return validate(data, "<test scenario>")


def make_model(data: dict[str, Any], seed: int = 0) -> MiningModel:
    """A model built but not stepped, for tests that call submodels directly."""
    return MiningModel(build(data), seed=seed)


def run(data: dict[str, Any], seed: int = 0, steps: int | None = None) -> RunResult:
    """Validate and run through the library call the CLI uses."""
    return run_scenario(build(data), seed=seed, steps=steps)


@pytest.fixture(scope="session")
def sim() -> SimpleNamespace:
    """The helpers above, as one fixture (session-scoped: they hold no state, and hypothesis
    accepts session fixtures)."""
    return SimpleNamespace(scenario=minimal_scenario, stakeholder=stakeholder, phase=phase,
                           build=build, model=make_model, run=run)
