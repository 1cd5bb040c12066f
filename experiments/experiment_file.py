"""Experiment files: what to vary, how to sample it, which arms and outcomes, read from YAML.

An experiment file asks one question of one scenario: which settings vary (``parameters``), over
which design (full factorial, Latin hypercube, Sobol, Morris, or a plain comparison of arms), how
many replicates per point, and which run-summary outcomes to keep. It is read with the scenario
files' safe YAML loader and validated like a scenario: strict types, unknown keys refused, finite
numbers, and every problem a ``ScenarioError`` whose one message names the file and the field and
says what is allowed (with a suggestion when a close name exists). Every parameter path is tried
on the scenario itself, so a path the scenario does not have, or a range its schema refuses, is
caught here, before any run.

A minimal file::

    name: trust_and_presence
    scenario: default                  # a built-in name, or a path relative to this file
    parameters:
      parameters.initial_trust_community_company: {low: 0.1, high: 0.7}
      stakeholders.municipality.presence: {levels: [0.1, 0.4, 0.8]}
    arms: [baseline, learning_space]
    design: {type: latin_hypercube, samples: 32}
    replicates: 5

``load_experiment`` reads a file (or a built-in experiment by name); ``Experiment.hash()`` is a
fingerprint of the validated definition and of the scenario it runs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import Field, PrivateAttr, ValidationError

from stakesim.experiments.analysis import OUTCOMES
from stakesim.experiments.arms import (BASELINE, ArmError, arm_scenarios, check_arm_setting, is_arm_setting,
                                       parse_arms)
from stakesim.scenarios.errors import ScenarioError
from stakesim.scenarios.files import builtin_names as scenario_names
from stakesim.scenarios.files import file_kind, read_text, resolve_file, resolve_path
from stakesim.scenarios.loader import load_scenario
from stakesim.scenarios.wording import clip, clip_path, did_you_mean, kind_of, listing, show
from stakesim.scenarios.yaml_reader import parse_yaml, read_yaml
from stakesim.simulator import introspection as schema_words
from stakesim.simulator.declarations import ID_PATTERN, Strict, field
from stakesim.simulator.interventions import KINDS
from stakesim.simulator.parameters import PARAMETERS
from stakesim.simulator.schema import Scenario

BUILTIN_PACKAGE = "stakesim.experiments.builtin"

DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris", "arms")
MAX_REPLICATES = 1000      # paired replicates per point and arm; beyond this the t-interval is
                           # already narrower than the model's own structural uncertainty
MAX_SAMPLES = 65_536       # LHS points or Sobol base samples (2**16)
MAX_TRAJECTORIES = 1000    # Morris trajectories
MAX_LEVELS = 1000          # values one parameter may take in a full factorial
MAX_POINTS = 1_000_000     # points of a design
MAX_RUNS = 10_000_000      # points x arms x replicates: about a CPU-year at the default scenario's speed
MAX_SEED = 2**31 - 1 - MAX_REPLICATES

# The keys of a run's summary (``stakesim.simulator.metrics.summarise``); tests check this list
# against a real run, so it cannot drift from the code that writes the summary.
SUMMARY_KEYS: tuple[str, ...] = (
    "steps", "final_phase", "project_finished", "suspended", "suspension_step", "blockade_months",
    "protest_months", "project_delay_months", "peak_grievance", "mean_grievance",
    "peak_mobilised_share", "final_trust_community_company", "final_trust_community_government",
    "final_trust_company_community", "final_social_licence", "final_social_licence_level",
    "months_in_withdrawal", "final_trust_own_company", "final_trust_own_government",
    "agreements_signed", "commitments_made", "commitments_kept", "commitments_broken",
    *(f"commitments_{what}_{debtor}" for what in ("made", "kept", "broken")
      for debtor in ("company", "government", "community", "cso")),
    "revenue_received_total", "revenue_invested_total", "revenue_leaked_total", "revenue_forgone_total",
    "company_delay_costs", "final_trusted_tie_density", "final_bridging_ties", "final_cross_type_ties",
    "conflict_cost_total", "intervention_cost_total",
)
# Summary keys that were renamed, with the name to use now: they counted commitments, not the
# agreements (packages of commitments) signed, which ``agreements_signed`` counts.
RENAMED_OUTCOMES = {"agreements_made": "commitments_made", "agreements_kept": "commitments_kept",
                    "agreements_broken": "commitments_broken"}


def renamed_hint(key: str) -> str:
    """'; it was renamed ...' for an outcome under its old name, else ''."""
    new = RENAMED_OUTCOMES.get(key)
    return (f"; it was renamed '{new}' (it counts commitments; agreements signed, each a package of "
            f"commitments, are 'agreements_signed')" if new else "")
HEADLINE_OUTCOMES: tuple[str, ...] = tuple(o.key for o in OUTCOMES)
KNOWN_OUTCOMES: tuple[str, ...] = tuple(dict.fromkeys([*HEADLINE_OUTCOMES, *SUMMARY_KEYS]))

_SCALAR_WORDS = "numbers, text or true/false"
_WHY = {
    ("replicates",): f" ({MAX_REPLICATES} paired replicates already pin a mean far more tightly than the "
                     f"model's assumptions do; spend more runs on points instead)",
    ("seed",): " (replicate r runs with seed + r, which must stay a 31-bit seed)",
}


# --------------------------------------------------------------------------- the schema
class ParameterSpec(Strict):
    """How one setting varies: a list of ``levels``, or a range ``low``..``high``."""

    levels: Any = Field(
        None, description="The values to take (a list), or with low and high the number of evenly "
                          "spaced values a full factorial takes between them.")
    low: float | None = field(None, unit="the setting's unit", doc="Smallest value of the range.")
    high: float | None = field(None, unit="the setting's unit", doc="Largest value of the range.")
    distribution: Literal["uniform"] = field(
        "uniform", unit="distribution", doc="How values are drawn over the range (uniform only).")
    integer: bool = field(False, unit="true/false", doc="Whole numbers only (values are rounded).")

    @property
    def is_range(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def level_values(self) -> list[Any] | None:
        """The values of a levels list or of ``levels: N`` over a range (None for a bare range)."""
        if isinstance(self.levels, list):
            return list(self.levels)
        if isinstance(self.levels, int) and self.is_range:
            count = self.levels
            values = [self.low + (self.high - self.low) * i / (count - 1) for i in range(count)]
            if self.integer:
                return list(dict.fromkeys(round_half_up(v) for v in values))
            return values
        return None

    def value(self, x: float) -> Any:
        """The setting's value at a sampled coordinate ``x`` (a level's index for a levels list)."""
        if isinstance(self.levels, list):
            index = min(max(int(math.floor(x)), 0), len(self.levels) - 1)
            return self.levels[index]
        x = min(max(float(x), self.low), self.high)
        return round_half_up(x) if self.integer else float(x)

    def bounds(self) -> list[float]:
        """The sampled coordinate's bounds: the range, or [0, number of levels] for a list."""
        if isinstance(self.levels, list):
            return [0.0, float(len(self.levels))]
        return [float(self.low), float(self.high)]


