"""The catalog of one store: which chunks it holds, what embedding model built it, what changed.

Chunk records are LangChain's `SQLRecordManager` (what `langchain_core.indexing.index` uses to
skip unchanged chunks and clean up stale ones), in the database `RAG_CATALOG_URL` names: by
default one SQLite file under `RAG_PERSIST_DIR`, for a team one PostgreSQL database shared by
every machine. Beside the records are two tables of rag_app's own (see catalog_schema): each
store's embedding model and identity, and the ordered log of chunk changes that lets every
machine keep its keyword index in step. Writes and the ingest's reads go through SQLAlchemy Core,
imported on first use; the few reads of the cold commands (`stats`, `sources`, what a search
checks first) are plain SQL that a local SQLite catalog answers through sqlite3 alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag_app.errors import StoreError
from rag_app.stores.catalog_db import CatalogDB

if TYPE_CHECKING:
    from langchain_core.indexing import RecordManager
    from sqlalchemy.engine import Connection

LOCK_NAME = "ingest.lock"
SLICE = 500  # ids per IN (...) list


class Catalog:
    """Records, model metadata and change log of the store named `namespace`.

    Args:
        directory: this machine's RAG_PERSIST_DIR (the lock file of a SQLite catalog, the keyword index).
        namespace: the store: `backend:location:collection`.
        url: the catalog database (default: SQLite in `directory`).
    """

    def __init__(self, directory: Path, namespace: str, url: str = "") -> None:
        from rag_app.stores.catalog_db import default_url

        self.directory = directory
        self.namespace = namespace
        self.db = CatalogDB(url or default_url(directory))
        self._record_manager: RecordManager | None = None
        self._joined: Connection | None = None  # a transaction this catalog writes in (see `joined`)

    @property
    def shared(self) -> bool:
        """Whether other machines may write to this catalog (PostgreSQL)."""
        return self.db.dialect != "sqlite"

    def _rows(self, statement: Any) -> list[tuple]:
        """Rows of a read; none when the catalog or its tables do not exist yet."""
        from sqlalchemy.exc import SQLAlchemyError

        if self.db.missing():
            return []
        try:
            if self._joined is not None:  # inside a transaction (its tables exist: `joined` made them)
                return [tuple(row) for row in self._joined.execute(statement)]
            with self.db.engine.connect() as conn:
                return [tuple(row) for row in conn.execute(statement)]
        except SQLAlchemyError as err:
            if self._joined is None and self.db.no_table(err):
                return []
            raise self.db.error(err, "read") from err

    def _read(self, sql: str) -> list[tuple]:
        """Rows of a plain-SQL read of this store's entries (`:namespace`); none before the first write.
        The reads of `stats`, `sources` and a search's start are these: no SQLAlchemy for a local catalog."""
        return self.db.read(sql, namespace=self.namespace)

    def _write(self, *statements: Any) -> list[Any]:
        """Run statements in one transaction (tables created first); their scalar results. A statement
        may come as (statement, rows): run once per row (one compiled statement, sent in batches)."""
        from sqlalchemy.exc import SQLAlchemyError

        _ = self.record_manager  # the schema exists
        try:
            with contextlib.ExitStack() as stack:
                conn = self._joined or stack.enter_context(self.db.engine.begin())
                results = []
                for statement in statements:
                    statement, rows = statement if isinstance(statement, tuple) else (statement, None)
                    result = conn.execute(statement, rows)
                    results.append(result.scalar() if statement.is_select else None)
                return results
        except SQLAlchemyError as err:
            raise self.db.error(err, "write") from err

    @contextmanager
    def joined(self, conn: Connection) -> Iterator[None]:
        """Within: every read and write of this catalog, LangChain's records included, goes through
        `conn` and so commits (or rolls back) with the transaction `conn` is in.

        Args:
            conn: a connection to this catalog's database, inside a transaction its owner commits.
        """
        from sqlalchemy.orm import sessionmaker

        manager = self.record_manager
        own = manager.session_factory
        # A Session bound to a connection already in a transaction never commits that transaction
        # (SQLAlchemy's "conservative_savepoint"): SQLRecordManager's commits stay inside it.
        manager.session_factory = sessionmaker(bind=conn)
        self._joined = conn
        try:
            yield
        finally:
            manager.session_factory = own
            self._joined = None

    def model(self) -> tuple[str, int] | None:
        """(embedding model, dimension) this store was built with, or None before the first ingest."""
        rows = self._read("SELECT embedding_model, dimension FROM rag_app_store WHERE namespace = :namespace")
        return (rows[0][0], int(rows[0][1])) if rows else None

    def store_id(self) -> str:
        """The identity of the store these records describe ("" when not yet known)."""
        rows = self._read("SELECT store_id FROM rag_app_store WHERE namespace = :namespace")
        return str(rows[0][0] or "") if rows else ""

    def set_store_id(self, identity: str) -> None:
        """Record the identity of the store these records describe."""
        from sqlalchemy import update

        from rag_app.stores.catalog_schema import STORES

        self._write(update(STORES).where(STORES.c.namespace == self.namespace).values(store_id=identity))

    def set_model(self, embedding_model: str, dimension: int) -> None:
        """Record the embedding model and dimension of this store."""
        from rag_app.stores.catalog_schema import STORES

        if self.db.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        values = {"namespace": self.namespace, "embedding_model": embedding_model, "dimension": dimension}
        statement = insert(STORES).values(**values)
        self._write(
            statement.on_conflict_do_update(
                index_elements=["namespace"],
                set_={"embedding_model": embedding_model, "dimension": dimension},
            )
        )

    def check_model(self, embedding_model: str) -> None:
        """A StoreError if this store was built with another embedding model than `embedding_model`."""
        recorded = self.model()
        if recorded and recorded[0] != embedding_model:
            raise StoreError(
                f"this store was built with embeddings {recorded[0]} ({recorded[1]} dims) but "
                f"{embedding_model} is configured: set RAG_EMBEDDINGS/RAG_EMBEDDING_MODEL back, "
                "or use another RAG_COLLECTION or RAG_PERSIST_DIR"
            )

    def counts(self) -> tuple[int, int]:
        """(chunks, sources) recorded for this store."""
        rows = self._read(
            "SELECT count(*), count(DISTINCT group_id) FROM upsertion_record WHERE namespace = :namespace"
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)

    def head(self) -> int:
        """The sequence number of this store's latest change (0 before any)."""
        rows = self._read("SELECT max(seq) FROM rag_app_change WHERE namespace = :namespace")
        return int(rows[0][0] or 0) if rows else 0

    def generation(self) -> tuple:
        """A value that changes whenever this store's chunks change, on any machine: the sequence
        number of its latest change (every chunk added or removed, and every reset, is logged), with
        its model and store identity. One query, by key: no count of the records (a count took 68 ms
        of every search at 100k chunks on PostgreSQL, bench/speed.md)."""
        rows = self._read(
            "SELECT (SELECT max(seq) FROM rag_app_change WHERE namespace = :namespace), s.embedding_model,"
            " s.dimension, s.store_id FROM (SELECT 1) AS one LEFT JOIN rag_app_store AS s ON s.namespace = :namespace"
        )
        if not rows:
            return (0, None)
        head, *store = rows[0]
        return (int(head or 0), tuple(store) if store[0] is not None else None)

    def group_counts(self) -> list[tuple[str, int]]:
        """(source group, chunk count) of every ingested file, sorted by group."""
        rows = self._read(
            "SELECT group_id, count(*) FROM upsertion_record WHERE namespace = :namespace"
            " GROUP BY group_id ORDER BY group_id"
        )
        return [(g, int(n)) for g, n in rows if g]

    def set_extracted(self, files: Sequence[tuple[str, str, int, int]]) -> None:
        """Record (source group, name shown in results, characters of text, bytes of file) for files just read."""
        from sqlalchemy import delete, insert

        from rag_app.stores.catalog_schema import SOURCES

        if not files:
            return
        groups = [group for group, *_ in files]
        self._write(
            delete(SOURCES).where(SOURCES.c.namespace == self.namespace, SOURCES.c.group_id.in_(groups)),
            insert(SOURCES).values(
                [
                    {"namespace": self.namespace, "group_id": g, "name": n, "characters": c, "bytes": b}
                    for g, n, c, b in files
                ]
            ),
        )

    def extracted(self) -> dict[str, tuple[str | None, int, int]]:
        """(name shown in results, characters of text, bytes of file) of each file recorded by `set_extracted`."""
        rows = self._read("SELECT group_id, name, characters, bytes FROM rag_app_source WHERE namespace = :namespace")
        return {g: (n, int(c), int(b)) for g, n, c, b in rows}

    def groups(self) -> list[str]:
        """Every recorded source group (a file's source key)."""
        return [group for group, _ in self.group_counts()]

    def groups_under(self, prefix: str) -> list[str]:
        """Recorded source groups equal to or below the folder `prefix` (both source keys; `.` is
        RAG_SOURCE_ROOT itself, above every relative key)."""
        if prefix == ".":
            return [g for g in self.groups() if not g.startswith("/")]
        below = prefix.rstrip("/") + "/"
        return [g for g in self.groups() if g == prefix or g.startswith(below)]

    def keys(self) -> list[str]:
        """Every chunk id recorded for this store."""
        from sqlalchemy import select

        from rag_app.stores.catalog_schema import RECORDS

        return [key for (key,) in self._rows(select(RECORDS.c.key).where(RECORDS.c.namespace == self.namespace))]

    def keys_of(self, groups: Sequence[str]) -> set[str]:
        """Recorded chunk ids of the given source groups."""
        from sqlalchemy import select

        from rag_app.stores.catalog_schema import RECORDS

        keys: set[str] = set()
        for start in range(0, len(groups), SLICE):
            part = list(groups[start : start + SLICE])
            query = select(RECORDS.c.key).where(RECORDS.c.namespace == self.namespace, RECORDS.c.group_id.in_(part))
            keys.update(key for (key,) in self._rows(query))
        return keys

    def log(self, keys: Sequence[str], removed: bool) -> int:
        """Append chunk changes to the change log; returns the last one's sequence number."""
        from sqlalchemy import func, insert, select

        from rag_app.stores.catalog_schema import CHANGES

        rows = [{"namespace": self.namespace, "key": key, "removed": removed} for key in keys]
        latest = select(func.max(CHANGES.c.seq)).where(CHANGES.c.namespace == self.namespace)
        return int(self._write((insert(CHANGES), rows), latest)[1] or 0) if rows else self.head()

    def changes(self, after: int, limit: int = 5000) -> list[tuple[int, str, bool]]:
        """(seq, chunk id, removed) of this store's changes after `after`, oldest first, at most `limit`."""
        from sqlalchemy import select

        from rag_app.stores.catalog_schema import CHANGES

        query = (
            select(CHANGES.c.seq, CHANGES.c.key, CHANGES.c.removed)
            .where(CHANGES.c.namespace == self.namespace, CHANGES.c.seq > after)
            .order_by(CHANGES.c.seq)
            .limit(limit)
        )
        return [(int(seq), key, bool(removed)) for seq, key, removed in self._rows(query)]

    def stamps(self) -> dict[str, tuple[int, int]]:
        """(size, modification time in ns) of each ingested file when its chunks were last stored."""
        from sqlalchemy import select

        from rag_app.stores.catalog_schema import FILES

        rows = self._rows(
            select(FILES.c.path, FILES.c.size, FILES.c.mtime_ns).where(FILES.c.namespace == self.namespace)
        )
        return {path: (int(size), int(mtime)) for path, size, mtime in rows}

    def set_stamps(self, stamps: dict[str, tuple[int, int]]) -> None:
        """Record the (size, modification time in ns) of files whose chunks are now all stored."""
        from rag_app.stores.catalog_schema import FILES

        if not stamps:
            return
        if self.db.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        rows = [
            {"namespace": self.namespace, "path": path, "size": size, "mtime_ns": mtime}
            for path, (size, mtime) in stamps.items()
        ]
        statement = insert(FILES).values(rows)
        self._write(
            statement.on_conflict_do_update(
                index_elements=["namespace", "path"],
                set_={"size": statement.excluded.size, "mtime_ns": statement.excluded.mtime_ns},
            )
        )

    def forget(self) -> None:
        """Drop every record, file stamp, the model entry and the change log of this store; log one reset."""
        from sqlalchemy import delete, insert

        from rag_app.stores.catalog_schema import CHANGES, FILES, RECORDS, SOURCES, STORES

        self._write(
            delete(RECORDS).where(RECORDS.c.namespace == self.namespace),
            delete(FILES).where(FILES.c.namespace == self.namespace),
            delete(SOURCES).where(SOURCES.c.namespace == self.namespace),
            delete(STORES).where(STORES.c.namespace == self.namespace),
            delete(CHANGES).where(CHANGES.c.namespace == self.namespace),
            insert(CHANGES).values(namespace=self.namespace, key="", removed=True),
        )

    @property
    def record_manager(self) -> RecordManager:
        """LangChain's SQLRecordManager over this catalog's database (schema created on first use)."""
        if self._record_manager is None:
            from rag_app.stores.records import Records

            manager = Records(self.namespace, engine=self.db.engine)
            self.db.ensure_schema(manager)
            self._record_manager = manager
        return self._record_manager

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this store's write lock; a second writer (any process, any machine) fails at once.

        Raises:
            BusyError: another ingest holds the lock.
        """
        from rag_app.stores.locks import advisory_lock, file_lock

        _ = self.record_manager  # reaches the catalog first: "cannot reach" beats "busy"
        if self.db.sqlite_path is None:
            busy = (
                f"another ingest is writing to {self.namespace} (lock held in the catalog at {self.db.shown}):"
                " wait for it to finish and try again"
            )
            with advisory_lock(self.db.engine, self.namespace, busy):
                yield
            return
        directory = self.db.sqlite_path.parent
        busy = f"another ingest is writing to {directory}: wait for it to finish and try again"
        with file_lock(directory / LOCK_NAME, busy):
            yield
