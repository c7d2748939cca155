"""Ingest: files -> documents -> chunks -> embeddings -> store, incrementally.

`langchain_core.indexing.index` with the catalog's record manager does the bookkeeping: chunks
already stored are not embedded again, a changed file's old chunks are replaced, and ids are a
hash of each chunk's text and metadata, so re-ingesting adds nothing. Files are streamed in
batches that never split a file, so a file's cleanup never races its own later chunks and
memory stays flat in corpus size. Chunks of files deleted from an ingested folder are removed.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag_app import stores
from rag_app.config import Settings
from rag_app.errors import NotFoundError, RagError, first_line
from rag_app.ingestion.identity import chunk_id, local_path, source_key
from rag_app.ingestion.loaders import (
    HTML_SUFFIXES,
    SUPPORTED,
    EmptyFile,
    SkipFile,
    SourceFile,
    find_files,
    load_file,
)
from rag_app.ingestion.overlap import PrefetchingEmbeddings, lookahead, new_texts
from rag_app.ingestion.resync import resync
from rag_app.ingestion.splitter import make_splitter
from rag_app.providers.embeddings import make_embeddings
from rag_app.providers.huggingface import check_device
from rag_app.providers.registry import model_name
from rag_app.results import IngestReport
from rag_app.retrieval.keyword_index import keyword_index
from rag_app.retrieval.keyword_sync import Mirror, bring_in_step
from rag_app.stores.batched import BatchedStore, slices
from rag_app.stores.catalog import Catalog
from rag_app.stores.state import disagreement, read_state

LOST_TEXT = 0.1
"""An HTML or PDF file that yields less text than this share of its size is warned about…"""
LOST_TEXT_MIN_BYTES = 8192
"""… unless it is smaller than this: a short page's markup alone outweighs its text (3 of
bench/realdocs' small libffi and libxslt pages, whose text is whole)."""
log = logging.getLogger(__name__)
BATCH_CHUNKS = 256  # chunks per index() call; store calls are cut to the store's limit


def ingest(
    paths: list[str],
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    dry_run: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    roots: Sequence[Path] | None = None,
    verify: bool = False,
    embeddings: Callable[[], Embeddings] | None = None,
) -> IngestReport:
    """Ingest `paths` into the configured store; `progress(files, chunks)` is called as files finish.
    With `roots`, files whose real path lies outside those folders are skipped (loaders.find_files).
    `embeddings` gives a model already made for `settings` (a long-running service's, so that each
    upload or `watch` batch does not load it again); without it, one is made when writing starts.

    A file with the size and modification time recorded when its chunks were stored (and whose
    chunks the catalog still lists) is not read at all; `verify` reads and hashes every file.
    """
    started = time.perf_counter()
    files, skipped = find_files(paths, include, exclude, roots)
    report = IngestReport(skipped=skipped, dry_run=dry_run)
    if not files:
        raise RagError(
            f"no supported files in {', '.join(map(str, paths))} (supported: {', '.join(sorted(SUPPORTED))})"
        )
    catalog = stores.catalog(settings)
    embedding_model = model_name(settings)
    catalog.check_model(embedding_model)
    if settings.embeddings == "huggingface":
        check_device(settings.embedding_device)  # a wrong device fails now, not after reading every file
    if on_start:
        on_start(len(files))
    stamps: dict[str, tuple[int, int]] = {}
    batches = _batches(files, settings, catalog, report, progress, stamps, verify)
    gone = _deleted_groups(paths, files, catalog, settings.source_root)
    if dry_run:
        problem = disagreement(catalog, read_state(settings))
        if problem:
            report.notes.append(f"{problem}: an ingest would store the missing chunks again")
        _plan(batches, gone, catalog, report)
    else:
        embeddings = PrefetchingEmbeddings(
            embeddings() if embeddings else make_embeddings(settings), settings.embedding_batch_size
        )
        try:
            with catalog.writing():
                present = {source_key(f.path, settings.source_root) for f in files}
                _write(batches, gone, catalog, settings, embeddings, embedding_model, report, stamps, present, progress)
        finally:  # no thread may be left inside the model when the process exits (a Ctrl-C)
            embeddings.close()
    report.seconds = time.perf_counter() - started
    return report


