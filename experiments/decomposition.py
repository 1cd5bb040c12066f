"""How much of an intervention's effect runs through each causal channel: switch each off in turn.

    table = decompose("default", arms=["learning_space", "negotiation_table"], replicates=20)
    print(markdown(table))

Every channel in ``simulator.parameters.CHANNELS`` has a switch, the global parameter
``channel_<name>`` (1 on, 0 off), which acts in the baseline and in every intervention alike. For an
arm A, an outcome Y and a channel C, replicate r runs on seed ``seed + r`` everywhere (common
random numbers), and

    full_r    = Y(A, all on, r) - Y(baseline, all on, r)     the arm's effect
    without_r = Y(A, C off, r)  - Y(baseline, C off, r)      its effect with C switched off
    through_r = full_r - without_r                           the part that runs through C

``through`` is a difference of differences; its interval is the paired 95% t-interval over
replicates, and ``share`` is ``through / full`` (empty when the full effect is about zero: less
than 0.1% of the outcome's level). Shares need not add up to 100%: channels feed each other (no
understanding, no corrected perception), so switching one off can take more or less than "its"
part, and a channel can carry a part against the full effect (a negative share).

The runs are one experiment on the sweep runner (``sweep_runner.run_sweep``): points "all on"
and one per channel switched off, times baseline and the arms, times replicates. With ``out`` they
stream to that folder and ``resume=True`` finishes an interrupted decomposition; without it they
go to a temporary folder.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stakesim.experiments.analysis import OUTCOME_BY_KEY, fmt, t_interval
from stakesim.experiments.arms import BASELINE, ArmError, arm_scenarios, parse_arms
from stakesim.experiments.dataset import FailedRuns
from stakesim.scenarios.loader import load_scenario
from stakesim.simulator.parameters import CHANNELS
from stakesim.simulator.schema import Scenario

DEFAULT_ARMS = ("learning_space", "negotiation_table")
DEFAULT_OUTCOMES = ("blockade_months", "protest_months", "peak_grievance", "final_trust_community_company",
                    "final_trust_community_government", "final_social_licence")
ALL_ON = "none"
"""The ``channel`` of the runs with every channel on (no channel switched off)."""
ZERO_EFFECT = 1e-3
"""A full effect smaller than this share of the outcome's level (the larger of the baseline's and
the arm's mean) counts as zero: it has no share to split."""
TEXT_OUTCOMES = ("final_phase", "final_social_licence_level")
SCENARIO_FILE = "scenario.yaml"

COLUMNS = ["arm", "outcome", "channel", "n", "baseline_mean", "full_effect", "full_ci_low", "full_ci_high",
           "effect_without", "through_channel", "through_ci_low", "through_ci_high", "share"]


class DecompositionError(ValueError):
    """A bad channel, outcome or arm for a decomposition; the message says which and what is allowed."""


# --------------------------------------------------------------------------- checking the input
def _names(value: str | Iterable[str] | None, default: Iterable[str]) -> list[str]:
    if value is None:
        return list(default)
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [str(part).strip() for part in parts]


def check_channels(channels: str | Iterable[str] | None = None) -> list[str]:
    """The channels to switch off, checked (default: all of ``CHANNELS``, in their order)."""
    names = _names(channels, CHANNELS)
    allowed = ", ".join(CHANNELS)
    if not names or any(not name for name in names):
        raise DecompositionError(f"--channels: give channel names separated by commas; channels: {allowed}")
    for name in names:
        if name not in CHANNELS:
            raise DecompositionError(f"--channels: unknown channel '{name}'; channels: {allowed}")
        if names.count(name) > 1:
            raise DecompositionError(f"--channels: channel '{name}' is given twice")
    return names


def check_outcomes(outcomes: str | Iterable[str] | None = None) -> list[str]:
    """The outcomes to decompose, checked against the run summary's numeric keys."""
    from stakesim.experiments.experiment_file import SUMMARY_KEYS, renamed_hint

    names = _names(outcomes, DEFAULT_OUTCOMES)
    allowed = [key for key in SUMMARY_KEYS if key not in TEXT_OUTCOMES]
    for name in names:
        if name not in allowed:
            raise DecompositionError(f"--outcomes: '{name}' is not a numeric run-summary key{renamed_hint(name)}; "
                                     f"outcomes: {', '.join(allowed)}")
    if not names or len(set(names)) < len(names):
        raise DecompositionError("--outcomes: give each outcome once, at least one")
    return names


def check_arms(arms: str | Iterable[str] | None = None) -> list[str]:
    """The intervention arms (names as in ``compare --arms``); baseline is always run, as the reference."""
    names = _names(arms, DEFAULT_ARMS)
    parsed = parse_arms(",".join(names))  # ArmError for an empty, unknown or repeated arm
    if any(arm.is_baseline for arm in parsed):
        raise ArmError("--arms: 'baseline' is the reference every arm's effect is measured against and "
                       "always runs; list intervention arms only, e.g. --arms learning_space,negotiation_table")
    return [arm.name for arm in parsed]


