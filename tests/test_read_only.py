"""A store folder this process may only read: reads work (Deep Lake), or fail in one clear line
(Chroma cannot open a folder it may not write); writes fail in one line, and nothing changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO

# Root may write anything: drop the capabilities that let it, as a user without the rights would be.
if os.geteuid() == 0:
    AS_READER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    needs = pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is not installed")
else:
    AS_READER, needs = [], pytest.mark.skipif(False, reason="")


def _env(tmp_path: Path, store: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "DEEPLAKE_"))}
    return env | {
        "PYTHONPATH": str(REPO),
        "RAG_EMBEDDINGS": "fake",
        "RAG_LLM": "fake",
        "RAG_VECTOR_STORE": store,
        "RAG_PERSIST_DIR": str(tmp_path / "store"),
        "DEEPLAKE_DATASET_PATH": str(tmp_path / "store" / "lake"),
    }


def _cli(env: dict[str, str], *args: str, reader: bool = True) -> subprocess.CompletedProcess:
    command = [*(AS_READER if reader else []), sys.executable, "-m", "rag_app", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=180, cwd=Path(env["RAG_PERSIST_DIR"]).parent
    )


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


@needs
def test_a_read_only_deeplake_store_answers_reads(tmp_path):
    env = _env(tmp_path, "deeplake")
    assert _cli(env, "ingest", str(DATA), reader=False).returncode == 0
    store = tmp_path / "store"
    _read_only(store)
    before = _snapshot(store)
    stats = _cli(env, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert '"chunks": 5' in stats.stdout
    search = _cli(env, "search", "Napoleon", "--json")
    assert search.returncode == 0, search.stderr
    assert "famous_birthdays.txt" in search.stdout
    asked = _cli(env, "ask", "When was Napoleon born?")
    assert asked.returncode == 0, asked.stderr
    written = _cli(env, "ingest", str(DATA))
    assert written.returncode != 0 and written.stderr.count("\n") <= 2, written.stderr
    assert f"cannot write to {store}" in written.stderr and "Traceback" not in written.stderr
    assert _snapshot(store) == before


@needs
def test_a_read_only_chroma_store_says_why_in_one_line(tmp_path):
    env = _env(tmp_path, "chroma")
    assert _cli(env, "ingest", str(DATA), reader=False).returncode == 0
    store = tmp_path / "store"
    _read_only(store)
    stats = _cli(env, "stats", "--json")  # read from Chroma's database file itself, opened read-only
    assert stats.returncode == 0 and '"chunks": 5' in stats.stdout, stats.stderr
    for command in (["search", "Napoleon"], ["ask", "When was Napoleon born?"]):
        done = _cli(env, *command)
        assert done.returncode == 1
        assert done.stderr.startswith(f"error: the Chroma store at {store / 'chroma'} is read-only"), done.stderr
        assert done.stderr.count("\n") == 1
    listed = _cli(env, "sources")  # the catalog alone: works
    assert listed.returncode == 0 and "4 sources, 5 chunks" in listed.stdout
