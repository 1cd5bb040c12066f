"""Write a comparison to disk: Parquet, CSV, provenance, figures, and a one-page report (Markdown and HTML).

The report's reading is generated from the summary table (``analysis.readings``): it says what the
numbers and their intervals say, and nothing the numbers do not. Every file is first written under
a temporary name in the output folder and then renamed into place, so an interrupted comparison
never leaves a half-written file where a finished one was.
"""

from __future__ import annotations

import html
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from stakesim.experiments import figures
from stakesim.experiments.analysis import (OUTCOME_BY_KEY, OUTCOMES, arm_paragraph, extremes, fmt, identical_arms,
                                  outcome_table, readings)
from stakesim.experiments.arms import BASELINE, Arm
from stakesim.experiments.runner import Comparison
from stakesim.scenarios.loader import dump_scenario
from stakesim.simulator.schema import Scenario
from stakesim.version import __version__

METADATA_KEYS = ("stakesim_version", "scenario", "arms", "replicates", "base_seed", "steps")


def provenance(comparison: Comparison, scenario: Scenario, arms: list[Arm], source: str = "",
               overrides: list[str] | None = None) -> dict:
    """What produced these results, enough to run them again."""
    import mesa
    import numpy
    import pandas

    return {
        "stakesim_version": __version__,
        "scenario": scenario.name,
        "scenario_source": source or scenario.name,
        "overrides": list(overrides or []),
        "arms": [arm.name for arm in arms],
        "arm_interventions": {arm.name: [spec.model_dump(mode="json", exclude_none=True) for spec in arm.added]
                              for arm in arms},
        "replicates": comparison.replicates,
        "base_seed": comparison.base_seed,
        "seeds": [comparison.base_seed + r for r in range(comparison.replicates)],
        "paired": "replicate r uses seed base_seed + r in every arm (common random numbers)",
        "steps": comparison.steps,
        "graph_snapshot_replicate": comparison.graph_replicate,
        "versions": {"python": platform.python_version(), "mesa": mesa.__version__,
                     "numpy": numpy.__version__, "pandas": pandas.__version__},
        "scenario_yaml": dump_scenario(scenario.model_copy(update={"steps": comparison.steps})),
    }


