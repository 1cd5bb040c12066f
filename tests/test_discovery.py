"""Scenario discovery finds the region where one arm beats another (a test that can fail)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stakesim.experiments import discovery



class FakeExperiment:
    parameter_names = ["a", "b", "c"]


def _runs(seed: int = 0) -> pd.DataFrame:
    """Space beats table on blockades only where a > 0.6 and b < 0.5; c is irrelevant."""
    rng = np.random.default_rng(seed)
    rows = []
    for point in range(300):
        a, b, c = rng.random(3)
        for replicate in range(2):
            noise = rng.normal(0, 0.1)
            table = 10 + noise
            space = table - 2 if (a > 0.6 and b < 0.5) else table + 2
            for arm, value in (("learning_space", space), ("negotiation_table", table)):
                rows.append({"point": point, "arm": arm, "replicate": replicate, "status": "ok",
                             "a": a, "b": b, "c": c, "blockade_months": value})
    return pd.DataFrame(rows)


def test_prim_box_recovers_the_planted_region():
    box = discovery.discover(_runs(), FakeExperiment(), "learning_space", "negotiation_table", "blockade_months")
    assert box is not None and box.density > 0.8 and box.coverage > 0.8
    limits = box.limits.set_index("parameter")
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["b", "high"] == pytest.approx(0.5, abs=0.05)
    assert "a from" in box.sentence()


def test_no_box_when_one_arm_always_wins():
    runs = _runs()
    runs.loc[runs["arm"] == "learning_space", "blockade_months"] = 0.0
    assert discovery.discover(runs, FakeExperiment(), "learning_space", "negotiation_table", "blockade_months") is None
