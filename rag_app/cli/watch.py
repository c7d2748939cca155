"""`watch`: keep the store in sync with folders as their files change (rag_app.ingestion.watch)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(commands: Any) -> None:
    watch = commands.add_parser(
        "watch", help="ingest folders, then keep the store in sync as their files change (Ctrl-C stops)"
    )
    watch.add_argument("paths", nargs="+", metavar="PATH", help="folders or files to watch")
    watch.set_defaults(run=_watch)


def render(batch: Any) -> None:
    """One line per batch (and one per skipped file), on stderr."""
    out = sys.stderr
    if batch.error:
        print(f"not synced yet ({batch.error}); trying again", file=out)
        return
    for report in batch.reports:
        for path, reason in report.skipped:
            print(f"skipped {path}: {reason}", file=out)
        print(
            f"synced {len(batch.changed)} change{'' if len(batch.changed) == 1 else 's'}: {report.summary()}", file=out
        )
    if batch.removed or not batch.reports:
        print(f"synced {len(batch.changed)} change(s): {batch.removed} chunks removed", file=out)


def _watch(args: argparse.Namespace, service: Any) -> int:
    from rag_app.ingestion.watch import watch

    print(f"watching {', '.join(args.paths)} for {service.store_name} (Ctrl-C stops)", file=sys.stderr)
    try:
        watch(service, args.paths, on_batch=render)
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    return 0
