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

# Regular expressions in the schema, in words: what a reader is told instead of the expression.
PATTERN_WORDS = {ID_PATTERN: "starts with a letter and has only letters, digits, '_' and '-'"}


def field(default, *, unit: str, doc: str, source: str = "modelling choice", **constraints):
    """A pydantic Field with the metadata the docs generator prints."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "source": source},
                 **constraints)


MAX_SHOWN = 80  # characters of a user's value a message quotes before cutting it


def printable(text: str) -> str:
    """``text`` with control characters (newlines, escapes) written as ``\\n``, ``\\x1b``: one safe line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def clip(text, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to about ``limit`` characters (saying how long it was), control characters escaped.

    Every message that quotes what a user wrote quotes it through this, so no value longer than
    about ``limit`` characters, and no terminal control sequence, reaches the terminal.
    """
    text = str(text)
    head = printable(text[:2 * limit])  # escaping only lengthens text; what is past this is cut anyway
    if len(text) <= limit and len(head) <= limit:
        return head
    return f"{head[:max(limit - 24, 8)]}... ({len(text)} characters)"


def listing(items, limit: int = 16) -> str:
    """Items joined by commas, each clipped; past ``limit`` the rest are counted, not listed."""
    items = [clip(i, 40) for i in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... ({len(items)} in all)"


def location_text(loc: tuple) -> str:
    """A location as a scenario author writes it: ``("stakeholders", 3, "id")`` -> ``stakeholders[3].id``."""
    text = ""
    for item in loc:
        text += f"[{item}]" if isinstance(item, int) else ("." if text else "") + str(item)
    return text


class FieldError(ValueError):
    """A check of a whole model that failed at one known place.

    ``loc`` is the path of the field at fault, relative to the model whose validator raises it
    (``("stakeholders", 3, "id")`` from ``Scenario``), and ``problem`` says what is wrong there and
    what is allowed. ``related`` lists other fields the check depended on (``("steps",)`` for a
    month beyond the run), so a message can say which override changed them. Pydantic keeps the exception in the error's context, so a message can name the
    field exactly (and say which ``--set`` put the value there) instead of pointing at the model.
    """

    def __init__(self, loc: tuple, problem: str, related: tuple[tuple, ...] = ()):
        self.loc = tuple(loc)
        self.problem = problem
        self.related = tuple(tuple(r) for r in related)  # other fields the check read (top-level paths)
        super().__init__(f"{location_text(self.loc)}: {problem}" if self.loc else problem)


class Strict(BaseModel):
    """The base of every schema model: unknown keys refused, no silent conversions, finite numbers.

    Strict mode takes a value only in its own type: a number is not read from ``'500'``, ``true``
    or ``1:30``, and text is not read from bytes. Whole numbers are still accepted where a number is
    expected, and a mapping where a nested model is. ``.inf`` and ``.nan`` are refused everywhere.
    """

    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True, strict=True,
                              allow_inf_nan=False)
