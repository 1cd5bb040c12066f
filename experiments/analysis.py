"""From runs to answers: means with t-based 95% confidence intervals, and paired differences.

Replicates of one arm are independent draws, so an arm's mean gets a Student-t interval. Arms
share replicate seeds, so the difference between an arm and baseline is taken replicate by
replicate first and the interval is the t-interval of those differences: pairing removes the
noise the arms share, which is why a paired comparison needs far fewer replicates.

SciPy's ``stats`` is imported where an interval is computed, not at import: the comparison object
imports this module, and a single run (which never computes an interval) should not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from stakesim.experiments.arms import BASELINE

LEVEL = 0.95


@dataclass(frozen=True)
class Outcome:
    """A headline outcome: its run-summary key, words for readers, unit, decimals, and which way is better."""

    key: str
    label: str
    unit: str
    decimals: int
    better: str  # "lower", "higher" or "" (neither: a cost or a count that is not good or bad in itself)
    upper: float | None = None  # the largest possible value (0 is the smallest for every outcome)
    short_unit: str = ""        # the unit as it reads after a number in a sentence

    def fmt(self, value: float) -> str:
        return fmt(value, self.decimals)


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("blockade_months", "blockade months", "months", 1, "lower", short_unit=" months"),
    Outcome("protest_months", "protest months", "months", 1, "lower", short_unit=" months"),
    Outcome("project_delay_months", "project delay", "months", 1, "lower", short_unit=" months"),
    Outcome("suspended", "share of runs suspended", "share of runs", 2, "lower", upper=1.0),
    Outcome("peak_grievance", "peak grievance", "grievance (0-1)", 3, "lower", upper=1.0),
    Outcome("mean_grievance", "mean grievance", "grievance (0-1)", 3, "lower", upper=1.0),
    Outcome("final_trust_community_company", "final trust community->company", "trust (0-1)", 3, "higher",
            upper=1.0),
    Outcome("final_trust_community_government", "final trust community->government", "trust (0-1)", 3,
            "higher", upper=1.0),
    Outcome("final_social_licence", "final social licence", "score (0-1)", 3, "higher", upper=1.0),
    Outcome("agreements_signed", "agreements signed", "agreements", 1, "", short_unit=" agreements"),
    Outcome("commitments_made", "commitments made", "commitments", 1, "", short_unit=" commitments"),
    Outcome("commitments_kept", "commitments kept", "commitments", 1, "", short_unit=" commitments"),
    Outcome("final_bridging_ties", "final bridging ties", "trusted ties", 1, "higher", short_unit=" ties"),
    Outcome("company_delay_costs", "company delay costs", "US$ million", 1, "lower", short_unit=" US$ million"),
    Outcome("conflict_cost_total", "cost of conflict", "US$ million", 1, "lower", short_unit=" US$ million"),
    Outcome("intervention_cost_total", "intervention cost", "US$ million", 2, "", short_unit=" US$ million"),
)
OUTCOME_BY_KEY = {o.key: o for o in OUTCOMES}

SUMMARY_COLUMNS = ["arm", "outcome", "unit", "n", "mean", "sd", "ci_low", "ci_high",
                   "diff_n", "diff_mean", "diff_ci_low", "diff_ci_high"]


def fmt(value: float | None, decimals: int) -> str:
    """How every number appears in reports (and how tests find summary.csv's numbers in them)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if round(float(value), decimals) == 0:
        value = 0.0  # no "-0.000"
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True)
class Estimate:
    n: int
    mean: float
    sd: float
    low: float
    high: float


def t_interval(values, level: float = LEVEL) -> Estimate:
    """Mean and t-based confidence interval; no spread gives a zero-width interval, one value none."""
    x = np.asarray(pd.Series(values, dtype=float).dropna(), dtype=float)
    n = len(x)
    if n == 0:
        return Estimate(0, np.nan, np.nan, np.nan, np.nan)
    mean = float(x.mean())
    if n == 1:
        return Estimate(1, mean, np.nan, np.nan, np.nan)
    sd = float(x.std(ddof=1))
    if sd == 0.0:
        return Estimate(n, mean, 0.0, mean, mean)
    from scipy import stats

    low, high = stats.t.interval(level, n - 1, loc=mean, scale=sd / np.sqrt(n))
    return Estimate(n, mean, sd, float(low), float(high))


