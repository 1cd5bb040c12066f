"""The comparison's figures, built as ``matplotlib.figure.Figure`` objects and saved as PNG files.

Each figure has one function that BUILDS it from the comparison's tables and returns the Figure
(for a notebook or a browser view to show), and :func:`save` writes any of them to a file; a
newcomer should be able to read each without the code. Figures are plain ``Figure`` objects (no
pyplot, no global backend switch): they render with Agg wherever they run, including worker
processes and servers with no display, and are freed like any object when no longer referenced.
Every arm keeps one colour across all figures; baseline is always grey.

This module imports matplotlib and seaborn, so only the comparison path loads it (when figures are
asked for), never a single run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import seaborn as sns
import matplotlib
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from stakesim.experiments.analysis import identical_arms, licence_by_phase, trajectory_bands
from stakesim.experiments.arms import BASELINE
from stakesim.simulator import licence
from stakesim.simulator.schema import ProjectSpec, planned_phase_starts

DPI = 120
# The trust graph: edge colour is trust on a single-hue scale (light to dark blue; the palest blues
# are left out so a tie of no trust still shows on white), and node colour is the stakeholder type
# in categorical colours with no blue (vermillion, reddish purple, mustard, bluish green),
# so no node can be read as a trust level.
TRUST_CMAP = "Blues"
TRUST_CMAP_RANGE = (0.3, 1.0)
NODE_COLOURS = {"company": "#d55e00", "local_government": "#cc79a7", "community": "#e6ab02", "cso": "#009e73"}
NODE_LABELS = {"company": "company", "local_government": "local government", "community": "community",
               "cso": "civil-society organisation"}
TYPE_ORDER = ("company", "local_government", "community", "cso")


def arm_colours(arms: list[str]) -> dict[str, str]:
    palette = iter(sns.color_palette("colorblind", max(len(arms), 1)).as_hex())
    colours = {}
    for arm in arms:
        colours[arm] = "#7f7f7f" if arm == BASELINE else next(palette)
    return colours


LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def arm_styles(arms: list[str]) -> dict[str, object]:
    """Line styles per arm, so arms whose lines coincide stay visible on top of each other."""
    return {arm: LINE_STYLES[i % len(LINE_STYLES)] for i, arm in enumerate(arms)}


def trust_cmap():
    """The colormap of trust on the graph's edges (see :data:`TRUST_CMAP_RANGE`)."""
    lo, hi = TRUST_CMAP_RANGE
    return ListedColormap(matplotlib.colormaps[TRUST_CMAP](np.linspace(lo, hi, 256)), name="trust")


def identical_to(results: pd.DataFrame, arms: list[str]) -> dict[str, str]:
    """Each arm whose runs are identical, month by month, to an earlier arm's: that earlier arm.

    Identical arms draw identical lines and bars; figures name them ("identical to baseline") so a
    reader does not look for a line that lies under another.
    """
    same: dict[str, str] = {}
    for a, b in identical_arms(results, arms):
        if b not in same:
            same[b] = same.get(a, a)
    return same


def _named(arm: str, same: dict[str, str], sep: str = " ") -> str:
    label = arm_label(arm).replace("\n", " ") if sep == " " else arm_label(arm)
    if arm in same:
        label += f"{sep}(identical to {arm_label(same[arm]).replace(chr(10), ' ')})"
    return label


def arm_label(arm: str) -> str:
    """Arm names on axes: words, one intervention per line (a ``$`` is text, not mathtext)."""
    return "\n+ ".join(part.replace("_", " ").replace("$", r"\$") for part in arm.split("+"))


def save(fig: Figure, path: str | Path) -> Path:
    """Write a figure as PNG (white background, tight box) and return the path."""
    path = Path(path)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", facecolor="white")
    return path


# --------------------------------------------------------------------------- trust trajectories
TRUST_PANELS = (("trust_community_company", "Communities' trust in the company"),
                ("trust_community_government", "Communities' trust in the local government"))


