"""The installed stakesim version, recorded in every result (imports nothing of the package)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stakesim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