# --------------------------------------------------------------------------- files
def _parquet(comparison: Comparison, prov: dict, path: Path) -> None:
    table = pa.Table.from_pandas(comparison.results, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    for key in METADATA_KEYS:
        value = prov[key]
        meta[f"stakesim.{key}".encode()] = (json.dumps(value) if not isinstance(value, str) else value).encode()
    meta[b"stakesim.provenance"] = json.dumps(prov).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def write_comparison(comparison: Comparison, scenario: Scenario, arms: list[Arm], out_dir: str | Path,
                     prov: dict | None = None, interrupted: Callable[[], bool] | None = None) -> dict[str, Path]:
    """Write every output file into ``out_dir`` and return their final paths by name.

    Files are staged in a temporary folder inside ``out_dir`` and renamed into place only when all
    are ready. ``interrupted`` (for example a Ctrl-C flag the CLI sets) is checked before the
    renames: a stop requested while staging leaves the folder exactly as it was.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    prov = prov or provenance(comparison, scenario, arms)
    table = outcome_table(comparison.summaries, comparison.arms)
    staging = Path(tempfile.mkdtemp(prefix=".stakesim-staging-", dir=out))
    try:
        staged = _write_all(comparison, scenario, arms, table, prov, staging)
        if interrupted is not None and interrupted():
            raise KeyboardInterrupt
        final = {}
        for name, path in staged.items():  # reports last, so they never point at missing figures
            target = out / path.name
            os.replace(path, target)
            final[name] = target
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_all(comparison, scenario, arms, table, prov, folder: Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    paths["results"] = folder / "results.parquet"
    _parquet(comparison, prov, paths["results"])
    paths["summary"] = folder / "summary.csv"
    table.to_csv(paths["summary"], index=False)
    paths["provenance"] = folder / "provenance.json"
    paths["provenance"].write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    phases = [p.name for p in scenario.project.phases]
    paths["trust"] = figures.trust_trajectories(comparison.results, comparison.arms,
                                                figures.planned_phase_starts(scenario.project.phases),
                                                folder / figures.FIGURES["trust"])
    paths["blockades"] = figures.blockade_months(comparison.summaries, comparison.arms,
                                                 folder / figures.FIGURES["blockades"])
    paths["licence"] = figures.social_licence_by_phase(comparison.results, comparison.arms, phases,
                                                       folder / figures.FIGURES["licence"])
    if comparison.graphs:
        paths["graph"] = figures.trust_graph(comparison.graphs, comparison.arms, comparison.graph_replicate,
                                             comparison.base_seed + comparison.graph_replicate,
                                             folder / figures.FIGURES["graph"])
    doc = build_report(comparison, scenario, arms, table, {k: p.name for k, p in paths.items()})
    paths["report_md"] = folder / "report.md"
    paths["report_md"].write_text(doc.markdown(), encoding="utf-8")
    paths["report_html"] = folder / "report.html"
    paths["report_html"].write_text(doc.html(), encoding="utf-8")
    return paths


# --------------------------------------------------------------------------- the report, as blocks
@dataclass
class Block:
    kind: str          # "h1", "h2", "p", "ul", "table", "img"
    content: object    # text, list of items, (header, rows), or (file, caption)


class Document:
    """A tiny document model rendered to both Markdown and self-contained HTML (no internet needed)."""

    def __init__(self, title: str):
        self.title = title
        self.blocks: list[Block] = [Block("h1", title)]

    def add(self, kind: str, content) -> None:
        self.blocks.append(Block(kind, content))

    def markdown(self) -> str:
        parts = []
        for b in self.blocks:
            if b.kind == "h1":
                parts.append(f"# {b.content}")
            elif b.kind == "h2":
                parts.append(f"## {b.content}")
            elif b.kind == "p":
                parts.append(str(b.content))
            elif b.kind == "ul":
                parts.append("\n".join(f"- {item}" for item in b.content))
            elif b.kind == "table":
                header, rows = b.content
                lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(row) + " |" for row in rows]
                parts.append("\n".join(lines))
            elif b.kind == "img":
                name, caption = b.content
                parts.append(f"![{caption}]({name})\n\n*{caption}*")
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        e = html.escape
        body = []
        for b in self.blocks:
            if b.kind in ("h1", "h2"):
                body.append(f"<{b.kind}>{e(str(b.content))}</{b.kind}>")
            elif b.kind == "p":
                body.append(f"<p>{e(str(b.content))}</p>")
            elif b.kind == "ul":
                body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in b.content) + "</ul>")
            elif b.kind == "table":
                header, rows = b.content
                head = "".join(f"<th>{e(h)}</th>" for h in header)
                cells = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            elif b.kind == "img":
                name, caption = b.content
                body.append(f'<figure><img src="{e(name)}" alt="{e(caption)}"><figcaption>{e(caption)}'
                            f"</figcaption></figure>")
        return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{e(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
                + "\n".join(body) + "\n</body>\n</html>\n")


_CSS = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
        "line-height:1.45;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:0.9em}"
        "th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:right}"
        "th:first-child,td:first-child{text-align:left}thead{background:#f3f3f3}"
        "figure{margin:1.5em 0}img{max-width:100%;height:auto}figcaption{color:#555;font-size:0.9em}")


def _cell(mean: float, low: float, high: float, decimals: int) -> str:
    interval = "n/a" if low != low else f"{fmt(low, decimals)} to {fmt(high, decimals)}"
    return f"{fmt(mean, decimals)} ({interval})"


def _extremes_sentence(table) -> str:
    """Which arm had the lowest mean blockade months and the highest mean final social licence."""
    parts = []
    for key, lowest in (("blockade_months", True), ("final_social_licence", False)):
        arms, value = extremes(table, key, lowest)
        if arms:
            o = OUTCOME_BY_KEY[key]
            which = "lowest" if lowest else "highest"
            parts.append(f"{o.label} {'were' if o.label.endswith('s') else 'was'} {which} on average in "
                         f"{' and '.join(arms)} ({o.fmt(value)}{o.short_unit})")
    return ("Across arms, " + "; ".join(parts) + ". This ranks means only; the intervals in the "
            "tables say whether the gaps are larger than noise.")


def build_report(comparison: Comparison, scenario: Scenario, arms: list[Arm], table,
                 files: dict[str, str]) -> Document:
    n, first = comparison.replicates, comparison.base_seed
    seeds = f"{first}" if n == 1 else f"{first} to {first + n - 1}"
    doc = Document(f"Comparison of interventions: scenario '{scenario.name}'")
    description = " ".join(scenario.description.split())
    if description:
        doc.add("p", description)
    doc.add("p", f"Each arm was run {n} times for {comparison.steps} months, with seeds {seeds}. "
                 f"Every arm uses the same seeds (replicate r has the same seed in every arm), so "
                 f"differences from baseline are paired: they are taken replicate by replicate, which "
                 f"removes the luck the arms share. Intervals are 95% confidence intervals (Student t) "
                 f"of the mean over replicates. stakesim {__version__}.")
    doc.add("table", (["arm", "what it does"], [[arm.name, arm.describe()] for arm in arms]))

    doc.add("h2", "What the numbers say")
    found = readings(table)
    others = [a for a in comparison.arms if a != BASELINE]
    if found:
        doc.add("ul", [arm_paragraph(arm, [r for r in found if r.arm == arm]) for arm in others])
    elif BASELINE not in comparison.arms:
        doc.add("p", "There is no baseline arm, so no differences were computed; compare the arms' "
                     "intervals in the table below (overlapping intervals do not show a difference).")
    else:
        doc.add("p", "Only the baseline arm was run, so there is nothing to compare it with.")
    if len(comparison.arms) > 1:
        doc.add("p", _extremes_sentence(table))
    for a, b in identical_arms(comparison.results, comparison.arms):
        doc.add("p", f"Arms {a} and {b} gave identical results, month by month, in every replicate: "
                     f"what distinguishes them changed nothing in this scenario (for example, an "
                     f"intervention that never met).")
    doc.add("p", "These statements are generated from the tables below. An interval that includes zero "
                 "means the direction of a difference cannot be read from this many replicates (more "
                 "--replicates narrow the intervals). They are results of the model for this scenario, "
                 "not forecasts.")

    arm_names = comparison.arms
    rows = []
    for o in OUTCOMES:
        row = [f"{o.label} ({o.unit})"]
        for arm in arm_names:
            r = table[(table["arm"] == arm) & (table["outcome"] == o.key)].iloc[0]
            row.append(_cell(r["mean"], r["ci_low"], r["ci_high"], o.decimals))
        rows.append(row)
    doc.add("h2", "Outcomes by arm: mean (95% CI)")
    doc.add("table", (["outcome", *arm_names], rows))

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
        doc.add("table", (["outcome", *others], rows))
        doc.add("p", "* the interval excludes zero. Lower is better for blockades, protests, delay, "
                     "suspension and grievance; higher is better for trust, social licence and bridging "
                     "ties; agreements and cost are neither good nor bad in themselves.")

    doc.add("h2", "Figures")
    captions = {
        "trust": "Communities' mean trust in the company and in the local government, month by month; lines "
                 "are means over replicates and bands their 95% confidence intervals.",
        "blockades": "Months with a blockade in each run (dots), their spread (boxes) and mean (diamonds).",
        "licence": "Mean social licence score in each life-cycle phase, per arm, with 95% confidence "
                   "intervals; dashed lines separate withdrawal, acceptance, approval and identification.",
        "graph": f"Trust graph at the last month of replicate {comparison.graph_replicate} in each arm: "
                 "node colour is the stakeholder type, edge colour and width the trust, dashed edges are "
                 "ties an intervention created.",
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


__all__ = ["write_comparison", "provenance", "build_report"]
