"""User-facing errors: the CLI prints them as one line, without a traceback."""


class RagError(Exception):
    """A failure the user can act on (runtime): exit code 1."""

    exit_code = 1


class ConfigError(RagError):
    """A bad setting or argument: exit code 2."""

    exit_code = 2
