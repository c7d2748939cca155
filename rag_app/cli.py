"""The command line: parse arguments, call the library, print. Nothing else lives here.

Only the standard library and rag_app's light modules are imported at start-up; each command
imports what it needs, so `--help`, `stats` and usage errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TextIO

from rag_app.errors import ConfigError, RagError
from rag_app.providers.errors import redact

EXIT_OK, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rag_app",
        description="Ask questions about your own documents. Settings come from RAG_* "
        "environment variables or a .env file (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="load, split, embed and store files or folders")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    ingest.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")

    for name, help_text, arg in (
        ("ask", "answer a question from the ingested documents, with sources", "question"),
        ("search", "show the chunks most similar to a query (no answer)", "query"),
    ):
        cmd = commands.add_parser(name, help=help_text)
        cmd.add_argument(arg, nargs="?", help=f"the {arg} (or use --file)")
        cmd.add_argument("--k", type=int, default=None, help="how many chunks to retrieve (default: RAG_TOP_K)")
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.add_argument(
            "--file", type=Path, help="one per line (or JSON Lines with a 'question' field); prints JSON Lines"
        )

    evaluate = commands.add_parser("eval", help="measure retrieval (and answers) on a JSON Lines question set")
    evaluate.add_argument(
        "questions", type=Path, help="JSON Lines: question, answers, gold_passage_id?, is_impossible?"
    )
    evaluate.add_argument("--k", type=int, default=None, help="chunks retrieved per question (default: RAG_TOP_K)")
    evaluate.add_argument("--answers", action="store_true", help="also answer each question and score the answers")
    evaluate.add_argument("--limit", type=int, default=None, help="use N questions spread evenly over the file")
    evaluate.add_argument("--json", action="store_true", help="print one JSON summary object")

    delete = commands.add_parser("delete", help="remove one ingested file's chunks from the store")
    delete.add_argument("source", help="the file's path, or its source name as shown by ask/search")

    reset = commands.add_parser("reset", help="empty the store (asks first on a terminal)")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    commands.add_parser("doctor", help="show the effective settings and check each part answers")

    stats = commands.add_parser("stats", help="what the store holds: location, chunks, sources, model")
    stats.add_argument("--json", action="store_true", help="print JSON")
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
        from rag_app.config import Settings

        settings = Settings.from_env()
        return COMMANDS[args.command](args, settings)
    except RagError as err:
        if _debug():
            traceback.print_exc()
        print(f"error: {redact(str(err))}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted: what was stored so far is kept; run the command again to finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # a bug or an unforeseen library failure: one line unless debugging
        if _debug():
            traceback.print_exc()
        first = (str(err).strip().splitlines() or [""])[0][:300]
        print(f"error: {type(err).__name__}: {redact(first)} (set RAG_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_FAILURE


def _debug() -> bool:
    """RAG_DEBUG, read from the environment (where `.env` has been loaded by then, if valid)."""
    return os.environ.get("RAG_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


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
    for name in ("chromadb", "sentence_transformers", "transformers", "httpx", "langchain_core"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _ingest(args: argparse.Namespace, settings: Any) -> int:
    from rag_app import stores
    from rag_app.ingestion.pipeline import ingest

    with ExitStack() as stack:
        bar: list[Callable[[int], Any]] = []

        def on_start(total: int) -> None:
            where = f"{settings.vector_store} at {stores.location(settings)}"
            print(f"ingesting {total} files into {where}", file=sys.stderr)
            bar.append(stack.enter_context(_progress_bar(total, "file")))

        report = ingest(args.paths, settings, progress=lambda n: bar[0](n), on_start=on_start, dry_run=args.dry_run)
    for path, reason in report.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(report.summary())
    return EXIT_OK


@contextmanager
def _progress_bar(total: int, unit: str) -> Iterator[Callable[[int], Any]]:
    """An `advance(n)` callback that draws a bar on a terminal and does nothing elsewhere."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, file=sys.stderr, leave=False) as bar:
        yield bar.update


