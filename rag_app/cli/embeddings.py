"""`embed`, `similarity`, `models bench` and `map`: the embedding model and the store, looked at."""

from __future__ import annotations

import argparse
from typing import Any

from rag_app.cli.render import print_json

EXIT_OK = 0
SHOWN_VALUES = 8


def register(commands: Any) -> None:
    embed = commands.add_parser("embed", help="embed a text: the model, the dimension and the first values")
    embed.add_argument("text", help="the text to embed")
    embed.add_argument("--json", action="store_true", help="print JSON with the whole vector")
    embed.set_defaults(run=_embed)

    similarity = commands.add_parser(
        "similarity",
        help="cosine similarity of texts' embeddings (a matrix for three or more), or vector arithmetic",
    )
    similarity.add_argument(
        "texts", nargs="+", metavar="TEXT", help="two or more texts; with --analogy, the candidates to rank"
    )
    similarity.add_argument(
        "--analogy", metavar="EXPR", help="rank the TEXTs against an expression such as 'king - man + woman'"
    )
    similarity.add_argument("--json", action="store_true", help="print JSON")
    similarity.set_defaults(run=_similarity)


def _embed(args: argparse.Namespace, service: Any) -> int:
    from rag_app.tools.similarity import embed

    result = embed(service, args.text)
    if args.json:
        print_json(result.to_dict())
        return EXIT_OK
    first = ", ".join(f"{x:.4f}" for x in result.vector[:SHOWN_VALUES])
    print(f"model      {result.model}")
    print(f"dimension  {result.dimension}")
    print(f"norm       {result.norm:.4f}")
    print(f"values     [{first}{', …' if result.dimension > SHOWN_VALUES else ''}]")
    return EXIT_OK


def _similarity(args: argparse.Namespace, service: Any) -> int:
    from rag_app.tools.similarity import analogy, similarity

    if args.analogy is not None:
        ranked = analogy(service, args.analogy, args.texts)
        if args.json:
            print_json(ranked.to_dict())
            return EXIT_OK
        print(f"{ranked.expression}  ({ranked.model})")
        width = max(len(r.text) for r in ranked.ranking)
        for r in ranked.ranking:
            note = "  (a term of the expression)" if r.is_term else ""
            print(f"  {r.rank:>2}. {r.text:<{width}}  {r.score:7.4f}{note}")
        return EXIT_OK
    result = similarity(service, args.texts)
    if args.json:
        print_json(result.to_dict())
        return EXIT_OK
    if len(result.texts) == 2:
        print(f"{result.matrix[0][1]:.4f}")
    else:
        labels = [f"[{i}]" for i in range(1, len(result.texts) + 1)]
        print("     " + "".join(f"{label:>8}" for label in labels))
        for label, row in zip(labels, result.matrix):
            print(f"{label:<5}" + "".join(f"{value:8.4f}" for value in row))
    print()
    for i, text in enumerate(result.texts, start=1):
        print(f"[{i}] {text}")
    print(f"model: {result.model}")
    return EXIT_OK
