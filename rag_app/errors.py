"""rag_app's error types. Each is a failure the caller can act on; its message is one line.

Surfaces decide how to show them (the CLI prints one line and exits with `exit_code`; a server
maps them to HTTP statuses). The original exception is kept as `__cause__`.
"""

import re
from typing import Any


def first_line(err: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def most_telling(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Of pydantic's `ValidationError.errors()`, the one to show: not "wrong type" (the other member
    of a union), the deepest first."""
    ranked = sorted(errors, key=lambda e: (str(e.get("type", "")).endswith("_type"), -len(e.get("loc", ()))))
    return ranked[0] if ranked else {}


SOME_TEXT = r"\S"
"""The pattern of a field that must hold some text that is not white space."""


def is_empty_text(error: dict[str, Any]) -> bool:
    """Whether a pydantic error is an empty (or blank) text where some was needed."""
    return error.get("type") == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == SOME_TEXT


def validation_line(errors: list[dict[str, Any]], skip: tuple[str, ...] = ()) -> str:
    """One line for pydantic's `ValidationError.errors()`: the most telling error, as `field: message`.

    Args:
        errors: the errors, as pydantic lists them.
        skip: parts of an error's location that name no field (such as FastAPI's `body`).

    Returns:
        The line, such as `k: Input should be greater than or equal to 1`.
    """
    first = most_telling(errors)
    # Union members show up in `loc` as `constrained-str`, `list[...]`: names of types, not of fields.
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in skip and not re.search(r"[\[\-]", str(p)))
    empty = is_empty_text(first)
    message = "must contain some text" if empty else (str(first.get("msg", "")).strip().splitlines() or ["invalid"])[0]
    return f"{where}: {message}" if where else message


class RagError(Exception):
    """A failure the user can act on (runtime): exit code 1."""

    exit_code = 1


class ConfigError(RagError):
    """A bad setting or argument: exit code 2."""

    exit_code = 2


class StoreError(RagError):
    """The vector store or its catalog cannot be reached, opened or read."""


class EmptyStoreError(StoreError):
    """Nothing has been ingested into the configured store yet."""


class NotFoundError(RagError):
    """A named thing (an ingested source) does not exist."""


class BusyError(RagError):
    """Another ingest is writing to the same store; try again when it is done."""


class ProviderError(RagError):
    """An embedding model or LLM failed (unreachable, bad key, unknown model, rate limited)."""