def trust_trajectories(results: pd.DataFrame, arms: list[str], phase_starts: list[tuple[str, int]],
                       same: dict[str, str] | None = None) -> Figure:
    """Communities' mean trust in the company and the local government by month, per arm, with CIs.

    Each arm has its own colour, line style and marker, with markers staggered between arms, so
    two arms whose lines coincide both stay visible; an arm identical to an earlier one (``same``,
    computed when not given) says so in the legend.
    """
    same = identical_to(results, arms) if same is None else same
    colours = arm_colours(arms)
    styles = arm_styles(arms)
    months = int(results["step"].max())
    replicates = int(results["replicate"].nunique())
    fig = Figure(figsize=(13, 4.8))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (column, title) in zip(axes, TRUST_PANELS):
        bands = trajectory_bands(results, column)
        every = max(months // 10, len(arms))  # markers of different arms fall on different months
        for i, arm in enumerate(arms):
            b = bands[bands["arm"] == arm]
            if arm not in same:  # an identical arm's band is the same band
                ax.fill_between(b["step"], b["low"], b["high"], color=colours[arm], alpha=0.2, linewidth=0)
            ax.plot(b["step"], b["mean"], color=colours[arm], linestyle=styles[arm],
                    linewidth=1.4 if arm in same else 2.0, marker=MARKERS[i % len(MARKERS)], markersize=6,
                    markevery=(int(i * every / max(len(arms), 1)), every), zorder=3 + (arm in same),
                    label=_named(arm, same))
        for name, start in phase_starts:
            if 1 < start <= months:
                ax.axvline(start, color="0.6", linestyle=":", linewidth=1)
            if start <= months:
                ax.text(max(start, 1) + months * 0.005, 0.985, name, rotation=90, va="top", ha="left",
                        fontsize=8, color="0.4", transform=ax.get_xaxis_transform())
        ax.set_title(title)
        ax.set_xlabel("month of the simulation")
        ax.set_xlim(1, months)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean trust (0 = none, 1 = full)")
    axes[0].set_ylim(0, 1)
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Patch(color="0.5", alpha=0.2))
    labels.append(f"95% CI of the mean ({replicates} replicates)")
    handles.append(Line2D([], [], color="0.6", linestyle=":"))
    labels.append("planned phase start (before delays)")
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), 3), frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=3)
    fig.suptitle("Trust over the project's life cycle, by arm (mean over replicates)", fontsize=13)
    return fig


# --------------------------------------------------------------------------- blockade months
def blockade_months(summaries: pd.DataFrame, arms: list[str], same: dict[str, str] | None = None) -> Figure:
    """Boxes for the spread, one dot per run (deterministic jitter: replicates side by side), diamonds for means.

    ``same``: arms identical to an earlier arm (:func:`identical_to`), named so under their box.
    """
    same = same or {}
    colours = arm_colours(arms)
    values = [summaries.loc[summaries["arm"] == arm].sort_values("replicate")["blockade_months"].to_numpy(float)
              for arm in arms]
    replicates = max(len(v) for v in values)
    fig = Figure(figsize=(max(6.0, 1.9 * len(arms) + 1.5), 5))
    ax = fig.subplots()
    boxes = ax.boxplot(values, positions=range(len(arms)), widths=0.55, patch_artist=True, showfliers=False,
                       medianprops={"color": "0.15"})
    for box, arm in zip(boxes["boxes"], arms):
        box.set_facecolor(colours[arm])
        box.set_alpha(0.45)
    for i, (arm, v) in enumerate(zip(arms, values)):
        x = i + (np.linspace(-0.18, 0.18, len(v)) if len(v) > 1 else np.zeros(len(v)))
        ax.scatter(x, v, s=26, color=colours[arm], edgecolor="0.2", linewidth=0.5, zorder=4)
    ax.scatter(range(len(arms)), [v.mean() for v in values], marker="D", s=45, color="black", zorder=5,
               label="mean")
    ax.legend(loc="upper right", frameon=False)
    ax.set_xticks(range(len(arms)), [_named(a, same, "\n") for a in arms])
    ax.set_xlabel("arm")
    ax.set_ylabel("months with a blockade (per run)")
    ax.set_ylim(bottom=0, top=max(1.0, max(v.max() for v in values) * 1.08))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"Blockade months per run, by arm ({replicates} replicates; one dot per run)")
    return fig


