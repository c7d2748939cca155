"""`eval`: retrieval and answer quality on a JSON Lines question set."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rag_app.cli.render import print_json, print_table, progress_bar
from rag_app.errors import ConfigError

EXIT_OK = 0


def register(commands: Any) -> None:
    evaluate = commands.add_parser("eval", help="measure retrieval (and answers) on a JSON Lines question set")
    evaluate.add_argument(
        "questions", type=Path, help="JSON Lines: question, answers, gold_passage_id?, is_impossible?"
    )
    evaluate.add_argument("--k", type=int, default=None, help="chunks retrieved per question (default: RAG_TOP_K)")
    evaluate.add_argument("--answers", action="store_true", help="also answer each question and score the answers")
    evaluate.add_argument("--limit", type=int, default=None, help="use N questions spread evenly over the file")
    evaluate.add_argument("--json", action="store_true", help="print one JSON summary object")
    evaluate.set_defaults(run=_eval)


def _eval(args: argparse.Namespace, service: Any) -> int:
    from rag_app.eval.evaluate import evaluate, load_questions

    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be at least 1, not {args.limit}")
    questions = load_questions(args.questions, args.limit)
    with progress_bar(len(questions), "question") as bar:
        summary = evaluate(service, questions, k=args.k, answers=args.answers, progress=bar)
    if args.json:
        print_json(summary)
    else:
        print_table(summary, width=26)
    return EXIT_OK
