"""The comparison object of the library API: run_comparison, summary_table, figures, write_report.

A notebook or a browser view runs a comparison in Python and asks it for a table, figures or files;
these tests do the same on the minimal scenario (2 arms x 3 replicates, serially).
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest
from matplotlib.figure import Figure

from stakesim.experiments.analysis import OUTCOMES, SUMMARY_COLUMNS, outcome_table
from stakesim.experiments.arms import Arm, parse_arms
from stakesim.experiments.comparison import Comparison, run_comparison
from stakesim.experiments.document import Document, escape_markdown
from stakesim.experiments.figures import FIGURES
from stakesim.experiments.store import STAGING_PREFIX, strict_json
from stakesim.simulator.interventions import default_spec

try:  # a CommonMark renderer, when one is installed, checks the Markdown as a reader's viewer sees it
    from markdown_it import MarkdownIt
except ImportError:  # pragma: no cover - the plain-text checks below still run
    MarkdownIt = None

ARMS = "baseline,grievance_mechanism"
REPLICATES, SEED = 3, 4
WRITTEN = {"results": "results.parquet", "summary": "summary.csv", "provenance": "provenance.json",
           **FIGURES, "report_md": "report.md", "report_html": "report.html"}


def _no_nan(text: str) -> None:
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in strict JSON"))


@pytest.fixture(scope="module")
def minimal(sim):
    return sim.build(sim.scenario())


@pytest.fixture(scope="module")
def comparison(minimal) -> Comparison:
    return run_comparison(minimal, parse_arms(ARMS), replicates=REPLICATES, base_seed=SEED)


@pytest.fixture(scope="module")
def written(comparison, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "cmp"
    return out, comparison.write_report(out)


# --------------------------------------------------------------------------- what it holds
def test_the_comparison_holds_its_inputs_runs_and_provenance(comparison, minimal):
    assert comparison.scenario is minimal
    assert [arm.name for arm in comparison.arms] == comparison.arm_names == ["baseline", "grievance_mechanism"]
    assert all(isinstance(arm, Arm) for arm in comparison.arms)
    assert (comparison.replicates, comparison.base_seed, comparison.steps) == (REPLICATES, SEED, minimal.months)
    assert comparison.seeds == [SEED, SEED + 1, SEED + 2]
    assert len(comparison.results) == 2 * REPLICATES * minimal.months
    assert list(comparison.results.columns[:3]) == ["arm", "replicate", "seed"]
    assert len(comparison.summaries) == 2 * REPLICATES
    # paired: replicate r has seed SEED + r in every arm
    assert (comparison.summaries["seed"] == SEED + comparison.summaries["replicate"]).all()
    assert set(comparison.graphs) == {"baseline", "grievance_mechanism"}
    prov = comparison.provenance
    assert prov["scenario"] == prov["scenario_source"] == "minimal"
    assert prov["arms"] == comparison.arm_names and prov["seeds"] == comparison.seeds
    assert prov["steps"] == minimal.months and prov["overrides"] == []
    assert "minimal" in repr(comparison) and "replicates=3" in repr(comparison)


def test_steps_source_and_overrides_reach_the_runs_and_provenance(minimal):
    short = run_comparison(minimal, parse_arms("baseline"), replicates=1, steps=6, source="my/file.yaml",
                           overrides=["parameters.trust_loss_rate=0.4"])
    assert short.steps == 6 and short.results["step"].max() == 6
    assert short.provenance["scenario_source"] == "my/file.yaml"
    assert short.provenance["overrides"] == ["parameters.trust_loss_rate=0.4"]


def test_arms_must_be_arm_objects(minimal):
    with pytest.raises(TypeError, match="parse_arms"):
        run_comparison(minimal, ["baseline"], replicates=1)


# --------------------------------------------------------------------------- what it answers
def test_summary_table_has_a_row_per_arm_and_outcome(comparison):
    table = comparison.summary_table()
    assert list(table.columns) == SUMMARY_COLUMNS
    expected = [(arm, o.key) for arm in ("baseline", "grievance_mechanism") for o in OUTCOMES]
    assert list(zip(table["arm"], table["outcome"])) == expected
    assert (table["n"] == REPLICATES).all()
    base, other = table[table["arm"] == "baseline"], table[table["arm"] == "grievance_mechanism"]
    assert base[["diff_mean", "diff_ci_low", "diff_ci_high"]].isna().all().all()
    assert other["diff_mean"].notna().all() and (other["diff_n"] == REPLICATES).all()
    pd.testing.assert_frame_equal(table, outcome_table(comparison.summaries, comparison.arm_names))


def test_figures_are_matplotlib_figures_by_name(comparison):
    figures = comparison.figures()
    assert list(figures) == list(FIGURES)
    for name, fig in figures.items():
        assert isinstance(fig, Figure), name
        assert fig.axes, f"{name} has no axes"


def test_write_report_writes_every_file_and_returns_their_paths(written, comparison):
    out, paths = written
    assert {name: path.name for name, path in paths.items()} == WRITTEN
    assert sorted(p.name for p in out.iterdir()) == sorted(WRITTEN.values())  # no staging folder left
    assert all(path.parent == out and path.stat().st_size > 0 for path in paths.values())
    results = pd.read_parquet(paths["results"])
    pd.testing.assert_frame_equal(results, comparison.results, check_exact=True)
    summary = pd.read_csv(paths["summary"])
    assert list(summary.columns) == SUMMARY_COLUMNS and len(summary) == 2 * len(OUTCOMES)
    prov_text = paths["provenance"].read_text()
    _no_nan(prov_text)
    assert json.loads(prov_text) == json.loads(strict_json(comparison.provenance))
    for name in FIGURES.values():
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["report_html"].read_text().startswith("<!DOCTYPE html>")


def test_write_report_stops_before_renaming_when_interrupted(comparison, tmp_path):
    out = tmp_path / "cmp"
    with pytest.raises(KeyboardInterrupt):
        comparison.write_report(out, interrupted=lambda: True)
    assert list(out.iterdir()) == []


def test_json_outputs_are_strict_nan_becomes_null(comparison, tmp_path):
    assert strict_json({"a": math.nan, "b": [math.inf, 1.5], "c": {"d": -math.inf}}) == \
        '{"a": null, "b": [null, 1.5], "c": {"d": null}}'
    odd = dataclasses.replace(comparison, provenance={**comparison.provenance, "note": math.nan})
    paths = odd.write_report(tmp_path / "cmp")
    _no_nan(paths["provenance"].read_text())
    assert json.loads(paths["provenance"].read_text())["note"] is None
    meta = pq.read_schema(paths["results"]).metadata
    _no_nan(meta[b"stakesim.provenance"].decode())
    assert not any(name.startswith(STAGING_PREFIX) for name in (p.name for p in (tmp_path / "cmp").iterdir()))


# --------------------------------------------------------------------------- escaping
EVIL_NAME = "evil*_[x](http://a)|<b>"
EVIL_ARM = "evil`$x$`_[arm](http://b)|<i>"


@pytest.fixture(scope="module")
def evil_report(minimal, tmp_path_factory):
    scenario = minimal.model_copy(update={
        "name": EVIL_NAME, "description": "# not a heading\n- not a list **not bold** <script>x</script>"})
    arms = [Arm("baseline"), Arm(EVIL_ARM, (default_spec("grievance_mechanism"),))]
    comparison = run_comparison(scenario, arms, replicates=2, steps=12)
    out = tmp_path_factory.mktemp("evil")
    comparison.write_report(out)
    return (out / "report.md").read_text(), (out / "report.html").read_text()


def test_report_md_escapes_scenario_and_arm_names(evil_report):
    md, _ = evil_report
    assert escape_markdown(EVIL_NAME, line_start=False) == r"evil\*\_\[x\]\(http://a)\|\<b>"
    assert r"scenario 'evil\*\_\[x\]\(http://a)\|\<b>'" in md
    assert escape_markdown(EVIL_ARM, line_start=False) in md
    assert EVIL_NAME not in md and EVIL_ARM not in md
    assert "[x](http://a)" not in md and "[arm](http://b)" not in md
    assert not re.search(r"(?<!\\)<", md), "an unescaped < could open a tag"
    assert "\n# not a heading" not in md and "\n- not a list" not in md and r"\*\*not bold\*\*" in md


def test_report_html_escapes_scenario_and_arm_names(evil_report):
    _, page = evil_report
    assert html.escape(EVIL_NAME) in page and html.escape(EVIL_ARM) in page
    assert "<b>" not in page and "<i>" not in page and "<script>" not in page


@pytest.mark.skipif(MarkdownIt is None, reason="no CommonMark renderer installed")
def test_report_md_renders_names_as_plain_text(evil_report):
    """Rendered by a CommonMark viewer, the names read as typed: no link, tag, emphasis or code."""
    md, _ = evil_report
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    assert html.escape(EVIL_NAME, quote=False) in rendered
    assert html.escape(EVIL_ARM, quote=False) in rendered
    for markup in ("<a ", "<strong>", "<code>", "<b>", "<i>", "<script", "<blockquote>", "<s>"):
        assert markup not in rendered, markup
    assert rendered.count("<em>") == rendered.count("<img ") == len(FIGURES)  # the figures' captions only
    # the description stays one paragraph, and every table keeps its columns
    assert "<h1>" in rendered and rendered.count("<h1>") == 1
    assert "<p># not a heading - not a list **not bold** &lt;script&gt;x&lt;/script&gt;</p>" in rendered
    for table in rendered.split("<table>")[1:]:
        head = table.split("</thead>")[0]
        first_row = table.split("<tbody>")[1].split("</tr>")[0]
        assert head.count("<th>") == first_row.count("<td>")


def test_document_renders_the_same_text_in_both_formats():
    doc = Document("a *title* with <tags>")
    doc.add("p", "1. not a list | and `code` and $math$")
    doc.add("table", (["a|b", "c"], [["-1.0 (0.1 to 2.0) *", "x_y"]]))
    md, page = doc.markdown(), doc.html()
    assert "a *title* with &lt;tags&gt;" in page
    assert md.startswith(r"# a \*title\* with \<tags>")
    assert r"1\. not a list \| and \`code\` and \$math\$" in md
    assert r"| a\|b | c |" in md and r"| -1.0 (0.1 to 2.0) \* | x_y |" in md
