"""`stakesim sweep` and `stakesim analyze` end to end, and their library calls."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import stakesim
from stakesim import cli
from stakesim.experiments.dataset import read_runs


@pytest.fixture
def experiment_file(tmp_path, sim):
    scenario = tmp_path / "world.yaml"
    scenario.write_text(yaml.safe_dump(sim.scenario()), encoding="utf-8")
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump({
        "name": "mini", "description": "two settings, two arms", "scenario": "world.yaml",
        "parameters": {"parameters.trust_loss_rate": {"low": 0.1, "high": 0.5},
                       "parameters.threshold_mean": {"low": 0.2, "high": 0.5}},
        "arms": ["baseline", "negotiation_table"],
        "design": {"type": "latin_hypercube", "samples": 4}, "replicates": 2,
    }), encoding="utf-8")
    return path


def test_sweep_then_analyze_from_the_command_line(experiment_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["sweep", str(experiment_file), "--out", str(out), "--backend", "serial", "--no-progress"]) == 0
    runs = read_runs(out)
    assert len(runs) == 4 * 2 * 2 and set(runs["status"]) == {"ok"}
    assert sorted(runs["seed"].unique()) == [0, 1]  # the same seeds at every point and in every arm
    assert cli.main(["analyze", str(out)]) == 0
    summary = pd.read_csv(out / "analysis" / "arm_summary.csv")
    table = summary[(summary["arm"] == "negotiation_table") & (summary["outcome"] == "blockade_months")]
    assert table["diff_n"].iloc[0] == 8  # paired on (point, replicate)
    html = (out / "analysis" / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert "report.html" in capsys.readouterr().out


def test_resume_recomputes_nothing_and_another_experiment_is_refused(experiment_file, tmp_path, capsys):
    out = tmp_path / "out"
    first = stakesim.sweep(experiment_file, out, backend="serial")
    assert first.ran_now == 16
    again = stakesim.sweep(experiment_file, out, backend="serial", resume=True)
    assert (again.ran_now, again.done_before) == (0, 16)
    other = experiment_file.with_name("other.yaml")
    other.write_text(experiment_file.read_text().replace("name: mini", "name: other"), encoding="utf-8")
    code = cli.main(["sweep", str(other), "--out", str(out), "--backend", "serial", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "--out" in err and "Traceback" not in err


def test_bad_experiment_file_exits_2_naming_the_field(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nscenario: default\ndesign: {type: latin_hypercub, samples: 4}\n")
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(path.name) in err and "design" in err and "latin_hypercube" in err


def test_analyze_a_folder_that_is_not_a_sweep_exits_2(tmp_path, capsys):
    assert cli.main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


def test_experiments_lists_the_builtin_files(capsys):
    assert cli.main(["experiments"]) == 0
    listed = capsys.readouterr().out
    for name in ("space_vs_table", "sobol_headline", "morris_screening"):
        assert name in listed
