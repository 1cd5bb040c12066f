"""The README's Python examples run as written, and every documented intervention type exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stakesim.simulator.interventions import KINDS

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_example_runs(index):
    exec(compile(BLOCKS[index], f"README.md python block {index + 1}", "exec"), {})


def test_every_registered_intervention_is_documented():
    """A new intervention file needs one more thing: its section in docs/interventions.md."""
    text = (ROOT / "docs" / "interventions.md").read_text(encoding="utf-8")
    missing = [kind for kind in KINDS if f"`{kind}`" not in text]
    assert not missing, f"docs/interventions.md does not describe: {', '.join(missing)}"
