"""What every benchmark shares: facts about the machine and the code, and its own section of
docs/performance.md."""

from __future__ import annotations

import platform
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "performance.md"


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def commit() -> str:
    """The checked-out commit, and a reminder that uncommitted changes are measured too."""
    try:
        short = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        short = "unknown"
    return f"{short} (plus any uncommitted changes in the working tree)"


def write_section(text: str, begin: str, end: str) -> None:
    """Replace the section between ``begin`` and ``end`` in docs/performance.md, or add it before
    "How to rerun"; the rest of the file stays as it is."""
    doc = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(doc):
        doc = pattern.sub(lambda _: text, doc)
    elif "\n## How to rerun" in doc:
        doc = doc.replace("\n## How to rerun", f"\n{text}\n\n## How to rerun", 1)
    else:
        doc = doc.rstrip("\n") + f"\n\n{text}\n"
    DOC.write_text(doc)
