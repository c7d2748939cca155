"""A real ingest process killed mid-way: the store survives and the next ingest completes exactly."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.test_scale import _index_state

# The CLI in a subprocess, with fake embeddings slowed down so the kill lands mid-ingest.
SLOW_INGEST = """
import sys, time
from langchain_core.embeddings import DeterministicFakeEmbedding
original = DeterministicFakeEmbedding.embed_documents
def slow(self, texts):
    time.sleep(0.05 * len(texts))
    return original(self, texts)
DeterministicFakeEmbedding.embed_documents = slow
from rag_app.cli import main
sys.exit(main(sys.argv[1:]))
"""

FILES = 300


def _corpus(folder):
    folder.mkdir()
    for n in range(FILES):
        (folder / f"note-{n:03d}.txt").write_text(f"Note {n}: the value of item {n} is {n * 7}.")


def _recorded(workdir) -> int:
    db = workdir / ".rag_app" / "catalog.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT COUNT(*) FROM upsertion_record").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _start(workdir, *args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupt_mid_ingest(workdir, sig, run) -> subprocess.Popen:
    proc = _start(workdir, "ingest", "notes")
    deadline = time.monotonic() + 120
    while _recorded(workdir) < 64:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.05)
    # While it writes: reads work, and a second ingest is refused with a clear message.
    assert run("search", "value of item 5", "--json").code == 0
    second = run("ingest", "notes")
    assert second.code == 1 and "another ingest is writing to" in second.err
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert 0 < _recorded(workdir) < FILES, "the signal must land mid-ingest"
    return proc


@pytest.fixture(params=["chroma", "deeplake"])
def crash_env(request, fake_env, monkeypatch):
    if request.param == "deeplake":
        monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "lake")
    _corpus(fake_env / "notes")
    return fake_env


def _store_count(run) -> int:
    """Chunks really in the store, counted by the store itself (not the catalog)."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app import stores
    from rag_app.config import Settings

    store = stores.open_vectorstore(Settings.from_env(), DeterministicFakeEmbedding(size=256))
    return store._collection.count() if hasattr(store, "_collection") else len(store)


def test_kill_9_mid_ingest_then_reingest_is_exact(crash_env, run):
    proc = _interrupt_mid_ingest(crash_env, signal.SIGKILL, run)
    assert proc.returncode == -signal.SIGKILL
    # The keyword index never holds a chunk the store lacks, and holds every recorded one.
    indexed, recorded, in_store = _index_state()
    assert 0 < len(recorded) <= len(indexed) and recorded <= indexed <= in_store
    assert run("stats", "--json").json()["chunks"] == _store_count(run)  # what the store holds, not the catalog
    assert run("ask", "What is the value of item 3?", "--json").json()["sources"]

    finished = run("ingest", "notes")
    # files whose chunks were all stored (and recorded) before the kill are not read again
    counted = re.search(r"(\d+) files? read, (?:(\d+) unchanged, )?0 skipped", finished.out)
    assert finished.code == 0 and counted, finished.out
    assert int(counted[1]) + int(counted[2] or 0) == FILES and int(counted[1]) > 0
    assert run("stats", "--json").json()["chunks"] == FILES
    assert _store_count(run) == FILES
    indexed, recorded, in_store = _index_state()
    assert indexed == recorded == in_store and len(indexed) == FILES


def test_ctrl_c_is_one_line_and_resumable(crash_env, run):
    proc = _interrupt_mid_ingest(crash_env, signal.SIGINT, run)
    _, err = proc.communicate()
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1].startswith("interrupted: what was stored so far is kept")
    assert "Traceback" not in err
    resumed = run("ingest", "notes")
    assert "already present" in resumed.out and run("stats", "--json").json()["chunks"] == FILES
    assert _store_count(run) == FILES
