"""`ingest`, `sources`, `delete` and `reset`: what is in the store."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import Any

from rag_app.cli.render import ingest_progress, print_json
from rag_app.errors import ConfigError

EXIT_OK = 0


def register(commands: Any) -> None:
    ingest = commands.add_parser("ingest", help="load, split, embed and store files or folders")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    ingest.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument(
        "--verify",
        action="store_true",
        help="read and hash every file (by default a file with the size and time it had when stored is not read)",
    )
    ingest.add_argument(
        "--include", action="append", default=[], metavar="GLOB", help="only files matching GLOB (repeatable)"
    )
    ingest.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="leave out files matching GLOB (repeatable)"
    )
    ingest.set_defaults(run=_ingest)

    sources = commands.add_parser("sources", help="list the ingested files with their chunk counts")
    sources.add_argument("--json", action="store_true", help="print JSON")
    sources.set_defaults(run=_sources)

    delete = commands.add_parser("delete", help="remove one ingested file's chunks from the store")
    delete.add_argument("source", help="the file's path, or its source name as `sources` shows it")
    delete.set_defaults(run=_delete)

    reset = commands.add_parser("reset", help="empty the store (asks first on a terminal)")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(run=_reset)


def _ingest(args: argparse.Namespace, service: Any) -> int:
    with ExitStack() as stack:
        bar: list[Any] = []

        def on_start(total: int) -> None:
            print(f"ingesting {total} file{'' if total == 1 else 's'} into {service.store_name}", file=sys.stderr)
            bar.append(stack.enter_context(ingest_progress(total)))

        report = service.ingest(
            args.paths,
            dry_run=args.dry_run,
            progress=lambda files, chunks: bar[0](files, chunks),
            on_start=on_start,
            include=args.include,
            exclude=args.exclude,
            verify=args.verify,
        )
    for path, reason in report.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.summary())
    return EXIT_OK


def _sources(args: argparse.Namespace, service: Any) -> int:
    listed = service.sources()
    if args.json:
        print_json([s.to_dict() for s in listed])
        return EXIT_OK
    for entry in listed:
        print(f"{entry.chunks:>7}  {entry.source}")
    total = sum(s.chunks for s in listed)
    print(f"{len(listed)} source{'' if len(listed) == 1 else 's'}, {total} chunk{'' if total == 1 else 's'}")
    return EXIT_OK


def _delete(args: argparse.Namespace, service: Any) -> int:
    deleted = service.delete(args.source)
    print(f"removed {deleted.chunks} chunk{'' if deleted.chunks == 1 else 's'} of {deleted.source}")
    return EXIT_OK


def _reset(args: argparse.Namespace, service: Any) -> int:
    where = service.store_name
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("reset deletes every chunk: add --yes to confirm when not on a terminal")
        chunks = service.stats().chunks
        if input(f"Delete all {chunks} chunks in {where}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return EXIT_OK
    print(f"removed {service.reset()} chunks; {where} is empty")
    return EXIT_OK
