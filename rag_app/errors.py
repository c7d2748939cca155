"""User-facing errors: the CLI prints them as one line, without a traceback."""


def first_line(err: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty)."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


class RagError(Exception):
    """A failure the user can act on (runtime): exit code 1."""

    exit_code = 1


class ConfigError(RagError):
    """A bad setting or argument: exit code 2."""

    exit_code = 2