class DesignSpec(Strict):
    """How the points are chosen."""

    type: Literal[DESIGNS] = field(  # type: ignore[valid-type]
        ..., unit="design", doc="full_factorial, latin_hypercube, sobol, morris, or arms (no setting varies).")
    samples: int | None = field(
        None, ge=1, le=MAX_SAMPLES, unit="points",
        doc="Latin hypercube: the number of points; Sobol: the base sample N (a power of two).")
    levels: int = field(4, ge=2, le=20, unit="grid levels", doc="Morris: levels of the grid (even).")
    trajectories: int | None = field(
        None, ge=2, le=MAX_TRAJECTORIES, unit="trajectories", doc="Morris: the number of trajectories (default 10).")
    second_order: bool = field(False, unit="true/false", doc="Sobol: also second-order indices.")


class Experiment(Strict):
    """A validated experiment definition; ``load_experiment`` builds it from a file."""

    name: str = Field(pattern=ID_PATTERN, description="Short name, used in results and reports.")
    description: str = Field("", description="What the experiment asks, in a sentence or two.")
    scenario: str = Field(min_length=1, description="A built-in scenario's name or a path to a scenario "
                                                    "file (relative to the experiment file).")
    overrides: dict[str, Any] = Field(default_factory=dict,
                                      description="Fixed settings: dotted path -> value, as --set.")
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict,
                                                 description="Settings that vary: dotted path -> levels or range.")
    arms: list[str] = Field(default_factory=lambda: [BASELINE], min_length=1,
                            description="Arms: 'baseline' or interventions joined by '+'.")
    design: DesignSpec = Field(description="How the points are chosen.")
    replicates: int = field(1, ge=1, le=MAX_REPLICATES, unit="runs per point and arm",
                            doc="Paired replicates (seed, seed+1, ...) of every point in every arm.")
    seed: int = field(0, ge=0, le=MAX_SEED, unit="seed",
                      doc="Base seed: replicate r runs with seed + r; it also seeds the sampling.")
    outcomes: list[str] = Field(default_factory=lambda: list(HEADLINE_OUTCOMES), min_length=1,
                                description="Run-summary keys to keep.")
    timeseries: bool = field(False, unit="true/false", doc="Keep every run's monthly table too.")

    _origin: str = PrivateAttr("<experiment data>")
    _scenario_source: str | Path = PrivateAttr("")
    _scenario: Scenario | None = PrivateAttr(None)
    _raw: tuple[dict[str, Any], str] | None = PrivateAttr(None)  # the scenario file's data, read once

    # ------------------------------------------------------------------ derived
    @property
    def origin(self) -> str:
        """How messages name the experiment: its file, or ``<experiment data>``."""
        return self._origin

    @property
    def scenario_source(self) -> str | Path:
        """The scenario as ``load_scenario`` takes it: a built-in name, or the resolved file path."""
        return self._scenario_source

    def base_scenario(self) -> Scenario:
        """The scenario with the fixed overrides applied (validated)."""
        if self._scenario is None:
            self._scenario = load_scenario(self._scenario_source, overrides=self.overrides,
                                           override_label="overrides")
        return self._scenario

    @property
    def parameter_names(self) -> list[str]:
        return list(self.parameters)

    def point_count(self) -> int:
        """How many points the design has (``stakesim.experiments.design.points`` makes them)."""
        return point_count(self)

    def run_count(self) -> int:
        """Points x arms x replicates."""
        return self.point_count() * len(self.arms) * self.replicates

    def canonical(self) -> dict[str, Any]:
        """The validated definition as plain JSON data, with every default written out."""
        return self.model_dump(mode="json")

    def hash(self) -> str:
        """sha256 of a canonical JSON of the validated definition and of the scenario it runs.

        The scenario enters by its validated content (overrides applied), not by its name or path,
        so the same experiment on the same scenario has the same hash wherever the files are (a
        definition rebuilt with the scenario's absolute path included), and editing the scenario
        file changes it.
        """
        definition = {key: value for key, value in self.canonical().items() if key != "scenario"}
        document = {"experiment": definition,
                    "scenario": self.base_scenario().model_dump(mode="json")}
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def round_half_up(x: float) -> int:
    """A whole number, halves rounded up (numpy's and Python's round to even would bias a grid)."""
    return int(math.floor(float(x) + 0.5))


