"""Which arm wins where: shares of parameter sets each arm wins, ties, and which settings decide it.

For a sweep that compares several arms over a sampled design (every point a parameter set, every
arm run there with the same replicate seeds), each point and outcome is judged on the arms' means
over the point's paired replicates:

- **all arms**: the arm with the best mean wins the point when its paired difference from every
  other arm (replicate by replicate, the same seeds) has a 95% t-interval wholly on its side of
  zero; otherwise the point is a **tie** (the best mean is within the noise of another arm's).
  ``winner_by_mean`` names the best mean whatever the noise (a tie only when means are equal).
- **head to head**: the first two intervention arms against each other (the headline comparison,
  e.g. learning space against negotiation table) and each intervention arm against baseline,
  judged the same way on their paired difference.

Which way is better comes from the outcomes' table in ``analysis.OUTCOMES`` (lower blockade,
protest, suspension and grievance; higher trust and licence), with a few more summary keys below;
an outcome with no better direction (costs, agreement counts) is not judged.

``deciders`` ranks the settings by how strongly they decide each head-to-head: the Spearman rank
correlation, over points, of the paired mean advantage (positive when the first arm does better)
with each varied setting. ``both_directions`` counts the points where the headline goes one way
or the other (the second intervention arm beats the first on blockade time and on trust in the
company, or the other way round; an intervention arm worse than baseline on blockade time), and
PRIM boxes (``discovery.prim_box``, when EMA Workbench is installed) say under which settings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stakesim.experiments.analysis import OUTCOMES, t_interval
from stakesim.experiments.arms import BASELINE
from stakesim.experiments.experiment_file import Experiment

TIE = "tie"
ALL_ARMS = "all arms"
TOLERANCE = 1e-12  # paired mean differences this small are equal (floating-point noise)

# Which way is better, for run-summary keys beyond the headline outcomes' table.
MORE_DIRECTIONS = {
    "suspension_step": "",  # later is better, but it is empty when the project was never suspended
    "months_in_withdrawal": "lower",
    "peak_mobilised_share": "lower",
    "commitments_broken": "lower",
    "revenue_leaked_total": "lower",
    "revenue_forgone_total": "lower",
    "final_trust_own_company": "higher",
    "final_trust_own_government": "higher",
    "final_trust_company_community": "higher",
    "final_trusted_tie_density": "higher",
}
DIRECTIONS: dict[str, str] = {**{o.key: o.better for o in OUTCOMES}, **MORE_DIRECTIONS}

POINT_COLUMNS = ["point", "comparison", "arm", "versus", "outcome", "better", "n", "mean_arm", "mean_versus",
                 "difference", "ci_low", "ci_high", "winner", "winner_by_mean"]
WINS_COLUMNS = ["comparison", "outcome", "better", "winner", "points", "count", "share", "count_by_mean",
                "share_by_mean"]
DECIDER_COLUMNS = ["comparison", "arm", "versus", "outcome", "better", "parameter", "rank", "rho", "p_value",
                   "points"]
BOTH_COLUMNS = ["key", "statement", "arm", "versus", "outcomes", "points", "count", "share", "count_by_mean",
                "share_by_mean"]
CONDITION_COLUMNS = ["key", "statement", "parameter", "low", "high", "full_low", "full_high", "cases", "points",
                     "coverage", "density", "mass"]


def direction(outcome: str) -> str:
    """'lower', 'higher', or '' when neither is better (the outcome is not judged)."""
    return DIRECTIONS.get(outcome, "")


def applies(experiment: Experiment) -> bool:
    """Whether a wins analysis makes sense: more than one arm, and settings varied over points."""
    return len(experiment.arms) > 1 and experiment.design.type != "arms" and bool(experiment.parameter_names)


def judged_outcomes(experiment: Experiment, runs: pd.DataFrame | None = None) -> list[str]:
    return [o for o in experiment.outcomes if direction(o) and (runs is None or o in runs.columns)]


def head_to_heads(arms: list[str]) -> list[tuple[str, str]]:
    """(arm, versus) pairs: the first two intervention arms, then each intervention arm vs baseline."""
    treated = [a for a in arms if a != BASELINE]
    pairs = [(treated[0], treated[1])] if len(treated) >= 2 else []
    if BASELINE in arms:
        pairs += [(a, BASELINE) for a in treated]
    return pairs


def label(arm: str, versus: str) -> str:
    return f"{arm} vs {versus}"


# --------------------------------------------------------------------------- per point
def _values(runs: pd.DataFrame, outcome: str, arms: list[str]) -> pd.DataFrame:
    """Finished runs' ``outcome`` as a table: rows (point, replicate), one column per arm."""
    ok = runs[runs["status"].astype(str) == "ok"] if "status" in runs.columns else runs
    ok = ok[ok["arm"].astype(str).isin(arms)]
    values = pd.to_numeric(ok[outcome].astype("float64"), errors="coerce")
    frame = pd.DataFrame({"point": ok["point"].astype(int).to_numpy(), "replicate": ok["replicate"].to_numpy(),
                          "arm": ok["arm"].astype(str).to_numpy(), "value": values.to_numpy()})
    table = frame.pivot_table(index=["point", "replicate"], columns="arm", values="value", aggfunc="mean",
                              dropna=False)
    return table.reindex(columns=arms).sort_index()


