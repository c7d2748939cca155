"""The command line: parse arguments, call RagService, print. Nothing else lives here.

Each command group is a module that registers its own subcommands. Only the standard library
and rag_app's light modules are imported at start-up; the service loads models and stores when
a command needs them, so `--help`, `stats` and usage errors answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from rag_app import __version__
from rag_app.cli import chat, documents, embeddings, evaluate, info, mcp, models, query, serve, watch
from rag_app.errors import EmptyStoreError, NotFoundError, RagError, first_line

EXIT_OK, EXIT_FAILURE, EXIT_BROKEN_PIPE, EXIT_INTERRUPTED = 0, 1, 141, 130
GROUPS = (documents, watch, query, chat, info, evaluate, embeddings, models, mcp, serve)


def program_name() -> str:
    """`rag-app` when run as the installed script, else `python -m rag_app`."""
    return "rag-app" if Path(sys.argv[0]).name == "rag-app" else "python -m rag_app"


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command group's subcommands."""
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Ask questions about your own documents. Settings come from RAG_* "
        "environment variables or a .env file (see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"rag_app {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (0 ok, 1 failure, 2 usage, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    _quiet_libraries()
    try:
        from rag_app.config import Settings, environment, unknown_variables
        from rag_app.service import RagService

        for warning in unknown_variables(environment()):
            print(f"warning: {warning}", file=sys.stderr)
        return args.run(args, RagService(Settings.from_env()))
    except BrokenPipeError:  # `rag-app search x | head -1`: the reader left; leave quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("interrupted: what was stored so far is kept; run the command again to finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # a RagError, or a bug or an unforeseen library failure: one line unless debugging
        print(describe(err), file=sys.stderr)
        return err.exit_code if isinstance(err, RagError) else EXIT_FAILURE


def describe(err: Exception) -> str:
    """The one line shown for a failure being handled (and its traceback first, with RAG_DEBUG)."""
    _show_traceback()
    if isinstance(err, RagError):
        return f"error: {_redact(_with_hint(err))}"
    return f"error: {type(err).__name__}: {_redact(first_line(err)[:300])} (set RAG_DEBUG=1 for details)"


def _with_hint(err: RagError) -> str:
    """The library's message, plus the command that helps (the library names no commands)."""
    if isinstance(err, EmptyStoreError):
        when = "first" if str(err).startswith("nothing ingested yet") else "again to re-sync"
        return f"{err}: run `{program_name()} ingest PATH` {when}"
    if isinstance(err, NotFoundError):
        return f"{err}: `{program_name()} sources` lists what is ingested"
    return str(err)


def _redact(text: str) -> str:
    from rag_app.providers.registry import redact

    return redact(text)


def _show_traceback() -> None:
    """With RAG_DEBUG (from the environment or `.env`), the full traceback with its causes."""
    value = os.environ.get("RAG_DEBUG")
    if value is None:
        try:
            from rag_app.config import environment

            value = environment().get("RAG_DEBUG", "")
        except RagError:
            value = ""
    if value.strip().lower() in ("1", "true", "yes", "on"):
        traceback.print_exc()


def _quiet_libraries() -> None:
    """Keep library chatter (telemetry notices, deprecation and model-loading warnings) off the screen."""
    import logging
    import warnings

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    # fusion_skiplayernorm: ONNX Runtime's optimizer warns that shape inference is off (rag_app turns it off).
    for name in (
        "chromadb",
        "sentence_transformers",
        "transformers",
        "httpx",
        "langchain_core",
        "fusion_skiplayernorm",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    notices = logging.getLogger("rag_app")
    if not notices.handlers:
        notices.addHandler(handler)
        notices.setLevel(logging.INFO)
