"""The decomposition of intervention effects by causal channel (``stakesim decompose``).

The runs are short (the acute crisis over 30 months, where the negotiation table signs agreements
from the start) and few, so the file runs in seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stakesim
from stakesim.cli import main
from stakesim.experiments import dataset
from stakesim.experiments.decomposition import (ALL_ON, COLUMNS, DecompositionError, check_channels, decompose,
                                                effects, markdown)
from stakesim.simulator.parameters import CHANNELS

SCENARIO, STEPS = "acute_crisis", 30
FAST = dict(steps=STEPS, backend="serial")


@pytest.fixture(scope="module")
def table():
    return decompose(SCENARIO, arms=["learning_space", "negotiation_table"], channels=["hope", "settlement"],
                     outcomes=["blockade_months", "commitments_made", "final_trust_community_company"],
                     replicates=2, **FAST)


# --------------------------------------------------------------------------- the table
def test_table_has_a_row_per_arm_outcome_and_channel(table):
    assert list(table.columns) == COLUMNS
    assert len(table) == 2 * 3 * 2
    assert set(table["arm"]) == {"learning_space", "negotiation_table"}
    assert set(table["channel"]) == {"hope", "settlement"}
    assert (table["n"] == 2).all()
    # the full effect is the arm's, whatever channel the row is about
    assert table.groupby(["arm", "outcome"])["full_effect"].nunique().eq(1).all()


def test_part_through_a_channel_is_full_minus_without_and_its_share(table):
    assert np.allclose(table["through_channel"], table["full_effect"] - table["effect_without"])
    shared = table.dropna(subset=["share"])
    assert np.allclose(shared["share"], shared["through_channel"] / shared["full_effect"])
    assert (table["through_ci_low"] <= table["through_channel"] + 1e-12).all()
    assert (table["through_channel"] <= table["through_ci_high"] + 1e-12).all()


def test_difference_of_differences_on_a_tiny_case():
    """By hand: replicate r of (arm, channel setting) is the same run as ``simulate`` with seed r."""
    got = decompose(SCENARIO, arms=["negotiation_table"], channels=["settlement"], outcomes=["protest_months"],
                    replicates=2, seed=5, **FAST)

    from stakesim.experiments.arms import arm_scenario, parse_arms

    specs = {}
    for off in (False, True):
        base = stakesim.load_scenario(SCENARIO, {"parameters.channel_settlement": 0} if off else {}, steps=STEPS)
        specs["baseline", off] = base
        specs["negotiation_table", off] = arm_scenario(base, parse_arms("negotiation_table")[0])

    def y(arm: str, off: bool, seed: int) -> float:
        return stakesim.simulate(specs[arm, off], seed=seed).summary["protest_months"]

    full = [y("negotiation_table", False, s) - y("baseline", False, s) for s in (5, 6)]
    without = [y("negotiation_table", True, s) - y("baseline", True, s) for s in (5, 6)]
    row = got.iloc[0]
    assert row["full_effect"] == pytest.approx(np.mean(full))
    assert row["effect_without"] == pytest.approx(np.mean(without))
    assert row["through_channel"] == pytest.approx(np.mean(full) - np.mean(without))


def test_effects_arithmetic_on_made_up_runs():
    """Two replicates; the full effect is 4 and 6 (mean 5), without the channel 1 and 1."""
    runs = pd.DataFrame([
        # channel, arm, replicate, y
        (ALL_ON, "baseline", 0, 10.0), (ALL_ON, "table", 0, 14.0),
        (ALL_ON, "baseline", 1, 20.0), (ALL_ON, "table", 1, 26.0),
        ("hope", "baseline", 0, 11.0), ("hope", "table", 0, 12.0),
        ("hope", "baseline", 1, 19.0), ("hope", "table", 1, 20.0),
    ], columns=["channel", "arm", "replicate", "y"])
    row = effects(runs, ["table"], ["hope"], ["y"]).iloc[0]
    assert row["baseline_mean"] == 15.0
    assert row["full_effect"] == 5.0
    assert row["effect_without"] == 1.0
    assert row["through_channel"] == 4.0          # the per-replicate parts are 3 and 5
    assert row["share"] == pytest.approx(0.8)
    assert row["through_ci_low"] < 4.0 < row["through_ci_high"]
    flat = runs.assign(y=10.0)
    assert np.isnan(effects(flat, ["table"], ["hope"], ["y"]).iloc[0]["share"])  # no effect, no share


def test_same_seed_same_table_on_any_backend():
    options = dict(arms=["negotiation_table"], channels=["hope"], outcomes=["blockade_months", "peak_grievance"],
                   replicates=2, seed=3, steps=STEPS)
    first = decompose(SCENARIO, backend="serial", **options)
    pd.testing.assert_frame_equal(first, decompose(SCENARIO, backend="serial", **options))
    pd.testing.assert_frame_equal(first, decompose(SCENARIO, backend="processes", workers=2, **options))


def test_the_off_runs_have_the_channel_switched_off(tmp_path):
    decompose(SCENARIO, arms=["negotiation_table"], channels=["hope", "ties"], outcomes=["blockade_months"],
              replicates=1, out=tmp_path, **FAST)
    runs = dataset.read_runs(tmp_path)
    assert len(runs) == 3 * 2
    off = runs.set_index("point")
    assert off.loc[1, "parameters.channel_hope"].eq(0).all() and off.loc[1, "parameters.channel_ties"].isna().all()
    assert off.loc[2, "parameters.channel_ties"].eq(0).all() and off.loc[2, "parameters.channel_hope"].isna().all()
    assert off.loc[0, ["parameters.channel_hope", "parameters.channel_ties"]].isna().all().all()


def test_switching_off_settlement_or_hope_changes_the_tables_effect():
    """Needs the engine to read the switches: a table signs agreements in the acute crisis (the
    baseline signs none), so sending no one home at a signing, or counting on no promise, must
    change what the table does to mobilisation, grievance or trust."""
    got = decompose(SCENARIO, arms=["negotiation_table"], channels=["settlement", "hope"],
                    outcomes=["commitments_made", "protest_months", "blockade_months", "peak_mobilised_share",
                              "mean_grievance", "final_trust_community_company"], replicates=2, **FAST)
    moved = got.assign(size=got["through_channel"].abs()).groupby("channel")["size"].max()
    assert moved["settlement"] > 0, "switching off settlement changed nothing in the table's effect"
    assert moved["hope"] > 0, "switching off hope changed nothing in the table's effect"


# --------------------------------------------------------------------------- bad input
def test_unknown_channel_and_channel_already_off_are_refused():
    with pytest.raises(DecompositionError, match="unknown channel 'trustiness'"):
        check_channels("hope,trustiness")
    assert check_channels(None) == list(CHANNELS)
    with pytest.raises(DecompositionError, match="already off"):
        decompose(SCENARIO, channels=["hope"], overrides={"parameters.channel_hope": 0}, **FAST)


def test_library_call_is_exported_lazily():
    from stakesim import api

    assert stakesim.decompose is api.decompose
    assert "decompose" in dir(stakesim) and "decompose" in stakesim.__all__


# --------------------------------------------------------------------------- the command
def test_cli_writes_the_csv_and_markdown_and_prints_the_table(tmp_path, capsys):
    out = tmp_path / "dec"
    code = main(["decompose", SCENARIO, "--arms", "negotiation_table", "--channels", "hope,settlement",
                 "--replicates", "2", "--steps", str(STEPS), "--out", str(out), "--backend", "serial",
                 "--no-progress"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    csv = pd.read_csv(out / "decomposition.csv")
    assert list(csv.columns) == COLUMNS and set(csv["channel"]) == {"hope", "settlement"}
    text = (out / "decomposition.md").read_text(encoding="utf-8")
    assert "## negotiation_table" in text and "| hope |" in text and "| settlement |" in text
    assert "| channel | blockade_months | protest_months |" in text
    assert text.strip() in printed.out
    assert markdown(csv).split("## ")[1] == text.split("## ")[1]


def test_cli_refuses_a_folder_with_runs_unless_resume_which_recomputes_nothing(tmp_path, capsys):
    args = ["decompose", SCENARIO, "--arms", "negotiation_table", "--channels", "hope", "--replicates", "1",
            "--steps", "6", "--out", str(tmp_path), "--backend", "serial", "--no-progress"]
    assert main(args) == 0
    first = (tmp_path / "decomposition.csv").read_text()
    capsys.readouterr()
    assert main(args) == 2
    assert "already holds results" in capsys.readouterr().err
    parts = sorted((tmp_path / "runs").iterdir())
    assert main([*args, "--resume"]) == 0
    assert sorted((tmp_path / "runs").iterdir()) == parts
    assert (tmp_path / "decomposition.csv").read_text() == first


@pytest.mark.parametrize("args, message", [
    (["--channels", "hope,trustiness"], "unknown channel 'trustiness'"),
    (["--arms", "negotiation_table,dialogue"], "unknown intervention 'dialogue'"),
    (["--arms", "baseline,learning_space"], "'baseline' is the reference"),
    (["--outcomes", "happiness"], "'happiness' is not a numeric run-summary key"),
    (["--set", "parameters.channel_hope=0", "--channels", "hope"], "already off"),
    (["--set", "parameters.channel_hope=2"], "channel_hope"),
])
def test_cli_bad_input_exits_2_with_one_clear_line(tmp_path, capsys, args, message):
    out = tmp_path / "dec"
    code = main(["decompose", SCENARIO, "--replicates", "1", "--steps", "6", "--out", str(out),
                 "--backend", "serial", "--no-progress", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (out / "runs").exists()


# --------------------------------------------------------------------------- the documentation
DOC = Path(__file__).resolve().parent.parent / "docs" / "experiments.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## Decomposing an effect by channel", 1)[1].split("\n## ", 1)[0]


def test_docs_describe_every_channel():
    missing = [name for name in CHANNELS if f"| `{name}` |" not in _section()]
    assert not missing, f"docs/experiments.md's decomposition section does not list: {', '.join(missing)}"


def test_docs_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", _section(), re.DOTALL)
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], "docs/experiments.md (decompose)", "exec"), namespace)
    assert set(namespace["table"]["channel"]) == {"settlement", "hope"}
    assert "## negotiation_table" in capsys.readouterr().out