def point_count(experiment: Experiment) -> int:
    """The number of points a design makes, by SALib's and the design's own formulas."""
    design = experiment.design
    k = len(experiment.parameters)
    if design.type == "arms":
        return 1
    if design.type == "full_factorial":
        return math.prod(len(spec.level_values or ()) for spec in experiment.parameters.values())
    if design.type == "latin_hypercube":
        return int(design.samples or 0)
    if design.type == "sobol":
        return int(design.samples or 0) * ((2 * k + 2) if design.second_order else (k + 2))
    return morris_trajectories(experiment) * (k + 1)


def morris_trajectories(experiment: Experiment) -> int:
    return experiment.design.trajectories or 10


# --------------------------------------------------------------------------- finding files
def builtin_experiments() -> list[str]:
    """The built-in experiments' names, sorted."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_experiment_path(name: str) -> Path:
    """The file of a built-in experiment (check the name with ``builtin_experiments``)."""
    return Path(str(resources.files(BUILTIN_PACKAGE) / f"{name}.yaml"))


def resolve_experiment(name_or_path: str | Path) -> Path:
    """A built-in experiment's name, or a path to a YAML file (an existing file wins over a name)."""
    return resolve_file(name_or_path, builtin_experiments(), builtin_experiment_path, "experiment")