# --------------------------------------------------------------------------- social licence by phase
def social_licence_by_phase(results: pd.DataFrame, arms: list[str], phases: list[str],
                            same: dict[str, str] | None = None) -> Figure:
    """Mean social licence per life-cycle phase and arm, with CIs and the licence levels.

    ``same``: arms identical to an earlier arm (:func:`identical_to`), named so in the legend.
    """
    same = same or {}
    colours = arm_colours(arms)
    replicates = int(results["replicate"].nunique())
    table = licence_by_phase(results, phases)
    present = [p for p in phases if p in set(table["phase"])]
    fig = Figure(figsize=(max(8.0, 2.2 * len(present) + 2), 5))
    ax = fig.subplots()
    width = 0.8 / max(len(arms), 1)
    for i, arm in enumerate(arms):
        rows = table[table["arm"] == arm].set_index("phase").reindex(present)
        x = np.arange(len(present)) - 0.4 + width * (i + 0.5)
        low = (rows["mean"] - rows["low"]).fillna(0).clip(lower=0).to_numpy(float)
        high = (rows["high"] - rows["mean"]).fillna(0).clip(lower=0).to_numpy(float)
        ax.bar(x, rows["mean"].fillna(0).to_numpy(float), width=width * 0.92, color=colours[arm],
               label=_named(arm, same), yerr=np.vstack([low, high]), capsize=3,
               error_kw={"elinewidth": 1, "ecolor": "0.2"})
        for xi, (mean, n) in zip(x, zip(rows["mean"], rows["n"])):
            if mean != mean:  # no run of this arm reached the phase
                ax.text(xi, 0.02, "not reached", rotation=90, ha="center", va="bottom", fontsize=8, color="0.3")
            elif n < replicates:
                ax.text(xi, mean + 0.03, f"n={int(n)}", ha="center", va="bottom", fontsize=7, color="0.3")
    for boundary in licence.BOUNDARIES:
        ax.axhline(boundary, color="0.5", linestyle="--", linewidth=0.8)
    edges = (0.0, *licence.BOUNDARIES, 1.0)
    for name, lo, hi in zip(licence.LEVELS, edges[:-1], edges[1:]):
        ax.text(1.01, (lo + hi) / 2, name, transform=ax.get_yaxis_transform(), va="center", fontsize=8,
                color="0.35")
    ax.set_xticks(np.arange(len(present)), present)
    ax.set_xlabel("life-cycle phase (as reached in each run)")
    ax.set_ylabel("mean social licence score (0-1)")
    ax.set_ylim(0, 1)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title="arm (bars: mean; whiskers: 95% CI)", loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=min(len(arms), 4), frameon=False)
    ax.set_title("Social licence by phase and arm (dashed lines: level boundaries; n: runs that reached "
                 "the phase, when not all)")
    return fig


# --------------------------------------------------------------------------- trust graph snapshot
def _layout(graphs: dict[str, nx.DiGraph]) -> dict[str, np.ndarray]:
    """One fixed layout for every panel, stakeholders of a type side by side on a circle."""
    nodes: dict[str, str] = {}
    for g in graphs.values():
        for node, data in g.nodes(data=True):
            nodes.setdefault(node, data.get("type", "cso"))
    rank = {t: i for i, t in enumerate(TYPE_ORDER)}
    ordered = sorted(nodes, key=lambda n: (rank.get(nodes[n], len(rank)), list(nodes).index(n)))
    return nx.circular_layout(ordered)


