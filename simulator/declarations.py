"""Building blocks shared by the scenario schema and the intervention specs.

Kept apart from ``schema.py`` so intervention specs can use them without an import cycle.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PHASES = ("exploration", "permitting", "construction", "operation", "closure")
CSO_ROLES = (
    "ngo",
    "roundtable",
    "chamber_of_commerce",
    "professional_association",
    "academia",
    "convener",
    "water_users",
    "womens_organisation",
    "indigenous_organisation",
    "producers_association",
    "church",
    "media",
    "union",
)
TIE_KINDS = ("existing", "formal", "intervention")
STAKEHOLDER_TYPES = ("company", "local_government", "community", "cso")

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"


def field(default, *, unit: str, doc: str, source: str = "modelling choice", **constraints):
    """A pydantic Field with the metadata the docs generator prints."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "source": source},
                 **constraints)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True)
