"""Bring a catalog back in line with its store before an ingest writes anything.

When the store was emptied, deleted or replaced behind rag_app's back, the catalog still lists
chunks the store lacks, and an ingest would skip them as "already present". Dropping those
records lets the ingest embed and store them again.
"""

from __future__ import annotations

from typing import Any

from rag_app.stores.batched import slices
from rag_app.stores.catalog import Catalog
from rag_app.stores.state import StoreState, disagreement


def resync(catalog: Catalog, state: StoreState, store: Any, mirror: Any) -> tuple[int, str | None]:
    """Drop the catalog records of chunks the store does not hold.

    Args:
        catalog: the store's catalog.
        state: the store's identity and chunk count, as read before this ingest.
        store: the open store (a BatchedStore), to look up which recorded chunks it holds.
        mirror: the keyword Mirror: dropped chunks are logged as removed, so every machine's
            keyword index lets them go (they come back as added when stored again).

    Returns:
        How many records were dropped (those chunks will be embedded again), and the
        disagreement found (None when the store and its catalog agreed).
    """
    problem = disagreement(catalog, state)
    if problem is None:
        return 0, None
    manager = catalog.record_manager
    keys = catalog.keys()
    replaced = catalog.store_id() and state.identity and catalog.store_id() != state.identity
    if replaced or state.chunks == 0:
        missing = keys
    else:
        present = {doc.id for doc in store.get_by_ids(keys)}
        missing = [key for key in keys if key not in present]
    for part in slices(missing, 500):
        mirror.deleted(part)
        manager.delete_keys(list(part))
    return len(missing), problem
