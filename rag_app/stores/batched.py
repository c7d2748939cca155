"""A store seen through slices it accepts: every add, delete and read by id is cut to its limit.

`langchain_core.indexing.index` and our own cleanup hand a store as many ids as they have; a
store refuses more than its `batch_limit` in one call (Chroma embedded: 5,461). `BatchedStore`
delegates to the real store one slice at a time. `on_add` / `on_delete` are called around each slice so a
companion index (the keyword index) follows every write: after the store has a slice, before the
store loses one, so the companion never holds a chunk the store does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from rag_app.stores.contract import StoreBackend

T = TypeVar("T")


def slices(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BatchedStore(VectorStore):
    """`inner`, with adds, deletes and reads by id cut into slices of at most `limit` items
    (at most the store's own `batch_limit`)."""

    def __init__(
        self,
        inner: StoreBackend,
        limit: int | None = None,
        on_add: Callable[[list[Document]], None] | None = None,
        on_delete: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self.inner = inner
        self.limit = max(1, min(limit or inner.batch_limit, inner.batch_limit))
        self.on_add = on_add
        self.on_delete = on_delete

    @property
    def embeddings(self) -> Embeddings | None:
        return self.inner.embeddings

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Add (upsert by id) in slices; `ids` in kwargs, as LangChain passes them, win over doc ids."""
        ids = kwargs.pop("ids", None) or [doc.id for doc in documents]
        kwargs.pop("batch_size", None)
        added: list[str] = []
        for start in range(0, len(documents), self.limit):
            part = documents[start : start + self.limit]
            part_ids = list(ids[start : start + self.limit])
            added += self.inner.add_documents(part, ids=part_ids, **kwargs)
            if self.on_add:
                self.on_add(
                    [Document(page_content=d.page_content, metadata=d.metadata, id=i) for d, i in zip(part, part_ids)]
                )
        return added

    def add_texts(
        self, texts: Iterable[str], metadatas: list[dict] | None = None, *, ids: list[str] | None = None, **kwargs: Any
    ) -> list[str]:
        texts = list(texts)
        metadatas = metadatas or [{} for _ in texts]
        docs = [Document(page_content=t, metadata=m) for t, m in zip(texts, metadatas)]
        return self.add_documents(docs, ids=ids, **kwargs)

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete by id in slices (the companion first, so it never outlives the store's chunk)."""
        for part in slices(list(ids or []), self.limit):
            if self.on_delete:
                self.on_delete(part)
            self.inner.delete(list(part), **kwargs)
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        found: list[Document] = []
        for part in slices(list(ids), self.limit):
            found += self.inner.get_by_ids(part)
        return found

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return self.inner.similarity_search(query, k, **kwargs)

    def delete_collection(self) -> None:
        self.inner.delete_collection()

    @classmethod
    def from_texts(cls, texts: list[str], embedding: Embeddings, metadatas: list[dict] | None = None, **kwargs: Any):
        raise NotImplementedError("BatchedStore wraps an open store; build the store itself instead")