def _questions(args: argparse.Namespace, field: str) -> Iterator[str]:
    """The question given on the command line, or each one in --file."""
    given = getattr(args, field)
    if args.file is None:
        if given is None:
            raise ConfigError(f"give a {field} or --file FILE")
        yield given
        return
    if given is not None:
        raise ConfigError(f"give either a {field} or --file, not both")
    try:
        lines = args.file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {args.file}: {getattr(err, 'strerror', None) or err}") from None
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise ConfigError(f"{args.file}:{number}: not valid JSON") from None
            text = record.get("question", record.get("query")) if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ConfigError(f"{args.file}:{number}: no string 'question' or 'query' field")
            yield text
        else:
            yield line


def _query(args: argparse.Namespace, settings: Any, field: str) -> int:
    from rag_app.answering.chain import QA

    questions = list(_questions(args, field))
    qa = QA(settings, k=args.k)
    run = qa.ask if field == "question" else qa.search
    for question in questions:
        result = run(question)
        if args.json or args.file is not None:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            _print_result(result, sys.stdout)
    return EXIT_OK


def _print_result(result: dict[str, Any], out: TextIO) -> None:
    entries = result.get("sources", result.get("results", []))
    if "answer" in result:
        print(result["answer"], file=out)
        print("\nSources:", file=out)
    for entry in entries:
        where = entry["source"] + (f", page {entry['page']}" if entry["page"] is not None else "")
        print(f"  {entry['rank']}. {where} (score {entry['score']:.2f})", file=out)
        if "answer" not in result:
            text = " ".join(entry["text"].split())
            print(f"     {text[:300]}{'…' if len(text) > 300 else ''}", file=out)


def _stats(args: argparse.Namespace, settings: Any) -> int:
    from rag_app import stores

    catalog = stores.catalog(settings)
    chunks, sources = catalog.counts()
    recorded = catalog.model()
    if recorded is None:  # nothing ingested yet: show what ingest would use
        from rag_app.providers.embeddings import model_name

        recorded = (model_name(settings), 0)
    embedding_model, dimension = recorded
    info = {
        "store": settings.vector_store,
        "location": stores.location(settings),
        "chunks": chunks,
        "sources": sources,
        "embedding_model": embedding_model,
        "dimension": dimension,
    }
    if args.json:
        print(json.dumps(info))
    else:
        info["collection"] = settings.collection
        for key, value in info.items():
            print(f"{key:<16}{value}")
    return EXIT_OK


def _eval(args: argparse.Namespace, settings: Any) -> int:
    from rag_app.answering.chain import QA
    from rag_app.eval.evaluate import evaluate, load_questions

    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be at least 1, not {args.limit}")
    questions = load_questions(args.questions, args.limit)
    qa = QA(settings, k=args.k)
    with _progress_bar(len(questions), "question") as bar:
        summary = evaluate(qa, questions, answers=args.answers, progress=bar)
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:<26}{value}")
    return EXIT_OK


def _doctor(args: argparse.Namespace, settings: Any) -> int:
    from rag_app.doctor import effective_settings, run_checks

    for name, value in effective_settings(settings).items():
        print(f"{name:<24}{value}")
    print()
    failed = 0
    for check in run_checks(settings):
        failed += not check.ok
        print(f"{'ok' if check.ok else 'FAIL':<6}{check.name:<12}{redact(check.detail)}", flush=True)
    return EXIT_FAILURE if failed else EXIT_OK


def _delete(args: argparse.Namespace, settings: Any) -> int:
    from rag_app.ingestion.pipeline import delete_source

    source, removed = delete_source(settings, args.source)
    print(f"removed {removed} chunks of {source}")
    return EXIT_OK


def _reset(args: argparse.Namespace, settings: Any) -> int:
    from rag_app import stores
    from rag_app.ingestion.pipeline import reset

    where = f"{settings.vector_store} at {stores.location(settings)}"
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("reset deletes every chunk: add --yes to confirm when not on a terminal")
        chunks, _ = stores.catalog(settings).counts()
        if input(f"Delete all {chunks} chunks in {where}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return EXIT_OK
    print(f"removed {reset(settings)} chunks; {where} is empty")
    return EXIT_OK


COMMANDS = {
    "ingest": _ingest,
    "ask": lambda args, settings: _query(args, settings, "question"),
    "search": lambda args, settings: _query(args, settings, "query"),
    "stats": _stats,
    "eval": _eval,
    "doctor": _doctor,
    "delete": _delete,
    "reset": _reset,
}
