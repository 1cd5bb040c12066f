"""Experiment files shipped with stakesim (YAML), found by name like the built-in scenarios."""
