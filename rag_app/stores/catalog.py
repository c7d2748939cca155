"""The catalog of one store: which chunks it holds and what embedding model built it.

Chunk records are LangChain's `SQLRecordManager` (what `langchain_core.indexing.index` uses to
skip unchanged chunks and clean up stale ones), in one SQLite file under `RAG_PERSIST_DIR`. The
same file has a small table of our own with each store's embedding model and dimension. Counts
are read with the standard library's sqlite3, so `stats` needs no heavy import.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rag_app.errors import BusyError, StoreError

if TYPE_CHECKING:
    from langchain_core.indexing import RecordManager

DB_NAME = "catalog.sqlite"
LOCK_NAME = "ingest.lock"
_RECORDS = "upsertion_record"  # SQLRecordManager's table
_HELD = threading.local()  # catalog directories whose write lock the current thread holds


class Catalog:
    """Records and model metadata for the store named `namespace`, kept under `directory`."""

    def __init__(self, directory: Path, namespace: str) -> None:
        self.directory = directory
        self.namespace = namespace
        self.path = directory / DB_NAME
        self._record_manager: RecordManager | None = None

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read; none when the catalog or its tables do not exist yet."""
        if not self.path.exists():
            return []
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as db:
                return db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as err:
            if "no such table" in str(err) or "no such column" in str(err):
                return []
            raise StoreError(f"cannot read the store catalog {self.path}: {err}") from err
        except sqlite3.DatabaseError as err:
            raise StoreError(f"the store catalog {self.path} is corrupt: {err}") from err

    def _write(self, sql: str, params: tuple = ()) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS rag_app_store (namespace TEXT PRIMARY KEY,"
                    " embedding_model TEXT NOT NULL, dimension INTEGER NOT NULL, store_id TEXT)"
                )
                if "store_id" not in {row[1] for row in db.execute("PRAGMA table_info(rag_app_store)")}:
                    db.execute("ALTER TABLE rag_app_store ADD COLUMN store_id TEXT")  # catalogs before 0.2
                db.execute(sql, params)
        except (OSError, sqlite3.Error) as err:
            raise StoreError(f"cannot write the store catalog {self.path}: {err}") from err

    def model(self) -> tuple[str, int] | None:
        """(embedding model, dimension) this store was built with, or None before the first ingest."""
        rows = self._query(
            "SELECT embedding_model, dimension FROM rag_app_store WHERE namespace = ?", (self.namespace,)
        )
        return (rows[0][0], int(rows[0][1])) if rows else None

    def store_id(self) -> str:
        """The identity of the store these records describe ("" when not yet known)."""
        rows = self._query("SELECT store_id FROM rag_app_store WHERE namespace = ?", (self.namespace,))
        return str(rows[0][0] or "") if rows else ""

    def set_store_id(self, identity: str) -> None:
        """Record the identity of the store these records describe."""
        self._write("UPDATE rag_app_store SET store_id = ? WHERE namespace = ?", (identity, self.namespace))

    def set_model(self, embedding_model: str, dimension: int) -> None:
        """Record the embedding model and dimension of this store."""
        self._write(
            "INSERT INTO rag_app_store (namespace, embedding_model, dimension) VALUES (?, ?, ?) ON CONFLICT(namespace)"
            " DO UPDATE SET embedding_model = excluded.embedding_model, dimension = excluded.dimension",
            (self.namespace, embedding_model, dimension),
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
        rows = self._query(
            f"SELECT COUNT(*), COUNT(DISTINCT group_id) FROM {_RECORDS} WHERE namespace = ?", (self.namespace,)
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)

    def generation(self) -> tuple:
        """A value that changes whenever this store's chunks change (count and latest write)."""
        rows = self._query(f"SELECT COUNT(*), MAX(updated_at) FROM {_RECORDS} WHERE namespace = ?", (self.namespace,))
        return (*rows[0], self.model()) if rows else (0, None, self.model())

    def group_counts(self) -> list[tuple[str, int]]:
        """(source group, chunk count) of every ingested file, sorted by group."""
        rows = self._query(
            f"SELECT group_id, COUNT(*) FROM {_RECORDS} WHERE namespace = ? GROUP BY group_id ORDER BY group_id",
            (self.namespace,),
        )
        return [(g, int(n)) for g, n in rows if g]

    def groups_under(self, prefix: str) -> list[str]:
        """Recorded source groups (absolute file paths) equal to or below `prefix`."""
        rows = self._query(f"SELECT DISTINCT group_id FROM {_RECORDS} WHERE namespace = ?", (self.namespace,))
        below = prefix.rstrip(os.sep) + os.sep
        return [g for (g,) in rows if g and (g == prefix or g.startswith(below))]

    def keys(self) -> list[str]:
        """Every chunk id recorded for this store."""
        return [key for (key,) in self._query(f"SELECT key FROM {_RECORDS} WHERE namespace = ?", (self.namespace,))]

    def keys_of(self, groups: list[str]) -> set[str]:
        """Recorded chunk ids of the given source groups."""
        keys: set[str] = set()
        for start in range(0, len(groups), 500):
            part = groups[start : start + 500]
            rows = self._query(
                f"SELECT key FROM {_RECORDS} WHERE namespace = ? AND group_id IN ({','.join('?' * len(part))})",
                (self.namespace, *part),
            )
            keys.update(key for (key,) in rows)
        return keys

    def forget(self) -> None:
        """Drop every record and the model entry of this store (after the store itself is emptied)."""
        self.record_manager.create_schema()  # the records table, even before a first ingest
        self._write(f"DELETE FROM {_RECORDS} WHERE namespace = ?", (self.namespace,))
        self._write("DELETE FROM rag_app_store WHERE namespace = ?", (self.namespace,))

    @property
    def record_manager(self) -> RecordManager:
        """LangChain's SQLRecordManager over this catalog's file (schema created on first use)."""
        if self._record_manager is None:
            from langchain_classic.indexes import SQLRecordManager

            self._write("SELECT 1")
            manager = SQLRecordManager(self.namespace, db_url=f"sqlite:///{self.path}")
            manager.create_schema()
            self._record_manager = manager
        return self._record_manager

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this catalog's write lock; a second writer fails at once with a clear message.

        The lock is re-entrant within one thread (an upload writes its files, then ingests them,
        under one lock); another thread or process is a second writer.
        """
        held: set[Path] = _HELD.__dict__.setdefault("directories", set())
        if self.directory in held:
            yield
            return
        self._write("SELECT 1")
        lock_path = self.directory / LOCK_NAME
        with open(lock_path, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as err:
                raise BusyError(
                    f"another ingest is writing to {self.directory}: wait for it to finish and try again"
                ) from err
            held.add(self.directory)
            try:
                yield
            finally:
                held.discard(self.directory)
                fcntl.flock(lock, fcntl.LOCK_UN)