# --------------------------------------------------------------------------- the arithmetic
def effects(runs: pd.DataFrame, arms: Iterable[str], channels: Iterable[str],
            outcomes: Iterable[str]) -> pd.DataFrame:
    """The decomposition table from one row per run.

    ``runs`` has columns ``channel`` (``ALL_ON`` or the channel switched off), ``arm``
    (``baseline`` or an arm), ``replicate`` and one column per outcome. Returns one row per
    (arm, outcome, channel) with the columns in ``COLUMNS``; differences are paired on replicate.
    """
    values = runs.set_index(["channel", "arm", "replicate"]).sort_index()
    rows = []
    for arm in arms:
        for outcome in outcomes:
            y = pd.to_numeric(values[outcome].astype("float64"), errors="coerce")

            def effect(channel: str) -> pd.Series:
                return y.loc[(channel, arm)] - y.loc[(channel, BASELINE)]

            base = y.loc[(ALL_ON, BASELINE)]
            full = effect(ALL_ON)
            full_est = t_interval(full)
            scale = max(abs(float(base.mean())), abs(float(y.loc[(ALL_ON, arm)].mean())))
            for channel in channels:
                without = effect(channel)
                through = t_interval((full - without).dropna())
                share = (np.nan if not abs(full_est.mean) > ZERO_EFFECT * scale
                         else through.mean / full_est.mean)
                rows.append({"arm": arm, "outcome": outcome, "channel": channel, "n": through.n,
                             "baseline_mean": float(base.mean()), "full_effect": full_est.mean,
                             "full_ci_low": full_est.low, "full_ci_high": full_est.high,
                             "effect_without": float(without.mean()), "through_channel": through.mean,
                             "through_ci_low": through.low, "through_ci_high": through.high, "share": share})
    return pd.DataFrame(rows, columns=COLUMNS)


# --------------------------------------------------------------------------- running it
def decompose(scenario: Any = "default", arms: str | Iterable[str] | None = DEFAULT_ARMS,
              channels: str | Iterable[str] | None = None,
              outcomes: str | Iterable[str] | None = DEFAULT_OUTCOMES, replicates: int = 20, seed: int = 0,
              steps: int | None = None, overrides: Mapping[str, Any] | Iterable[str] | None = None,
              out: str | Path | None = None, backend: str = "processes", workers: int | None = None,
              scheduler: str | None = None, executor=None, resume: bool = False, overwrite: bool = False,
              progress: bool = False) -> pd.DataFrame:
    """Run baseline and ``arms`` with every channel on and with each of ``channels`` off in turn,
    over ``replicates`` paired replicates, and return the table of ``effects``.

    ``scenario`` is anything ``load_scenario`` reads (a built-in name, a path, a ``Scenario``,
    raw data), with ``overrides`` and ``steps`` applied. Runs go to ``out`` (default: a temporary
    folder) on the sweep runner (``backend``, ``workers``, ``scheduler``, ``executor``, ``resume``,
    ``overwrite`` and ``progress`` as in ``sweep_runner.run_sweep``). Raises ``DecompositionError``
    or ``arms.ArmError`` for bad input before any run, ``FailedRuns`` if a run raised.
    """
    spec = load_scenario(scenario, overrides or (), steps=steps)
    arm_names, channel_names = check_arms(arms), check_channels(channels)
    outcome_names = check_outcomes(outcomes)
    already_off = [c for c in channel_names if getattr(spec.parameters, f"channel_{c}") == 0]
    if already_off:
        raise DecompositionError(f"channel '{already_off[0]}' is already off in the scenario "
                                 f"(parameters.channel_{already_off[0]} = 0); a decomposition switches "
                                 f"channels off one at a time from all on")
    arm_scenarios(spec, parse_arms(",".join(arm_names)))  # an arm the scenario cannot host fails now
    if out is None:
        with tempfile.TemporaryDirectory(prefix="stakesim-decompose-") as folder:
            runs = _run(spec, arm_names, channel_names, replicates, seed, Path(folder), backend, workers,
                        scheduler, executor, False, False, progress)
    else:
        runs = _run(spec, arm_names, channel_names, replicates, seed, Path(out), backend, workers,
                    scheduler, executor, resume, overwrite, progress)
    return effects(runs, arm_names, channel_names, outcome_names)