def _scenario_source(text: str, folder: Path | None) -> str | Path:
    """The experiment's ``scenario``: a file relative to the experiment's folder, or a built-in name."""
    given = Path(text)
    if folder is not None and not given.is_absolute():
        candidate = folder / given
        if file_kind(candidate) == "file":
            return candidate
        if text in scenario_names():
            return text
        if given.suffix in (".yaml", ".yml") or len(given.parts) > 1:
            return resolve_path(candidate)  # raises with the path as it was looked for
    path = resolve_path(text)
    return text if text in scenario_names() and file_kind(Path(text)) != "file" else path


# --------------------------------------------------------------------------- messages
class _Problems:
    """Problems found in one experiment, reported together as one ScenarioError."""

    def __init__(self, origin: str):
        self.origin = origin
        self.lines: list[str] = []

    def add(self, where: str, problem: str) -> None:
        line = f"{where}: {problem}" if where else problem
        if line not in self.lines:
            self.lines.append(line)

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        head = f"{self.origin}: invalid experiment"
        if len(self.lines) == 1:
            raise ScenarioError(f"{head}: {self.lines[0]}")
        shown = self.lines[:12]
        more = [f"  ... and {len(self.lines) - len(shown)} more"] if len(self.lines) > len(shown) else []
        raise ScenarioError("\n".join([f"{head} ({len(self.lines)} problems):",
                                       *(f"  - {line}" for line in shown), *more]))


def _walk(loc: tuple) -> tuple[str, Any, Any]:
    """(label, annotation, field) of a pydantic error location in the Experiment schema."""
    annotation: Any = Experiment
    info = None
    label = ""
    for item in loc:
        annotation, _ = schema_words.unwrap(annotation)
        origin, args = get_origin(annotation), get_args(annotation)
        if isinstance(item, int):
            label += f"[{item}]"
            annotation, info = (args[0] if origin is list and args else None), None
        elif schema_words.is_model(annotation) and item in annotation.model_fields:
            info = annotation.model_fields[item]
            annotation = info.annotation
            label += ("." if label else "") + clip(item, 60)
        elif origin is dict and args:
            annotation, info = args[1], None
            label += ("." if label else "") + clip(item, 60)
        else:
            annotation, info = None, None
            label += ("." if label else "") + clip(str(item), 60)
    annotation, _ = schema_words.unwrap(annotation)
    return label, annotation, info


def _explain(err: dict[str, Any]) -> tuple[str, str]:
    kind, loc, value = err["type"], tuple(err["loc"]), err.get("input")
    if kind == "extra_forbidden":
        label, owner, _ = _walk(loc[:-1])
        key = loc[-1]
        text = f"unknown key '{clip(key, 40)}'"
        if schema_words.is_model(owner):
            allowed = list(owner.model_fields)
            text += f"{did_you_mean(key, allowed)}; allowed keys: {listing(allowed)}"
        return label or "the top level", text
    label, annotation, info = _walk(loc)
    allowed = (schema_words.describe(annotation, info) if annotation is not None and annotation is not Any
               else "")
    allowed += schema_words.unit_note(info) if allowed else ""
    allowed_text = f"; allowed: {allowed}" if allowed else ""
    allowed_text += _WHY.get(loc, "")
    if kind == "missing":
        parent = _walk(loc[:-1])[0] or "the top level"
        return parent, f"missing required key '{loc[-1]}'" + (f"; it must be {allowed}" if allowed else "")
    if kind == "literal_error":
        choices = schema_words.literal_values(annotation)
        return label, f"{show(value)} is not allowed{did_you_mean(value, choices)}{allowed_text}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return label, f"{show(value)} is out of range{allowed_text}"
    if kind in ("too_short", "string_too_short"):
        return label, f"is empty{allowed_text}"
    if kind == "string_pattern_mismatch":
        return label, f"{show(value)} is not allowed; it must start with a letter and have only letters, " \
                      f"digits, '_' and '-'"
    if kind == "finite_number":
        return label, f"{show(value)} is not a finite number{allowed_text}"
    hint = " (YAML reads yes and on as true, no and off as false)" if isinstance(value, bool) else ""
    if allowed:
        return label, f"expected {allowed}, got {show(value)}{hint}"
    return label, f"{err['msg']} (got {show(value)})"


