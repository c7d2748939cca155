"""PostgreSQL with pgvector as the vector store (`RAG_VECTOR_STORE=postgres`, `RAG_POSTGRES_URL`).

One table per collection (`rag_app_chunks_<digest>`: id, text, metadata JSONB, embedding
vector(dimension)) with an HNSW index on cosine distance and a GIN index on the metadata, plus
one row per collection in `rag_app_pg_store` (its table, dimension and random identity). The
catalog defaults to the same database. Any PostgreSQL with the `vector` extension works (a
server of your own, RDS, Supabase, Neon, Citus): the URL is all that differs.

Why not `langchain-postgres`: its `PGVector` keeps every collection in one table whose primary
key is the chunk id alone (two collections holding the same chunk overwrite each other's row),
creates no vector index, and fixes the vector dimension once per process; its newer
`PGVectorStore` is async-first (a loop thread per process) and opens its own connections.
This adapter is SQL through the catalog's SQLAlchemy engine (one pool per URL per process).

Writes: rows go in by binary COPY (pgvector's psycopg types) and one upsert; an ingest batch
shares one transaction with the catalog (`transaction`), and a first load builds the HNSW index
at its end (`loading`). Reads run in autocommit with the HNSW settings kept per connection.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from rag_app.config import Settings
from rag_app.errors import StoreError, first_line
from rag_app.stores.catalog_db import CatalogDB
from rag_app.stores.contract import MetadataFilter, StoredSample

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from rag_app.stores.catalog import Catalog

_STORES_TABLE = "rag_app_pg_store"
_CREATE_LOCK = 0x7261675F70677631  # advisory lock key while creating tables ("rag_pgv1")
EF_SEARCH = 100  # HNSW candidates per search (pgvector's default is 40); at least k
BUILD_MEMORY_MB = 2048  # the most maintenance_work_mem an HNSW build asks for (about 1M 384-d rows)


def open_store(settings: Settings, embeddings: Embeddings | None, fresh: bool = False) -> PostgresStore:
    """The collection `RAG_COLLECTION` in the database at RAG_POSTGRES_URL (every read sees every
    committed write: `fresh` changes nothing).

    Raises:
        StoreError: the database cannot be reached.
    """
    return PostgresStore(settings.postgres_url.get_secret_value(), settings.collection, embeddings)


def read_state(settings: Settings) -> tuple[str, int]:
    """(the collection's random identity, chunk count); ("", 0) before its first write.

    Raises:
        StoreError: the database cannot be reached or read.
    """
    store = open_store(settings, None)
    return store.identity(), store.count()


class PostgresStore(VectorStore):
    """A LangChain VectorStore over one collection's table in PostgreSQL with pgvector.

    Args:
        url: a SQLAlchemy URL, `postgresql+psycopg://USER:PASSWORD@HOST:5432/DB`.
        collection: the collection (one table).
        embedding: the model for queries and new texts (None: reads by vector and deletes only).
    """

    batch_limit = 4096  # rows per statement: bounds one call's memory

    def __init__(self, url: str, collection: str, embedding: Embeddings | None) -> None:
        self.db = CatalogDB(url)
        self.collection = collection
        self._embedding = embedding
        self.table = "rag_app_chunks_" + hashlib.sha256(collection.encode()).hexdigest()[:16]
        self._created = False
        self._conn: Connection | None = None  # the transaction of `transaction`, while one is open
        self._deferred = False  # inside `loading`: the HNSW index is built at its end

    @property
    def embeddings(self) -> Embeddings | None:
        return self._embedding

    # -- SQL plumbing --------------------------------------------------------------------------

    def _error(self, err: BaseException, verb: str) -> StoreError:
        cause = getattr(err, "orig", None) or err
        detail = self.db.scrub(first_line(cause).strip() or type(cause).__name__)
        return StoreError(f"cannot {verb} the PostgreSQL store at RAG_POSTGRES_URL={self.db.shown}: {detail}")

    @contextmanager
    def _connection(self, read: bool = False) -> Iterator[Connection]:
        """The connection of the transaction this store writes in (see `transaction`), else a new one
        in a transaction of its own, committed at the end of the block (`read`: in autocommit, which
        saves the BEGIN and COMMIT round trips)."""
        if self._conn is not None:
            yield self._conn
        elif read:
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                yield conn
        else:
            with self.db.engine.begin() as conn:
                yield conn

    def _read(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        """Rows of one query (none before the table exists)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._connection(read=True) as conn:
                if not self._exists(conn):
                    return []
                _driver(conn)  # numpy arrays go as vectors
                if self._conn is None:
                    _search_settings(conn)
                return [tuple(row) for row in conn.execute(text(sql), params or {})]
        except SQLAlchemyError as err:
            raise self._error(err, "read") from err

    def _exists(self, conn: Connection) -> bool:
        from sqlalchemy import text

        if not self._created:
            self._created = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": self.table}).scalar()
        return bool(self._created)

    def _create(self, conn: Connection, dimension: int) -> None:
        """The collection's table, indexes and identity, made once (two machines may race: a lock)."""
        from sqlalchemy import text

        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_LOCK})
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {_STORES_TABLE} (collection TEXT PRIMARY KEY,"
                " chunks_table TEXT NOT NULL, dimension INTEGER NOT NULL, identity TEXT NOT NULL)"
            )
        )
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {self.table} (id TEXT PRIMARY KEY, text TEXT NOT NULL,"
                f" metadata JSONB NOT NULL DEFAULT '{{}}', embedding vector({int(dimension)}) NOT NULL)"
            )
        )
        if not self._deferred:
            self._index(conn)
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {self.table}_metadata ON {self.table} USING gin (metadata jsonb_path_ops)"
            )
        )
        conn.execute(
            text(f"INSERT INTO {_STORES_TABLE} VALUES (:c, :t, :d, :i) ON CONFLICT (collection) DO NOTHING"),
            {"c": self.collection, "t": self.table, "d": int(dimension), "i": uuid.uuid4().hex},
        )
        self._created = True

    def _index(self, conn: Connection) -> None:
        """The HNSW index on cosine distance (built from every row when the table has rows already)."""
        from sqlalchemy import text

        estimate = int(conn.execute(text(f"SELECT COUNT(*) FROM {self.table}")).scalar() or 0)
        # A graph that does not fit maintenance_work_mem is built many times slower (pgvector's
        # notice): raise it for this build to the graph's size (vector + neighbour lists per row), within
        # BUILD_MEMORY_MB; never lower than the server's own setting.
        needed = min(BUILD_MEMORY_MB, 64 + estimate * (4 * self._dimension(conn) + 600) // 2**20)
        current = conn.execute(
            text("SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'")
        )
        if needed * 2**20 > int(current.scalar() or 0):
            conn.execute(text(f"SET LOCAL maintenance_work_mem = '{needed}MB'"))
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {self.table}_hnsw ON {self.table} USING hnsw (embedding vector_cosine_ops)"
            )
        )

    def _dimension(self, conn: Connection) -> int:
        from sqlalchemy import text

        found = conn.execute(text(f"SELECT dimension FROM {_STORES_TABLE} WHERE chunks_table = :t"), {"t": self.table})
        return int(found.scalar() or 384)

    # -- the contract --------------------------------------------------------------------------

    @contextmanager
    def loading(self) -> Iterator[None]:
        """A block of many writes (an ingest). Into an empty collection, rows go in without the HNSW
        index, which is built once when the block ends: pgvector builds its graph in memory tens
        of times faster than it inserts row by row (bench/speed.md). Until then (and after a load
        that failed, until the next one ends) searches scan every row: exact, slower.

        Raises:
            StoreError: the database cannot be reached, or the index cannot be built.
        """
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._connection() as conn:
                if self._exists(conn):
                    indexed = conn.execute(text("SELECT to_regclass(:i) IS NOT NULL"), {"i": self.table + "_hnsw"})
                    empty = conn.execute(text(f"SELECT NOT EXISTS (SELECT FROM {self.table})")).scalar()
                    if empty:
                        conn.execute(text(f"DROP INDEX IF EXISTS {self.table}_hnsw"))
                    self._deferred = bool(empty) or not indexed.scalar()
                else:
                    self._deferred = True
        except SQLAlchemyError as err:
            raise self._error(err, "read") from err
        try:
            yield
        finally:
            deferred, self._deferred = self._deferred, False
        if deferred:
            try:
                with self._connection() as conn:
                    if self._exists(conn):
                        self._index(conn)
            except SQLAlchemyError as err:
                raise self._error(err, "index") from err

    @contextmanager
    def transaction(self, catalog: Catalog) -> Iterator[bool]:
        """One transaction for this store's writes and `catalog`'s (LangChain's records, the change
        log, file stamps) inside the block: all of them commit at its end, or none does.

        Yields:
            True; False (each write commits on its own) when the catalog is in another database
            than the store (RAG_CATALOG_URL set apart), or a transaction is already open.

        Raises:
            StoreError: the transaction cannot be committed.
        """
        from sqlalchemy.exc import SQLAlchemyError

        if self._conn is not None or catalog.db.url != self.db.url:
            yield False
            return
        try:
            with self.db.engine.begin() as conn, catalog.joined(conn):
                self._conn = conn
                try:
                    yield True
                except BaseException:
                    self._created = False  # a table made in this transaction is rolled back with it
                    raise
                finally:
                    self._conn = None
        except SQLAlchemyError as err:
            raise self._error(err, "write to") from err

    def identity(self) -> str:
        rows = self._read(f"SELECT identity FROM {_STORES_TABLE} WHERE collection = :c", {"c": self.collection})
        return str(rows[0][0]) if rows else ""

    def count(self) -> int:
        rows = self._read(f"SELECT COUNT(*) FROM {self.table}")
        return int(rows[0][0]) if rows else 0

    def __len__(self) -> int:
        return self.count()

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and store `texts`; rows with the same ids are replaced (upsert), in one transaction."""
        import numpy as np
        from psycopg.types.json import Jsonb
        from sqlalchemy.exc import SQLAlchemyError

        texts = list(texts)
        if not texts:
            return []
        if self._embedding is None:
            raise StoreError("this store was opened without an embedding model: it cannot add texts")
        metadatas = metadatas or [{} for _ in texts]
        ids = [i or str(uuid.uuid4()) for i in (ids or [None] * len(texts))]
        vectors = self._embedding.embed_documents(texts)
        # One row per id, the last one given winning (as one INSERT per row would leave it).
        rows = {
            key: (key, body, Jsonb(meta or {}, dumps=_json), np.asarray(vec, dtype=np.float32))
            for key, body, meta, vec in zip(ids, texts, metadatas, vectors)
        }
        try:
            with self._connection() as conn:
                if not self._exists(conn):
                    self._create(conn, len(vectors[0]))
                self._copy(conn, list(rows.values()))
        except (SQLAlchemyError, psycopg_error()) as err:
            raise self._error(err, "write to") from err
        return ids

    def _copy(self, conn: Connection, rows: list[tuple]) -> None:
        """Upsert rows (id, text, metadata, float32 vector): COPY in binary into a temporary table,
        then one INSERT … ON CONFLICT from it (COPY itself cannot update a row)."""
        raw = _driver(conn)
        stage = "rag_app_stage"
        with raw.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {self.table}) ON COMMIT DROP")
            cursor.execute(f"TRUNCATE {stage}")  # a second write in one transaction
            with cursor.copy(f"COPY {stage} (id, text, metadata, embedding) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["text", "text", "jsonb", "vector"])
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {self.table} (id, text, metadata, embedding) SELECT id, text, metadata, embedding"
                f" FROM {stage} ON CONFLICT (id) DO UPDATE SET text = excluded.text, metadata = excluded.metadata,"
                " embedding = excluded.embedding"
            )

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete rows by id; ids that do not exist are ignored."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        if not ids:
            return None
        try:
            with self._connection() as conn:
                if self._exists(conn):
                    conn.execute(text(f"DELETE FROM {self.table} WHERE id = ANY(:ids)"), {"ids": list(ids)})
        except SQLAlchemyError as err:
            raise self._error(err, "delete from") from err
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """Documents for the ids that exist, in the order of `ids`."""
        if not ids:
            return []
        rows = self._read(f"SELECT id, text, metadata FROM {self.table} WHERE id = ANY(:ids)", {"ids": list(ids)})
        found = {key: Document(page_content=body, metadata=dict(meta or {}), id=key) for key, body, meta in rows}
        return [found[key] for key in ids if key in found]

    def search_by_vector(
        self, vector: list[float], k: int, filter: MetadataFilter | None = None
    ) -> list[tuple[Document, float]]:
        """The `k` nearest rows matching `filter`, by the HNSW index, with their cosine similarity.

        The scan looks at EF_SEARCH candidates, and goes on (pgvector's iterative index scan) until
        `k` rows match the filter or more than EF_SEARCH are asked for.
        """
        import numpy as np

        where, params = _where(filter)
        params |= {"v": np.asarray(vector, dtype=np.float32), "k": int(k)}  # sent in pgvector's binary form
        rows = self._read(
            f"SELECT id, text, metadata, 1 - (embedding <=> CAST(:v AS vector)) FROM {self.table}{where}"
            " ORDER BY embedding <=> CAST(:v AS vector) LIMIT :k",
            params,
        )
        found = [
            (Document(page_content=body, metadata=dict(meta or {}), id=key), float(score))
            for key, body, meta, score in rows
        ]
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def stored_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        from sqlalchemy.exc import SQLAlchemyError

        if not ids:
            return {}

        try:
            with self._connection(read=True) as conn:
                if not self._exists(conn):
                    return {}
                # pgvector's binary form, read straight into numpy (the text of 20 vectors took 8-11 ms)
                with _driver(conn).cursor(binary=True) as cursor:
                    cursor.execute(f"SELECT id, embedding FROM {self.table} WHERE id = ANY(%s)", (list(ids),))
                    rows = cursor.fetchall()
        except (SQLAlchemyError, psycopg_error()) as err:
            raise self._error(err, "read") from err
        return {key: vector.to_numpy().astype(float).tolist() for key, vector in rows}

    def sample(self, limit: int, seed: int = 0) -> StoredSample:
        """Up to `limit` rows in an order fixed by `seed` (a hash of each id)."""
        import numpy as np

        total = self.count()
        rows = self._read(
            f"SELECT id, text, metadata, embedding::real[] FROM {self.table} ORDER BY md5(id || :seed) LIMIT :n",
            {"seed": str(seed), "n": int(limit)},
        )
        if not rows:
            return StoredSample([], [], [], np.zeros((0, 0), dtype=np.float32), total)
        return StoredSample(
            [r[0] for r in rows],
            [r[1] for r in rows],
            [dict(r[2] or {}) for r in rows],
            np.asarray([r[3] for r in rows], dtype=np.float32),
            total,
        )

    def delete_collection(self) -> None:
        """Drop the collection's table and its identity (the next write makes a new one)."""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._connection() as conn:
                conn.execute(text(f"DROP TABLE IF EXISTS {self.table}"))
                if conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": _STORES_TABLE}).scalar():
                    conn.execute(text(f"DELETE FROM {_STORES_TABLE} WHERE collection = :c"), {"c": self.collection})
        except SQLAlchemyError as err:
            raise self._error(err, "delete") from err
        self._created = False

    # -- LangChain's VectorStore ---------------------------------------------------------------

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: MetadataFilter | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Top-k documents and their cosine similarity to `query` (higher is closer)."""
        if self._embedding is None:
            raise StoreError("this store was opened without an embedding model: it cannot embed a query")
        return self.search_by_vector(self._embedding.embed_query(query), k, filter)

    def similarity_search(
        self, query: str, k: int = 4, filter: MetadataFilter | None = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter)]

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: MetadataFilter | None = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.search_by_vector(embedding, k, filter)]

    def _select_relevance_score_fn(self):  # noqa: ANN202 - LangChain's hook: scores are cosines already
        return lambda score: score

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict] | None = None,
        *,
        ids: list[str] | None = None,
        url: str = "",
        collection: str = "langchain",
        **kwargs: Any,
    ) -> PostgresStore:
        store = cls(url, collection, embedding)
        store.add_texts(texts, metadatas, ids=ids)
        return store


def _where(filter: MetadataFilter | None) -> tuple[str, dict[str, Any]]:
    """A WHERE clause for a metadata filter (keys and values are bound parameters)."""
    if not filter:
        return "", {}
    clauses, params = [], {}
    for n, (key, value) in enumerate(filter.items()):
        if isinstance(value, dict) and set(value) == {"$in"}:
            clauses.append(f"CAST(:in{n} AS jsonb) @> jsonb_build_array(metadata -> :key{n})")
            params |= {f"in{n}": json.dumps(list(value["$in"])), f"key{n}": key}
        else:
            clauses.append(f"metadata @> CAST(:eq{n} AS jsonb)")
            params[f"eq{n}"] = json.dumps({key: value})
    return " WHERE " + " AND ".join(clauses), params


def _driver(conn: Connection) -> Any:
    """The psycopg connection under `conn`, knowing pgvector's types (registered once per connection)."""
    from pgvector.psycopg import register_vector

    raw = conn.connection.driver_connection
    if not conn.connection.info.get("rag_app_vector"):
        register_vector(raw)
        conn.connection.info["rag_app_vector"] = True
    return raw


def _search_settings(conn: Connection) -> None:
    """HNSW search settings for the session of `conn`, an autocommit connection, once per connection
    (a search is then one statement, one round trip, instead of BEGIN, SET LOCAL, SELECT, COMMIT)."""
    from sqlalchemy import text

    if not conn.connection.info.get("rag_app_search"):
        conn.execute(text(f"SET hnsw.ef_search = {EF_SEARCH}"))
        conn.execute(text("SET hnsw.iterative_scan = relaxed_order"))  # filtered searches go on until k match
        conn.connection.info["rag_app_search"] = True


def psycopg_error() -> type[Exception]:
    """psycopg's base error (imported when needed)."""
    import psycopg

    return psycopg.Error


def _json(value: Any) -> str:
    return json.dumps(value, default=_plain)


def _plain(value: Any) -> Any:
    """numpy values as plain Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