def _write(
    batches: Iterator[tuple[list[Document], list[str]]],
    gone: list[str],
    catalog: Catalog,
    settings: Settings,
    embeddings: PrefetchingEmbeddings,
    embedding_model: str,
    report: IngestReport,
    stamps: dict[str, tuple[int, int]],
    present: set[str],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    from langchain_core.indexing import index

    vectorstore = stores.open_vectorstore(settings, embeddings)
    keywords = keyword_index(catalog)
    if catalog.model() is None:
        catalog.set_model(embedding_model, len(embeddings.embed_query("dimension")))
    # Other machines' changes first, so this index's marker follows this ingest's own changes.
    bring_in_step(keywords, catalog, vectorstore)
    mirror = Mirror(keywords, catalog)
    store = BatchedStore(vectorstore, on_add=mirror.added, on_delete=mirror.deleted)
    state = read_state(settings)
    before = dict(catalog.group_counts()) if disagreement(catalog, state) else {}
    report.resynced, problem = resync(catalog, state, store, mirror)
    if problem:
        # Files this ingest does not name (an upload names one) lost their chunks too: store them
        # again from their files when these still exist, and say which could not be.
        lost = _lost_groups(before, dict(catalog.group_counts()), present)
        here = [group for group in lost if local_path(group, settings.source_root).is_file()]
        restored = [SourceFile(local_path(group, settings.source_root), Path(group).name) for group in here]
        batches = itertools.chain(batches, _batches(restored, settings, catalog, report, progress, stamps))
        note = f"{problem}: " + (
            f"{report.resynced} chunks are stored again"
            if report.resynced or before
            else "its records are rebuilt from the files ingested now"  # the catalog was lost, not the store
        )
        if here:
            note += f", from {_count(len(here), 'file')} this ingest did not name as well"
        missing = [Path(group).name for group in lost if group not in here]
        if missing:
            note += (
                f"; {_count(len(missing), 'file')} whose chunks were lost {'is' if len(missing) == 1 else 'are'} "
                "gone from disk and cannot be stored again: "
                + ", ".join(missing[:5])
                + ("…" if len(missing) > 5 else "")
            )
        report.notes.append(note)
    manager = catalog.record_manager
    started = manager.get_time()
    with vectorstore.loading():  # PostgreSQL builds its vector index at the end of a first load
        # The next batch's new chunks are encoded while this one is written (ingestion/overlap.py).
        for batch, finished in lookahead(
            batches, lambda item: embeddings.prefetch(new_texts(item[0], manager, chunk_id))
        ):
            # A batch's chunks, records, change log and file stamps commit together where the store can (PostgreSQL).
            with vectorstore.transaction(catalog):
                if batch:
                    # No cleanup inside index(): it would clean a file up after its first batch and so
                    # drop (then re-embed) the rest of a file longer than one batch. Stale chunks of a
                    # file go once its last chunk is stored: every chunk seen since `started` is newer.
                    index(
                        batch,
                        manager,
                        store,
                        cleanup=None,
                        source_id_key="path",
                        key_encoder=chunk_id,
                        batch_size=len(batch),
                    )
                if finished:
                    report.deleted += _delete_keys(
                        manager.list_keys(group_ids=finished, before=started), catalog, store
                    )
                    catalog.set_stamps({path: stamps[path] for path in finished if path in stamps})
        with vectorstore.transaction(catalog):
            report.deleted += _remove_groups(gone, catalog, store)
    catalog.set_extracted(report.extracted)
    catalog.set_store_id(read_state(settings).identity)


def _lost_groups(before: dict[str, int], after: dict[str, int], present: set[str]) -> list[str]:
    """Files outside this ingest (`present`) of which the catalog dropped records."""
    return sorted(group for group, chunks in before.items() if after.get(group, 0) < chunks and group not in present)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _delete_keys(keys: list[str], catalog: Catalog, store: BatchedStore) -> int:
    """Delete chunks from the store, then their records, a slice at a time."""
    for part in slices(keys, store.limit):
        store.delete(list(part))
        catalog.record_manager.delete_keys(list(part))
    return len(keys)


def _remove_groups(groups: list[str], catalog: Catalog, store: BatchedStore) -> int:
    """Delete every chunk of these source files from the store, then from the records."""
    return _delete_keys(sorted(catalog.keys_of(groups)), catalog, store) if groups else 0


@dataclass(frozen=True)
class _Changes:
    added: int
    updated: int
    unchanged: int
    stale: int


def _changes(chunks: list[Document], catalog: Catalog) -> _Changes:
    """How an ingest treats one file's chunks: new chunks of a new file (added), new chunks of a
    file already ingested (updated), chunks already stored, and stale old chunks."""
    # index() offers no dry run; its own hashing helper gives the ids it will use.
    ids = {chunk_id(doc) for doc in chunks}
    recorded = catalog.keys_of([chunks[0].metadata["path"]])
    new = len(ids - recorded)
    return _Changes(
        added=0 if recorded else new,
        updated=new if recorded else 0,
        unchanged=len(ids & recorded),
        stale=len(recorded - ids),
    )


def _plan(
    batches: Iterator[tuple[list[Document], list[str]]], gone: list[str], catalog: Catalog, report: IngestReport
) -> None:
    """Count what `_write` would do, reading only the catalog (no model, no store)."""
    for _ in batches:  # reading the files counts their changes
        pass
    report.deleted += len(catalog.keys_of(gone))


def _batches(
    files: list[SourceFile],
    settings: Settings,
    catalog: Catalog,
    report: IngestReport,
    progress: Callable[[int, int], None] | None,
    stamps: dict[str, tuple[int, int]],
    verify: bool = False,
) -> Iterator[tuple[list[Document], list[str]]]:
    """Batches of BATCH_CHUNKS chunks, cut across files, each with the files whose last chunk it holds.

    Each file's changes are counted into `report` when it is read, before any of it is written
    (in a dry run its stale chunks count as removed); unreadable files are skipped and keep
    their old chunks. A file unchanged since its chunks were stored (same size and modification
    time, chunks still recorded) is not read unless `verify`; the (size, mtime) of each file read
    goes into `stamps`, to be recorded once its chunks are stored.
    """
    splitter = make_splitter(settings)
    batch: list[Document] = []
    finished: list[str] = []
    recorded = {} if verify else catalog.stamps()  # read on the first batch: after any resync
    chunks_of = dict(catalog.group_counts()) if recorded else {}
    for file in files:
        stamp = _stamp(file.path)
        path = source_key(file.path, settings.source_root)
        if stamp is not None and recorded.get(path) == stamp and chunks_of.get(path):
            report.files_unchanged += 1
            report.unchanged += chunks_of[path]
            if progress:
                progress(1, 0)
            continue
        try:
            docs = load_file(file, settings.max_file_mb)
            chunks = splitter.split_documents(docs)
        except Exception as err:  # one bad file is skipped with its reason; the others go on
            chunks = []
            if _skip(file, path, err, settings, catalog, report):
                finished.append(path)  # emptied: its old chunks go as a changed file's do
        else:
            report.files_read += 1
            if stamp is not None:
                stamps[path] = stamp
            _count_text(file, path, docs, report)
        if chunks:
            for chunk in chunks:
                chunk.metadata["path"] = path
            changes = _changes(chunks, catalog)
            report.added += changes.added
            report.updated += changes.updated
            report.unchanged += changes.unchanged
            report.deleted += changes.stale if report.dry_run else 0
        for number, chunk in enumerate(chunks, start=1):
            batch.append(chunk)
            if number == len(chunks):
                finished.append(path)
            if len(batch) >= BATCH_CHUNKS:
                yield batch, finished
                batch, finished = [], []
        if progress:
            progress(1, len(chunks))
    if batch or finished:
        yield batch, finished


def _stamp(path: Path) -> tuple[int, int] | None:
    """(size, modification time in ns) of a file; None when it cannot be read."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns


def _skip(
    file: SourceFile, path: str, err: Exception, settings: Settings, catalog: Catalog, report: IngestReport
) -> bool:
    """Report a file that gave no chunks, with why and what happens to its chunks from before.

    Returns:
        Whether its old chunks go: a file now empty (or with no text left) has changed; any other
        file skipped (too large, unreadable, broken) keeps them, and the reason says so.
    """
    if settings.debug and (err.__cause__ or not isinstance(err, SkipFile)):
        log.warning("%s is skipped:", file.path, exc_info=err)
    if not isinstance(err, SkipFile):  # a failure no loader foresaw (the splitter's): this file's, not the ingest's
        err = SkipFile(f"cannot be read: {type(err).__name__}: {first_line(err)[:200]}")
    reason, old = str(err), len(catalog.keys_of([path]))
    emptied = isinstance(err, EmptyFile) and old > 0
    if emptied:
        reason += f": its {old} chunks from before {'would be ' if report.dry_run else ''}removed"
        report.deleted += old if report.dry_run else 0
    elif old:
        reason += f"; its {old} chunks from before are kept"
    report.skipped.append((str(file.path), reason))
    return emptied


def _count_text(file: SourceFile, path: str, docs: list[Document], report: IngestReport) -> None:
    """Record the characters of text `docs` hold, and warn when an HTML or PDF file of at least
    LOST_TEXT_MIN_BYTES gave under LOST_TEXT of its size (its main content was likely dropped, or
    it is a scan)."""
    characters = sum(len(doc.page_content) for doc in docs)
    try:
        size = file.path.stat().st_size
    except OSError:
        return
    report.extracted.append((path, file.source, characters, size))
    if (
        file.path.suffix.lower() in (*HTML_SUFFIXES, ".pdf")
        and size >= LOST_TEXT_MIN_BYTES
        and characters < LOST_TEXT * size
    ):
        report.warnings.append(
            f"{file.source}: only {characters:,} characters of text from {size:,} bytes "
            f"({characters / size:.0%}); was most of it lost?"
        )


def _deleted_groups(paths: list[str], files: list[SourceFile], catalog: Catalog, root: Path | None) -> list[str]:
    """Files ingested from these folders before that no longer exist (their chunks go too)."""
    present = {source_key(f.path, root) for f in files}
    return [
        group
        for folder in paths
        if Path(folder).is_dir()
        for group in catalog.groups_under(source_key(Path(folder), root))
        if group not in present and not _exists(local_path(group, root))
    ]


def _exists(path: Path) -> bool:
    """Whether the file is still there; one that cannot be looked at (an unreadable folder) is
    taken to be, so its chunks stay."""
    try:
        return path.exists()
    except OSError:
        return True


def delete_source(settings: Settings, source: str) -> tuple[str, int]:
    """Remove every chunk of one ingested file, named by its key (path), by path here, or by its end.

    Returns:
        The removed file's key and how many chunks went.

    Raises:
        NotFoundError: no ingested file, or more than one, matches `source`.
        BusyError: another ingest is writing to this store.
    """
    catalog = stores.catalog(settings)
    groups = catalog.groups()
    here = source_key(Path(source).expanduser(), settings.source_root)
    exact = [g for g in (source, here) if g in groups]
    tail = "/" + source.lstrip("./")
    matches = exact[:1] or [g for g in groups if g.endswith(tail)]
    if not matches:
        raise NotFoundError(f"no ingested source matches {source!r}")
    if len(matches) > 1:
        raise NotFoundError(
            f"{source!r} matches {len(matches)} sources ({', '.join(matches[:3])}…): give the full path"
        )
    with catalog.writing():
        store = _open_for_maintenance(settings, catalog)
        with store.inner.transaction(catalog):
            removed = _remove_groups(matches, catalog, store)
    return matches[0], removed


def reset(settings: Settings) -> int:
    """Empty the configured store and its catalog; returns how many chunks it held."""
    catalog = stores.catalog(settings)
    chunks, _ = catalog.counts()
    with catalog.writing():
        vectorstore = _open_for_maintenance(settings, catalog)
        keywords = keyword_index(catalog)
        keywords.clear()  # first: the keyword index never holds what the store lacks
        vectorstore.delete_collection()
        catalog.forget()  # logs the reset: other machines empty their keyword index too
        keywords.mark(catalog.db.shown, catalog.head())
    return chunks


def _open_for_maintenance(settings: Settings, catalog: Catalog) -> BatchedStore:
    """The store, opened for deleting: that embeds nothing, so no model is loaded."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    recorded = catalog.model()
    vectorstore = stores.open_vectorstore(settings, DeterministicFakeEmbedding(size=recorded[1] if recorded else 8))
    return BatchedStore(vectorstore, on_delete=Mirror(keyword_index(catalog), catalog).deleted)
