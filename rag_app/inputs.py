"""The checks every question, query and conversation passes before RagService uses it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError

if TYPE_CHECKING:
    from rag_app.answering.conversation import Turn

MAX_QUESTION_CHARS = 10_000
MAX_K = 1000


def checked_text(text: str, what: str) -> str:
    """`text` stripped, or a ConfigError when it is empty or unreasonably long."""
    if not isinstance(text, str):
        raise ConfigError(f"the {what} must be text")
    text = text.strip()
    if not text:
        raise ConfigError(f"the {what} is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise ConfigError(f"the {what} is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return text


def checked_name(name: str, what: str) -> str:
    """`name` (a path or a source's name), or a ConfigError when it holds a NUL, which no file name can."""
    if "\x00" in name:
        raise ConfigError(f"the {what} {name!r} contains a NUL character, which no file name can")
    return name


def checked_history(history: Any) -> list[Turn]:
    """The conversation as (question, answer) pairs; empty when there is none."""
    if not history:
        return []
    from rag_app.answering.conversation import checked_history

    return checked_history(history)