def _blocks(table: pd.DataFrame, columns: list[str]) -> list[tuple[int, np.ndarray]]:
    """(point, its replicates x columns) for every point with complete replicates in ``columns``."""
    complete = table[columns].dropna()
    if complete.empty:
        return []
    points = complete.index.get_level_values("point").to_numpy()
    values = complete.to_numpy(float)
    starts = np.flatnonzero(np.r_[True, points[1:] != points[:-1]])
    return [(int(points[i]), block) for i, block in zip(starts, np.split(values, starts[1:]))]


def _paired(advantage: np.ndarray) -> tuple[int, float, float, float]:
    """n, mean and 95% t-interval of paired advantages (NaN interval with fewer than two)."""
    estimate = t_interval(advantage)
    return estimate.n, estimate.mean, estimate.low, estimate.high


def _sure(low: float, high: float, mean: float) -> int:
    """+1 when the advantage is surely positive (its interval above zero), -1 surely negative, else 0."""
    if np.isnan(low) or abs(mean) <= TOLERANCE:
        return 0
    if low > 0:
        return 1
    if high < 0:
        return -1
    return 0


def _by_mean(mean: float) -> int:
    if np.isnan(mean) or abs(mean) <= TOLERANCE:
        return 0
    return 1 if mean > 0 else -1


def pair_points(table: pd.DataFrame, arm: str, versus: str, outcome: str, comparison: str | None = None
                ) -> list[dict]:
    """One row per point: ``arm`` against ``versus`` on their paired replicates."""
    better = direction(outcome)
    sign = 1.0 if better == "higher" else -1.0
    names = {1: arm, -1: versus, 0: TIE}
    rows = []
    for point, block in _blocks(table, [arm, versus]):
        a, b = block[:, 0], block[:, 1]
        n, mean, low, high = _paired(sign * (a - b))
        sure, rough = _sure(low, high, mean), _by_mean(mean)
        diff_low, diff_high = (low, high) if sign > 0 else (-high, -low)
        rows.append({"point": int(point), "comparison": comparison or label(arm, versus), "arm": arm,
                     "versus": versus, "outcome": outcome, "better": better, "n": n,
                     "mean_arm": float(a.mean()), "mean_versus": float(b.mean()), "difference": sign * mean,
                     "ci_low": diff_low, "ci_high": diff_high,
                     "winner": names[sure], "winner_by_mean": names[rough]})
    return rows


