"""`ask` and `search`: one question from the command line, or many from a file (or stdin)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag_app.cli.render import print_answer, print_json, print_search
from rag_app.errors import ConfigError

EXIT_OK = 0


def register(commands: Any) -> None:
    for name, help_text, field in (
        ("ask", "answer a question from the ingested documents, with sources", "question"),
        ("search", "show the chunks most similar to a query (no answer)", "query"),
    ):
        cmd = commands.add_parser(name, help=help_text)
        cmd.add_argument(field, nargs="?", help=f"the {field} (or use --file)")
        cmd.add_argument("--k", type=int, default=None, help="how many chunks to retrieve (default: RAG_TOP_K)")
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.add_argument(
            "--source",
            action="append",
            default=[],
            metavar="GLOB",
            help="only from files matching GLOB ('*.pdf', 'handbook/*'); repeat for any of several",
        )
        cmd.add_argument(
            "--where",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="only chunks whose metadata KEY equals VALUE ('page=3'); repeat for all of several",
        )
        cmd.add_argument(
            "--file",
            type=Path,
            help="one per line (or JSON Lines with a 'question' field), '-' for stdin; prints JSON Lines",
        )
        cmd.set_defaults(run=_run, field=field)


def _run(args: argparse.Namespace, service: Any) -> int:
    from rag_app.stores.filters import Filter

    chosen = Filter.parse(args.source, args.where) or None
    questions = list(_questions(args))
    for question in questions:
        if args.field == "question":
            result = service.ask(question, k=args.k, filter=chosen).to_dict()
            show = print_answer
        else:
            result = service.search(question, k=args.k, filter=chosen).to_dict()
            show = print_search
        if args.json or args.file is not None:
            print_json(result)
        else:
            show(result, sys.stdout)
    return EXIT_OK


def _questions(args: argparse.Namespace) -> Iterator[str]:
    """The question given on the command line, or each one in --file."""
    field = args.field
    given = getattr(args, field)
    if args.file is None:
        if given is None:
            raise ConfigError(f"give a {field} or --file FILE")
        yield given
        return
    if given is not None:
        raise ConfigError(f"give either a {field} or --file, not both")
    if str(args.file) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = args.file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"cannot read {args.file}: {getattr(err, 'strerror', None) or err}") from err
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            yield line
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{args.file}:{number}: not valid JSON") from err
        text = record.get("question", record.get("query")) if isinstance(record, dict) else None
        if not isinstance(text, str):
            raise ConfigError(f"{args.file}:{number}: no string 'question' or 'query' field")
        yield text
