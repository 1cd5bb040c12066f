"""The recipes in docs/experiments.md for SALib and EMA Workbench run as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "experiments.md"
BLOCKS = {block.split("\n", 1)[0]: block for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)}


def _block(marker: str) -> str:
    found = [text for text in BLOCKS.values() if marker in text]
    assert len(found) == 1, f"one python block with {marker!r} expected in docs/experiments.md"
    return found[0]


def test_salib_recipe_runs():
    namespace: dict = {}
    exec(compile(_block("SALib"), "docs/experiments.md (SALib)", "exec"), namespace)
    indices = namespace["indices"]
    assert len(indices["ST"]) == 2


def test_ema_workbench_recipe_runs():
    namespace: dict = {}
    exec(compile(_block("ema_workbench"), "docs/experiments.md (EMA Workbench)", "exec"), namespace)
    assert len(namespace["outcomes"]["mean_grievance"]) == 8
