"""What produced a comparison's results, enough to run them again: versions, seeds, arms, the scenario."""

from __future__ import annotations

import platform
from collections.abc import Iterable

from stakesim.experiments.arms import Arm
from stakesim.experiments.runner import Runs
from stakesim.scenarios.loader import dump_scenario
from stakesim.simulator.schema import Scenario
from stakesim.version import __version__

# The entries also stored one by one in results.parquet's metadata (as ``stakesim.<key>``).
METADATA_KEYS = ("stakesim_version", "scenario", "arms", "replicates", "base_seed", "steps")


def provenance(runs: Runs, scenario: Scenario, arms: list[Arm], source: str | None = None,
               overrides: Iterable[str] | None = None) -> dict:
    """Provenance of ``runs``: ``source`` is where the scenario came from (a built-in name or a
    file; default its name), ``overrides`` the ``PATH=VALUE`` settings applied to it."""
    import mesa
    import numpy
    import pandas

    return {
        "stakesim_version": __version__,
        "scenario": scenario.name,
        "scenario_source": source or scenario.name,
        "overrides": list(overrides or []),
        "arms": [arm.name for arm in arms],
        "arm_interventions": {arm.name: [spec.model_dump(mode="json", exclude_none=True) for spec in arm.added]
                              for arm in arms},
        "replicates": runs.replicates,
        "base_seed": runs.base_seed,
        "seeds": [runs.base_seed + r for r in range(runs.replicates)],
        "paired": "replicate r uses seed base_seed + r in every arm (common random numbers)",
        "steps": runs.steps,
        "graph_snapshot_replicate": runs.graph_replicate,
        "versions": {"python": platform.python_version(), "mesa": mesa.__version__,
                     "numpy": numpy.__version__, "pandas": pandas.__version__},
        "scenario_yaml": dump_scenario(scenario.model_copy(update={"steps": runs.steps})),
    }
