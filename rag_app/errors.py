"""rag_app's error types. Each is a failure the caller can act on; its message is one line.

Surfaces decide how to show them (the CLI prints one line and exits with `exit_code`; a server
maps them to HTTP statuses). The original exception is kept as `__cause__`.
"""


def first_line(err: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


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
