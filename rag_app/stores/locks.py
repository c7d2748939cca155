"""The one-writer lock of a store, on one machine (a lock file) or across machines (PostgreSQL).

- SQLite catalog: `flock` on a file beside the catalog. The kernel releases it when the writer
  exits, however it exits.
- PostgreSQL catalog: a session advisory lock (`pg_try_advisory_lock`) held on a connection of
  its own for the whole write. The server releases it when that connection ends, so a writer
  killed with -9 (or whose machine dies: TCP keepalives) does not block the store for good.

Both are tried without waiting: a second writer fails at once with BusyError. Readers take no lock.
Within one thread the lock is re-entrant (an upload writes its files, then ingests them).
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rag_app.errors import BusyError, StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_HELD = threading.local()  # locks the current thread holds


def _held() -> set[object]:
    return _HELD.__dict__.setdefault("locks", set())


@contextmanager
def file_lock(path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive `flock` on `path`; BusyError(`busy`) when another holder has it.

    Raises:
        BusyError: another holder has it.
        StoreError: the lock file cannot be made (a folder this process may not write).
    """
    if path in _held():
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path, "w")
    except OSError as err:  # a read-only store folder: reading it works, writing cannot
        raise StoreError(f"cannot write to {path.parent}: {err.strerror or err}") from err
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise BusyError(busy) from err
        _held().add(path)
        try:
            yield
        finally:
            _held().discard(path)
            fcntl.flock(lock, fcntl.LOCK_UN)


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for `name` (PostgreSQL's bigint)."""
    return int.from_bytes(hashlib.sha256(f"rag_app:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(engine: Engine, name: str, busy: str) -> Iterator[None]:
    """Hold PostgreSQL's session advisory lock for `name` on a connection kept for the purpose.

    Raises:
        BusyError: another session (another process or machine) holds it.
    """
    from sqlalchemy import text

    key = lock_key(name)
    identity = (str(engine.url), key)
    if identity in _held():
        yield
        return
    conn = engine.connect()
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        conn.commit()
        if not got:
            raise BusyError(busy)
        _held().add(identity)
        try:
            yield
        finally:
            _held().discard(identity)
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
            except Exception:  # the connection is gone: so is the lock
                conn.invalidate()
    finally:
        conn.close()
