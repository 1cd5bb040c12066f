"""How messages show what a user wrote: short, never a whole file, with a suggestion when one is close.

Every message that quotes a value, a key, a path or an assignment quotes it through ``show`` or
``clip``, so nothing longer than about ``MAX_SHOWN`` characters reaches the terminal uncut, and a
file's content is never echoed whole.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from difflib import get_close_matches
from typing import Any, Iterable

from stakesim.simulator.declarations import MAX_SHOWN, clip, listing, printable

__all__ = ["MAX_SHOWN", "clip", "clip_path", "did_you_mean", "kind_of", "listing", "printable", "show"]


def clip_path(path: Any, limit: int = 160) -> str:
    """A file path cut from the left, so its name stays: '.../folder/scenario.yaml'."""
    text = printable(str(path))
    return text if len(text) <= limit else "..." + text[-(limit - 3):]


def _digits(value: int) -> str:
    """How many decimal digits a whole number has, in words (huge ones cannot be converted to text)."""
    try:
        return f"{len(str(abs(value)))} digits"
    except ValueError:  # past Python's limit on converting whole numbers to text
        return f"about {int(abs(value).bit_length() * math.log10(2)) + 1} digits"


def show(value: Any) -> str:
    """A value as the user wrote it (YAML spelling), short: 'many', 0.5, true, nothing (null)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value.bit_length() > 256:  # about 77 digits: never convert a huge number to text whole
            return f"a whole number of {_digits(value)}"
        return clip(str(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan (not a number)"
        if math.isinf(value):
            return ".inf (infinity)" if value > 0 else "-.inf (minus infinity)"
        return clip(repr(value))
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return f"'{clip(value)}'"
    if isinstance(value, (bytes, bytearray)):
        return f"binary data ({len(value)} bytes)"
    if isinstance(value, (date, datetime)):
        return f"the date {value.isoformat()}"
    return f"a {type(value).__name__}"


def kind_of(value: Any) -> str:
    """What a value is, never what it says: 'text', 'a list', 'a number' (for whole-file errors)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, (date, datetime)):
        return "a date"
    return f"a {type(value).__name__}"


def did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    """`` (did you mean 'x'?)`` when one choice is close to ``word``, else ""."""
    word = str(word)
    if len(word) > 2 * MAX_SHOWN:
        return ""
    close = get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
