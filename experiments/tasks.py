"""One run of a sweep as a small, picklable task, and the pure function that runs it.

A ``RunTask`` names its scenario (a built-in name or an absolute path) instead of carrying it, so
sending ten thousand tasks to workers costs a few hundred bytes each. A worker loads the scenario
once per process (``functools.lru_cache`` keyed by the reference, the fixed overrides and the
months), checks that it is still the scenario the sweep was planned on (its SHA-256 as
``dump_scenario`` writes it after the fixed overrides), applies the task's settings and the arm's
interventions, and runs it with the task's seed.

``run_task`` never raises for a bad run: any exception becomes a record with status ``"failed"``
and the error as one line (``Type: message``), so one bad point never stops a sweep. A run is a
pure function of its task, so the record is the same on every backend.

Common random numbers: ``make_tasks`` gives replicate ``r`` the seed ``base_seed + r`` in every
arm and at every point, so differences between arms (and between points) are paired.
"""

from __future__ import annotations

import functools
import hashlib
import json
import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stakesim.experiments.arms import arm_scenario, is_arm_setting, parse_arms, with_settings
from stakesim.scenarios.loader import dump_scenario, load_scenario
from stakesim.simulator.run import run_scenario
from stakesim.simulator.schema import Scenario
from stakesim.version import __version__

RUN_KEYS = ("run_id", "point", "arm", "replicate", "seed")
"""The columns that identify a run, first in every row of ``runs/``, ``steps/`` and the run tables."""

RUN_TABLES = ("communities", "interventions", "events")
"""The run's other tables kept with its per-month table (``RunResult`` attributes of these names),
each in a folder of its own name: one row per month and community, per meeting, per chance event."""

STATUS_COLUMNS = ("status", "error")
PROVENANCE_COLUMNS = ("scenario_hash", "stakesim_version")
OK, FAILED = "ok", "failed"
SCENARIO_CHANGED = "scenario changed since the sweep started"

Pairs = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class RunTask:
    """Everything one run needs, small enough to send anywhere.

    ``settings`` are this run's (dotted path, value) overrides; ``fixed_overrides`` are the
    overrides every run of the sweep shares (part of the base scenario whose hash is checked).
    ``outcomes`` are the summary keys to keep (empty: all); ``keep_steps`` keeps the per-month table
    and the run's other tables (``RUN_TABLES``).
    """

    run_id: str
    point: int
    arm: str
    replicate: int
    seed: int
    settings: Pairs
    scenario_ref: str
    scenario_hash: str
    fixed_overrides: Pairs = ()
    steps: int | None = None
    outcomes: tuple[str, ...] = ()
    keep_steps: bool = False


@dataclass
class RunRecord:
    """What a run leaves: one row for ``runs/`` and, when kept, its per-month table for ``steps/``
    and its other tables (``tables``, by the names of ``RUN_TABLES``) for folders of those names."""

    row: dict[str, Any]
    steps: pd.DataFrame | None = field(default=None, repr=False)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def run_id(self) -> str:
        return self.row["run_id"]

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def ok(self) -> bool:
        return self.row["status"] == OK


# --------------------------------------------------------------------------- ids and hashes
def run_id(point: int, arm: str, replicate: int) -> str:
    """A stable, unique, sortable id: ``p00012-learning_space-r003``."""
    return f"p{point:05d}-{arm}-r{replicate:03d}"


def plain(value: Any) -> Any:
    """A setting's value as plain Python (numpy scalars to int/float/bool, tuples to lists)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        return value.item()  # numpy scalar (SALib and numpy designs give these)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _pairs(items: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> Pairs:
    if items is None:
        return ()
    pairs = items.items() if isinstance(items, Mapping) else items
    return tuple((str(path), plain(value)) for path, value in pairs)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario as ``dump_scenario`` writes it (every value, defaults included)."""
    return hashlib.sha256(dump_scenario(scenario).encode("utf-8")).hexdigest()


def base_scenario(scenario_ref: str, fixed_overrides: Pairs = ()) -> Scenario:
    """The sweep's base scenario: the reference loaded with the fixed overrides (no months set)."""
    return load_scenario(scenario_ref, overrides=_as_overrides(fixed_overrides))


def base_hash(scenario_ref: str, fixed_overrides: Mapping[str, Any] | Pairs = ()) -> str:
    """The hash a planner puts in every task: ``scenario_hash(base_scenario(ref, fixed))``."""
    return scenario_hash(base_scenario(scenario_ref, _pairs(fixed_overrides)))


def _as_overrides(pairs: Pairs) -> dict[str, Any]:
    return {path: value for path, value in pairs}


def _key(pairs: Pairs) -> str:
    return json.dumps([[p, v] for p, v in pairs], sort_keys=True, default=repr)


@functools.lru_cache(maxsize=16)
def _cached_base(scenario_ref: str, fixed_key: str, steps: int | None) -> tuple[str, Scenario]:
    """(hash of the base scenario, base scenario with its months set), once per process."""
    fixed = tuple((p, v) for p, v in json.loads(fixed_key))
    base = base_scenario(scenario_ref, fixed)
    digest = scenario_hash(base)
    if steps is not None:
        base = load_scenario(base, steps=steps)
    return digest, base


def _absolute(scenario_ref: Any) -> str:
    """A file reference made absolute (workers may run elsewhere); a built-in name as it is."""
    text = str(scenario_ref)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or os.sep in text or isinstance(scenario_ref, Path):
        return str(path.expanduser().resolve())
    return text


