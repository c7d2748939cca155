"""Keep a store in sync with folders as their files change (`watch PATH...`, `serve --watch PATH`).

watchfiles reports changes in batches (a burst, such as an editor's save or a `git checkout`, is
one batch). Editors' temporary and lock files are ignored. Each batch runs the same incremental
ingest as `ingest` under the store's write lock: changed and new files are read again (only the
chunks that changed are embedded), deleted ones lose their chunks, a rename is both. A batch that
fails (the store is busy with another ingest, a file vanished mid-read) is tried again on the next
change or after RETRY_S, and the watcher goes on.
"""

from __future__ import annotations

import glob
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag_app.errors import RagError
from rag_app.results import IngestReport

RETRY_S = 5.0
_TEMPORARY_PREFIXES = ("~$", ".#", ".~lock.")
_TEMPORARY_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".kate-swp")


@dataclass
class Batch:
    """What one batch of changes did."""

    changed: list[str] = field(default_factory=list)
    """The files that were added, changed or removed (paths as the watcher saw them)."""
    reports: list[IngestReport] = field(default_factory=list)
    removed: int = 0
    """Chunks removed for files that are gone (besides those in the reports)."""
    seconds: float = 0.0
    error: str | None = None
    """Why the batch failed (it is tried again); None when it worked."""


def is_temporary(path: str | Path) -> bool:
    """Whether `path` names an editor's temporary or lock file (`~$x.docx`, `.#x`, `x.swp`, `x~`)."""
    name = Path(path).name
    return name.startswith(_TEMPORARY_PREFIXES) or name.endswith(_TEMPORARY_SUFFIXES)


def watch(
    service: Any,
    paths: Sequence[str | Path],
    on_batch: Callable[[Batch], None] | None = None,
    stop: threading.Event | None = None,
    quiet_ms: int = 200,
    longest_ms: int = 2000,
) -> None:
    """Sync the store with `paths` once, then after every batch of changes until `stop` is set.

    Args:
        service: the RagService whose store is kept in sync.
        paths: folders (or files) to watch.
        on_batch: called after each batch (the first sync included), with what it did.
        stop: set it to stop watching (from another thread); without it, watch until KeyboardInterrupt.
        quiet_ms: a batch ends after this long without a new change...
        longest_ms: ...or after this long in all.

    Raises:
        RagError: a path does not exist, or the first sync fails (nothing is watched then).
    """
    from watchfiles import Change
    from watchfiles import watch as changes

    roots = [Path(p).resolve() for p in paths]
    for root in roots:
        if not root.exists():
            raise RagError(f"no such file or directory: {root}")
    persist = Path(service.settings.persist_dir).resolve()
    first = Batch(changed=[str(r) for r in roots])
    _sync(service, roots, None, first)
    if first.error:
        raise RagError(first.error)
    if on_batch:
        on_batch(first)
    pending: set[Path] = set()
    caught_up = False  # changes made during the first sync, before the watcher started, are found by a second

    def wanted(change: Change, path: str) -> bool:
        candidate = Path(path)
        return not (is_temporary(candidate) or candidate.is_relative_to(persist) or _hidden(candidate, roots))

    for found in changes(
        *roots,
        watch_filter=wanted,
        debounce=longest_ms,
        step=quiet_ms,
        stop_event=stop,
        rust_timeout=int(RETRY_S * 1000),  # an empty batch after RETRY_S: a failed batch is tried again
        yield_on_timeout=True,
        raise_interrupt=True,
    ):
        pending |= {Path(path) for _, path in found}
        if caught_up and not pending:
            continue
        batch = Batch(changed=sorted(map(str, pending)))
        _sync(service, roots, pending if caught_up else None, batch)
        caught_up = caught_up or not batch.error
        if not batch.error:
            pending = set()
        if on_batch:
            on_batch(batch)


def _hidden(path: Path, roots: Iterable[Path]) -> bool:
    """Whether `path` lies in a hidden file or folder below its root (ingest leaves those out too)."""
    for root in roots:
        if path.is_relative_to(root):
            return any(part.startswith(".") for part in path.relative_to(root).parts)
    return False


def _sync(service: Any, roots: list[Path], changed: set[Path] | None, batch: Batch) -> None:
    """Ingest what changed below each root (everything when `changed` is None) and drop what is gone."""
    from rag_app import stores

    started = time.perf_counter()
    try:
        with stores.catalog(service.settings).writing():
            for root in roots:
                _sync_root(service, root, changed, batch)
    except (RagError, OSError) as err:
        batch.error = str(err).splitlines()[0] if str(err) else type(err).__name__
    batch.seconds = time.perf_counter() - started


def _sync_root(service: Any, root: Path, changed: set[Path] | None, batch: Batch) -> None:
    from rag_app.errors import NotFoundError
    from rag_app.ingestion.loaders import find_files

    mine = None if changed is None else [p for p in changed if p == root or p.is_relative_to(root)]
    if mine is not None and not mine:
        return
    base = root if root.is_dir() else root.parent
    present = [p for p in mine if p.is_file()] if mine is not None else None
    include = None if present is None else [glob.escape(p.relative_to(base).as_posix()) for p in present]
    if include is None or include:
        files, _ = find_files([root], include=include or ())
        if files:  # the ingest of a folder also removes the chunks of its files that are gone
            batch.reports.append(service.ingest([root], include=include or ()))
            return
    for gone in mine or []:  # only deletions (or nothing readable): remove the chunks of what is gone
        for group in _groups_under(service, gone):
            try:
                batch.removed += service.delete(group).chunks
            except NotFoundError:
                pass


def _groups_under(service: Any, path: Path) -> list[str]:
    """The ingested files at or below `path` that no longer exist."""
    from rag_app import stores
    from rag_app.ingestion.identity import local_path, source_key

    root = service.settings.source_root
    groups = stores.catalog(service.settings).groups_under(source_key(path, root))
    return [g for g in groups if not local_path(g, root).exists()]
