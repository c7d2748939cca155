"""BM25 keyword search over the stored chunks, kept on disk beside the catalog (SQLite FTS5).

Why FTS5 rather than the alternatives (figures in bench/speed.md and README):
- Chroma's own BM25 sparse index and Search API refuse to run locally ("Sparse vector indexing is
  not enabled in local"); Deep Lake 4's BM25 index works but serves Deep Lake only.
- `bm25s` loads memory-mapped and fast, but its index is static: every ingest or delete would
  rebuild it from every chunk, which is the cost this module exists to remove.
- FTS5 ships inside Python's sqlite3: an inverted index updated row by row in transactions,
  read without loading it, ranked by Okapi BM25, with the Porter stemmer. On the SQuAD sample
  it ranks at least as well as bm25s with PyStemmer.

One file per store (`keywords-<digest>.sqlite` in RAG_PERSIST_DIR), holding each chunk's id,
text and metadata, so a keyword hit needs nothing from the vector store. `BatchedStore` mirrors
every ingest write here: added after the store has a chunk, deleted before the store loses one.
A crash can therefore leave the index holding chunks the catalog does not record yet (never
chunks the store lacks). `keyword_sync` keeps it in step with the catalog: it catches up from
the catalog's change log (other machines' writes), and reconciles in full when the counts still
differ (after a crash, or on a store ingested before this index existed). The `sync` table
holds how far into that log the index is.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document

from rag_app.errors import RagError
from rag_app.retrieval.similarity import tokenize

if TYPE_CHECKING:
    from rag_app.stores.catalog import Catalog

SLICE = 500  # ids per statement, well below SQLite's variable limit
_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
    "text, id UNINDEXED, metadata UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TABLE IF NOT EXISTS ids (id TEXT PRIMARY KEY, doc INTEGER NOT NULL) WITHOUT ROWID",
    # how far into the catalog's change log the index is (rows 'catalog' and 'seq')
    "CREATE TABLE IF NOT EXISTS sync (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
)


def match_expression(query: str) -> str:
    """An FTS5 query matching any of the query's words (stop words dropped), each quoted."""
    return " OR ".join(f'"{word}"' for word in sorted(set(tokenize(query))))