# --------------------------------------------------------------------------- checks
def _check_parameter_spec(path: str, spec: ParameterSpec, design: str, problems: _Problems) -> bool:
    """The spec's own consistency; False when it is too broken to try on the scenario."""
    where = f"parameters.{clip(path, 100)}"
    levels = spec.levels
    if spec.is_range:
        if spec.low is None or spec.high is None:
            problems.add(where, f"a range needs both low and high (only {'low' if spec.high is None else 'high'} "
                                f"is given)")
            return False
        if not spec.low < spec.high:
            problems.add(where, f"empty range: low ({show(spec.low)}) must be below high ({show(spec.high)}); "
                                f"to fix a setting at one value, put it under overrides")
            return False
        if spec.integer and not (float(spec.low).is_integer() and float(spec.high).is_integer()):
            problems.add(where, "integer: true needs whole-number low and high")
            return False
        if levels is not None:
            if isinstance(levels, bool) or not isinstance(levels, int):
                problems.add(f"{where}.levels", f"with low and high, levels is the number of evenly spaced "
                                                f"values (a whole number from 2 to {MAX_LEVELS}), got {show(levels)}; "
                                                f"to list values, give levels alone without low and high")
                return False
            if not 2 <= levels <= MAX_LEVELS:
                problems.add(f"{where}.levels", f"{show(levels)} is out of range; allowed: a whole number "
                                                f"from 2 to {MAX_LEVELS} (evenly spaced values between low and high)")
                return False
        elif design == "full_factorial":
            problems.add(where, "a full factorial needs levels: give levels: [values], or levels: N "
                                "(N evenly spaced values between low and high)")
            return False
        return True
    if levels is None:
        problems.add(where, "give either levels: [values] or a range {low: ..., high: ...}")
        return False
    if not isinstance(levels, list):
        problems.add(f"{where}.levels", f"expected a list of values ({_SCALAR_WORDS}), got {kind_of(levels)}; "
                                        f"levels: N (a count) needs low and high")
        return False
    if not levels:
        problems.add(f"{where}.levels", "empty levels: give at least one value")
        return False
    if len(levels) > MAX_LEVELS:
        problems.add(f"{where}.levels", f"has {len(levels)} values; at most {MAX_LEVELS}")
        return False
    for i, level in enumerate(levels):
        if not isinstance(level, (int, float, str, bool)):
            problems.add(f"{where}.levels[{i}]", f"expected one of {_SCALAR_WORDS}, got {kind_of(level)}")
            return False
        if isinstance(level, float) and not math.isfinite(level):
            problems.add(f"{where}.levels[{i}]", f"{show(level)} is not a finite number")
            return False
        if spec.integer and (isinstance(level, bool) or not isinstance(level, (int, float))
                             or not float(level).is_integer()):
            problems.add(f"{where}.levels[{i}]", f"integer: true needs whole numbers, got {show(level)}")
            return False
    keys = [(type(v).__name__ == "bool", v) for v in levels]
    if len(set(keys)) != len(keys):
        problems.add(f"{where}.levels", "a value is listed twice; list each value once")
        return False
    if spec.integer:
        spec.levels = [int(v) for v in levels]
    return True


def _global_name(path: str) -> str | None:
    parts = path.split(".")
    if len(parts) == 2 and parts[0].strip() == "parameters":
        return parts[1].strip()
    return None


def _try_values(experiment: Experiment, path: str, spec: ParameterSpec, problems: _Problems) -> None:
    """Apply the parameter's extreme values to the scenario; refusals become messages."""
    where = f"parameters.{clip(path, 100)}"
    name = _global_name(path)
    if name is not None:
        if name not in PARAMETERS:
            problems.add(where, f"unknown global parameter '{clip(name, 60)}'{did_you_mean(name, PARAMETERS)}; "
                                f"global parameters: {listing(PARAMETERS, 12)}")
            return
        declared = PARAMETERS[name]
        values = [spec.low, spec.high] if spec.is_range else list(spec.levels)
        outside = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
                   and not declared.low <= v <= declared.high]
        if outside:
            problems.add(where, f"{show(outside[0])} is outside the declared range of {name}; allowed: "
                                f"from {schema_words.number_text(declared.low)} to "
                                f"{schema_words.number_text(declared.high)} ({declared.unit})")
            return
    if spec.is_range:
        values = [spec.value(spec.low), spec.value(spec.high)]
    else:
        values = list(spec.levels)
    if is_arm_setting(path):
        arms = parse_arms(",".join(experiment.arms))
        for value in values:
            problem = check_arm_setting(path, value, arms)
            if problem:
                problems.add(where, problem)
                return
        return
    raw, shown = _raw_scenario(experiment)
    for value in values:
        try:
            load_scenario(raw, overrides={**experiment.overrides, path: value}, override_label="setting")
        except ScenarioError as exc:
            text = str(exc)
            if text.startswith(_RAW_ORIGIN):  # name the scenario's file, not the copy tried
                text = shown + text[len(_RAW_ORIGIN):]
            problems.add(where, f"the scenario refuses {show(value)}: {text}")
            return