def outcome_table(summaries: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """One row per (arm, outcome): mean and CI, and the paired difference from baseline with its CI."""
    per_run = summaries.copy()
    for o in OUTCOMES:
        per_run[o.key] = pd.to_numeric(per_run[o.key].astype("float64"), errors="coerce")
    has_baseline = BASELINE in arms
    base = per_run[per_run["arm"] == BASELINE].set_index("replicate") if has_baseline else None
    rows = []
    for arm in arms:
        mine = per_run[per_run["arm"] == arm].set_index("replicate")
        for o in OUTCOMES:
            est = t_interval(mine[o.key])
            low, high = est.low, est.high
            if not np.isnan(low):  # an interval for a mean cannot leave the outcome's possible range
                low, high = max(low, 0.0), min(high, o.upper) if o.upper is not None else high
            row = {"arm": arm, "outcome": o.key, "unit": o.unit, "n": est.n, "mean": est.mean,
                   "sd": est.sd, "ci_low": low, "ci_high": high,
                   "diff_n": np.nan, "diff_mean": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan}
            if has_baseline and arm != BASELINE:
                paired = (mine[o.key] - base[o.key]).dropna()
                diff = t_interval(paired)
                low, high = diff.low, diff.high
                if o.upper is not None and not np.isnan(low):  # a difference of shares lies in [-1, 1]
                    low, high = max(low, -o.upper), min(high, o.upper)
                row.update(diff_n=diff.n, diff_mean=diff.mean, diff_ci_low=low, diff_ci_high=high)
            rows.append(row)
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table["diff_n"] = table["diff_n"].astype("Int64")
    return table


def trajectory_bands(results: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per arm and month: mean of ``column`` over replicates and its 95% t-interval."""
    from scipy import stats

    grouped = results.groupby(["arm", "step"], sort=False)[column]
    n = grouped.count()
    mean = grouped.mean()
    sd = grouped.std(ddof=1).fillna(0.0)
    half = pd.Series(stats.t.ppf(0.5 + LEVEL / 2, np.maximum(n - 1, 1)), index=n.index) * sd / np.sqrt(n)
    half[n < 2] = 0.0
    frame = pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half, "n": n}).reset_index()
    return frame


def licence_by_phase(results: pd.DataFrame, phases: list[str]) -> pd.DataFrame:
    """Per arm and phase: each run's mean licence score over its months in that phase, then a t-interval.

    Phases a run never reached (a suspended project, a short ``--steps``) are left out of that
    phase's estimate, and ``n`` says how many runs remain.
    """
    per_run = (results.groupby(["arm", "replicate", "phase"], sort=False)["social_licence"].mean()
               .reset_index())
    rows = []
    for arm in results["arm"].unique():
        for phase in phases:
            est = t_interval(per_run.loc[(per_run["arm"] == arm) & (per_run["phase"] == phase), "social_licence"])
            if est.n:
                rows.append({"arm": arm, "phase": phase, "n": est.n, "mean": est.mean,
                             "low": est.low, "high": est.high})
    return pd.DataFrame(rows, columns=["arm", "phase", "n", "mean", "low", "high"])


# Outcomes a suspension cuts short, and why: a suspended project stops (no construction, no
# operation), so it cannot be blockaded, its delay stops growing and the company pays no more delay
# costs; protests can go on, but beside a stopped project fewer of them are no gain. Each entry:
# (why fewer are no improvement when the arm was suspended more, why more are not simply a worsening
# when the arm was suspended less).
SUSPENSION_BOUND = {
    "blockade_months": (
        "a suspended project has stopped and cannot be blockaded, so its blockade months stop counting",
        "a project that keeps going can still be blockaded, so its blockade months go on counting"),
    "protest_months": (
        "the project stopping is itself the loss the conflict caused, and fewer protest months beside "
        "it are no gain",
        "protests in a project that keeps going have to be weighed against a project that stopped"),
    "project_delay_months": (
        "a suspended project has stopped, so its delay stops growing",
        "a project that keeps going can still be delayed"),
    "company_delay_costs": (
        "a suspended project has stopped and cannot be blockaded, so the company pays no more delay "
        "costs, and these costs leave out what it loses when the project stops",
        "a project that keeps going can still be blockaded and pays for each blockade month, while "
        "baseline's lower delay costs came with a project that stopped"),
    "conflict_cost_total": (
        "the cost of conflict counts the revenue the governments lost while the project was suspended "
        "but not what the company loses when its project stops",
        "a project that keeps going can still be blockaded and pays for each blockade month, while the "
        "cost of conflict leaves out what the company lost when baseline's project stopped"),
}


def _share(value: float) -> str:
    """A share of runs in words: 'every run', 'no run', '30% of runs'."""
    if value != value:
        return "an unknown share of runs"
    if value >= 1:
        return "every run"
    if value <= 0:
        return "no run"
    return f"{value:.0%} of runs"


@dataclass(frozen=True)
class Reading:
    """One arm's paired difference from baseline in one outcome, and how to say it in words.

    ``base`` and ``mean`` are baseline's and the arm's means; ``caveat`` is set when the
    difference cannot be judged better or worse on its own (see :data:`SUSPENSION_BOUND`).
    """

    arm: str
    outcome: Outcome
    diff: float
    low: float
    high: float
    n: int
    base: float = float("nan")
    mean: float = float("nan")
    caveat: str = ""

    @property
    def identical(self) -> bool:
        return self.diff == 0 and self.low == 0 and self.high == 0

    @property
    def distinguishable(self) -> bool:
        return not np.isnan(self.low) and (self.low > 0 or self.high < 0)

    @property
    def verb(self) -> str:
        return "increased" if self.diff > 0 else "reduced"

    def interval(self) -> str:
        if np.isnan(self.low):
            return "no interval with one replicate"
        return f"95% CI {self.outcome.fmt(self.low)} to {self.outcome.fmt(self.high)}"

    def change(self) -> str:
        """'reduced blockade months by 11.7 months (95% CI -14.8 to -8.6)'."""
        o = self.outcome
        return f"{self.verb} {o.label} by {o.fmt(abs(self.diff))}{o.short_unit} ({self.interval()})"

    def judgement(self) -> str:
        """'better' / 'worse' for outcomes with a better direction, else '' (also when there is a caveat)."""
        if not self.outcome.better or not self.distinguishable or self.caveat:
            return ""
        good = (self.diff < 0) == (self.outcome.better == "lower")
        return "better" if good else "worse"


def suspension_caveat(reading: Reading, suspended: Reading | None) -> str:
    """Why a change in a conflict outcome cannot be judged when the arm's share of suspended runs moved the other way.

    Fewer blockade months (or protests, delay, delay costs) with more runs suspended is not an
    improvement: the project stopped. More of them with fewer runs suspended is not simply a
    worsening: the project survived to be blockaded. Empty when the two move together or either
    did not move.
    """
    why = SUSPENSION_BOUND.get(reading.outcome.key)
    if why is None or suspended is None or reading.diff == 0 or suspended.mean == suspended.base:
        return ""
    more_suspended = suspended.mean > suspended.base
    label = reading.outcome.label
    money = reading.outcome.unit.startswith("US$")
    fewer, more = ("Lower", "Higher") if money else ("Fewer", "More")
    are = "are" if label.endswith("s") else "is"
    if reading.diff < 0 and more_suspended:
        return (f"{fewer} {label} here {are} not an improvement: the project was suspended in "
                f"{_share(suspended.mean)} of {reading.arm} against {_share(suspended.base)} of baseline, "
                f"and {why[0]}.")
    if reading.diff > 0 and not more_suspended:
        return (f"{more} {label} here {are} not simply a worsening: the project was suspended in "
                f"{_share(suspended.base)} of baseline against {_share(suspended.mean)} of {reading.arm}, "
                f"and {why[1]}.")
    return ""


READING_OUTCOMES = ("blockade_months", "suspended", "protest_months", "final_trust_community_company",
                    "final_trust_community_government", "final_social_licence", "company_delay_costs",
                    "conflict_cost_total", "intervention_cost_total")
COST_OUTCOMES = ("company_delay_costs", "conflict_cost_total", "intervention_cost_total")  # read together in a sentence of their own


def readings(table: pd.DataFrame, outcomes: tuple[str, ...] = READING_OUTCOMES) -> list[Reading]:
    """Differences from baseline in the outcomes the report puts into words, arm by arm.

    Each reading carries baseline's and the arm's means, and a caveat when the arm's share of
    suspended runs moved against it (:func:`suspension_caveat`).
    """
    means = {(row.arm, row.outcome): row.mean for row in table.itertuples(index=False)}
    rows = table.dropna(subset=["diff_mean"])

    def reading(row) -> Reading:
        return Reading(row.arm, OUTCOME_BY_KEY[row.outcome], row.diff_mean, row.diff_ci_low, row.diff_ci_high,
                       int(row.diff_n), base=means.get((BASELINE, row.outcome), float("nan")),
                       mean=row.mean)

    suspended = {row.arm: reading(row) for row in rows.itertuples(index=False) if row.outcome == "suspended"}
    found = []
    for row in rows.itertuples(index=False):
        if row.outcome in outcomes:
            r = reading(row)
            caveat = suspension_caveat(r, suspended.get(row.arm))
            found.append(replace(r, caveat=caveat) if caveat else r)
    order = {key: i for i, key in enumerate(outcomes)}
    return sorted(found, key=lambda r: order[r.outcome.key])


_JUDGED = {"better": "This is an improvement on baseline.", "worse": "This is a worsening relative to baseline."}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def cost_sentence(arm: str, arm_readings: list[Reading]) -> str:
    """The interventions' cost beside the change in the cost of conflict, then in delay costs alone.

    The cost of conflict (``conflict_cost_total``) is what the company paid for blockade delays
    plus the revenue the governments lost while the project was blockaded or suspended, so unlike
    delay costs it counts what a suspension costs the governments; it still leaves out what the
    company loses when its project stops. Without it (older summaries) the company's delay costs
    stand for the cost of conflict, as they did before it was recorded.
    """
    by_key = {r.outcome.key: r for r in arm_readings}
    cost = by_key.get("intervention_cost_total")
    conflict, delay = by_key.get("conflict_cost_total"), by_key.get("company_delay_costs")
    if cost is None or (conflict is None and delay is None):
        return ""
    money = cost.outcome
    if cost.base and cost.base == cost.base:
        spent = f"Its interventions cost {money.fmt(cost.diff)}{money.short_unit} per run more than baseline's"
    else:
        spent = f"Its interventions cost {money.fmt(cost.mean)}{money.short_unit} per run"
    extra = cost.diff if cost.diff == cost.diff else 0.0
    if conflict is not None:
        sentence = f"{spent}; " + _cost_change(
            conflict, extra, "the cost of conflict (the company's delay costs plus the revenue the governments "
                             "lost while the project was blockaded or suspended)", "conflict costs")
        if delay is not None and not delay.identical:
            sentence += (f" The company's delay costs alone changed by {delay.outcome.fmt(delay.diff)}"
                         f"{delay.outcome.short_unit} ({delay.interval()}).")
            if delay.caveat:
                sentence += " " + delay.caveat
        measure = conflict
    else:
        sentence = f"{spent}; " + _cost_change(
            delay, extra, "the company's delay costs (the cost of conflict: blockade months it paid for)",
            "delay costs")
        measure = delay
    if measure.caveat and not measure.identical:
        sentence += (" " + measure.caveat[:-1] + "; the interventions' cost cannot be weighed against it "
                     "alone.")
    return sentence


def _cost_change(r: Reading, extra: float, name: str, short: str) -> str:
    """How a cost outcome moved from baseline, and whether the interventions paid for themselves."""
    o = r.outcome
    if r.identical:
        return (f"{name} was exactly as in baseline ({o.fmt(r.base)}{o.short_unit}), so that spending saved "
                f"no {short}.")
    if not r.distinguishable:
        return (f"{name} changed by {o.fmt(r.diff)}{o.short_unit} ({r.interval()}), not distinguishable from "
                f"noise, so whether the interventions paid for themselves in avoided {short} cannot be read "
                f"from {r.n} replicates.")
    if r.diff < 0:
        saved = -r.diff
        ratio = (f", {saved / extra:,.0f} times what the interventions cost"
                 if extra > 0 and saved >= extra and not r.caveat else "")
        return f"{name} fell by {o.fmt(saved)}{o.short_unit} ({r.interval()}) from baseline's {o.fmt(r.base)}{o.short_unit}{ratio}."
    return (f"{name} rose by {o.fmt(r.diff)}{o.short_unit} ({r.interval()}) from baseline's "
            f"{o.fmt(r.base)}{o.short_unit}"
            + ("." if r.caveat else f", so the interventions did not pay for themselves in avoided {short}."))


def arm_paragraph(arm: str, arm_readings: list[Reading]) -> str:
    """A few plain sentences on one arm against baseline, generated from its readings only.

    The first outcome gets the full sentence (difference, interval, whether the interval excludes
    zero); the others are grouped into those that differ beyond noise, those that do not, and those
    that did not change at all. A difference that a change in suspensions explains is not judged
    but explained (its caveat); the costs get a sentence of their own (:func:`cost_sentence`).
    """
    costs = [r for r in arm_readings if r.outcome.key in COST_OUTCOMES]
    arm_readings = [r for r in arm_readings if r.outcome.key not in COST_OUTCOMES]
    if not arm_readings:
        return f"{arm}: no difference from baseline was computed."
    first, rest = arm_readings[0], arm_readings[1:]
    n = first.n
    caveats = []
    if first.identical:
        sentences = [f"{arm} left {first.outcome.label} exactly as in baseline in all {n} paired replicates."]
    elif np.isnan(first.low):
        sentences = [f"{arm} {first.change()} relative to baseline; with one replicate this cannot be "
                     f"told from noise."]
    elif first.distinguishable:
        judged = first.judgement()
        sentences = [f"{arm} {first.change()} relative to baseline; the interval excludes zero, so the "
                     f"difference is unlikely to be noise across {n} paired replicates"
                     + (". " + _JUDGED[judged] if judged else ".")]
        if first.caveat:
            sentences.append(first.caveat)
    else:
        sentences = [f"{arm} {first.change()} relative to baseline; the interval includes zero, so the "
                     f"difference is not distinguishable from noise with {n} replicates."]
    clear = [r for r in rest if r.distinguishable and not r.identical]
    unclear = [r for r in rest if not r.distinguishable and not r.identical]
    same = [r for r in rest if r.identical]
    if clear:
        parts = [r.change()[:-1] + (f"; {r.judgement()})" if r.judgement() else ")") for r in clear]
        sentences.append(f"Beyond noise, it also {_join(parts)}.")
        caveats += [r.caveat for r in clear if r.caveat]
    if unclear:
        parts = [f"{r.outcome.label} ({r.outcome.fmt(r.diff)}{r.outcome.short_unit}, {r.interval()})"
                 for r in unclear]
        sentences.append(f"Its differences in {_join(parts)} are not distinguishable from noise with "
                         f"{n} replicates.")
    if same:
        sentences.append(f"It left {_join([r.outcome.label for r in same])} exactly as in baseline.")
    sentences += caveats
    cost = cost_sentence(arm, costs)
    if cost:
        sentences.append(cost)
    return " ".join(sentences)


def suspension_sentence(summaries: pd.DataFrame, arms: list[str]) -> str:
    """How many runs of each arm ended with the project suspended, and when; '' if none was.

    Said before the differences because it changes how they read: a suspended project stops, so
    it has no more blockades, delay or delay costs.
    """
    if "suspended" not in summaries or not summaries["suspended"].astype(bool).any():
        return ""
    parts = []
    for arm in arms:
        mine = summaries[summaries["arm"] == arm]
        flags = mine["suspended"].astype(bool)
        count, total = int(flags.sum()), len(mine)
        if count == 0:
            parts.append(f"no run of {arm}")
            continue
        steps = pd.to_numeric(mine.loc[flags, "suspension_step"], errors="coerce").dropna()
        when = ""
        if len(steps):
            lo, hi = int(steps.min()), int(steps.max())
            when = f" (month {lo})" if lo == hi else f" (months {lo} to {hi})"
        runs = "all" if count == total else f"{count} of"
        parts.append(f"{runs} {total} runs of {arm}{when}")
    return ("The project was suspended (social licence withdrawn long enough) in " + _join(parts) + ". A "
            "suspended project stops: it is no longer built or operated, so it cannot be blockaded and "
            "costs the company no more delay. Fewer blockade months or lower delay costs in an arm whose "
            "project was suspended more often are therefore not an improvement.")


def extremes(table: pd.DataFrame, outcome: str, lowest: bool) -> tuple[list[str], float]:
    """The arm(s) with the lowest (or highest) mean of an outcome, ties included, and that mean."""
    rows = table[table["outcome"] == outcome].dropna(subset=["mean"])
    if rows.empty:
        return [], float("nan")
    o = OUTCOME_BY_KEY[outcome]
    best = rows["mean"].min() if lowest else rows["mean"].max()
    same = rows[rows["mean"].map(o.fmt) == o.fmt(best)]
    return list(same["arm"]), float(best)


def identical_arms(results: pd.DataFrame, arms: list[str]) -> list[tuple[str, str]]:
    """Pairs of arms whose every run is identical month by month (an added intervention did nothing).

    With common random numbers this is exact equality, not closeness: an intervention that never
    meets, or meets without changing anything, leaves the paired runs bit-for-bit the same.
    """
    frames = {arm: results[results["arm"] == arm].drop(columns="arm").reset_index(drop=True) for arm in arms}
    pairs = []
    for i, a in enumerate(arms):
        for b in arms[i + 1:]:
            if frames[a].equals(frames[b]):
                pairs.append((a, b))
    return pairs
