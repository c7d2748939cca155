"""`models bench`: the embedding models' comparison table (the measuring is in rag_app.tools.models_bench)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rag_app.cli.render import print_json

EXIT_OK, EXIT_FAILURE = 0, 1
HEADERS = ("model", "backend", "device", "size", "dim", "load", "Hello World", "chunks/s")


def register(commands: Any) -> None:
    models = commands.add_parser("models", help="embedding models: `models bench` compares their speed")
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    bench = actions.add_parser(
        "bench",
        help="size, dimension, load time, latency and throughput of the bundled, given and configured models",
        description="Measure the bundled all-MiniLM-L6-v2 (ONNX and torch), each --model, and every hosted "
        "model whose key or URL is set: size on disk, dimension, load time, median latency of one "
        '"Hello World" query and throughput on chunks of about 1,000 characters.',
    )
    bench.add_argument(
        "--model", action="append", default=[], metavar="PATH_OR_NAME", help="a local model folder (repeatable)"
    )
    bench.add_argument("--runs", type=int, default=20, metavar="N", help='"Hello World" queries per model (20)')
    bench.add_argument("--chunks", type=int, default=64, metavar="N", help="chunks embedded for the throughput (64)")
    bench.add_argument(
        "--corpus",
        metavar="FILE",
        help="cut the chunks from this file (text, or JSON Lines with a `text` field) instead of built-in prose",
    )
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(run=_bench)


def _bench(args: argparse.Namespace, service: Any) -> int:
    from rag_app.tools.models_bench import bench, corpus_chunks, read_corpus

    chunks = corpus_chunks(args.chunks, read_corpus(args.corpus) if args.corpus else ())
    quiet = args.json or not sys.stderr.isatty()
    progress = None if quiet else (lambda t: print(f"measuring {t.name} ({t.backend}, {t.device})…", file=sys.stderr))
    results = bench(service.settings, args.model, runs=args.runs, chunks=chunks, progress=progress)
    if args.json:
        print_json([r.to_dict() for r in results])
    else:
        _print_table(results)
    return EXIT_FAILURE if any(r.error for r in results) else EXIT_OK


def _print_table(results: list[Any]) -> None:
    rows = [HEADERS]
    for r in results:
        if r.error:
            rows.append((r.name, r.backend, r.device, _size(r.size_bytes), "—", "—", "—", "—"))
            continue
        rows.append(
            (
                r.name,
                r.backend,
                r.device,
                _size(r.size_bytes),
                str(r.dimension),
                f"{r.load_s:.2f} s",
                f"{r.latency_ms:.2f} ms",
                "—" if r.chunks_per_s is None else f"{r.chunks_per_s:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    for row in rows:
        cells = [cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())
    done = next((r for r in results if not r.error), None)
    if done:
        print(
            f"\nHello World: median of {done.runs} queries; chunks/s: {done.chunks} chunks of about "
            f"{done.chunk_chars:,} characters in one call; load: building the model in this process"
        )
    for r in results:
        if r.error:
            print(f"{r.name} ({r.backend}): {r.error}", file=sys.stderr)


def _size(size: int | None) -> str:
    return "—" if size is None else f"{size / 1e6:.1f} MB"
