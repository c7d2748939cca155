"""The database behind the catalog: any SQLAlchemy URL (`RAG_CATALOG_URL`), SQLite by default.

LangChain's `SQLRecordManager` supports two dialects, SQLite and PostgreSQL, so those are the two
accepted here. One engine per URL per process. SQLite connects per use (as `sqlite3.connect`
did), PostgreSQL keeps a small pool. The URL's password appears only inside the engine: what
people see is `shown`, and error messages have it scrubbed. The reads a cold command makes
(`stats`, `sources`, the catalog's generation before a `search`) are plain SQL (`read`): on a
local SQLite catalog they go through the standard library's sqlite3, so those commands import
no SQLAlchemy (0.3 s of start-up).
"""

from __future__ import annotations

import os
import threading
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError, StoreError, first_line

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import Engine

DB_NAME = "catalog.sqlite"
DIALECTS = ("sqlite", "postgresql")
_SCHEMA_LOCK = 0x7261675F61707031  # pg advisory lock key while creating tables ("rag_app1")
_ENGINES: dict[str, Engine] = {}
_READY: set[tuple] = set()  # catalogs (URL, and a SQLite file's identity) whose tables this process made or checked
_GUARD = threading.Lock()


def default_url(persist_dir: Path) -> str:
    """The zero-set-up catalog: a SQLite file in RAG_PERSIST_DIR."""
    return f"sqlite:///{persist_dir.resolve() / DB_NAME}"


def shown(url: str) -> str:
    """`url` with its password and secret-looking query values replaced by ***, for messages."""
    from rag_app.providers.registry import redact

    return redact(url)


