"""`stats` and `doctor`: what the store holds, and whether each part answers."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rag_app.cli.render import print_json, print_table

EXIT_OK, EXIT_FAILURE = 0, 1


def register(commands: Any) -> None:
    stats = commands.add_parser("stats", help="what the store holds: location, chunks, sources, model")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(run=_stats)

    doctor = commands.add_parser("doctor", help="show the effective settings and check each part answers")
    doctor.set_defaults(run=_doctor)


def _stats(args: argparse.Namespace, service: Any) -> int:
    stats = service.stats()
    if stats.warning:
        print(f"warning: {stats.warning}: run `ingest` on your folders to store them again", file=sys.stderr)
    if args.json:
        print_json(stats.to_dict())
    else:
        print_table({**stats.to_dict(), "collection": stats.collection})
    return EXIT_OK


def _doctor(args: argparse.Namespace, service: Any) -> int:
    from rag_app.doctor import effective_settings
    from rag_app.providers.registry import redact

    print_table(effective_settings(service.settings), width=24)
    print()
    failed = 0
    for check in service.doctor():
        failed += not check.ok
        print(f"{'ok' if check.ok else 'FAIL':<6}{check.name:<12}{redact(check.detail, service.settings)}", flush=True)
    return EXIT_FAILURE if failed else EXIT_OK
