"""The report a programme designer sends: a reading that accounts for suspension and costs, one HTML file.

The reading tests build outcome tables from synthetic per-run summaries, so each says exactly which
numbers make the text say what; each has a control in which the text must differ.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from stakesim.experiments.analysis import (OUTCOMES, arm_paragraph, outcome_table, readings,
                                           suspension_sentence)

ARMS = ["baseline", "x"]


def _summaries(base: dict, arm: dict, replicates: int = 6) -> pd.DataFrame:
    """Per-run summaries: every outcome 0.5 unless given; a value may be a list (one per replicate)."""
    rows = []
    for name, values in (("baseline", base), ("x", arm)):
        for r in range(replicates):
            row = {o.key: 0.5 for o in OUTCOMES}
            row.update(suspended=False, suspension_step=None, intervention_cost_total=0.0)
            for key, v in values.items():
                row[key] = v[r] if isinstance(v, list) else v
            row.update(arm=name, replicate=r, seed=r)
            rows.append(row)
    return pd.DataFrame(rows)


def _paragraph(summaries: pd.DataFrame) -> str:
    found = readings(outcome_table(summaries, ARMS))
    return arm_paragraph("x", [r for r in found if r.arm == "x"])


FEWER_BLOCKADES = {"blockade_months": [5, 6, 7, 5, 6, 7], "company_delay_costs": [400, 480, 560, 400, 480, 560],
                   "conflict_cost_total": [405, 486, 567] * 2,
                   "protest_months": [20, 21, 22, 20, 21, 22], "intervention_cost_total": 0.2}
BASE_BLOCKADES = {"blockade_months": [13, 14, 15, 13, 14, 15], "company_delay_costs": [1040, 1120, 1200] * 2,
                  "conflict_cost_total": [1053, 1134, 1215] * 2,
                  "protest_months": [30, 31, 32, 30, 31, 32]}


def test_fewer_blockades_in_a_project_suspended_more_often_are_not_called_an_improvement():
    text = _paragraph(_summaries(BASE_BLOCKADES, {**FEWER_BLOCKADES, "suspended": True, "suspension_step": 12}))
    assert "reduced blockade months by" in text
    assert "This is an improvement" not in text
    assert not re.search(r"blockade months by [^)]*; better\)", text)
    assert "Fewer blockade months here are not an improvement" in text
    assert "suspended in every run of x against no run of baseline" in text
    assert "cannot be blockaded" in text  # why: the project stopped
    # the same for protests and for the company's delay costs, which fell for the same reason
    assert "Fewer protest months here are not an improvement" in text
    assert "Lower company delay costs here are not an improvement" in text
    # the cost of conflict counts the governments' lost revenue, not what the company loses
    assert "Lower cost of conflict here is not an improvement" in text
    assert "not what the company loses when its project stops" in text


def test_the_control_without_suspension_is_an_improvement():
    text = _paragraph(_summaries(BASE_BLOCKADES, FEWER_BLOCKADES))
    assert "This is an improvement on baseline." in text
    # (the cost of conflict's definition names suspension; no sentence says a project was suspended)
    assert "suspended" not in text.replace("share of runs suspended", "").replace("blockaded or suspended", "")


def test_a_baseline_suspended_in_every_run_is_said_when_an_arm_has_more_blockades():
    """acute_crisis: the arm kept the project going, so it could be blockaded; not simply a worsening."""
    base = {**FEWER_BLOCKADES, "intervention_cost_total": 0.0, "suspended": True, "suspension_step": 25}
    arm = {**BASE_BLOCKADES, "intervention_cost_total": 0.1, "suspended": [False, True] * 3}
    text = _paragraph(_summaries(base, arm))
    assert "increased blockade months by" in text
    assert "This is a worsening" not in text
    assert "More blockade months here are not simply a worsening" in text
    assert "suspended in every run of baseline against 50% of runs of x" in text
    assert "share of runs suspended (-0.50" in text  # stated, though not beyond noise in 6 runs


def test_the_reading_has_protest_and_cost_sentences():
    text = _paragraph(_summaries(BASE_BLOCKADES, FEWER_BLOCKADES))
    assert "reduced protest months by 10.0 months" in text
    assert ("Its interventions cost 0.20 US$ million per run; the cost of conflict (the company's delay costs "
            "plus the revenue the governments lost while the project was blockaded or suspended) fell by "
            "648.0 US$ million") in text
    assert "3,240 times what the interventions cost" in text
    assert "The company's delay costs alone changed by -640.0 US$ million" in text
    rose = _paragraph(_summaries(FEWER_BLOCKADES | {"intervention_cost_total": 0.0},
                                 BASE_BLOCKADES | {"intervention_cost_total": 0.2}))
    assert "blockaded or suspended) rose by 648.0 US$ million" in rose
    assert "did not pay for themselves in avoided conflict costs" in rose


def test_without_a_cost_of_conflict_the_delay_costs_stand_for_it():
    """Summaries written before the cost of conflict was recorded still get their cost sentence."""
    from stakesim.experiments.analysis import cost_sentence

    found = readings(outcome_table(_summaries(BASE_BLOCKADES, FEWER_BLOCKADES), ARMS))
    mine = [r for r in found if r.arm == "x" and r.outcome.key != "conflict_cost_total"]
    text = cost_sentence("x", mine)
    assert "the company's delay costs (the cost of conflict: blockade months it paid for) fell by 640.0" in text
    assert "cost of conflict (the company's delay costs plus" not in text


def test_the_suspension_sentence_counts_runs_and_months():
    summaries = _summaries({"suspended": True, "suspension_step": 25},
                           {"suspended": [True, False, False, False, False, True],
                            "suspension_step": [25, None, None, None, None, 30]})
    text = suspension_sentence(summaries, ARMS)
    assert "all 6 runs of baseline (month 25)" in text and "2 of 6 runs of x (months 25 to 30)" in text
    assert "not an improvement" in text
    assert suspension_sentence(_summaries({}, {}), ARMS) == ""


def test_intervals_of_a_difference_of_shares_stay_within_minus_one_and_one():
    table = outcome_table(_summaries({"suspended": True}, {"suspended": [False, True, False, False, False, False]}),
                          ARMS)
    row = table[(table["arm"] == "x") & (table["outcome"] == "suspended")].iloc[0]
    assert row["diff_ci_low"] >= -1.0 and row["diff_ci_high"] <= 1.0
    assert "company_delay_costs" in set(table["outcome"])


# --------------------------------------------------------------------------- one HTML file
@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    from stakesim.cli import main

    out = tmp_path_factory.mktemp("report") / "cmp"
    assert main(["compare", "acute_crisis", "--arms", "baseline,learning_space,negotiation_table",
                 "--replicates", "3", "--steps", "36", "--workers", "1", "--out", str(out), "--no-progress"]) == 0
    return out


def test_report_html_is_one_self_contained_file(report_dir):
    import base64

    from stakesim.experiments.figures import FIGURES

    page = (report_dir / "report.html").read_text()
    sources = re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', page)
    assert len(sources) == len(FIGURES)
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    links = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert all(link.startswith("data:") for link in links), [link[:40] for link in links if
                                                             not link.startswith("data:")]
    assert "url(" not in page and "@import" not in page
    # report.md still points at the PNG files written beside it
    markdown = (report_dir / "report.md").read_text()
    for name in FIGURES.values():
        assert f"]({name})" in markdown and (report_dir / name).is_file()


def test_interval_cells_do_not_wrap_and_tables_scroll(report_dir):
    page = (report_dir / "report.html").read_text()
    assert ".numbers td{white-space:nowrap}" in page and ".numbers{overflow-x:auto" in page
    assert page.count('<div class="numbers"><table>') == 2  # outcomes, differences from baseline


def test_the_acute_crisis_reading_names_the_suspensions(report_dir):
    text = (report_dir / "report.md").read_text()
    reading = text.split("## What the numbers say")[1].split("## Outcomes by arm")[0]
    assert "The project was suspended" in reading
    assert "protest months" in reading and "delay costs" in reading and "Its interventions cost" in reading
    # the table keeps the project going where baseline and the learning space are suspended in every run
    assert "no run of negotiation_table" in reading
    table_line = reading.split("- negotiation_table ")[1].split("\n")[0]
    assert table_line.startswith("reduced blockade months") and "reduced share of runs suspended" in table_line


# --------------------------------------------------------------------------- figures
def test_trust_graph_node_colours_are_disjoint_from_the_edge_colours():
    """Node colours (stakeholder type) are far, in RGB, from every colour trust can take on an edge."""
    import networkx as nx
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_rgb
    from matplotlib.patches import FancyArrowPatch

    from stakesim.experiments.figures import NODE_COLOURS, trust_cmap, trust_graph

    edge_scale = np.array(trust_cmap()(np.linspace(0, 1, 256)))[:, :3]
    nodes = np.array([to_rgb(c) for c in NODE_COLOURS.values()])
    distance = np.linalg.norm(nodes[:, None, :] - edge_scale[None, :, :], axis=2)
    assert distance.min() > 0.3, distance.min(axis=1)
    # and the drawn figure uses exactly these: every node face from NODE_COLOURS, every edge from the scale
    g = nx.DiGraph()
    for key, kind in (("co", "company"), ("gov", "local_government"), ("com", "community"), ("ngo", "cso")):
        g.add_node(key, type=kind)
    for (u, v), t in zip([("com", "co"), ("co", "com"), ("com", "gov"), ("ngo", "com")], [0.0, 0.3, 0.7, 1.0]):
        g.add_edge(u, v, trust=t, kind="intervention" if u == "ngo" else "initial")
    fig = trust_graph({"baseline": g}, ["baseline"], replicate=0, seed=0)
    ax = fig.axes[0]
    faces = np.vstack([c.get_facecolors()[:, :3] for c in ax.collections if isinstance(c, PathCollection)])
    assert {tuple(np.round(f, 3)) for f in faces} <= {tuple(np.round(n, 3)) for n in nodes}
    edges = np.array([p.get_edgecolor()[:3] for p in ax.patches if isinstance(p, FancyArrowPatch)])
    assert len(edges) == 4
    assert np.linalg.norm(edges[:, None, :] - edge_scale[None, :, :], axis=2).min(axis=1).max() < 0.01
    assert np.linalg.norm(edges[:, None, :] - nodes[None, :, :], axis=2).min() > 0.3


def test_identical_arms_are_drawn_distinguishably_and_named():
    from stakesim.experiments.figures import identical_to, trust_trajectories

    steps = np.arange(1, 13)
    rows = []
    for arm, shift in (("baseline", 0.0), ("idle", 0.0), ("busy", 0.2)):
        for r in range(3):
            rows.append(pd.DataFrame({"arm": arm, "replicate": r, "step": steps,
                                      "trust_community_company": 0.3 + shift + 0.01 * r,
                                      "trust_community_government": 0.5 - shift}))
    results = pd.concat(rows, ignore_index=True)
    arms = ["baseline", "idle", "busy"]
    assert identical_to(results, arms) == {"idle": "baseline"}
    fig = trust_trajectories(results, arms, [])
    lines = {line.get_label(): line for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")}
    assert "idle (identical to baseline)" in lines and "baseline" in lines
    a, b = lines["baseline"], lines["idle (identical to baseline)"]
    assert (a.get_marker(), a.get_linestyle()) != (b.get_marker(), b.get_linestyle())
    assert a.get_markevery() != b.get_markevery()  # markers staggered: both visible where lines coincide
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "idle (identical to baseline)" in legend
