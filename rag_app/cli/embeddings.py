"""`embed`, `similarity` and `map`: the embedding model and the store, looked at (`models bench` is in models.py)."""

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

    store_map = commands.add_parser(
        "map",
        help="a 2-D or 3-D projection of the stored chunks, as an interactive HTML file (or a PNG)",
        description="Project the stored chunk embeddings (a random sample of --limit) to 2 or 3 axes and "
        "write an interactive plotly page that opens offline: points coloured by source, hover for a "
        "chunk's first words; --query marks a query and its k nearest chunks.",
    )
    store_map.add_argument("--3d", dest="three", action="store_true", help="three axes instead of two")
    store_map.add_argument("--query", metavar="TEXT", help="place this text and mark its --k nearest chunks")
    store_map.add_argument("--k", type=int, default=5, metavar="N", help="neighbours of the query to mark (5)")
    store_map.add_argument("--limit", type=int, default=5000, metavar="N", help="chunks sampled at most (5000)")
    store_map.add_argument("--method", default="pca", help="pca (default) or umap (needs umap-learn)")
    store_map.add_argument("--seed", type=int, default=0, help="random seed of the sample (0)")
    store_map.add_argument("--png", action="store_true", help="write a static PNG image instead of HTML")
    store_map.add_argument("-o", "--output", metavar="FILE", help="the file to write (map.html, or map.png)")
    store_map.set_defaults(run=_map)


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


def _map(args: argparse.Namespace, service: Any) -> int:
    from rag_app.tools.plot import require_kaleido, require_plotly, write_html, write_png
    from rag_app.tools.store_map import store_map

    require_plotly()  # before the projection's work
    if args.png:
        require_kaleido()
    dimensions = 3 if args.three else 2
    drawn = store_map(service, dimensions, args.limit, args.method.lower(), args.query, args.k, args.seed)
    output = args.output or ("map.png" if args.png else "map.html")
    (write_png if args.png else write_html)(drawn, output)
    marked = sum(1 for p in drawn.points if p.neighbour)
    query = f"; the query and its {marked} nearest chunks marked" if drawn.query is not None else ""
    print(
        f"wrote {output}: {len(drawn.points):,} of {drawn.total:,} chunks from {len(drawn.sources)} sources "
        f"({drawn.method.upper()}, {dimensions}-D{query})"
    )
    return EXIT_OK
