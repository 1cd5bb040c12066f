"""How the world moves: the Mesa model, the life cycle, the graph, interventions, metrics, CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stakesim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
