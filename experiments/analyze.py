"""What a sweep's results say: per-arm estimates, paired differences, sensitivity indices, maps.

``analyze(folder)`` reads a ``stakesim sweep`` output folder (its manifest rebuilds the
experiment) and writes, under ``folder/analysis``: ``arm_summary.csv`` (each arm's mean of each
outcome over every run with a t-interval, and its difference from baseline paired on the same
point and replicate), ``indices.csv`` with a figure for Sobol and Morris designs, heatmaps of the
first outcome over the first two varied settings, and ``report.md``/``report.html`` (one file,
figures embedded). A sweep of several arms over varied settings also gets the wins analysis
(``wins``): ``wins.csv`` (shares of points each arm wins, and ties), ``deciders.csv`` (which
settings decide each head-to-head), ``both_directions.csv`` and ``conditions.csv`` (the headline
comparison one way and the other, and PRIM's boxes of where), ``wins_by_point.csv`` and a figure.
The files are staged and renamed into place, as a comparison's are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stakesim.experiments import sensitivity, wins
from stakesim.experiments.analysis import t_interval
from stakesim.experiments.arms import BASELINE
from stakesim.experiments.dataset import read_runs
from stakesim.experiments.document import Document
from stakesim.experiments.experiment_file import Experiment
from stakesim.experiments.store import write_staged, write_text
from stakesim.experiments.sweep import experiment_in
from stakesim.version import __version__

ARM_COLUMNS = ["arm", "outcome", "n", "mean", "ci_low", "ci_high",
               "diff_n", "diff_mean", "diff_ci_low", "diff_ci_high"]
KEYS = ["point", "replicate"]


@dataclass
class Analysis:
    """An analysed sweep: the experiment, its runs and the tables and figures made from them."""

    folder: Path
    experiment: Experiment
    runs: pd.DataFrame
    arm_summary: pd.DataFrame
    indices: pd.DataFrame | None
    failed: int
    figures: dict = field(default_factory=dict)  # name -> matplotlib Figure
    boxes: list = field(default_factory=list)    # discovery.Box: where one arm beats another
    wins: wins.Wins | None = None                 # which arm wins where, and what decides it

    def write(self, out_dir: str | Path | None = None) -> dict[str, Path]:
        """Write the tables, figures and report (default: ``folder/analysis``)."""
        out = Path(out_dir) if out_dir is not None else self.folder / "analysis"
        return write_staged(out, self._write_all)

    def _write_all(self, staging: Path) -> dict[str, Path]:
        paths = {"arm_summary": staging / "arm_summary.csv"}
        self.arm_summary.to_csv(paths["arm_summary"], index=False)
        if self.indices is not None:
            paths["indices"] = staging / "indices.csv"
            self.indices.to_csv(paths["indices"], index=False)
        if self.boxes:
            paths["discovery"] = staging / "discovery.csv"
            pd.concat([b.limits.assign(arm=b.arm, versus=b.versus, outcome=b.outcome, coverage=b.coverage,
                                       density=b.density) for b in self.boxes]).to_csv(paths["discovery"], index=False)
        if self.wins is not None:
            for name, table in (("wins", self.wins.shares), ("deciders", self.wins.deciders),
                                ("both_directions", self.wins.both), ("conditions", self.wins.conditions),
                                ("wins_by_point", self.wins.points)):
                paths[name] = staging / f"{name}.csv"
                table.to_csv(paths[name], index=False)
        images: dict[str, bytes] = {}
        for name, figure in self.figures.items():
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight", facecolor="white")
            images[f"{name}.png"] = buffer.getvalue()
            # keyed by file name: a figure may share its name with a table (indices.csv, indices.png)
            paths[f"{name}.png"] = staging / f"{name}.png"
            paths[f"{name}.png"].write_bytes(buffer.getvalue())
        doc = self.report()
        paths["report_md"] = write_text(doc.markdown(), staging / "report.md")
        paths["report_html"] = write_text(doc.html(images), staging / "report.html")
        return paths

    def report(self) -> Document:
        e = self.experiment
        doc = Document(f"Sweep '{e.name}': what the runs say")
        if e.description:
            doc.add("p", " ".join(e.description.split()))
        ok = len(self.runs) - self.failed
        doc.add("p", f"{len(self.runs)} runs ({ok} finished, {self.failed} failed) of scenario "
                     f"'{e.base_scenario().name}': design {e.design.type}, {e.point_count()} point(s), "
                     f"arms {', '.join(e.arms)}, {e.replicates} replicate(s) each with seeds from {e.seed} "
                     f"(the same seeds at every point and in every arm, so differences are paired). "
                     f"Intervals are 95% t-intervals. stakesim {__version__}.")
        rows = [[r.arm, r.outcome, str(r.n), _num(r.mean), f"{_num(r.ci_low)} to {_num(r.ci_high)}",
                 "" if pd.isna(r.diff_mean) else f"{_num(r.diff_mean)} ({_num(r.diff_ci_low)} to {_num(r.diff_ci_high)})"]
                for r in self.arm_summary.itertuples(index=False)]
        doc.add("h2", "Each arm over all points: mean (95% CI) and paired difference from baseline")
        doc.add("table", (["arm", "outcome", "runs", "mean", "95% CI", "minus baseline (95% CI)"], rows, True))
        if self.indices is not None:
            measure = "ST" if "ST" in self.indices.columns else "mu_star"
            doc.add("h2", f"Sensitivity ({e.design.type}): which settings decide each outcome")
            top = (self.indices.sort_values(measure, ascending=False).groupby(["arm", "outcome"]).head(3))
            doc.add("table", (["arm", "outcome", "parameter", measure],
                              [[r.arm, r.outcome, r.parameter, _num(getattr(r, measure))]
                               for r in top.itertuples(index=False)], True))
        if self.wins is not None:
            _wins_section(doc, self.wins)
        if self.boxes:
            doc.add("h2", "Scenario discovery: where one arm beats the other (PRIM)")
            doc.add("ul", [box.sentence() for box in self.boxes])
        for name in self.figures:
            doc.add("img", (f"{name}.png", _CAPTIONS.get(name.split("-")[0], name)))
        doc.add("p", "These are results of the model over the settings the experiment varies, not "
                     "forecasts; failed runs are listed in the runs table with their errors.")
        return doc


_CAPTIONS = {
    "wins": "Share of parameter sets where each arm has the best mean surely (paired 95% intervals "
            "against every other arm), and ties, per outcome.",
    "indices": "Sensitivity indices per setting (total-order Sobol ST, or Morris mu*), one panel per outcome.",
    "heatmap": "Mean of the outcome over two varied settings (binned where continuous).",
}


def _share(share: float, count: int) -> str:
    return f"{share:.0%} ({count})"


def _wins_section(doc: Document, result: wins.Wins) -> None:
    """Which arm wins where, head to head, the headline both ways, and what decides it."""
    shares = result.shares
    doc.add("h2", f"Which arm wins where: shares of the {result.point_count} parameter sets")
    doc.add("p", f"At each parameter set (point) the arms are compared on their means over the "
                 f"{result.replicates} paired replicates (the same seeds in every arm). An arm wins a point "
                 f"when its paired difference from each rival has a 95% t-interval wholly on its better side "
                 f"of zero; otherwise the point is a tie (within noise). Lower is better for blockade, protest, "
                 f"suspension and grievance; higher for trust and licence. Cells: share of points (count); "
                 f"in brackets after a slash, the share by mean alone, ignoring noise.")
    best = shares[shares["comparison"] == wins.ALL_ARMS]
    if not best.empty:
        winners = list(dict.fromkeys(best["winner"]))
        rows = []
        for outcome, group in best.groupby("outcome", sort=False):
            by = group.set_index("winner")
            rows.append([outcome, group["better"].iloc[0],
                         *[f"{_share(by.at[w, 'share'], by.at[w, 'count'])} / {by.at[w, 'share_by_mean']:.0%}"
                           for w in winners]])
        doc.add("table", (["outcome", "better", *winners], rows, True))
    pairs = shares[shares["comparison"] != wins.ALL_ARMS]
    if not pairs.empty:
        doc.add("h2", "Head to head: share of parameter sets each side wins")
        rows = []
        for (comparison, outcome), group in pairs.groupby(["comparison", "outcome"], sort=False):
            first, second, tie = group.iloc[0], group.iloc[1], group.iloc[2]
            rows.append([comparison, outcome, f"{first.winner}: {_share(first.share, first['count'])}",
                         f"{second.winner}: {_share(second.share, second['count'])}",
                         _share(tie.share, tie["count"]),
                         f"{first.share_by_mean:.0%} / {second.share_by_mean:.0%}"])
        doc.add("table", (["comparison", "outcome", "first wins", "second wins", "ties", "by mean alone"],
                          rows, True))
    if not result.both.empty:
        doc.add("h2", "The headline comparison, one way and the other")
        doc.add("ul", [f"{r.statement}: {r.share:.0%} of parameter sets ({r.count} of {r.points}; "
                       f"{r.share_by_mean:.0%} by mean alone)." for r in result.both.itertuples(index=False)]
                + result.condition_sentences())
    if not result.deciders.empty:
        doc.add("h2", "What decides it: settings most correlated with the paired advantage")
        doc.add("p", "Spearman rank correlation, over parameter sets, of each setting with the first arm's "
                     "mean advantage over the second (positive: the larger the setting, the more the first arm "
                     "does better). The three strongest per comparison and outcome; all in deciders.csv.")
        rows = []
        for (comparison, outcome), group in result.deciders.groupby(["comparison", "outcome"], sort=False):
            top = group.dropna(subset=["rho"]).head(3)
            rows.append([comparison, outcome, *[f"{r.parameter} ({r.rho:+.2f})" for r in top.itertuples()],
                         *[""] * (3 - len(top))])
        doc.add("table", (["comparison", "outcome", "first", "second", "third"], rows, True))


def _num(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:,.3f}"


def arm_summary(runs: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Per arm and outcome: mean and CI over finished runs; difference from baseline paired on
    (point, replicate), so each pair shares its setting and its seed."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    rows = []
    base = ok[ok["arm"] == BASELINE].set_index(KEYS) if BASELINE in experiment.arms else None
    for arm in experiment.arms:
        mine = ok[ok["arm"] == arm].set_index(KEYS)
        for outcome in experiment.outcomes:
            if outcome not in mine or not pd.api.types.is_numeric_dtype(mine[outcome].dropna().infer_objects()):
                continue
            values = pd.to_numeric(mine[outcome], errors="coerce").astype(float)
            est = t_interval(values)
            row = {"arm": arm, "outcome": outcome, "n": est.n, "mean": est.mean, "ci_low": est.low,
                   "ci_high": est.high, "diff_n": np.nan, "diff_mean": np.nan, "diff_ci_low": np.nan,
                   "diff_ci_high": np.nan}
            if base is not None and arm != BASELINE:
                paired = (values - pd.to_numeric(base[outcome], errors="coerce").astype(float)).dropna()
                diff = t_interval(paired)
                row.update(diff_n=diff.n, diff_mean=diff.mean, diff_ci_low=diff.low, diff_ci_high=diff.high)
            rows.append(row)
    return pd.DataFrame(rows, columns=ARM_COLUMNS)


def analyze(folder: str | Path) -> Analysis:
    """Read a sweep folder and compute its tables and figures (``Analysis.write`` writes them)."""
    folder = Path(folder)
    experiment = experiment_in(folder)
    runs = read_runs(folder)
    failed = int((runs["status"] != "ok").sum()) if "status" in runs else 0
    summary = arm_summary(runs, experiment)
    indices = sensitivity.indices(runs, experiment) if failed == 0 else None
    figures = {}
    if indices is not None and not indices.empty:
        figures["indices"] = sensitivity.index_figure(indices)
    settings = [p for p in experiment.parameter_names if p in runs]
    if len(settings) >= 2 and experiment.outcomes:
        for arm in experiment.arms[:4]:
            figures[f"heatmap-{arm}"] = sensitivity.heatmap(runs, settings[0], settings[1],
                                                            experiment.outcomes[0], arm=arm)
    result = wins.analyze_wins(runs, experiment) if wins.applies(experiment) else None
    if result is not None and not result.shares.empty:
        figures["wins"] = wins.figure(result)
    return Analysis(folder, experiment, runs, summary, indices, failed, figures, discover_boxes(runs, experiment),
                    result)


DISCOVERY_OUTCOMES = (("blockade_months", "lower"), ("final_trust_community_company", "higher"))


def discover_boxes(runs: pd.DataFrame, experiment: Experiment) -> list:
    """PRIM boxes for the first two intervention arms, both ways, where settings were varied."""
    from stakesim.experiments import discovery

    arms = [a for a in experiment.arms if a != BASELINE][:2]
    if len(arms) < 2 or not experiment.parameter_names or not discovery.available():
        return []
    boxes = []
    for outcome, better in DISCOVERY_OUTCOMES:
        if outcome not in runs:
            continue
        for arm, versus in (arms, arms[::-1]):
            box = discovery.discover(runs, experiment, arm, versus, outcome, better)
            if box is not None:
                boxes.append(box)
    return boxes