_RAW_ORIGIN = "<scenario data>"


def _raw_scenario(experiment: Experiment) -> tuple[dict[str, Any], str]:
    """The scenario file's raw data, read once for trying every value, and how messages name it."""
    if experiment._raw is None:
        path = resolve_path(experiment.scenario_source)
        experiment._raw = (read_yaml(path), clip_path(path))
    return experiment._raw


def _check_design(experiment: Experiment, problems: _Problems) -> None:
    design = experiment.design
    k = len(experiment.parameters)
    if design.type == "arms":
        if k:
            problems.add("parameters", f"design 'arms' compares arms with no setting varied, but {k} "
                                       f"parameter(s) are given; fix them under overrides, or choose a "
                                       f"design that varies them ({', '.join(d for d in DESIGNS if d != 'arms')})")
    elif not k:
        problems.add("parameters", f"design '{design.type}' varies parameters, but none are given; add "
                                   f"parameters, or use design 'arms' to compare arms alone")
    if design.type in ("latin_hypercube", "sobol") and design.samples is None:
        what = "the number of points" if design.type == "latin_hypercube" else "the base sample N (a power of two)"
        problems.add("design", f"missing required key 'samples' for design '{design.type}': {what}")
    if design.type not in ("latin_hypercube", "sobol") and design.samples is not None:
        problems.add("design.samples", f"is used only by latin_hypercube and sobol, not by '{design.type}'"
                                       + ("; Morris takes trajectories" if design.type == "morris" else ""))
    if design.type == "sobol" and design.samples is not None and design.samples & (design.samples - 1):
        lower = 1 << (design.samples.bit_length() - 1)
        problems.add("design.samples", f"{design.samples} is not a power of two; Sobol's base sample N must "
                                       f"be a power of two (SALib's Sobol sequence loses its balance "
                                       f"otherwise), e.g. {lower} or {lower * 2}")
    if design.type != "morris":
        defaults = {"trajectories": None, "levels": DesignSpec.model_fields["levels"].default}
        for key, default in defaults.items():
            if getattr(design, key) != default:
                problems.add(f"design.{key}", f"is used only by morris, not by '{design.type}'")
    elif design.levels % 2:
        problems.add("design.levels", f"{design.levels} is odd; Morris needs an even number of grid levels "
                                      f"(4 is usual) so that every step is half the grid")
    if design.type != "sobol" and design.second_order:
        problems.add("design.second_order", f"is used only by sobol, not by '{design.type}'")
    if design.type in ("sobol", "morris", "latin_hypercube"):
        for path, spec in experiment.parameters.items():
            if isinstance(spec.levels, int) and spec.is_range:
                problems.add(f"parameters.{clip(path, 100)}.levels",
                             f"levels: N (evenly spaced values) is for full_factorial; design "
                             f"'{design.type}' samples the range itself: remove levels")


def _check_arms(experiment: Experiment, problems: _Problems) -> list:
    for i, name in enumerate(experiment.arms):
        kinds = [k.strip() for k in name.split("+")]
        unknown = [k for k in kinds if k and k != BASELINE and k not in KINDS]
        if unknown:
            problems.add(f"arms[{i}]", f"unknown arm '{clip(name, 60)}': no intervention "
                                       f"'{clip(unknown[0], 40)}'{did_you_mean(unknown[0], (BASELINE, *KINDS))}; "
                                       f"an arm is 'baseline' or interventions joined by '+' "
                                       f"({', '.join(KINDS)})")
    if problems.lines:
        return []
    try:
        return parse_arms(",".join(experiment.arms))
    except ArmError as exc:
        problems.add("arms", str(exc).removeprefix("--arms: "))
        return []


