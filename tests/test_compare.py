"""`stakesim compare`: end to end on a few replicates, pairing, worker independence, bad input.

The end-to-end comparison runs once per worker count (module fixtures) and every test reads its
files: each check names the file and the property a user relies on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from matplotlib import image as mpimg

from stakesim.experiments import figures as figures_module
from stakesim.experiments.analysis import OUTCOME_BY_KEY, OUTCOMES, SUMMARY_COLUMNS, fmt, identical_arms, \
    outcome_table, readings, t_interval
from stakesim.experiments.arms import Arm, ArmError, parse_arms
from stakesim.experiments.comparison import run_comparison
from stakesim.experiments.figures import FIGURES
from stakesim.experiments.runner import process_pool
from stakesim.scenarios.loader import load_scenario, validate
from stakesim.cli import main
from stakesim.simulator.interventions import KINDS, default_spec
from stakesim.simulator.metrics import TIMESERIES_COLUMNS

ARMS = ["baseline", "learning_space", "negotiation_table"]
REPLICATES, STEPS, SEED = 3, 60, 5
OUTPUTS = ["results.parquet", "summary.csv", "provenance.json", "report.md", "report.html", *FIGURES.values()]
# What the sweep runner keeps beside the report: the streamed runs, the manifest, the scenario as run.
RUN_STORE = ["experiment.json", "runs", "steps", "communities", "interventions", "events", "scenario.yaml"]


def compare(out: Path, workers: int) -> int:
    return main(["compare", "default", "--arms", ",".join(ARMS), "--replicates", str(REPLICATES),
                 "--steps", str(STEPS), "--seed", str(SEED), "--workers", str(workers),
                 "--out", str(out), "--no-progress"])


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "two"
    assert compare(out, workers=2) == 0
    return out


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "one"
    assert compare(out, workers=1) == 0
    return out


# --------------------------------------------------------------------------- the files it writes
def test_writes_every_file_and_nothing_temporary(two_workers):
    names = sorted(p.name for p in two_workers.iterdir())
    assert names == sorted(OUTPUTS + RUN_STORE)
    for folder in ("runs", "steps", "communities", "interventions", "events"):
        assert all(p.name.startswith("part-") and p.suffix == ".parquet" for p in (two_workers / folder).iterdir())


def test_results_parquet_has_every_run_and_step(two_workers):
    results = pd.read_parquet(two_workers / "results.parquet")
    assert len(results) == len(ARMS) * REPLICATES * STEPS
    assert list(results.columns) == ["arm", "replicate", "seed", *TIMESERIES_COLUMNS]
    runs = results.groupby(["arm", "replicate"])
    assert runs.ngroups == len(ARMS) * REPLICATES
    assert (runs["step"].apply(lambda s: sorted(s) == list(range(1, STEPS + 1)))).all()
    # common random numbers: replicate r has seed SEED + r in every arm
    seeds = results.drop_duplicates(["arm", "replicate"])
    assert (seeds["seed"] == SEED + seeds["replicate"]).all()
    assert sorted(results["arm"].unique()) == sorted(ARMS)


def test_results_parquet_carries_provenance_metadata(two_workers):
    meta = pq.read_schema(two_workers / "results.parquet").metadata
    assert meta[b"stakesim.scenario"] == b"default"
    assert json.loads(meta[b"stakesim.arms"]) == ARMS
    assert json.loads(meta[b"stakesim.replicates"]) == REPLICATES
    assert json.loads(meta[b"stakesim.steps"]) == STEPS
    assert meta[b"stakesim.stakesim_version"].decode()
    full = json.loads(meta[b"stakesim.provenance"])
    assert full["seeds"] == [SEED + r for r in range(REPLICATES)]


def test_provenance_json_reproduces_the_scenario(two_workers):
    prov = json.loads((two_workers / "provenance.json").read_text())
    assert prov["scenario"] == "default" and prov["arms"] == ARMS and prov["replicates"] == REPLICATES
    assert prov["arm_interventions"]["baseline"] == []
    assert [iv["type"] for iv in prov["arm_interventions"]["learning_space"]] == ["learning_space"]
    as_run = load_scenario("default").model_copy(update={"steps": STEPS})
    assert validate(yaml.safe_load(prov["scenario_yaml"])) == as_run


def test_summary_csv_has_means_intervals_and_paired_differences(two_workers):
    summary = pd.read_csv(two_workers / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == len(ARMS) * len(OUTCOMES)
    for arm in ARMS:
        assert sorted(summary.loc[summary["arm"] == arm, "outcome"]) == sorted(o.key for o in OUTCOMES)
    assert (summary["n"] == REPLICATES).all()
    assert (summary["ci_low"] <= summary["mean"] + 1e-12).all()
    assert (summary["mean"] <= summary["ci_high"] + 1e-12).all()
    base = summary[summary["arm"] == "baseline"]
    others = summary[summary["arm"] != "baseline"]
    assert base[["diff_mean", "diff_ci_low", "diff_ci_high"]].isna().all().all()
    assert others[["diff_mean", "diff_ci_low", "diff_ci_high"]].notna().all().all()
    assert (others["diff_ci_low"] <= others["diff_mean"] + 1e-12).all()
    assert (others["diff_mean"] <= others["diff_ci_high"] + 1e-12).all()


def test_summary_csv_agrees_with_the_parquet_runs(two_workers):
    """The summary is computed from the same runs: recompute two outcomes from the time series."""
    results = pd.read_parquet(two_workers / "results.parquet")
    summary = pd.read_csv(two_workers / "summary.csv").set_index(["arm", "outcome"])
    per_run = results.groupby(["arm", "replicate"]).agg(
        blockade_months=("blockades", lambda b: int((b > 0).sum())),
        final_trust=("trust_community_company", "last"))
    for arm in ARMS:
        mine = per_run.loc[arm]
        assert summary.loc[(arm, "blockade_months"), "mean"] == pytest.approx(mine["blockade_months"].mean())
        assert summary.loc[(arm, "final_trust_community_company"), "mean"] == pytest.approx(
            mine["final_trust"].mean())
        if arm != "baseline":
            paired = mine["final_trust"] - per_run.loc["baseline"]["final_trust"]
            assert summary.loc[(arm, "final_trust_community_company"), "diff_mean"] == pytest.approx(paired.mean())


def test_figures_are_real_images(two_workers):
    for name in FIGURES.values():
        path = two_workers / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        pixels = mpimg.imread(path)
        height, width = pixels.shape[:2]
        assert height >= 300 and width >= 500, f"{name} is only {width}x{height}"
        assert pixels[..., :3].std() > 0.05, f"{name} is (nearly) blank"


def test_report_md_names_every_arm_and_shows_summary_numbers(two_workers):
    text = (two_workers / "report.md").read_text()
    summary = pd.read_csv(two_workers / "summary.csv")
    for arm in ARMS:
        assert arm in text
    for row in summary.itertuples(index=False):
        decimals = OUTCOME_BY_KEY[row.outcome].decimals
        for column in ("mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"):
            value = getattr(row, column)
            if not pd.isna(value):
                assert fmt(value, decimals) in text, f"{row.arm} {row.outcome} {column}={value}"
    for name in FIGURES.values():
        assert f"]({name})" in text
    assert "What the numbers say" in text
    assert re.search(r"(reduced|increased|left) blockade months", text)


def test_report_html_is_self_contained_and_embeds_the_figures(two_workers):
    page = (two_workers / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == len(FIGURES)  # every figure, embedded: the page is one file to send
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page and "https://" not in page
    for arm in ARMS:
        assert arm in page


# --------------------------------------------------------------------------- determinism and pairing
def test_results_do_not_depend_on_the_number_of_workers(one_worker, two_workers):
    a = pd.read_parquet(one_worker / "results.parquet")
    b = pd.read_parquet(two_workers / "results.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (one_worker / "summary.csv").read_bytes() == (two_workers / "summary.csv").read_bytes()


@pytest.fixture(scope="module")
def default_60():
    return load_scenario("default").model_copy(update={"steps": STEPS})


def _runs(scenario, arms, replicates=REPLICATES, executor=None):
    return run_comparison(scenario, arms, replicates, base_seed=SEED, executor=executor, progress=False)


def test_an_intervention_that_never_meets_leaves_results_exactly_as_baseline(default_60):
    """Operation starts at month 85 at the earliest, so a table starting then never sits in 60 months."""
    idle = Arm("idle_table", (default_spec("negotiation_table", start="operation", reactive=False),))
    busy = Arm("busy_table", (default_spec("negotiation_table", start=1, reactive=False),))
    comparison = _runs(default_60, [Arm("baseline"), idle, busy])
    frames = {arm: comparison.results[comparison.results["arm"] == arm].drop(columns="arm").reset_index(drop=True)
              for arm in ("baseline", "idle_table", "busy_table")}
    pd.testing.assert_frame_equal(frames["idle_table"], frames["baseline"], check_exact=True)
    # the control: the same table meeting from month 1 does change the runs
    assert not frames["busy_table"].equals(frames["baseline"])
    assert identical_arms(comparison.results, comparison.arm_names) == [("baseline", "idle_table")]
    table = outcome_table(comparison.summaries, comparison.arm_names)
    idle_rows = table[table["arm"] == "idle_table"]
    assert (idle_rows["diff_mean"] == 0).all() and (idle_rows["diff_ci_low"] == 0).all()
    assert all(r.identical for r in readings(table) if r.arm == "idle_table")


def test_a_process_pool_gives_the_same_runs_as_serial(default_60):
    arms = parse_arms("baseline,grievance_mechanism")
    serial = _runs(default_60, arms, replicates=2)
    with process_pool(2) as pool:
        pooled = _runs(default_60, arms, replicates=2, executor=pool)
    pd.testing.assert_frame_equal(serial.results, pooled.results, check_exact=True)


# --------------------------------------------------------------------------- analysis
def test_t_interval_matches_the_textbook_value():
    est = t_interval([1.0, 2.0, 3.0, 4.0])
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3) * sd / sqrt(4)
    assert est.mean == 2.5 and est.low == pytest.approx(2.5 - half) and est.high == pytest.approx(2.5 + half)
    assert t_interval([7.0, 7.0, 7.0]).low == 7.0  # no spread: a zero-width interval, not NaN


def _summaries(base: list[float], arm: list[float]) -> pd.DataFrame:
    rows = []
    for name, values in (("baseline", base), ("x", arm)):
        for r, v in enumerate(values):
            row = {o.key: 0.5 for o in OUTCOMES}
            row.update(arm=name, replicate=r, seed=r, blockade_months=v)
            rows.append(row)
    return pd.DataFrame(rows)


def test_the_reading_follows_the_numbers():
    clear = outcome_table(_summaries([10, 12, 14, 16], [2, 3, 5, 6]), ["baseline", "x"])
    text = [r for r in readings(clear) if r.outcome.key == "blockade_months"][0]
    assert text.diff == pytest.approx(-9.0) and text.distinguishable
    noisy = outcome_table(_summaries([10, 12, 14, 16], [16, 9, 15, 10]), ["baseline", "x"])
    text = [r for r in readings(noisy) if r.outcome.key == "blockade_months"][0]
    assert not text.distinguishable
    from stakesim.experiments.analysis import arm_paragraph
    assert "excludes zero" in arm_paragraph("x", readings(clear))
    assert "reduced blockade months by 9.0" in arm_paragraph("x", readings(clear))
    assert "includes zero" in arm_paragraph("x", readings(noisy))


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("arms, expected", [
    ("baseline,learning_spce", "unknown intervention 'learning_spce'"),
    ("baseline,,learning_space", "arm 2 is empty"),
    ("baseline,learning_space+", "empty part"),
    ("learning_space,learning_space", "given twice"),
    ("learning_space+negotiation_table,negotiation_table+learning_space", "given twice"),
    ("baseline+learning_space", "'baseline' is an arm of its own"),
    ("learning_space+learning_space", "more than once"),
    ("", "--arms is empty"),
])
def test_bad_arm_names_exit_2_with_one_clear_message(arms, expected, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", "default", "--arms", arms, "--replicates", "2", "--steps", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert "Traceback" not in err and err.count("stakesim: error:") == 1
    assert not out.exists()


def test_unknown_arm_message_lists_the_allowed_kinds():
    with pytest.raises(ArmError) as info:
        parse_arms("baseline,mesa_de_dialogo")
    assert all(kind in str(info.value) for kind in KINDS)


def test_an_arm_the_scenario_cannot_host_exits_2_naming_the_arm(tmp_path, capsys, sim):
    scenario = tmp_path / "no_convener.yaml"  # the minimal scenario's only CSO is an NGO
    scenario.write_text(yaml.safe_dump(sim.scenario()))
    code = main(["compare", str(scenario), "--arms", "baseline,learning_space", "--replicates", "2",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "arm 'learning_space'" in err and "convener" in err
    assert "Traceback" not in err


def test_zero_replicates_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["compare", "default", "--replicates", "0", "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert "--replicates: must be 1 or more" in capsys.readouterr().err


# --------------------------------------------------------------------------- interrupted writes
def test_an_interrupted_write_leaves_earlier_files_intact(default_60, tmp_path, monkeypatch):
    arms = parse_arms("baseline,grievance_mechanism")
    first = _runs(default_60, arms, replicates=2)
    out = tmp_path / "cmp"
    first.write_report(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    second = run_comparison(default_60, arms, 2, base_seed=99, progress=False)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(figures_module, "social_licence_by_phase", interrupted)
    with pytest.raises(KeyboardInterrupt):
        second.write_report(out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before  # nothing replaced, no staging folder left behind


def test_ctrl_c_while_writing_stops_before_anything_is_replaced(two_workers, tmp_path, monkeypatch, capsys):
    """The CLI defers Ctrl-C while writing: staging finishes, nothing is renamed, exit code 130."""
    import os
    import shutil
    import signal

    out = tmp_path / "cmp"
    shutil.copytree(two_workers, out)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    real_save = figures_module.save
    staged_after_signal = []

    def save_then_ctrl_c(fig, path):
        path = real_save(fig, path)
        if path.name == FIGURES["blockades"]:
            os.kill(os.getpid(), signal.SIGINT)
            staged_after_signal.append(path.name)  # reached only if the signal did not raise here
        return path

    monkeypatch.setattr(figures_module, "save", save_then_ctrl_c)
    code = main(["compare", "default", "--arms", "baseline,grievance_mechanism", "--replicates", "2",
                 "--steps", "24", "--workers", "1", "--out", str(out), "--no-progress", "--overwrite"])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    assert staged_after_signal == [FIGURES["blockades"]]
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before  # the report files
    assert not [p for p in out.iterdir() if p.name.startswith(".stakesim-staging")]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


# --------------------------------------------------------------------------- on the sweep runner
def test_compare_in_memory_and_on_the_sweep_runner_give_the_same_numbers(tmp_path):
    """The streamed, resumable comparison is the in-memory one, to the last bit."""
    import stakesim

    options = dict(arms="baseline,negotiation_table", replicates=3, seed=4, steps=36)
    in_memory = stakesim.compare("default", **options)
    streamed = stakesim.compare("default", out=tmp_path / "cmp", backend="serial", **options)
    pd.testing.assert_frame_equal(in_memory.results, streamed.results)
    pd.testing.assert_frame_equal(in_memory.summary_table(), streamed.summary_table())


def test_compare_again_into_its_folder_needs_resume_or_overwrite(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "default", "--arms", "baseline", "--replicates", "2", "--steps", "12",
            "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert main(argv) == 2
    assert "resume" in capsys.readouterr().err
    assert main(argv + ["--resume"]) == 0
    other = ["compare", "acute_crisis", "--arms", "baseline", "--replicates", "2", "--steps", "12",
             "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(other) == 2
    assert "another scenario" in capsys.readouterr().err
    assert "name: default" in (out / "scenario.yaml").read_text()  # nothing of the refused run written
    assert main(other + ["--overwrite"]) == 0
