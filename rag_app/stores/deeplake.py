"""Deep Lake 4 as a LangChain VectorStore.

Why our own: the published `langchain-deeplake` 0.1.0 does not import under LangChain 1.x (it
imports `langchain.retrievers.self_query`, which is gone), and its `delete` pastes ids into TQL
unescaped. This module uses the `deeplake` 4.x API directly:

- one dataset with columns `id` (text), `text` (text), `metadata` (dict), `embedding`;
- `add_texts` with ids is an upsert; `delete`, `get_by_ids` and `stored_vectors` find rows by
  reading the `id` column (once, then kept in step);
- similarity search is exact (Deep Lake's own clustered index is dropped: see `_exact_scan_only`):
  without a filter a numpy scan of every vector, read at the first search and again after a
  write; with one, TQL `COSINE_SIMILARITY` over the rows the filter keeps. Relevance = cosine
  similarity, higher is closer; filters `{"key": value}` have their values as escaped literals and
  their keys checked as names;
- MMR re-ranks the top `fetch_k` with LangChain's `maximal_marginal_relevance`.

Paths: a local folder, `mem://name`, or a cloud path (`hub://org/name`, `al://…` with
`ACTIVELOOP_TOKEN`; `s3://`, `gcs://`, `azure://` with that cloud's credentials).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from rag_app.config import Settings
from rag_app.errors import ConfigError, StoreError, first_line
from rag_app.stores.contract import StoredSample, matches_nothing

ACTIVELOOP_SCHEMES = ("hub://", "al://")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def open_store(settings: Settings, embeddings: Embeddings | None, fresh: bool = False) -> DeepLakeVectorStore:
    """The store at DEEPLAKE_DATASET_PATH, checked for credentials before any work (Deep Lake reads
    the dataset as it is on each open: `fresh` changes nothing)."""
    from rag_app.stores import location

    path = location(settings)
    if path.startswith(ACTIVELOOP_SCHEMES) and not settings.activeloop_token.get_secret_value():
        raise ConfigError(f"DEEPLAKE_DATASET_PATH={path} needs ACTIVELOOP_TOKEN (an Activeloop API token)")
    return DeepLakeVectorStore(path, embeddings, token=settings.activeloop_token.get_secret_value() or None)


def _exact_scan_only(ds: Any) -> None:
    """Drop the vector index Deep Lake declares on the `embedding` column (as on any `Embedding`
    column), so searches stay exact scans.

    Deep Lake builds that clustered index by itself once a dataset passes about 800k rows: during
    the ingest that crosses it, 500 s and 4 GB of memory; after it, searches use the index, whose
    recall@10 against the exact scan was 0.24 at 1M vectors (bench/speed.md). A dataset that has it
    (made by an earlier rag_app) loses it at its next write.
    """
    column = ds["embedding"]
    names = [str(index) for index in column.indexes]
    for name in names:
        column.drop_index(name)
    if names:
        ds.commit()


def _literal(value: Any) -> str:
    """A TQL literal for a filter value: strings quoted with quotes doubled, numbers as numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"unsupported filter value {value!r}: use str, int, float or bool")


def _where(filter: dict[str, Any] | None) -> str:
    """`WHERE` clause for equality (or `$in` list) filters on metadata keys."""
    if not filter:
        return ""
    clauses = []
    for key, value in filter.items():
        if not _KEY.match(key):
            raise ValueError(f"unsupported metadata key in filter: {key!r}")
        if isinstance(value, dict) and set(value) == {"$in"}:
            clauses.append(f"metadata['{key}'] IN ({', '.join(map(_literal, value['$in']))})")
        else:
            clauses.append(f"metadata['{key}'] == {_literal(value)}")
    return " WHERE " + " AND ".join(clauses)


