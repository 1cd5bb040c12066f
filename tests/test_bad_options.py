"""Bad command-line options: refused before any run, with exit code 2 and one clear message."""

from __future__ import annotations

import os

import pytest

from stakesim import cli


def _fails(capsys, *argv) -> str:
    code = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 4, err
    return err


def test_compare_out_that_is_a_file_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("stakesim.api.compare", lambda *a, **k: pytest.fail("a run started"))
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    err = _fails(capsys, "compare", "default", "--out", target)
    assert "--out" in err and "is a file" in err
    assert target.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_compare_out_that_cannot_be_written_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("stakesim.api.compare", lambda *a, **k: pytest.fail("a run started"))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    err = _fails(capsys, "compare", "default", "--out", locked / "sub")
    assert "--out" in err and "cannot write" in err


def test_compare_out_under_a_file_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    """Unwritable even for root: a folder cannot be made inside a file."""
    monkeypatch.setattr("stakesim.api.compare", lambda *a, **k: pytest.fail("a run started"))
    blocker = tmp_path / "file"
    blocker.write_text("")
    err = _fails(capsys, "compare", "default", "--out", blocker / "sub")
    assert "--out" in err and "cannot write" in err and "nothing was run" in err


def test_replicates_has_an_upper_bound_that_says_why(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["compare", "default", "--replicates", str(cli.MAX_REPLICATES + 1)])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert f"at most {cli.MAX_REPLICATES}" in err and "memory" in err


def test_workers_above_the_cores_are_capped_with_a_note(tmp_path, capsys, monkeypatch):
    seen = {}

    def fake_pool(workers):
        seen["workers"] = workers
        raise KeyboardInterrupt  # stop before any run: only the number of workers matters here

    monkeypatch.setattr("stakesim.experiments.runner.process_pool", fake_pool)
    code = cli.main(["compare", "default", "--workers", "999", "--replicates", "50", "--out", str(tmp_path),
                     "--no-progress"])
    err = capsys.readouterr().err
    cores = os.cpu_count() or 1
    assert f"--workers 999 is more than the {cores} cores here; using {cores}" in err
    if cores > 1:
        assert seen["workers"] == cores
    assert code == 130


@pytest.mark.parametrize("steps", ["0", "100000", "-3", "ten"])
def test_steps_out_of_range_is_refused(capsys, steps):
    with pytest.raises(SystemExit) as stop:
        code = cli.main(["run", "default", "--steps", steps])
        raise SystemExit(code)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    assert "--steps" in err and "Traceback" not in err