def trust_graph(graphs: dict[str, nx.DiGraph], arms: list[str], replicate: int, seed: int,
                same: dict[str, str] | None = None) -> Figure:
    """The relationship graph at the last month of one replicate, one panel per arm.

    Edges are coloured by trust on :func:`trust_cmap` (blues), nodes by stakeholder type in
    :data:`NODE_COLOURS` (no blue), so the two never share a colour.
    """
    same = same or {}
    panels = [a for a in arms if a in graphs]
    cols = min(len(panels), 2)
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(6.6 * cols + 1.2, 6.2 * rows + 1.4))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    fig.subplots_adjust(left=0.02, right=0.86, top=1 - 0.9 / fig.get_figheight(),
                        bottom=0.9 / fig.get_figheight(), wspace=0.08, hspace=0.18)
    pos = _layout({a: graphs[a] for a in panels})
    label_pos = {n: p * 1.24 for n, p in pos.items()}
    norm = Normalize(0, 1)
    cmap = trust_cmap()
    node_size = 520
    for ax, arm in zip(axes, panels):
        g = graphs[arm]
        for dashed in (False, True):
            edges = [(u, v) for u, v, d in g.edges(data=True) if (d.get("kind") == "intervention") == dashed]
            if not edges:
                continue
            trusts = [g[u][v]["trust"] for u, v in edges]
            nx.draw_networkx_edges(g, pos, ax=ax, edgelist=edges, edge_color=[cmap(norm(t)) for t in trusts],
                                   width=[0.5 + 2.5 * t for t in trusts], style="dashed" if dashed else "solid",
                                   arrows=True, arrowsize=9, arrowstyle="-|>", node_size=node_size,
                                   connectionstyle="arc3,rad=0.12")
        types = [g.nodes[n].get("type", "cso") for n in g.nodes]
        nx.draw_networkx_nodes(g, pos, ax=ax, node_color=[NODE_COLOURS.get(t, "0.5") for t in types],
                               node_size=node_size, edgecolors="white", linewidths=1.5)
        nx.draw_networkx_labels(g, label_pos, ax=ax, labels={n: n.replace("_", " ") for n in g.nodes},
                                font_size=9, font_color="0.15")
        new = sum(1 for _, _, d in g.edges(data=True) if d.get("kind") == "intervention")
        ax.set_title(f"{_named(arm, same)}\n"
                     f"{g.number_of_edges()} ties, {new} created by interventions", fontsize=11)
        ax.set_xlim(-1.55, 1.55)
        ax.set_ylim(-1.4, 1.4)
        ax.set_aspect("equal")
        ax.set_axis_off()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    handles = [Patch(color=c, label=NODE_LABELS[t]) for t, c in NODE_COLOURS.items()]
    handles += [Line2D([], [], color="0.3", linestyle="-", label="tie that existed or formed by itself"),
                Line2D([], [], color="0.3", linestyle="--", label="tie created by an intervention")]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.44, 0.0))
    cax = fig.add_axes((0.89, 0.3, 0.018, 0.4))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax)
    bar.set_label("trust of the tie's source in its target (0-1);\nline width also shows trust")
    fig.suptitle(f"Trust graph at the last month: replicate {replicate} (seed {seed}) of each arm; "
                 "arrow i -> j is i's trust in j", fontsize=13)
    return fig


# --------------------------------------------------------------------------- a comparison's figures
FIGURES = {
    "trust": "trust_trajectories.png",
    "blockades": "blockade_months.png",
    "licence": "social_licence_by_phase.png",
    "graph": "trust_graph_end.png",
}
"""The figures of a comparison, by name, and the file each is saved as."""


def _phase_starts(phases) -> list[tuple[str, int]]:
    """(phase, first month) if nothing delayed the project: the calendar a reader expects."""
    return list(planned_phase_starts(ProjectSpec.model_construct(phases=list(phases))).items())


def comparison_figures(runs, phases) -> dict[str, Callable[[], Figure]]:
    """How to build each figure of a comparison, by name (as in :data:`FIGURES`), in report order.

    ``runs`` is the comparison's ``runner.Runs`` (tables, arm names, graphs), ``phases`` the
    scenario's ``project.phases``. Builders, not figures: a caller that saves them can build,
    save and drop one at a time. There is no ``graph`` entry when no graph was kept.
    """
    arms = runs.arm_names
    found: list[dict[str, str]] = []

    def same() -> dict[str, str]:  # computed once, when the first figure is built
        if not found:
            found.append(identical_to(runs.results, arms))
        return found[0]

    builders: dict[str, Callable[[], Figure]] = {
        "trust": lambda: trust_trajectories(runs.results, arms, _phase_starts(phases), same()),
        "blockades": lambda: blockade_months(runs.summaries, arms, same()),
        "licence": lambda: social_licence_by_phase(runs.results, arms, [p.name for p in phases], same()),
    }
    if runs.graphs:
        builders["graph"] = lambda: trust_graph(runs.graphs, arms, runs.graph_replicate,
                                                runs.base_seed + runs.graph_replicate, same())
    return builders