class KeywordIndex:
    """The BM25 index of one store's chunks, in the SQLite file at `path`; safe to share across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, used by one thread at a time (statements and their fetches)."""
        with self._lock:
            yield self.db

    @property
    def read_only(self) -> bool:
        """Whether this process cannot write the index (a store folder or file it may only read)."""
        if self.path.exists():
            return not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))
        folder = next((p for p in (self.path.parent, *self.path.parent.parents) if p.exists()), None)
        return folder is not None and not os.access(folder, os.W_OK)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                if self.read_only:
                    self._db = self._open_read_only()
                    return self._db
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                db.execute("PRAGMA journal_mode = WAL")  # readers go on while an ingest writes
                with db:
                    for statement in _SCHEMA:
                        db.execute(statement)
            except (OSError, sqlite3.Error) as err:
                raise RagError(f"cannot open the keyword index {self.path}: {err}") from None
            self._db = db
        return self._db

    def _open_read_only(self) -> sqlite3.Connection:
        """The index opened for reading only (`mode=ro`); where SQLite cannot read a WAL file that
        way in a folder it may not write, as `immutable` (no one with this process's rights can
        change it). An index that does not exist is an empty one, in memory."""
        if not self.path.exists():
            db = sqlite3.connect(":memory:", check_same_thread=False)
            for statement in _SCHEMA:
                db.execute(statement)
            return db
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT COUNT(*) FROM ids").fetchone()
            return db
        except sqlite3.OperationalError:
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def count(self) -> int:
        """How many chunks the index holds."""
        with self._locked() as db:
            return int(db.execute("SELECT COUNT(*) FROM ids").fetchone()[0])

    def add(self, docs: Sequence[Document]) -> None:
        """Index chunks (each with an `id`); a chunk already indexed under that id is replaced."""
        self.apply(docs, [])

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id; unknown ids are ignored."""
        self.apply([], ids)

    def apply(
        self,
        added: Sequence[Document],
        removed: Sequence[str],
        synced: tuple[str, int, int | None] | None = None,
        clear: bool = False,
    ) -> None:
        """In one transaction: empty the index (`clear`), remove `removed`, index `added`, move the marker.

        Args:
            added: chunks to index (replacing any under the same id).
            removed: chunk ids to remove (unknown ids are ignored).
            synced: (catalog, seq, expected): the index now reflects the catalog's change log up to
                `seq`. With `expected` the marker moves only from exactly `expected` (a writer that
                appended `seq` itself); without, it only moves forward (a reader catching up).
            clear: remove every chunk first (the store was emptied).
        """
        with self._locked() as db, db:
            if clear:
                db.execute("DELETE FROM chunks")
                db.execute("DELETE FROM ids")
            self._delete(db, [*removed, *(d.id for d in added if d.id)])
            for doc in added:
                cursor = db.execute(
                    "INSERT INTO chunks (text, id, metadata) VALUES (?, ?, ?)",
                    (doc.page_content, doc.id, json.dumps(doc.metadata, ensure_ascii=False, default=_plain)),
                )
                db.execute("INSERT INTO ids VALUES (?, ?)", (doc.id, cursor.lastrowid))
            if synced is not None:
                self._mark(db, *synced)

    @staticmethod
    def _mark(db: sqlite3.Connection, catalog: str, seq: int, expected: int | None) -> None:
        current = _marker(db, catalog)
        if (current == expected) if expected is not None else (current is None or seq > current):
            db.execute("INSERT OR REPLACE INTO sync VALUES ('catalog', ?)", (catalog,))
            db.execute("INSERT OR REPLACE INTO sync VALUES ('seq', ?)", (str(seq),))

    def synced(self, catalog: str) -> int | None:
        """The last change of `catalog`'s log this index reflects; None when it never synced with it."""
        with self._locked() as db:
            return _marker(db, catalog)

    def mark(self, catalog: str, seq: int) -> None:
        """Record that the index reflects `catalog`'s change log up to `seq` (after a full reconcile)."""
        with self._locked() as db, db:
            db.execute("INSERT OR REPLACE INTO sync VALUES ('catalog', ?)", (catalog,))
            db.execute("INSERT OR REPLACE INTO sync VALUES ('seq', ?)", (str(seq),))

    @staticmethod
    def _delete(db: sqlite3.Connection, ids: list[str]) -> None:
        for start in range(0, len(ids), SLICE):
            part = ids[start : start + SLICE]
            marks = ",".join("?" * len(part))
            db.execute(f"DELETE FROM chunks WHERE rowid IN (SELECT doc FROM ids WHERE id IN ({marks}))", part)
            db.execute(f"DELETE FROM ids WHERE id IN ({marks})", part)

    def clear(self) -> None:
        """Remove every chunk (and the sync marker)."""
        with self._locked() as db, db:
            for table in ("chunks", "ids", "sync"):
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA:
                db.execute(statement)

    def differences(self, recorded: Iterable[str]) -> tuple[list[str], list[str]]:
        """(ids indexed but not in `recorded`, ids in `recorded` but not indexed), compared inside SQLite."""
        with self._locked() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS recorded (id TEXT PRIMARY KEY) WITHOUT ROWID")
            try:
                with db:
                    db.executemany("INSERT OR IGNORE INTO temp.recorded VALUES (?)", ((key,) for key in recorded))
                extra = [k for (k,) in db.execute("SELECT id FROM ids WHERE id NOT IN (SELECT id FROM temp.recorded)")]
                missing = [
                    k for (k,) in db.execute("SELECT id FROM temp.recorded WHERE id NOT IN (SELECT id FROM ids)")
                ]
            finally:
                with db:
                    db.execute("DELETE FROM temp.recorded")
        return extra, missing

    def search(self, query: str, k: int, filter: dict[str, Any] | None = None) -> list[tuple[Document, float]]:
        """The `k` best chunks by BM25 for any of the query's words that match the metadata
        `filter` (as the stores take it), with their BM25 score."""
        expression = match_expression(query)
        if not expression:
            return []
        where, params = _where(filter)
        with self._locked() as db:
            rows = db.execute(
                f"SELECT id, text, metadata, -bm25(chunks) FROM chunks WHERE chunks MATCH ?{where} ORDER BY rank LIMIT ?",
                (expression, *params, int(k)),
            ).fetchall()
        return [
            (Document(page_content=text, metadata=json.loads(metadata), id=key), float(score))
            for key, text, metadata, score in rows
        ]

    def scores(self, query: str, ids: Sequence[str]) -> dict[str, float]:
        """BM25 scores of the given chunks for `query` (chunks matching none of its words: absent)."""
        expression = match_expression(query)
        if not expression or not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._locked() as db:
            rows = db.execute(
                f"SELECT id, -bm25(chunks) FROM chunks WHERE chunks MATCH ?"
                f" AND rowid IN (SELECT doc FROM ids WHERE id IN ({marks}))",
                (expression, *ids),
            ).fetchall()
        return {key: float(score) for key, score in rows}


def _where(filter: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """SQL conditions on the stored metadata JSON for a metadata filter (paths and values bound)."""
    clauses: list[str] = []
    params: list[Any] = []
    for key, value in (filter or {}).items():
        if isinstance(value, dict) and set(value) == {"$in"}:
            values = list(value["$in"])
            clauses.append(f"json_extract(metadata, ?) IN ({','.join('?' * len(values))})" if values else "0")
            params += [f'$."{key}"', *values] if values else []
        else:
            clauses.append("json_extract(metadata, ?) = ?")
            params += [f'$."{key}"', value]
    return "".join(f" AND {clause}" for clause in clauses), params


def _plain(value: Any) -> Any:
    """numpy values (Deep Lake hands metadata back as 0-d arrays) as plain Python values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _marker(db: sqlite3.Connection, catalog: str) -> int | None:
    """The index's position in `catalog`'s change log (None: never synced with that catalog)."""
    rows = dict(db.execute("SELECT name, value FROM sync").fetchall())
    return int(rows["seq"]) if rows.get("catalog") == catalog and "seq" in rows else None


def keyword_index(catalog: Catalog) -> KeywordIndex:
    """The keyword index of the store `catalog` describes (its file named after the namespace)."""
    digest = hashlib.sha256(catalog.namespace.encode()).hexdigest()[:16]
    return KeywordIndex(catalog.directory / f"keywords-{digest}.sqlite")
