"""Options typed on a command line as KEY=VALUE (method options, launcher options), read into typed values once."""
from __future__ import annotations

from typing import Any


def parse_key_value(text: str, what: str = "option") -> tuple[str, Any]:
    """'name=value' -> (name, value as an int, a float or true/false where it is one, else the text)."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise ValueError(f"{what} {text!r} is not KEY=VALUE")
    for cast in (int, float):
        try:
            return key, cast(raw)
        except ValueError:
            pass
    return key, {"true": True, "false": False}.get(raw.lower(), raw)
