"""Whether a store still holds what its catalog says: its identity and its chunk count.

The catalog remembers the identity of the store it describes (Chroma's collection id, the random
id rag_app writes into a Deep Lake dataset). A store deleted behind rag_app's back, replaced by a
new server or a new `mem://` dataset has another identity; one emptied by hand has fewer chunks.
Both are cheap to read: a count, not a scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag_app.config import Settings
from rag_app.errors import StoreError, first_line
from rag_app.results import Stats
from rag_app.stores.catalog import Catalog


@dataclass(frozen=True)
class StoreState:
    """What the store itself says: who it is and how many chunks it holds."""

    identity: str
    chunks: int


def read_state(settings: Settings) -> StoreState:
    """The identity and chunk count of the configured store, read from the store itself.

    Raises:
        StoreError: the store cannot be reached or read.
    """
    from rag_app.stores import backend

    try:
        identity, chunks = backend(settings).read_state(settings)
    except StoreError:
        raise
    except Exception as err:
        raise StoreError(f"cannot read the store: {first_line(err)}") from err
    return StoreState(identity, chunks)


def disagreement(catalog: Catalog, state: StoreState) -> str | None:
    """One line saying how the store differs from its catalog, or None when they agree."""
    recorded_chunks, _ = catalog.counts()
    recorded_id = catalog.store_id()
    if recorded_chunks == 0:  # a deleted catalog, or a first ingest stopped before it recorded anything
        return f"the store holds {state.chunks} chunks but its catalog lists none" if state.chunks else None
    if recorded_id and state.identity and recorded_id != state.identity:
        return f"the store was replaced or recreated: its catalog lists {recorded_chunks} chunks of another store"
    if state.chunks != recorded_chunks:
        return f"the store holds {state.chunks} chunks but its catalog lists {recorded_chunks}"
    return None


def store_stats(settings: Settings) -> Stats:
    """What the store holds (counted by the store), its catalog's view, and the embedding model.

    Raises:
        StoreError: the store cannot be reached or read.
    """
    from rag_app import stores
    from rag_app.providers.registry import redact

    catalog = stores.catalog(settings)
    recorded_chunks, sources = catalog.counts()
    state = read_state(settings)
    recorded = catalog.model()
    if recorded is None:  # nothing ingested yet: show what ingest would use
        from rag_app.providers.registry import model_name

        recorded = (model_name(settings), None)
    return Stats(
        store=settings.vector_store,
        location=redact(stores.location(settings), settings),
        chunks=state.chunks,
        sources=sources,
        embedding_model=recorded[0],
        dimension=recorded[1],
        collection=settings.collection,
        catalog_chunks=recorded_chunks,
        warning=disagreement(catalog, state),
    )
