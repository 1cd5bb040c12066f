"""stakesim: stakeholder negotiation around mining projects, as an agent-based model on Mesa."""

from stakesim.version import __version__

__all__ = ["__version__"]
