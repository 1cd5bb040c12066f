"""The report of a comparison: what its numbers say, in a document, written out with the files it shows.

The reading is generated from the outcome table (``analysis.readings``): it says what the numbers
and their intervals say, and nothing the numbers do not. :func:`build_report` makes the document
(``document.Document``, rendered to ``report.md`` and ``report.html``); :func:`write_comparison`
writes it with the tables and figures through the staging folder of ``store``, so an interrupted
write never leaves a half-written file where a finished one was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from stakesim.experiments import figures, store
from stakesim.experiments.analysis import (OUTCOME_BY_KEY, OUTCOMES, arm_paragraph, extremes, fmt, identical_arms,
                                           outcome_table, readings, suspension_sentence)
from stakesim.experiments.arms import BASELINE, Arm
from stakesim.experiments.document import Document
from stakesim.experiments.provenance import METADATA_KEYS, provenance
from stakesim.experiments.runner import Runs
from stakesim.simulator.schema import Scenario
from stakesim.version import __version__


def write_comparison(runs: Runs, scenario: Scenario, arms: list[Arm], out_dir: str | Path,
                     prov: dict | None = None, interrupted: Callable[[], bool] | None = None,
                     table: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write every output file of a comparison into ``out_dir``; return their final paths by name.

    The files: ``results`` (results.parquet), ``summary`` (summary.csv), ``provenance``
    (provenance.json), one PNG per figure (``trust``, ``blockades``, ``licence``, ``graph``) and
    ``report_md``/``report_html``. They are staged and renamed into place only when all are
    ready (``store.write_staged``); ``interrupted`` is checked before the renames. ``prov``
    defaults to ``provenance(runs, scenario, arms)``, ``table`` to the outcome table.
    """
    prov = prov if prov is not None else provenance(runs, scenario, arms)
    table = table if table is not None else outcome_table(runs.summaries, runs.arm_names)

    def write(folder: Path) -> dict[str, Path]:
        paths = {
            "results": store.write_results_parquet(runs.results, prov, folder / "results.parquet", METADATA_KEYS),
            "summary": store.write_summary_csv(table, folder / "summary.csv"),
            "provenance": store.write_json(prov, folder / "provenance.json"),
        }
        for name, build in figures.comparison_figures(runs, scenario.project.phases).items():
            paths[name] = figures.save(build(), folder / figures.FIGURES[name])
        doc = build_report(runs, scenario, arms, table, {k: p.name for k, p in paths.items()})
        # the reports last: they are renamed last, so they never point at a missing figure
        paths["report_md"] = store.write_text(doc.markdown(), folder / "report.md")
        # report.html is one file to send: its figures are embedded (data URIs), not linked
        images = {p.name: p.read_bytes() for k, p in paths.items() if k in figures.FIGURES}
        paths["report_html"] = store.write_text(doc.html(images), folder / "report.html")
        return paths

    return store.write_staged(out_dir, write, interrupted)


# --------------------------------------------------------------------------- the report, as blocks
def _cell(mean: float, low: float, high: float, decimals: int) -> str:
    interval = "n/a" if low != low else f"{fmt(low, decimals)} to {fmt(high, decimals)}"
    return f"{fmt(mean, decimals)} ({interval})"


def _extremes_sentence(table) -> str:
    """Which arm had the lowest mean blockade months and the highest mean final social licence.

    The lowest blockade months are flagged when those arms' projects were suspended in more runs
    than another arm's: a suspended project cannot be blockaded.
    """
    suspended = table[table["outcome"] == "suspended"].set_index("arm")["mean"]
    parts = []
    for key, lowest in (("blockade_months", True), ("final_social_licence", False)):
        arms, value = extremes(table, key, lowest)
        if arms:
            o = OUTCOME_BY_KEY[key]
            which = "lowest" if lowest else "highest"
            part = (f"{o.label} {'were' if o.label.endswith('s') else 'was'} {which} on average in "
                    f"{' and '.join(arms)} ({o.fmt(value)}{o.short_unit})")
            if key == "blockade_months" and len(suspended):
                mine = max(suspended.get(a, 0.0) for a in arms)
                least = suspended.min()
                if mine > least:
                    part += (f", but the project was suspended in {mine:.0%} of those runs against "
                             f"{least:.0%} in {' and '.join(suspended[suspended == least].index)}, and a "
                             f"suspended project cannot be blockaded")
            parts.append(part)
    return ("Across arms, " + "; ".join(parts) + ". This ranks means only; the intervals in the "
            "tables say whether the gaps are larger than noise.")


