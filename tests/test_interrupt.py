"""Ctrl-C during a real ingest (the bundled model, a real Chroma folder): exit 130, no abort, data intact.

A daemon thread still inside ONNX Runtime when the interpreter exited made the runtime abort the
process ("terminate called without an active exception", exit 134); the ingest now stops that
thread before it returns (ingestion/overlap.py, PrefetchingEmbeddings.close)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def recorded(catalog: Path) -> int:
    """Chunks the catalog lists (0 while it does not exist yet)."""
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("select count(*) from upsertion_record").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_ctrl_c_mid_ingest_exits_130_without_an_abort(workdir):
    corpus = workdir / "corpus"
    corpus.mkdir()
    for n in range(12):  # about 3,000 small chunks: many batches, so the interrupt lands mid-ingest
        words = " ".join(f"word{(n * 7 + i) % 997} item{i % 13}" for i in range(5_000))
        (corpus / f"part{n}.txt").write_text(words)
    env = dict(os.environ, RAG_PERSIST_DIR=str(workdir / "store"), RAG_CHUNK_SIZE="200", RAG_CHUNK_OVERLAP="0")
    env["PYTHONPATH"] = str(REPO)
    ingest = subprocess.Popen(
        [sys.executable, "-m", "rag_app", "ingest", str(corpus)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    catalog = workdir / "store" / "catalog.sqlite"
    deadline = time.monotonic() + 240
    while recorded(catalog) == 0 and ingest.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # until the first batch is stored: the next one is being encoded in the background
    assert ingest.poll() is None, "the ingest ended before it could be interrupted"
    ingest.send_signal(signal.SIGINT)
    out, _ = ingest.communicate(timeout=120)
    assert ingest.returncode == 130, out
    assert "terminate called" not in out and "Aborted" not in out and "Traceback" not in out
    assert "interrupted: what was stored so far is kept" in out

    stored = recorded(catalog)
    assert 0 < stored < 3_000
    env["RAG_EMBEDDINGS"] = "huggingface"
    stats = subprocess.run(
        [sys.executable, "-m", "rag_app", "stats", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert stats.returncode == 0 and '"warning": null' in stats.stdout, stats.stdout + stats.stderr
