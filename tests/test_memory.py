"""A finished run can be freed: long sweeps keep their memory flat (figures in docs/performance.md)."""

from __future__ import annotations

import gc
import weakref

from stakesim.scenarios import load_scenario
from stakesim.simulator.model import MiningModel
from stakesim.simulator.run import run_scenario


def test_a_model_is_freed_once_nothing_refers_to_it():
    """Mesa 3.3 keeps every model in a class-level id counter; our agents count ids weakly."""
    model = MiningModel(load_scenario("default", steps=3), seed=1).run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_run_results_hold_no_model():
    result = run_scenario(load_scenario("default", steps=3), seed=2)
    gc.collect()
    alive = [o for o in gc.get_referents(result) if isinstance(o, MiningModel)]
    assert not alive
