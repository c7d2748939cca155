"""Encode the next batch while the store writes this one.

`langchain_core.indexing.index` embeds a batch and then writes it, one after the other. Here a
single background thread embeds batch N+1's new chunks (those the record manager does not know)
while the main thread writes batch N and reads the files of N+2; `index()` then finds the
vectors ready. ONNX Runtime and the stores release the GIL in their native code, so the two
overlap. At most two batches wait encoded ahead, so memory stays bounded; chunks already stored are
never sent to the model, so a re-ingest of an unchanged corpus still embeds nothing.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future
from typing import TypeVar

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.indexing import RecordManager

T = TypeVar("T")
_END = object()


class PrefetchingEmbeddings(Embeddings):
    """`inner`, with `prefetch(texts)` encoding in the background what `embed_documents` asks for next.

    The worker encodes `slice_size` texts at a time; `close()` stops it after the current slice,
    so an interrupted ingest exits within a slice instead of finishing the batches queued ahead.

    Args:
        inner: the embedding model.
        slice_size: texts per call of the model in the background (RAG_EMBEDDING_BATCH_SIZE).
    """

    def __init__(self, inner: Embeddings, slice_size: int = 32) -> None:
        self.inner = inner
        self._jobs: queue.SimpleQueue[tuple[Future, list[str]] | None] = queue.SimpleQueue()
        self._pending: list[tuple[list[str], Future]] = []
        self._stop = threading.Event()
        self._worker = threading.Thread(
            target=_work, args=(inner, self._jobs, self._stop, slice_size), name="rag-embed", daemon=True
        )
        self._worker.start()
        weakref.finalize(self, self._jobs.put, None)

    def close(self) -> None:
        """Stop the worker once the slice it is encoding is done, and wait for it.

        A thread still inside ONNX Runtime when the interpreter exits makes the runtime's
        destructors abort the process ("terminate called without an active exception", exit
        134 after a Ctrl-C), so an ingest closes this before it returns or raises.
        """
        self._stop.set()
        self._jobs.put(None)
        self._worker.join()

    def prefetch(self, texts: list[str]) -> None:
        """Start embedding `texts` in the background (nothing for an empty list)."""
        if texts:
            future: Future = Future()
            self._jobs.put((future, texts))
            self._pending.append((texts, future))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """The prefetched vectors when `texts` is what was prefetched first, else embedded now.

        Raises:
            Exception: whatever the model raised, for a prefetched batch too.
        """
        texts = list(texts)
        while self._pending:
            wanted, future = self._pending.pop(0)
            if wanted == texts:
                return future.result()
            future.cancel()  # never asked for (index() found those chunks stored after all)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def _work(inner: Embeddings, jobs: queue.SimpleQueue, stop: threading.Event, slice_size: int) -> None:
    """Embed queued batches in order, `slice_size` texts at a time, until told to stop (None or `stop`)."""
    while (job := jobs.get()) is not None and not stop.is_set():
        future, texts = job
        if future.set_running_or_notify_cancel():
            try:
                vectors: list[list[float]] = []
                for start in range(0, len(texts), slice_size):
                    if stop.is_set():
                        raise CancelledError("the ingest stopped")
                    vectors += inner.embed_documents(texts[start : start + slice_size])
                future.set_result(vectors)
            except BaseException as err:  # handed to the thread that asks for these vectors
                future.set_exception(err)


def new_texts(batch: list[Document], manager: RecordManager, key: Callable[[Document], str]) -> list[str]:
    """The texts `index()` will embed for `batch`: first copies of ids the record manager lacks."""
    if not batch:
        return []
    ids: dict[str, Document] = {}
    for doc in batch:
        ids.setdefault(key(doc), doc)
    known = manager.exists(list(ids))
    return [doc.page_content for doc, stored in zip(ids.values(), known) if not stored]


def lookahead(items: Iterable[T], on_next: Callable[[T], None]) -> Iterator[T]:
    """`items` one at a time, calling `on_next(item)` for each item before the previous one is yielded."""
    iterator = iter(items)
    current = next(iterator, _END)
    if current is _END:
        return
    on_next(current)
    for following in iterator:
        on_next(following)
        yield current
        current = following
    yield current