def _run(spec: Scenario, arms: list[str], channels: list[str], replicates: int, seed: int, out: Path,
         backend, workers, scheduler, executor, resume: bool, overwrite: bool, progress: bool) -> pd.DataFrame:
    """Every (channel setting, arm, replicate) on the sweep runner; one row per run, with ``channel``."""
    from stakesim.experiments import dataset
    from stakesim.experiments.experiment_file import SUMMARY_KEYS, renamed_hint
    from stakesim.experiments.sweep_runner import SweepError, run_sweep
    from stakesim.experiments.tasks import base_hash, make_tasks
    from stakesim.scenarios import dump_scenario

    out.mkdir(parents=True, exist_ok=True)
    scenario_file = out / SCENARIO_FILE
    text = dump_scenario(spec)
    if not scenario_file.is_file() or scenario_file.read_text(encoding="utf-8") != text:
        if scenario_file.is_file() and not overwrite:
            raise SweepError(f"holds runs of another scenario or settings ({SCENARIO_FILE} differs); "
                             f"choose another folder, or pass overwrite to start again")
        dataset.atomic_write_bytes(scenario_file, lambda f: f.write(text.encode("utf-8")))
    ref = str(scenario_file.resolve())
    labels = [ALL_ON, *channels]
    points = [{}] + [{f"parameters.channel_{channel}": 0} for channel in channels]
    digest = base_hash(ref)
    tasks = make_tasks(points, [BASELINE, *arms], replicates, seed, scenario_ref=ref, scenario_hash=digest,
                       outcomes=SUMMARY_KEYS)
    name = "decompose-" + re.sub(r"[^A-Za-z0-9_-]+", "_", spec.name).strip("_")
    definition = {"decomposition": {"scenario_hash": digest, "arms": arms, "channels": channels,
                                    "replicates": replicates, "seed": seed}}
    run_sweep(tasks, out, {"name": name[:60], "definition": definition}, backend=backend, workers=workers,
              scheduler=scheduler, executor=executor, resume=resume, overwrite=overwrite, progress=progress)
    table = dataset.read_finished_runs(out)
    return table.assign(channel=table["point"].map(dict(enumerate(labels))))


# --------------------------------------------------------------------------- reading it
def markdown(table: pd.DataFrame, title: str | None = None) -> str:
    """The table for readers: one table per arm, a row per channel, a column per outcome, each
    cell "part through the channel (share of the full effect)", starred when its 95% interval
    excludes zero; the first row is the full effect."""
    lines = [f"# {title}", ""] if title else []
    n = int(table["n"].max()) if len(table) else 0
    lines += [f"Each cell: the part of the arm's effect on the outcome (arm minus baseline, paired over "
              f"{n} replicates) that runs through the channel, i.e. the full effect minus the effect "
              f"with the channel switched off, and in brackets its share of the full effect. "
              f"`*` marks a part whose 95% interval excludes zero; n/a: no full effect to share.", ""]
    for arm, rows in table.groupby("arm", sort=False):
        outcomes = list(dict.fromkeys(rows["outcome"]))
        channels = list(dict.fromkeys(rows["channel"]))
        cells = rows.set_index(["channel", "outcome"])
        lines += [f"## {arm}", "", "| channel | " + " | ".join(outcomes) + " |",
                  "| --- |" + " ---: |" * len(outcomes)]
        first = rows.drop_duplicates("outcome").set_index("outcome")
        lines.append("| **full effect** | " + " | ".join(
            f"**{_number(first.loc[o, 'full_effect'], o)}**" for o in outcomes) + " |")
        for channel in channels:
            lines.append(f"| {channel} | " + " | ".join(_cell(cells.loc[(channel, o)], o) for o in outcomes)
                         + " |")
        lines.append("")
    return "\n".join(lines)


def _number(value: float, outcome: str) -> str:
    known = OUTCOME_BY_KEY.get(outcome)
    return fmt(value, known.decimals if known else 3)


def _cell(row: pd.Series, outcome: str) -> str:
    share = "n/a" if pd.isna(row["share"]) else f"{round(row['share'] * 100)}%"  # an int: never "-0%"
    sure = not pd.isna(row["through_ci_low"]) and (row["through_ci_low"] > 0 or row["through_ci_high"] < 0)
    star = "*" if sure else ""  # a lone star in a cell stays a star in Markdown
    return f"{_number(row['through_channel'], outcome)}{star} ({share})"


def write(table: pd.DataFrame, out: str | Path, title: str | None = None,
          interrupted: Callable[[], bool] | None = None) -> dict[str, Path]:
    """Write ``decomposition.csv`` and ``decomposition.md`` into ``out``, both or neither
    (``interrupted`` as in ``store.write_staged``)."""
    from stakesim.experiments.store import write_staged, write_summary_csv, write_text

    def staged(folder: Path) -> dict[str, Path]:
        return {"csv": write_summary_csv(table, folder / "decomposition.csv"),
                "md": write_text(markdown(table, title), folder / "decomposition.md")}

    return write_staged(out, staged, interrupted)


__all__ = ["ALL_ON", "COLUMNS", "DEFAULT_ARMS", "DEFAULT_OUTCOMES", "DecompositionError", "FailedRuns",
           "check_arms", "check_channels", "check_outcomes", "decompose", "effects", "markdown", "write"]