def best_points(table: pd.DataFrame, arms: list[str], outcome: str) -> list[dict]:
    """One row per point: the arm with the best mean, against the runner-up; a win only when the
    best arm is surely better than every other arm (paired 95% intervals), else a tie."""
    better = direction(outcome)
    sign = 1.0 if better == "higher" else -1.0
    rows = []
    for point, x in _blocks(table, arms):
        means = sign * x.mean(axis=0)
        order = np.argsort(-means, kind="stable")
        best, second = int(order[0]), int(order[1])
        verdicts = []
        for j in range(len(arms)):
            if j != best:
                n, mean, low, high = _paired(sign * (x[:, best] - x[:, j]))
                verdicts.append(_sure(low, high, mean))
        n, mean, low, high = _paired(sign * (x[:, best] - x[:, second]))
        diff_low, diff_high = (low, high) if sign > 0 else (-high, -low)
        rows.append({"point": int(point), "comparison": ALL_ARMS, "arm": arms[best], "versus": arms[second],
                     "outcome": outcome, "better": better, "n": n, "mean_arm": float(x[:, best].mean()),
                     "mean_versus": float(x[:, second].mean()), "difference": sign * mean,
                     "ci_low": diff_low, "ci_high": diff_high,
                     "winner": arms[best] if all(v == 1 for v in verdicts) else TIE,
                     "winner_by_mean": arms[best] if means[best] - means[second] > TOLERANCE else TIE})
    return rows


