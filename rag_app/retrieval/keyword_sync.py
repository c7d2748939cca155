"""Keeping this machine's keyword index in step with a catalog that other machines may write to.

Each machine keeps its own FTS5 index (fast BM25 with no server), and the catalog keeps the
ordered log of every chunk added to or removed from the store (`rag_app_change`). Then:

- A writer (holding the store's write lock) appends each change to the log and applies it to
  its own index in the same step (`Mirror`), moving the index's marker along when the index was
  in step before: its own changes are never fetched again.
- A reader catches up from its marker (`catch_up`): it reads only the log rows after it, drops
  the removed chunks and fetches the added ones' texts from the store, by id. The cost follows
  what changed, not what is stored.
- A full comparison of the index with the catalog's records (`reconcile`) is the fallback: an
  index that never synced with this catalog, or whose count still differs from the records
  after catching up (a writer killed mid-way). It runs only under the store's write lock,
  since mid-ingest the two differ by design; a reader that cannot take the lock uses the index
  as it is.

Why not keep the keyword rows in the shared catalog (PostgreSQL full text): its `ts_rank` is
not BM25, so hybrid ranking (tuned on BM25, bench/quality.md) would differ between a SQLite and
a PostgreSQL catalog, and every keyword query would be a round trip to the database server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from langchain_core.documents import Document

from rag_app.errors import BusyError
from rag_app.retrieval.keyword_index import KeywordIndex
from rag_app.stores.catalog import Catalog

if TYPE_CHECKING:
    from langchain_core.vectorstores import VectorStore


def _name(catalog: Catalog) -> str:
    """Which catalog the index's marker refers to (its URL without password)."""
    return catalog.db.shown


class Mirror:
    """A writer's hooks for `BatchedStore`: log each change in the catalog, then apply it here.

    Use it only while holding the store's write lock (no one else appends to the log).
    """

    def __init__(self, index: KeywordIndex, catalog: Catalog) -> None:
        self.index = index
        self.catalog = catalog
        self._head = catalog.head()

    def added(self, docs: list[Document]) -> None:
        """After the store has `docs`."""
        self._apply(docs, [])

    def deleted(self, ids: Sequence[str]) -> None:
        """Before the store loses `ids`."""
        self._apply([], ids)

    def _apply(self, docs: list[Document], ids: Sequence[str]) -> None:
        keys = [d.id for d in docs if d.id] or list(ids)
        seq = self.catalog.log(keys, removed=not docs)
        self.index.apply(docs, ids, synced=(_name(self.catalog), seq, self._head))
        self._head = seq


def catch_up(index: KeywordIndex, catalog: Catalog, store: VectorStore) -> int | None:
    """Apply the catalog's changes after the index's marker; how many chunks changed.

    Returns None when the marker cannot be used (never synced with this catalog, or ahead of
    it: the catalog was recreated), and a full `reconcile` is needed.
    """
    from rag_app.stores.batched import BatchedStore

    marker = index.synced(_name(catalog))
    head = catalog.head()
    if marker is None or marker > head:
        return None
    batched = BatchedStore(store)
    changed = 0
    while marker < head:
        page = catalog.changes(marker)
        if not page:
            break
        final: dict[str, bool] = {}  # chunk id -> removed, the last change of each wins
        emptied = False
        for _, key, removed in page:
            if not key:  # a reset: what came before it no longer matters
                final, emptied = {}, True
            else:
                final[key] = removed
        added = batched.get_by_ids([key for key, removed in final.items() if not removed])
        gone = [key for key, removed in final.items() if removed]
        marker = page[-1][0]
        index.apply(added, gone, synced=(_name(catalog), marker, None), clear=emptied)
        changed += len(final)
    return changed


def reconcile(index: KeywordIndex, catalog: Catalog, store: VectorStore) -> int:
    """Make the index hold exactly the chunks the catalog records (texts read from `store`).

    Call it holding the store's write lock. Returns how many chunks were added or removed.
    """
    from rag_app.stores.batched import BatchedStore

    head = catalog.head()
    extra, missing = index.differences(catalog.keys())
    index.delete(extra)
    batched = BatchedStore(store)
    for start in range(0, len(missing), batched.limit):
        index.add(batched.get_by_ids(missing[start : start + batched.limit]))
    index.mark(_name(catalog), head)
    return len(extra) + len(missing)


def bring_in_step(index: KeywordIndex, catalog: Catalog, store: VectorStore) -> int:
    """Catch up from the change log, then reconcile if the index still disagrees with the records.

    One process of this machine catches up at a time (a lock file beside the index); another
    finding it taken, or finding another ingest writing when a reconcile is due, uses the index
    as it is, and so does a process that may not write the index (a read-only store folder).
    Returns how many chunks of the index changed.
    """
    from rag_app.stores.locks import file_lock

    if index.read_only:  # a store folder this process may only read: nothing can be brought in step
        return 0
    try:
        with file_lock(index.path.with_suffix(".lock"), "the keyword index is being brought in step"):
            changed = catch_up(index, catalog, store)
            if changed is not None and index.count() == catalog.counts()[0]:
                return changed
            with catalog.writing():
                return (changed or 0) + reconcile(index, catalog, store)
    except BusyError:
        return 0
