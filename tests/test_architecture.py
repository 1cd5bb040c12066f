"""The package's shape: one import name, one-way layers, and interventions found without a list.

The layout is checked on an installed copy (``pip install --target``), not the source tree: the
design card's folders live at the top of the repository and reach their ``stakesim.`` names only
through installation, so the installed copy is what users and import-linter should see.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from stakesim.simulator import interventions

ROOT = Path(__file__).resolve().parent.parent
GENERIC = ("agents", "simulator", "scenarios", "experiments")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A non-editable install of the working tree into a folder of its own (no dependencies)."""
    target = tmp_path_factory.mktemp("installed")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(ROOT)], check=True, capture_output=True)
    return target


def test_only_the_stakesim_name_is_installed(installed):
    top_level = sorted(p.name for p in installed.iterdir() if not p.name.endswith((".dist-info", ".egg-info")))
    assert top_level == ["bin", "stakesim"] or top_level == ["stakesim"], top_level
    for name in GENERIC:
        assert (installed / "stakesim" / name / "__init__.py").is_file()


def test_fresh_environment_has_stakesim_names_and_no_generic_ones(installed, tmp_path):
    """In a new virtual environment, run from outside the repository, only ``stakesim.`` imports work."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # The package from its own install, its dependencies from the test environment's site-packages
    # (a plain path line: that folder's own .pth files, such as the editable finder, are not run).
    (Path(site) / "stakesim-test.pth").write_text(f"{installed}\n{sysconfig.get_paths()['purelib']}\n")
    script = (
        "import importlib\n"
        f"for name in {GENERIC!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        print('absent', name)\n"
        "import stakesim, stakesim.simulator.model, stakesim.agents, stakesim.scenarios, stakesim.experiments\n"
        "print('stakesim at', stakesim.__file__)\n"
        "print(stakesim.simulate('default', seed=0, steps=3).summary['steps'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    out = subprocess.run([python, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [f"absent {name}" for name in GENERIC] == lines[:4]
    assert lines[4].startswith(f"stakesim at {installed}")
    assert lines[5] == "3"


def test_import_layers_contract(installed, tmp_path):
    """import-linter: front doors > library API > experiments > scenario files > engine > agents."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


PATTERN = re.compile(rf"^\s*(from|import)\s+({'|'.join(GENERIC)})\b", re.MULTILINE)


def test_no_bare_generic_imports_anywhere():
    """Code, tests, benchmarks, docs and notebooks import ``stakesim.X``, never a bare ``X``."""
    offenders = []
    for path in ROOT.rglob("*"):
        if any(part.startswith(".") or part in ("build", "out") for part in path.relative_to(ROOT).parts):
            continue
        if path.suffix in (".py", ".md", ".ipynb") and path.is_file():
            for match in PATTERN.finditer(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert not offenders, "\n".join(offenders)


def test_every_intervention_module_registers_itself():
    """Adding an intervention is adding one file: each module of the package registers one kind."""
    modules = sorted(p.stem for p in Path(interventions.__file__).parent.glob("*.py")
                     if p.stem not in ("__init__", "base"))
    owners = sorted(cls.__module__.rsplit(".", 1)[-1] for _, cls in interventions.REGISTRY.values())
    assert owners == modules
    assert set(interventions.KINDS) == set(interventions.REGISTRY)
