"""What world to simulate: scenario files (YAML), reading them, overriding values, and clear errors.

The schema itself (what a scenario may contain) is the engine's, in ``stakesim.simulator.schema``;
this package is the file layer around it:

- ``loader``: ``load_scenario`` (name, path, Scenario or raw data, plus overrides and months),
  ``validate`` and ``dump_scenario``;
- ``files``: built-in names, resolving a name or path, refusing special files;
- ``yaml_reader``: the safe YAML loader, ``read_yaml`` and reading a ``--set`` value;
- ``overrides``: ``--set`` dotted paths;
- ``messages``: pydantic errors turned into one message;
- ``errors``: ``ScenarioError`` and ``ScenarioWarning``; ``wording``: how values are quoted.
"""

from stakesim.scenarios.errors import ScenarioError, ScenarioWarning
from stakesim.scenarios.files import builtin_names, builtin_path, resolve_path
from stakesim.scenarios.loader import dump_scenario, load_scenario, validate
from stakesim.scenarios.messages import format_validation_error
from stakesim.scenarios.overrides import apply_override, parse_assignment
from stakesim.scenarios.yaml_reader import read_yaml

__all__ = [
    "ScenarioError", "ScenarioWarning", "apply_override", "builtin_names", "builtin_path",
    "dump_scenario", "format_validation_error", "load_scenario", "parse_assignment", "read_yaml",
    "resolve_path", "validate",
]