def point_results(runs: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Every point's verdict per comparison (all arms, then head to heads) and judged outcome."""
    arms = list(experiment.arms)
    rows: list[dict] = []
    for outcome in judged_outcomes(experiment, runs):
        table = _values(runs, outcome, arms)
        rows += best_points(table, arms, outcome)
        for arm, versus in head_to_heads(arms):
            rows += pair_points(table, arm, versus, outcome)
    frame = pd.DataFrame(rows, columns=POINT_COLUMNS)
    settings = point_settings(runs, experiment)
    if not settings.empty and not frame.empty:
        frame = frame.join(settings, on="point")
    return frame


def point_settings(runs: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Each point's varied settings (index: point)."""
    names = [p for p in experiment.parameter_names if p in runs.columns]
    if not names:
        return pd.DataFrame()
    return runs.groupby(runs["point"].astype(int))[names].first()


# --------------------------------------------------------------------------- shares
def shares(points: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Per comparison and outcome: how many points each arm wins, and ties (counts and shares)."""
    rows = []
    for (comparison, outcome), group in points.groupby(["comparison", "outcome"], sort=False):
        candidates = (list(experiment.arms) if comparison == ALL_ARMS
                      else [group["arm"].iloc[0], group["versus"].iloc[0]])
        total = len(group)
        for winner in [*candidates, TIE]:
            count = int((group["winner"] == winner).sum())
            rough = int((group["winner_by_mean"] == winner).sum())
            rows.append({"comparison": comparison, "outcome": outcome, "better": group["better"].iloc[0],
                         "winner": winner, "points": total, "count": count, "share": count / total,
                         "count_by_mean": rough, "share_by_mean": rough / total})
    return pd.DataFrame(rows, columns=WINS_COLUMNS)


def deciders(points: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Per head-to-head and outcome: each setting's Spearman correlation with the paired advantage
    (positive: the larger the setting, the more ``arm`` beats ``versus``), strongest first."""
    from scipy import stats

    names = [p for p in experiment.parameter_names if p in points.columns]
    rows = []
    pairs = points[points["comparison"] != ALL_ARMS]
    for (comparison, outcome), group in pairs.groupby(["comparison", "outcome"], sort=False):
        sign = 1.0 if group["better"].iloc[0] == "higher" else -1.0
        advantage = sign * group["difference"].to_numpy(float)
        found = []
        for name in names:
            setting = pd.to_numeric(group[name], errors="coerce").to_numpy(float)
            keep = ~(np.isnan(advantage) | np.isnan(setting))
            rho = p_value = np.nan
            if keep.sum() >= 3 and np.ptp(setting[keep]) > 0 and np.ptp(advantage[keep]) > 0:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = stats.spearmanr(setting[keep], advantage[keep])
                rho, p_value = float(result.statistic), float(result.pvalue)
            found.append((name, rho, p_value, int(keep.sum())))
        found.sort(key=lambda item: -abs(item[1]) if not np.isnan(item[1]) else 1.0)
        for rank, (name, rho, p_value, n) in enumerate(found, start=1):
            rows.append({"comparison": comparison, "arm": group["arm"].iloc[0], "versus": group["versus"].iloc[0],
                         "outcome": outcome, "better": group["better"].iloc[0], "parameter": name, "rank": rank,
                         "rho": rho, "p_value": p_value, "points": n})
    return pd.DataFrame(rows, columns=DECIDER_COLUMNS)


# --------------------------------------------------------------------------- the headline, both ways
BLOCKADE = "blockade_months"
TRUST = "final_trust_community_company"


@dataclass(frozen=True)
class Statement:
    """``arm`` beats ``versus`` on every one of ``outcomes`` at a point."""

    key: str
    arm: str
    versus: str
    outcomes: tuple[str, ...]

    def sentence(self) -> str:
        on = " and on ".join(OUTCOME_WORDS.get(o, o) for o in self.outcomes)
        if self.arm == BASELINE:
            return f"{self.versus} is worse than baseline on {on}"
        return f"{self.arm} beats {self.versus} on {on}"


OUTCOME_WORDS = {o.key: o.label for o in OUTCOMES}


def statements(experiment: Experiment, outcomes=None) -> list[Statement]:
    """The headline both ways, for the first two intervention arms (first = A, second = B):
    B beats A on blockade time and trust in the company; A beats B on both; A worse than baseline
    on blockade time; B worse than baseline on blockade time. ``outcomes``: those available
    (default: the experiment's judged outcomes)."""
    treated = [a for a in experiment.arms if a != BASELINE]
    have = set(judged_outcomes(experiment)) if outcomes is None else set(outcomes)
    found: list[Statement] = []
    if len(treated) >= 2 and {BLOCKADE, TRUST} <= have:
        a, b = treated[:2]
        found += [Statement("second_beats_first_on_blockade_and_trust", b, a, (BLOCKADE, TRUST)),
                  Statement("first_beats_second_on_blockade_and_trust", a, b, (BLOCKADE, TRUST))]
    if BASELINE in experiment.arms and BLOCKADE in have:
        found += [Statement(f"{which}_worse_than_baseline_on_blockade", BASELINE, arm, (BLOCKADE,))
                  for which, arm in zip(("first", "second"), treated[:2])]
    return found


def _holds(points: pd.DataFrame, statement: Statement, column: str) -> pd.Series:
    """Per point: whether the statement holds by ``column`` (winner or winner_by_mean)."""
    pair = {(statement.arm, statement.versus), (statement.versus, statement.arm)}
    in_pair = np.array([(a, v) in pair for a, v in zip(points["arm"], points["versus"])], dtype=bool)
    mine = points[in_pair & (points["comparison"] != ALL_ARMS).to_numpy()]
    result = None
    for outcome in statement.outcomes:
        won = (mine[mine["outcome"] == outcome].set_index("point")[column] == statement.arm)
        result = won if result is None else (result & won.reindex(result.index, fill_value=False))
    return result if result is not None else pd.Series(dtype=bool)


def both_directions(points: pd.DataFrame, experiment: Experiment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shares of points where each headline statement holds (surely, and by mean alone), and
    PRIM's box of settings where it surely holds (empty without EMA Workbench)."""
    from stakesim.experiments import discovery

    rows, boxes = [], []
    settings = [c for c in experiment.parameter_names  # PRIM boxes numbers only (not text levels)
                if c in points.columns and pd.api.types.is_numeric_dtype(points[c])]
    prim = discovery.available() and bool(settings)
    for statement in statements(experiment, set(points["outcome"])):
        sure, rough = _holds(points, statement, "winner"), _holds(points, statement, "winner_by_mean")
        total = len(sure)
        if not total:
            continue
        rows.append({"key": statement.key, "statement": statement.sentence(), "arm": statement.arm,
                     "versus": statement.versus,
                     "outcomes": " & ".join(statement.outcomes), "points": total, "count": int(sure.sum()),
                     "share": float(sure.mean()), "count_by_mean": int(rough.sum()),
                     "share_by_mean": float(rough.mean())})
        if prim:
            x = points.drop_duplicates("point").set_index("point")[settings].loc[sure.index].astype(float)
            found = discovery.prim_box(x, sure.to_numpy())
            if found is not None:
                limits, coverage, density, mass = found
                base = {"key": statement.key, "statement": statement.sentence(), "cases": int(sure.sum()),
                        "points": total,
                        "coverage": coverage, "density": density, "mass": mass}
                if limits.empty:
                    boxes.append({**base, "parameter": "", "low": np.nan, "high": np.nan,
                                  "full_low": np.nan, "full_high": np.nan})
                for limit in limits.itertuples(index=False):
                    boxes.append({**base, **limit._asdict()})
    return pd.DataFrame(rows, columns=BOTH_COLUMNS), pd.DataFrame(boxes, columns=CONDITION_COLUMNS)


# --------------------------------------------------------------------------- all of it
@dataclass
class Wins:
    """A sweep's wins analysis: per-point verdicts, shares, deciders, the headline both ways."""

    points: pd.DataFrame
    shares: pd.DataFrame
    deciders: pd.DataFrame
    both: pd.DataFrame
    conditions: pd.DataFrame
    replicates: int
    arms: list[str] = field(default_factory=list)

    @property
    def point_count(self) -> int:
        return int(self.points["point"].nunique()) if not self.points.empty else 0

    def condition_sentences(self) -> list[str]:
        out = []
        for statement, group in self.conditions.groupby("statement", sort=False):
            first = group.iloc[0]
            limits = [r for r in group.itertuples(index=False) if r.parameter]
            where = (" and ".join(f"{r.parameter} from {r.low:.3g} to {r.high:.3g}" for r in limits)
                     or "anywhere in the ranges explored (no setting restricts it)")
            out.append(f"Where {statement} (at {first.cases} of {first.points} points), PRIM's box: {where} "
                       f"(coverage {first.coverage:.2f}, density {first.density:.2f}, {first.mass:.0%} of the points).")
        return out


def analyze_wins(runs: pd.DataFrame, experiment: Experiment) -> Wins:
    """The wins analysis of a sweep's runs (see the module's docstring)."""
    points = point_results(runs, experiment)
    both, conditions = both_directions(points, experiment)
    return Wins(points, shares(points, experiment), deciders(points, experiment), both, conditions,
                experiment.replicates, list(experiment.arms))


def figure(wins: Wins):
    """Shares of points each arm wins (and ties), one bar per judged outcome: the all-arms verdict."""
    from matplotlib.figure import Figure

    from stakesim.experiments.figures import arm_colours

    table = wins.shares[wins.shares["comparison"] == ALL_ARMS]
    outcomes = list(dict.fromkeys(table["outcome"]))
    colours = {**arm_colours(wins.arms), TIE: "#ffffff"}
    fig = Figure(figsize=(8, 0.5 + 0.45 * max(len(outcomes), 2)), layout="constrained")
    ax = fig.subplots()
    left = np.zeros(len(outcomes))
    for winner in [*wins.arms, TIE]:
        share = np.array([table[(table["outcome"] == o) & (table["winner"] == winner)]["share"].sum()
                          for o in outcomes])
        ax.barh(range(len(outcomes)), share, left=left, color=colours[winner], edgecolor="#333333",
                linewidth=0.5, label=winner if winner != TIE else "tie (within noise)",
                hatch="//" if winner == TIE else None)
        left += share
    ax.set_yticks(range(len(outcomes)), [OUTCOME_WORDS.get(o, o) for o in outcomes], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of parameter sets")
    ax.set_title(f"Which arm is best, over {wins.point_count} parameter sets "
                 f"({wins.replicates} paired replicates each)", fontsize=10)
    fig.legend(fontsize=8, loc="outside lower center", ncols=min(len(wins.arms) + 1, 3), frameon=False)
    return fig


__all__ = ["ALL_ARMS", "DIRECTIONS", "TIE", "Wins", "analyze_wins", "applies", "best_points", "both_directions",
           "deciders", "direction", "figure", "head_to_heads", "pair_points", "point_results", "shares",
           "statements"]