def build_report(runs: Runs, scenario: Scenario, arms: list[Arm], table: pd.DataFrame,
                 files: dict[str, str]) -> Document:
    """The report as a document: what was run, the reading, the tables, the figures and the files.

    ``table`` is the outcome table (``analysis.outcome_table``); ``files`` the names of the files
    written beside the report, by the names of :data:`figures.FIGURES` (only figures listed are
    shown). All text is plain: the document's renderers escape it.
    """
    n, first = runs.replicates, runs.base_seed
    seeds = f"{first}" if n == 1 else f"{first} to {first + n - 1}"
    doc = Document(f"Comparison of interventions: scenario '{scenario.name}'")
    description = " ".join(scenario.description.split())
    if description:
        doc.add("p", description)
    doc.add("p", f"Each arm was run {n} times for {runs.steps} months, with seeds {seeds}. "
                 f"Every arm uses the same seeds (replicate r has the same seed in every arm), so "
                 f"differences from baseline are paired: they are taken replicate by replicate, which "
                 f"removes the luck the arms share. Intervals are 95% confidence intervals (Student t) "
                 f"of the mean over replicates. stakesim {__version__}.")
    doc.add("table", (["arm", "what it does"], [[arm.name, arm.describe()] for arm in arms]))

    doc.add("h2", "What the numbers say")
    stopped = suspension_sentence(runs.summaries, runs.arm_names)
    if stopped:
        doc.add("p", stopped)
    found = readings(table)
    others = [a for a in runs.arm_names if a != BASELINE]
    if found:
        doc.add("ul", [arm_paragraph(arm, [r for r in found if r.arm == arm]) for arm in others])
    elif BASELINE not in runs.arm_names:
        doc.add("p", "There is no baseline arm, so no differences were computed; compare the arms' "
                     "intervals in the table below (overlapping intervals do not show a difference).")
    else:
        doc.add("p", "Only the baseline arm was run, so there is nothing to compare it with.")
    if len(runs.arm_names) > 1:
        doc.add("p", _extremes_sentence(table))
    for a, b in identical_arms(runs.results, runs.arm_names):
        doc.add("p", f"Arms {a} and {b} gave identical results, month by month, in every replicate: "
                     f"what distinguishes them changed nothing in this scenario (for example, an "
                     f"intervention that never met).")
    doc.add("p", "These statements are generated from the tables below. An interval that includes zero "
                 "means the direction of a difference cannot be read from this many replicates (more "
                 "--replicates narrow the intervals). They are results of the model for this scenario, "
                 "not forecasts.")

    arm_names = runs.arm_names
    rows = []
    for o in OUTCOMES:
        row = [f"{o.label} ({o.unit})"]
        for arm in arm_names:
            r = table[(table["arm"] == arm) & (table["outcome"] == o.key)].iloc[0]
            row.append(_cell(r["mean"], r["ci_low"], r["ci_high"], o.decimals))
        rows.append(row)
    doc.add("h2", "Outcomes by arm: mean (95% CI)")
    doc.add("table", (["outcome", *arm_names], rows, True))

    if BASELINE in arm_names and others:
        rows = []
        for o in OUTCOMES:
            row = [f"{o.label} ({o.unit})"]
            for arm in others:
                r = table[(table["arm"] == arm) & (table["outcome"] == o.key)].iloc[0]
                mark = " *" if r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0 else ""
                row.append(_cell(r["diff_mean"], r["diff_ci_low"], r["diff_ci_high"], o.decimals) + mark)
            rows.append(row)
        doc.add("h2", "Difference from baseline: arm minus baseline, paired by replicate (95% CI)")
        doc.add("table", (["outcome", *others], rows, True))
        doc.add("p", "* the interval excludes zero. Lower is better for blockades, protests, delay, "
                     "suspension, grievance, company delay costs and the cost of conflict; higher is better "
                     "for trust, social licence and bridging ties; agreements, commitments and intervention "
                     "cost are neither good nor bad in themselves. The cost of conflict is the company's delay "
                     "costs plus the revenue the governments lost while the project was blockaded or "
                     "suspended; set it beside the intervention cost. A suspended project stops, so it has no "
                     "more blockades, delay or delay costs: read those rows beside the share of runs "
                     "suspended.")

    doc.add("h2", "Figures")
    captions = {
        "trust": "Communities' mean trust in the company and in the local government, month by month; lines "
                 "are means over replicates and bands their 95% confidence intervals. Each arm has its own "
                 "colour, line style and markers, so lines that coincide stay visible; an arm whose runs "
                 "are identical to another's is marked so in the legend.",
        "blockades": "Months with a blockade in each run (dots), their spread (boxes) and mean (diamonds).",
        "licence": "Mean social licence score in each life-cycle phase, per arm, with 95% confidence "
                   "intervals; dashed lines separate withdrawal, acceptance, approval and identification.",
        "graph": f"Trust graph at the last month of replicate {runs.graph_replicate} in each arm: "
                 "node colour is the stakeholder type; edge colour (light to dark blue) and width are "
                 "the trust; dashed edges are ties an intervention created.",
    }
    for key, caption in captions.items():
        if key in files:
            doc.add("img", (files[key], caption))

    doc.add("h2", "Files")
    doc.add("ul", [
        "results.parquet: every run and every month (columns arm, replicate, seed, then the run's "
        "time series); provenance in the file's metadata",
        "summary.csv: per arm and outcome, the mean, standard deviation and 95% CI, and the paired "
        "difference from baseline with its CI",
        "provenance.json: versions, seeds, arms and the scenario as run (YAML)",
    ])
    return doc


__all__ = ["build_report", "write_comparison"]
