"""This process's chromadb clients, one per store (a folder or a server), and the store's state.

Light to import (chromadb is imported on first use): `stats` reads the state through it, from
the database file alone where it can.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from rag_app.config import Settings
from rag_app.errors import StoreError, first_line

_CLIENTS: dict[tuple, tuple[Any, Any]] = {}  # per store and process: (chromadb client, its database file)
_CLIENTS_LOCK = threading.Lock()


def open_client(settings: Settings) -> Any:
    """This process's chromadb client for the configured store, made on first use: an HttpClient
    for RAG_CHROMA_HOST (checked with a heartbeat), else a PersistentClient in RAG_PERSIST_DIR/chroma.

    One client per store and process, made under a lock: chromadb shares one engine per folder
    between its clients and starts it after publishing it, so two clients made at once (or one
    made while another is in use) could meet an engine not started yet.

    Raises:
        StoreError: the server cannot be reached, or the folder cannot be opened (or is read-only).
    """
    if settings.chroma_host:
        key = ("server", settings.chroma_host, settings.chroma_port, settings.chroma_ssl,
               tuple(sorted((settings.chroma_headers or {}).items())))  # fmt: skip
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                _CLIENTS[key] = (_server_client(settings), None)
            client = _CLIENTS[key][0]
        _heartbeat(client, settings)  # every opening checks that the server answers
        return client
    path = (settings.persist_dir / "chroma").resolve()
    with _CLIENTS_LOCK:
        cached = _CLIENTS.get(("folder", str(path)))
        if cached is not None and cached[1] != _database_file(path):  # the folder was deleted or replaced
            cached[0].close()
            cached = None
        if cached is None:
            client = _folder_client(path)
            cached = _CLIENTS[("folder", str(path))] = (client, _database_file(path))
        return cached[0]


def _database_file(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the folder's Chroma database: another one means another store."""
    try:
        found = (path / "chroma.sqlite3").stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _server_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    where = f"{settings.chroma_host}:{settings.chroma_port}"
    try:
        client = chromadb.HttpClient(
            host=settings.chroma_host,
            port=settings.chroma_port,
            ssl=settings.chroma_ssl,
            headers=settings.chroma_headers or None,
            settings=ChromaSettings(anonymized_telemetry=False),
        )
    except Exception as err:  # chromadb raises plain ValueError/httpx errors for a dead server
        raise StoreError(f"cannot reach the Chroma server at {where}: {first_line(err)}") from err
    return client


def _heartbeat(client: Any, settings: Settings) -> None:
    try:
        client.heartbeat()
    except Exception as err:  # httpx errors for a dead server
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        raise StoreError(f"cannot reach the Chroma server at {where}: {first_line(err)}") from err


def _folder_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as err:  # chromadb wraps sqlite and Rust errors in its own types
        if "readonly database" in str(err) or not os.access(path, os.W_OK):
            raise StoreError(
                f"the Chroma store at {path} is read-only, and Chroma cannot open a store it may not write"
                " (it updates its files when it opens them): make it writable, or copy it to a writable"
                " folder and set RAG_PERSIST_DIR there"
            ) from err
        raise StoreError(f"cannot open the Chroma store at {path}: {first_line(err)}") from err


def read_state(settings: Settings) -> tuple[str, int]:
    """(collection id, chunk count) of the configured collection; ("", 0) when it does not exist.

    This process's one client reads both from Chroma's database, so they include other processes' writes;
    an embedded store's are read from its database file first (`count_on_disk`).

    Raises:
        StoreError: the store cannot be reached or read.
    """
    counted = count_on_disk(settings)
    if counted is not None:
        return counted
    client = open_client(settings)
    try:
        collection = client.get_collection(settings.collection)
    except Exception as err:  # chromadb.errors.NotFoundError, or ValueError in older clients
        if "does not exist" in str(err) or type(err).__name__ == "NotFoundError":
            return "", 0
        raise StoreError(f"cannot read Chroma collection {settings.collection!r}: {first_line(err)}") from err
    return str(collection.id), int(collection.count())


# Chroma's SQLite layout (chromadb 1.x): a collection's metadata segment holds one `embeddings` row
# per record once the write log (`embeddings_queue`) is applied up to the segment's `max_seq_id`.
_COLLECTION = (
    "SELECT c.id FROM collections c JOIN databases d ON c.database_id = d.id "
    "WHERE c.name = ? AND d.name = 'default_database' AND d.tenant_id = 'default_tenant'"
)
_SEGMENT = "SELECT id FROM segments WHERE collection = ? AND scope = 'METADATA'"
_COUNT = "SELECT COUNT(*) FROM embeddings WHERE segment_id = ?"
_APPLIED = "SELECT seq_id FROM max_seq_id WHERE segment_id = ?"
_LOGGED = "SELECT MAX(seq_id) FROM embeddings_queue WHERE topic = ?"


def count_on_disk(settings: Settings) -> tuple[str, int] | None:
    """(collection id, chunk count) of an embedded store, read from its database file with sqlite3.

    `stats` needs only these two numbers, and chromadb's client costs 0.7 s of imports to start:
    the file is opened read-only. ("", 0) when there is no file yet (nothing is created); None
    when the store is a server, or the file is not in the layout known or has writes not yet
    applied: then the client reads them.
    """
    import sqlite3
    from contextlib import closing

    if settings.chroma_host:
        return None
    path = Path(settings.persist_dir) / "chroma" / "chroma.sqlite3"
    if not path.exists():
        return "", 0
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            found = db.execute(_COLLECTION, (settings.collection,)).fetchone()
            if found is None:
                return "", 0
            collection = str(found[0])
            (segment,) = db.execute(_SEGMENT, (collection,)).fetchone()
            (count,) = db.execute(_COUNT, (segment,)).fetchone()
            applied = db.execute(_APPLIED, (segment,)).fetchone()
            (logged,) = db.execute(_LOGGED, (f"persistent://default/default/{collection}",)).fetchone()
            if logged is not None and (applied is None or int(applied[0]) < int(logged)):
                return None  # writes still in the log: the client applies them first
    except (sqlite3.Error, TypeError, ValueError):  # another layout, or a file being written: ask the client
        return None
    return collection, int(count)