class CatalogDB:
    """The catalog database at `url` (its engine, schema, and how its errors read)."""

    def __init__(self, url: str) -> None:
        local = _local_sqlite(url)
        if local is not None:  # the common case, known without SQLAlchemy's URL parser
            self.url, self.dialect, self.shown, self._password, self.sqlite_path = url, "sqlite", url, "", local
            return
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except ArgumentError as err:
            raise ConfigError(
                "RAG_CATALOG_URL is not a database URL: use postgresql+psycopg://USER:PASSWORD@HOST:5432/DB"
                " or sqlite:////path/catalog.sqlite"
            ) from err
        if parsed.get_backend_name() not in DIALECTS:
            raise ConfigError(
                f"RAG_CATALOG_URL: {parsed.get_backend_name()} is not supported (LangChain's"
                " SQLRecordManager keeps records in sqlite or postgresql)"
            )
        self.url = url
        self.dialect = parsed.get_backend_name()
        self.shown = shown(url)
        self._password = parsed.password or ""
        self.sqlite_path = Path(parsed.database) if self.dialect == "sqlite" and parsed.database else None

    @property
    def engine(self) -> Engine:
        """The process's one engine for this URL."""
        with _GUARD:
            if self.url not in _ENGINES:
                _ENGINES[self.url] = self._create()
            return _ENGINES[self.url]

    def _create(self) -> Engine:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        if self.dialect == "sqlite":
            if self.read_only():
                return create_engine("sqlite://", poolclass=NullPool, creator=self._sqlite_connect)
            return create_engine(self.url, poolclass=NullPool, connect_args={"timeout": 30})
        return create_engine(self.url, pool_size=3, max_overflow=5, pool_pre_ping=True, connect_args=_pg_args())

    def read(self, sql: str, **params: Any) -> list[tuple]:
        """Rows of a plain-SQL read (`:name` parameters, SQL that SQLite and PostgreSQL both take);
        none when the catalog or the table does not exist yet.

        Raises:
            StoreError: the catalog cannot be read (one line, no password).
        """
        if self.missing():
            return []
        if self.sqlite_path is None:
            from sqlalchemy import text
            from sqlalchemy.exc import SQLAlchemyError

            try:  # autocommit: no BEGIN and ROLLBACK round trips around a read
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    return [tuple(row) for row in conn.execute(text(sql), params)]
            except SQLAlchemyError as err:
                if self.no_table(err):
                    return []
                raise self.error(err, "read") from err
        import sqlite3

        try:
            with closing(self._sqlite_connect()) as conn:
                return [tuple(row) for row in conn.execute(sql, params)]
        except sqlite3.Error as err:
            if self.no_table(err):
                return []
            raise self.error(err, "read") from err

    def _sqlite_connect(self) -> sqlite3.Connection:
        """A connection to the SQLite catalog (read-only when this process may not write it)."""
        import sqlite3

        if self.read_only():
            uri = f"{self.sqlite_path.resolve().as_uri()}?mode=ro"  # type: ignore[union-attr]
            return sqlite3.connect(uri, uri=True, timeout=30)
        return sqlite3.connect(self.sqlite_path, timeout=30)  # type: ignore[arg-type]

    def read_only(self) -> bool:
        """True for a SQLite catalog that exists but that this process may not write (it is opened `mode=ro`)."""
        path = self.sqlite_path
        return path is not None and path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))

    def missing(self) -> bool:
        """True for a SQLite catalog whose file does not exist yet (reads then find nothing)."""
        return self.sqlite_path is not None and not self.sqlite_path.exists()

    def ensure_schema(self, record_manager: Any) -> None:
        """Create rag_app's tables and LangChain's records table once per process and file (safe to race)."""
        from sqlalchemy import text

        from rag_app.stores.catalog_schema import METADATA, migrate

        if self._ready_key() in _READY:
            return
        try:
            if self.sqlite_path is not None:
                self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":  # two machines starting at once must not both CREATE
                    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _SCHEMA_LOCK})
                try:
                    METADATA.create_all(conn)
                    migrate(conn)
                    conn.commit()
                    record_manager.create_schema()
                finally:
                    if self.dialect == "postgresql":
                        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SCHEMA_LOCK})
                        conn.commit()
        except Exception as err:
            raise self.error(err, "write") from err
        _READY.add(self._ready_key())

    def _ready_key(self) -> tuple:
        """The URL, and for SQLite its file's (device, inode): a file deleted (or replaced) while the process
        runs, as when RAG_PERSIST_DIR is removed under a server, gets its tables again."""
        if self.sqlite_path is None:
            return (self.url,)
        try:
            found = self.sqlite_path.stat()
        except OSError:
            return (self.url, None)
        return self.url, found.st_dev, found.st_ino

    def scrub(self, text: str) -> str:
        """`text` without this URL's password."""
        return text.replace(self._password, "***") if len(self._password) >= 3 else text

    def error(self, err: BaseException, verb: str) -> StoreError:
        """A one-line StoreError for a failed catalog read or write (never the password)."""
        import sqlite3

        cause = getattr(err, "orig", None) or err
        detail = self.scrub(first_line(cause).strip() or type(cause).__name__)
        if self.dialect == "sqlite":
            if isinstance(cause, sqlite3.DatabaseError) and "not a database" in detail:
                return StoreError(f"the store catalog {self.sqlite_path} is corrupt: {detail}")
            return StoreError(f"cannot {verb} the store catalog {self.sqlite_path}: {detail}")
        from sqlalchemy.exc import OperationalError

        if isinstance(err, OperationalError) or "connection" in detail.lower():
            return StoreError(f"cannot reach the catalog at RAG_CATALOG_URL={self.shown}: {detail}")
        return StoreError(f"cannot {verb} the catalog at RAG_CATALOG_URL={self.shown}: {detail}")

    @staticmethod
    def no_table(err: BaseException) -> bool:
        """Whether `err` says a table or column does not exist yet (a catalog before its first write)."""
        text = str(getattr(err, "orig", None) or err)
        postgres = "does not exist" in text and ("relation" in text or "column" in text)
        return postgres or "no such table" in text or "no such column" in text


def _local_sqlite(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL (as `default_url` makes), else None (SQLAlchemy parses the rest)."""
    if url.startswith("sqlite:///") and not any(c in url for c in "?#%"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def _pg_args() -> dict[str, Any]:
    """libpq options: fail fast when the server is down, notice a dead server within a minute."""
    return {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}