def _check_outcomes(experiment: Experiment, problems: _Problems) -> None:
    seen: set[str] = set()
    for i, key in enumerate(experiment.outcomes):
        if key not in KNOWN_OUTCOMES:
            hint = renamed_hint(key) or did_you_mean(key, KNOWN_OUTCOMES)
            problems.add(f"outcomes[{i}]", f"unknown outcome '{clip(key, 60)}'{hint}; "
                                           f"outcomes are run-summary keys: {listing(KNOWN_OUTCOMES, 40)}")
        elif key in seen:
            problems.add(f"outcomes[{i}]", f"'{key}' is listed twice")
        seen.add(key)


def _check_sizes(experiment: Experiment, problems: _Problems) -> None:
    points = experiment.point_count()
    if points > MAX_POINTS:
        problems.add("design", f"makes {points:,} points; at most {MAX_POINTS:,} (fewer samples or levels)")
        return
    runs = experiment.run_count()
    if runs > MAX_RUNS:
        problems.add("replicates", f"{points:,} points x {len(experiment.arms)} arms x {experiment.replicates} "
                                   f"replicates = {runs:,} runs; at most {MAX_RUNS:,} (about a CPU-year)")


def experiment_from_data(data: Any, origin: str = "<experiment data>", folder: Path | None = None) -> Experiment:
    """Raw experiment data (a mapping) to a validated Experiment; ``folder`` anchors relative paths."""
    problems = _Problems(origin)
    shape = "a YAML mapping with at least the keys name, scenario and design"
    if data is None:
        raise ScenarioError(f"{origin}: the file is empty; an experiment file must be {shape}")
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{origin}: an experiment file must be {shape}; this one holds {kind_of(data)}")
    try:
        experiment = Experiment.model_validate(dict(data))
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems.add(*_explain(err))
        problems.raise_if_any()
        raise  # unreachable: every error adds a line
    experiment._origin = origin
    # the scenario, then the fixed settings on it
    try:
        experiment._scenario_source = _scenario_source(experiment.scenario, folder)
    except ScenarioError as exc:
        problems.add("scenario", str(exc))
        problems.raise_if_any()
    for path in experiment.overrides:
        if is_arm_setting(path):
            problems.add(f"overrides.{clip(path, 100)}", "an arm's intervention setting can only be varied "
                                                         "(under parameters); a fixed one belongs in the "
                                                         "scenario's interventions")
            problems.raise_if_any()
        if path in experiment.parameters:
            problems.add(f"overrides.{clip(path, 100)}", "is also under parameters; a setting is either "
                                                         "fixed (overrides) or varied (parameters)")
    try:
        experiment.base_scenario()
    except ScenarioError as exc:
        problems.add("overrides" if experiment.overrides else "scenario", str(exc))
    problems.raise_if_any()
    # the design, the parameters' own shape, arms and outcomes
    valid = {path: _check_parameter_spec(path, spec, experiment.design.type, problems)
             for path, spec in experiment.parameters.items()}
    _check_design(experiment, problems)
    arms = _check_arms(experiment, problems)
    _check_outcomes(experiment, problems)
    problems.raise_if_any()
    _check_sizes(experiment, problems)
    problems.raise_if_any()
    # every varied setting tried on the scenario
    for path, spec in experiment.parameters.items():
        if valid[path]:
            _try_values(experiment, path, spec, problems)
    problems.raise_if_any()
    try:
        arm_scenarios(experiment.base_scenario(), arms)
    except ArmError as exc:
        problems.add("arms", str(exc))
    problems.raise_if_any()
    return experiment


def load_experiment(path_or_name: str | Path) -> Experiment:
    """Read and validate an experiment file, or a built-in experiment by name.

    Every problem is a ``ScenarioError`` naming the file and the field (exit code 2 at the CLI).
    """
    path = resolve_experiment(path_or_name)
    origin = clip_path(path)
    data = parse_yaml(read_text(path), origin)
    return experiment_from_data(data, origin, folder=path.parent)


__all__ = [
    "DESIGNS", "DesignSpec", "Experiment", "HEADLINE_OUTCOMES", "KNOWN_OUTCOMES", "MAX_REPLICATES",
    "ParameterSpec", "SUMMARY_KEYS", "builtin_experiment_path", "builtin_experiments",
    "experiment_from_data", "load_experiment", "point_count", "resolve_experiment", "round_half_up",
]