def clear_cache() -> None:
    """Forget the loaded base scenarios (tests that change a scenario file use this)."""
    _cached_base.cache_clear()


# --------------------------------------------------------------------------- running
def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line (newlines folded), for the ``error`` column."""
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _scalar(value: Any) -> Any:
    """A value for a Parquet column: scalars as they are, anything else as JSON text."""
    value = plain(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Real):
        return value
    return json.dumps(value, sort_keys=True, default=repr)


def failed_record(task: RunTask, error: str) -> RunRecord:
    """The record of a run that did not finish: its keys and settings, status ``failed``, ``error``."""
    row = _row_start(task)
    row.update(status=FAILED, error=error, scenario_hash=task.scenario_hash, stakesim_version=__version__)
    return RunRecord(row)


def _row_start(task: RunTask) -> dict[str, Any]:
    row: dict[str, Any] = {"run_id": task.run_id, "point": task.point, "arm": task.arm,
                           "replicate": task.replicate, "seed": task.seed}
    for path, value in task.settings:
        row[path] = _scalar(value)
    return row


def _outcome_column(key: str, taken: dict[str, Any]) -> str:
    """An outcome's column: its summary key, or ``outcome.<key>`` if a key or setting has that name."""
    return key if key not in taken else f"outcome.{key}"


def run_task(task: RunTask) -> RunRecord:
    """Run one task and return its record; never raises for a run that fails (status ``failed``)."""
    try:
        key = (task.scenario_ref, _key(task.fixed_overrides), task.steps)
        digest, base = _cached_base(*key)
        if digest != task.scenario_hash:  # loaded before the file changed? read it once more
            _cached_base.cache_clear()
            digest, base = _cached_base(*key)
        if digest != task.scenario_hash:
            raise RuntimeError(f"{SCENARIO_CHANGED}: '{task.scenario_ref}' now has hash "
                               f"{digest[:12]}, the sweep was planned on {task.scenario_hash[:12]}")
        settings = _as_overrides(task.settings)
        scenario_settings = {k: v for k, v in settings.items() if not is_arm_setting(k)}
        scenario = load_scenario(base, overrides=scenario_settings) if scenario_settings else base
        arm = with_settings(parse_arms(task.arm)[0], {k: v for k, v in settings.items() if is_arm_setting(k)})
        scenario = arm_scenario(scenario, arm)
        result = run_scenario(scenario, seed=task.seed)
        summary = result.summary
        keys = task.outcomes or tuple(summary)
        missing = [k for k in keys if k not in summary]
        if missing:
            raise KeyError(f"outcome '{missing[0]}' is not in the run summary; the summary has "
                           f"{', '.join(summary)}")
    except Exception as exc:  # any failure of one run is recorded, never raised
        return failed_record(task, one_line(exc))
    row = _row_start(task)
    row.update(status=OK, error=None)
    for key in keys:
        row[_outcome_column(key, row)] = _scalar(summary[key])
    row.update(scenario_hash=task.scenario_hash, stakesim_version=__version__)
    steps, tables = None, {}
    if task.keep_steps:
        steps = _with_keys(result.timeseries.copy(), row)
        tables = {name: _with_keys(getattr(result, name).copy(), row) for name in RUN_TABLES}
    return RunRecord(row, steps, tables)


def _with_keys(frame: pd.DataFrame, row: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with the run's keys (``RUN_KEYS``) as its first columns."""
    for position, name in enumerate(RUN_KEYS):
        frame.insert(position, name, row[name])
    return frame


# --------------------------------------------------------------------------- planning helper
def make_tasks(points: Sequence[Mapping[str, Any]], arms: Sequence[str], replicates: int, base_seed: int,
               scenario_ref: str, scenario_hash: str, fixed_overrides: Mapping[str, Any] | Pairs = (),
               steps: int | None = None, outcomes: Sequence[str] = (), keep_steps: bool = False
               ) -> list[RunTask]:
    """Every point x arm x replicate, in that order; replicate ``r`` has seed ``base_seed + r``
    in every arm and at every point (common random numbers).

    ``points`` are mappings {dotted path: value} (an empty mapping is the base scenario);
    ``arms`` are arm names as ``parse_arms`` reads them (checked here, before any run). A scenario
    file's path is made absolute, since workers may run in another folder.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    if isinstance(base_seed, bool) or not isinstance(base_seed, numbers.Integral):
        raise ValueError(f"base_seed must be a whole number, got {base_seed!r}")
    if not arms:
        raise ValueError("give at least one arm, e.g. ['baseline']")
    arm_names = [arm.name for arm in parse_arms(",".join(arms))]
    fixed = _pairs(fixed_overrides)
    scenario_ref = _absolute(scenario_ref)
    tasks = []
    for point, settings in enumerate(points):
        pairs = _pairs(settings)
        for arm in arm_names:
            for replicate in range(replicates):
                tasks.append(RunTask(run_id(point, arm, replicate), point, arm, replicate,
                                     int(base_seed) + replicate, pairs, str(scenario_ref), scenario_hash,
                                     fixed, steps, tuple(outcomes), bool(keep_steps)))
    return tasks


__all__ = [
    "FAILED", "OK", "RUN_KEYS", "RUN_TABLES", "RunRecord", "RunTask", "SCENARIO_CHANGED", "base_hash", "base_scenario",
    "clear_cache", "failed_record", "make_tasks", "one_line", "plain", "run_id", "run_task", "scenario_hash",
]
