"""stakesim: stakeholder negotiation around mining projects, as an agent-based model on Mesa.

The library API (``simulate``, ``compare``, ``decompose``, ``MiningModel``, ``load_scenario``) is
loaded on first use, so ``import stakesim.simulator.model`` or a single run never pays for the
experiments stack.
"""

from stakesim.version import __version__

_API = {"simulate", "compare", "sweep", "analyze", "decompose", "MiningModel", "RunResult", "DEFAULT_ARMS"}


def __getattr__(name: str):
    if name in _API:
        from stakesim import api

        return getattr(api, name)
    if name in ("load_scenario", "ScenarioError"):
        from stakesim import scenarios

        return getattr(scenarios, name)
    raise AttributeError(f"module 'stakesim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API, "load_scenario", "ScenarioError"])


__all__ = ["__version__", "simulate", "compare", "sweep", "analyze", "decompose", "MiningModel",
           "load_scenario", "ScenarioError"]
