"""Ingest: files -> documents -> chunks -> embeddings -> store, incrementally.

`langchain_core.indexing.index` with the catalog's record manager does the bookkeeping: chunks
already stored are not embedded again, a changed file's old chunks are replaced, and ids are a
hash of each chunk's text and metadata, so re-ingesting adds nothing. Files are streamed in
batches that never split a file (so a file's cleanup never races its own later chunks).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document

from rag_app import stores
from rag_app.config import Settings
from rag_app.embeddings import make_embeddings, model_name
from rag_app.errors import RagError
from rag_app.loaders import SUPPORTED, SkipFile, SourceFile, find_files, load_file
from rag_app.splitter import make_splitter

BATCH_CHUNKS = 64


@dataclass
class IngestReport:
    """What one ingest did."""

    files_read: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    deleted: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.files_read} files read, {len(self.skipped)} skipped, {self.added} chunks added, "
            f"{self.unchanged} already present, {self.deleted} removed, {self.seconds:.1f}s"
        )


def ingest(
    paths: list[str],
    settings: Settings,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest `paths` into the configured store; `progress(n)` is called as files finish."""
    started = time.perf_counter()
    files, skipped = find_files(paths)
    report = IngestReport(skipped=skipped)
    if not files:
        raise RagError(
            f"no supported files in {', '.join(map(str, paths))} "
            f"(supported: {', '.join(sorted(SUPPORTED))})"
        )
    catalog = stores.catalog(settings)
    embedding_model = model_name(settings)
    catalog.check_model(embedding_model)
    if on_start:
        on_start(len(files))
    with catalog.writing():
        embeddings = make_embeddings(settings)
        vectorstore = stores.open_vectorstore(settings, embeddings)
        if catalog.model() is None:
            catalog.set_model(embedding_model, len(embeddings.embed_query("dimension")))
        from langchain_core.indexing import index

        for batch in _batches(files, settings, report, progress):
            result = index(
                batch,
                catalog.record_manager,
                vectorstore,
                cleanup="incremental",
                source_id_key="path",
                key_encoder="sha256",
                batch_size=max(len(batch), 1),
            )
            report.added += result["num_added"] + result["num_updated"]
            report.unchanged += result["num_skipped"]
            report.deleted += result["num_deleted"]
        report.deleted += _remove_deleted_files(paths, files, catalog, vectorstore)
    report.seconds = time.perf_counter() - started
    return report


def _batches(
    files: list[SourceFile],
    settings: Settings,
    report: IngestReport,
    progress: Callable[[int], None] | None,
) -> Iterator[list[Document]]:
    """Chunks of whole files, about BATCH_CHUNKS at a time; unreadable files are skipped."""
    splitter = make_splitter(settings)
    batch: list[Document] = []
    for file in files:
        try:
            docs = load_file(file)
        except SkipFile as why:
            report.skipped.append((str(file.path), str(why)))
        else:
            report.files_read += 1
            path = str(file.path.resolve())
            for chunk in splitter.split_documents(docs):
                chunk.metadata["path"] = path
                batch.append(chunk)
        if progress:
            progress(1)
        if len(batch) >= BATCH_CHUNKS:
            yield batch
            batch = []
    if batch:
        yield batch


def _remove_deleted_files(paths: list[str], files: list[SourceFile], catalog, vectorstore) -> int:
    """Remove the chunks of files that were ingested from these folders before and are gone now."""
    present = {str(f.path.resolve()) for f in files}
    gone = [
        group
        for root in paths
        if Path(root).is_dir()
        for group in catalog.groups_under(str(Path(root).resolve()))
        if group not in present and not os.path.exists(group)
    ]
    removed = 0
    manager = catalog.record_manager
    for group in gone:
        keys = manager.list_keys(group_ids=[group])
        if keys:
            vectorstore.delete(keys)
            manager.delete_keys(keys)
            removed += len(keys)
    return removed
