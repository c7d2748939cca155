"""The catalog's tables, as SQLAlchemy Core objects (one definition for SQLite and PostgreSQL).

- `upsertion_record` is LangChain's SQLRecordManager table (created by it); only the columns
  rag_app reads are declared here.
- `rag_app_store`: per store (namespace), the embedding model, its dimension, the store's identity.
- `rag_app_source`: per ingested file (group), the name results show for it and the characters of
  text extracted from its bytes.
- `rag_app_change`: every chunk added to or removed from a store, in order (`seq`). Readers on
  other machines replay it to keep their local keyword index in step. A row with an empty key
  and `removed` means "the store was emptied" (reset).
- `rag_app_file`: per ingested file (source key), its size and modification time when its chunks
  were last stored: a re-ingest skips a file that still has both without reading it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, MetaData, String, Table, inspect, text
from sqlalchemy.engine import Connection

METADATA = MetaData()

STORES = Table(
    "rag_app_store",
    METADATA,
    Column("namespace", String, primary_key=True),
    Column("embedding_model", String, nullable=False),
    Column("dimension", Integer, nullable=False),
    Column("store_id", String),
)

CHANGES = Table(
    "rag_app_change",
    METADATA,
    # AUTOINCREMENT on SQLite: a sequence number is never reused, even after rows are deleted.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("namespace", String, nullable=False),
    Column("key", String, nullable=False),
    Column("removed", Boolean, nullable=False),
    Index("ix_rag_app_change_namespace_seq", "namespace", "seq"),
    sqlite_autoincrement=True,
)

SOURCES = Table(
    "rag_app_source",
    METADATA,
    Column("namespace", String, primary_key=True),
    Column("group_id", String, primary_key=True),
    Column("name", String),
    Column("characters", BigInteger, nullable=False),
    Column("bytes", BigInteger, nullable=False),
)

FILES = Table(
    "rag_app_file",
    METADATA,
    Column("namespace", String, primary_key=True),
    Column("path", String, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
)

RECORDS = Table(
    "upsertion_record",
    MetaData(),  # not ours to create
    Column("key", String),
    Column("namespace", String),
    Column("group_id", String),
    Column("updated_at", Float),
)


def migrate(conn: Connection) -> None:
    """Bring tables of older catalogs up to date (rag_app_store had no store_id before 0.2,
    rag_app_source no name in its first form)."""
    columns = {column["name"] for column in inspect(conn).get_columns("rag_app_store")}
    if "store_id" not in columns:
        conn.execute(text("ALTER TABLE rag_app_store ADD COLUMN store_id TEXT"))
    if "name" not in {column["name"] for column in inspect(conn).get_columns("rag_app_source")}:
        conn.execute(text("ALTER TABLE rag_app_source ADD COLUMN name TEXT"))