class DeepLakeVectorStore(VectorStore):
    """A LangChain VectorStore over one Deep Lake 4 dataset (created on first write)."""

    def __init__(self, path: str, embedding: Embeddings | None, token: str | None = None) -> None:
        self.path = path
        self._embedding = embedding
        self._token = token
        self._ds: Any = None
        self._rows: dict[str, int] | None = None  # id -> row offset, read once, kept in step
        self._matrix: Any = None  # (every row's vector, their lengths) in numpy, read at the first search
        self._open()

    @property
    def embeddings(self) -> Embeddings:
        return self._embedding

    def _open(self, create: bool = False) -> Any:
        """The dataset; created (with its schema) when `create` and it does not exist yet."""
        if self._ds is not None:
            return self._ds
        import deeplake

        try:
            if deeplake.exists(self.path, token=self._token):
                self._ds = deeplake.open(self.path, token=self._token)
            elif create:
                self._ds = deeplake.create(self.path, token=self._token)
        except Exception as err:  # deeplake raises its own types for auth, storage and format errors
            raise StoreError(f"cannot open Deep Lake dataset {self.path}: {first_line(err)}") from err
        return self._ds

    def _ensure_schema(self, dimension: int) -> Any:
        from deeplake import types

        ds = self._open(create=True)
        columns = {c.name for c in ds.schema.columns}
        if "embedding" not in columns:
            ds.add_column("id", types.Text())
            ds.add_column("text", types.Text())
            ds.add_column("metadata", types.Dict())
            ds.add_column("embedding", types.Embedding(dimension))
            ds.commit()
        _exact_scan_only(ds)
        if "rag_app_id" not in ds.metadata.keys():
            import uuid

            ds.metadata["rag_app_id"] = uuid.uuid4().hex
            ds.commit()
        return ds

    batch_limit = 4096  # Deep Lake has no per-call limit; this bounds one append's memory

    def loading(self) -> contextlib.AbstractContextManager[None]:
        """Nothing deferred: the index follows each write."""
        return contextlib.nullcontext()

    def transaction(self, catalog: Any) -> contextlib.AbstractContextManager[bool]:
        """No transaction shared with the catalog: each write commits on its own (yields False)."""
        return contextlib.nullcontext(False)

    def identity(self) -> str:
        """A random id written into the dataset when rag_app first stores in it ("" before then):
        a dataset deleted and created again, or a new `mem://` one, has another."""
        ds = self._open()
        return str(ds.metadata["rag_app_id"]) if ds is not None and "rag_app_id" in ds.metadata.keys() else ""

    def count(self) -> int:
        return len(self)

    def __len__(self) -> int:
        ds = self._open()
        return 0 if ds is None or "id" not in {c.name for c in ds.schema.columns} else len(ds)

    def _offsets(self, ids: Iterable[str]) -> dict[str, int]:
        """Row offsets of the given ids that exist (from the id column, never by a query)."""
        if self._rows is None:
            column = self._ds["id"][:] if len(self) else []
            self._rows = dict(zip(column, range(len(column))))
        return {i: self._rows[i] for i in ids if i in self._rows}

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and store `texts`; rows with the same ids are replaced (upsert)."""
        import uuid

        texts = list(texts)
        if not texts:
            return []
        metadatas = metadatas or [{} for _ in texts]
        ids = [i or str(uuid.uuid4()) for i in (ids or [None] * len(texts))]
        vectors = self._embedding.embed_documents(texts)
        ds = self._ensure_schema(len(vectors[0]))
        self._delete_rows(self._offsets(ids).values())
        start = len(ds)
        ds.append({"id": ids, "text": texts, "metadata": [dict(m) for m in metadatas], "embedding": vectors})
        self._matrix = None
        if self._rows is not None:  # None (rows moved by a delete): read the id column again when needed
            self._rows |= {i: start + n for n, i in enumerate(ids)}
        ds.commit()
        return ids

    def _delete_rows(self, offsets: Iterable[int]) -> None:
        offsets = sorted(offsets, reverse=True)
        for offset in offsets:
            self._ds.delete(offset)
        if offsets:
            self._rows, self._matrix = None, None  # later rows moved up: read the id column again when next needed

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete rows by id; ids that do not exist are ignored."""
        if not ids:
            return None
        offsets = self._offsets(ids)
        if offsets:
            self._delete_rows(offsets.values())
            self._ds.commit()
        return True

    def delete_collection(self) -> None:
        """Delete the whole dataset (as `Chroma.delete_collection` drops its collection)."""
        import deeplake

        if self._open() is not None:
            self._ds, self._rows, self._matrix = None, None, None
            deeplake.delete(self.path, token=self._token)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """Documents for the ids that exist, in the order of `ids`."""
        offsets = self._offsets(ids)
        return [self._row_document(self._ds[offsets[i]]) for i in ids if i in offsets]

    @staticmethod
    def _row_document(row: Any) -> Document:
        return Document(page_content=row["text"], metadata=row["metadata"].to_dict(), id=row["id"])

    def _search(self, vector: list[float], k: int, filter: dict[str, Any] | None) -> list[tuple[Any, float]]:
        """The `k` rows nearest `vector`, with their cosine; exact either way. Without a filter, numpy
        scans every row's vector (read at the first search and after each write): 80 ms at 1M rows,
        where TQL's `COSINE_SIMILARITY` took 3.7 s. With a filter, TQL scans the rows it keeps."""
        if len(self) == 0:
            return []
        if not filter:
            return self._scan(vector, k)
        similarity = f"COSINE_SIMILARITY(embedding, ARRAY[{', '.join(repr(float(x)) for x in vector)}])"
        query = f"SELECT *, {similarity} AS score{_where(filter)} ORDER BY {similarity} DESC LIMIT {int(k)}"
        return [(row, float(row["score"])) for row in self._ds.query(query)]

    def _scan(self, vector: list[float], k: int) -> list[tuple[Any, float]]:
        import numpy as np

        if self._matrix is None:
            vectors = np.asarray(self._ds["embedding"][:], dtype=np.float32)  # Deep Lake's buffer, not a copy
            norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
            self._matrix = (vectors, np.where(norms > 0, norms, 1.0))
        vectors, norms = self._matrix
        query = np.asarray(vector, dtype=np.float32)
        scores = (vectors @ query) / norms / (np.linalg.norm(query) or 1.0)
        k = min(int(k), len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._ds[int(offset)], float(scores[offset])) for offset in best]

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Top-k documents and their cosine similarity to `query` (higher is closer)."""
        return self.similarity_search_with_score_by_vector(self._embedding.embed_query(query), k, filter)

    def similarity_search_with_score_by_vector(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None
    ) -> list[tuple[Document, float]]:
        return [(self._row_document(row), score) for row, score in self._search(embedding, k, filter)]

    def similarity_search_by_vector_with_relevance_scores(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Top-k documents and their cosine similarity to `embedding` (named as Chroma names it)."""
        return self.similarity_search_with_score_by_vector(embedding, k, filter)

    def search_by_vector(
        self, vector: list[float], k: int, filter: dict[str, Any] | None = None
    ) -> list[tuple[Document, float]]:
        """Nearest rows that match `filter` (in TQL), with their cosine similarity (an exact scan)."""
        if matches_nothing(filter):
            return []
        return self.similarity_search_with_score_by_vector(vector, k, filter)

    def stored_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vector of each id that exists, read by row offset (the id column is read once)."""
        if not ids or len(self) == 0:
            return {}
        return {key: [float(x) for x in self._ds[offset]["embedding"]] for key, offset in self._offsets(ids).items()}

    def sample(self, limit: int, seed: int = 0) -> StoredSample:
        """Up to `limit` rows chosen at random by offset: only those rows are read."""
        import random

        import numpy as np

        total = len(self)
        if total == 0:
            return StoredSample([], [], [], np.zeros((0, 0), dtype=np.float32), 0)
        view = self._ds[sorted(random.Random(seed).sample(range(total), min(limit, total)))]
        vectors = np.asarray(view["embedding"][:], dtype=np.float32)
        metadatas = [m.to_dict() for m in view["metadata"][:]]
        return StoredSample(list(view["id"][:]), list(view["text"][:]), metadatas, vectors, total)

    def similarity_search(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter)]

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score_by_vector(embedding, k, filter)]

    def _select_relevance_score_fn(self):  # noqa: ANN202 - LangChain's signature
        return lambda score: score

    def max_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[Document]:
        """Diverse top-k: MMR over the `fetch_k` most similar rows."""
        import numpy as np
        from langchain_core.vectorstores.utils import maximal_marginal_relevance

        vector = self._embedding.embed_query(query)
        rows = [row for row, _ in self._search(vector, fetch_k, filter)]
        if not rows:
            return []
        chosen = maximal_marginal_relevance(
            np.array(vector), [np.asarray(row["embedding"]) for row in rows], k=k, lambda_mult=lambda_mult
        )
        return [self._row_document(rows[i]) for i in chosen]

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        dataset_path: str = "mem://langchain",
        token: str | None = None,
        **kwargs: Any,
    ) -> DeepLakeVectorStore:
        store = cls(dataset_path, embedding, token=token)
        store.add_texts(texts, metadatas, ids=ids)
        return store


def read_state(settings: Settings) -> tuple[str, int]:
    """(rag_app's id for the dataset, row count); ("", 0) when it does not exist yet.

    Raises:
        StoreError: the dataset cannot be opened.
    """
    store = open_store(settings, embeddings=None)  # reading only: no model needed
    return store.identity(), len(store)
