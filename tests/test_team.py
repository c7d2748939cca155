"""One knowledge base for a team: two "machines" (processes with their own RAG_PERSIST_DIR and
RAG_SOURCE_ROOT) share one PostgreSQL catalog and one store (a Chroma server, or a Deep Lake
dataset on a shared path standing in for cloud storage). All servers are real, on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from rag_app import RagService
from rag_app.config import PREFIXES, Settings
from tests.postgres import PASSWORD

# The CLI, with fake embeddings slowed down (SLOW_EMBED seconds a text) so an ingest lasts.
SLOW_CLI = """
import os, sys, time
from langchain_core.embeddings import DeterministicFakeEmbedding
original = DeterministicFakeEmbedding.embed_documents
def slow(self, texts):
    time.sleep(float(os.environ.get("SLOW_EMBED", "0")) * len(texts))
    while os.path.exists(os.environ.get("HOLD_EMBED", "")):  # held mid-ingest until the test removes the file
        time.sleep(0.05)
    return original(self, texts)
DeterministicFakeEmbedding.embed_documents = slow
from rag_app.cli import main
sys.exit(main(sys.argv[1:]))
"""


class Machine:
    """One team member's machine: a persist dir and a checkout of the shared tree of its own."""

    def __init__(self, root: Path, shared: dict[str, str]) -> None:
        self.root = root
        self.tree = root / "tree"
        self.tree.mkdir(parents=True)
        self.env = {**shared, "RAG_PERSIST_DIR": str(root / "state"), "RAG_SOURCE_ROOT": str(self.tree)}

    def settings(self, **extra: str) -> Settings:
        return Settings.from_env({**self.env, **extra})

    def service(self, **extra: str) -> RagService:
        return RagService(self.settings(**extra))

    def start(self, *args: str, slow: float = 0.0, hold: Path | None = None) -> subprocess.Popen:
        """The CLI in a process of its own (this machine's environment only).

        `slow` seconds per embedded text; while the file `hold` exists, embedding waits (mid-ingest, lock held).
        """
        env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)}
        env |= {**self.env, "PYTHONPATH": os.pathsep.join(sys.path), "SLOW_EMBED": str(slow)}
        env |= {"HOLD_EMBED": str(hold)} if hold else {}
        return subprocess.Popen(
            [sys.executable, "-c", SLOW_CLI, *args],
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def keyword_texts(self, query: str) -> list[str]:
        """What this machine's own keyword index finds (after a search has brought it in step)."""
        from rag_app import stores
        from rag_app.retrieval.keyword_index import keyword_index

        index = keyword_index(stores.catalog(self.settings()))
        try:
            return [doc.page_content for doc, _ in index.search(query, 100)]
        finally:
            index.close()


def _notes(folder: Path, word: str, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"note-{n:03d}.txt").write_text(f"Note {n} of {word}: the {word}{n} code is {n * 7}.")


@pytest.fixture(params=["chroma", "deeplake"])
def team(request, catalog_url, tmp_path):
    """Two machines sharing a PostgreSQL catalog and one store."""
    shared = {"RAG_CATALOG_URL": catalog_url, "RAG_EMBEDDINGS": "fake", "RAG_COLLECTION": f"team-{uuid.uuid4().hex}"}
    if request.param == "chroma":
        host, port = request.getfixturevalue("chroma_server")
        shared |= {"RAG_CHROMA_HOST": host, "RAG_CHROMA_PORT": str(port)}
    else:
        shared |= {"DEEPLAKE_DATASET_PATH": str(tmp_path / "shared-lake")}
    return Machine(tmp_path / "a", shared), Machine(tmp_path / "b", shared)


def _wait_for_writer(machine: Machine, proc: subprocess.Popen) -> None:
    """Until `proc` holds the write lock (it records the model under the lock, before embedding)."""
    from rag_app import stores

    deadline = time.monotonic() + 60
    while stores.catalog(machine.settings()).model() is None:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the first ingest never started writing"
        time.sleep(0.05)


def _in_store(machine: Machine) -> int:
    return machine.service().stats().chunks


def _top(machine: Machine, query: str, retriever: str) -> list[str]:
    return [s.text for s in machine.service(RAG_RETRIEVER=retriever).search(query, k=3).results]


def test_two_machines_share_one_knowledge_base(team):
    a, b = team
    _notes(a.tree / "alpha", "zanzibar", 30)
    _notes(b.tree / "beta", "quokka", 20)

    # Both ingest at once: the second is refused while the first writes, then goes through.
    hold = a.root / "hold"
    hold.touch()
    first = a.start("ingest", str(a.tree / "alpha"), hold=hold)
    try:
        _wait_for_writer(a, first)
        second = b.start("ingest", str(b.tree / "beta"))
        out, err = second.communicate(timeout=120)
    finally:
        hold.unlink()
    refusal = err.strip().splitlines()[-1]
    assert second.returncode == 1 and refusal.startswith("error: another ingest is writing to"), (out, err)
    assert "rag:***@127.0.0.1" in refusal and PASSWORD not in err and "Traceback" not in err
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0 and "30 chunks added" in out, err
    again = b.start("ingest", str(b.tree / "beta"))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0 and "20 chunks added" in out, err

    # Each finds the other's documents by vector (exact text) and by keyword (a word only they have).
    alpha_text = (a.tree / "alpha" / "note-004.txt").read_text()
    beta_text = (b.tree / "beta" / "note-011.txt").read_text()
    assert _top(b, alpha_text, "vector")[0] == alpha_text
    assert _top(a, beta_text, "vector")[0] == beta_text
    assert alpha_text in _top(b, "zanzibar4", "hybrid") and alpha_text in b.keyword_texts("zanzibar4")
    assert beta_text in _top(a, "quokka11", "hybrid") and beta_text in a.keyword_texts("quokka11")
    assert len(b.keyword_texts("zanzibar")) == 30 and len(a.keyword_texts("quokka")) == 20
    assert {s.path for s in b.service().sources()} >= {"alpha/note-004.txt", "beta/note-011.txt"}

    # Re-ingesting adds nothing, on either machine, nor does a copy of alpha on machine b (same keys).
    assert a.service().ingest([a.tree / "alpha"]).added == 0
    assert b.service().ingest([b.tree / "beta"]).added == 0
    shutil.copytree(a.tree / "alpha", b.tree / "alpha")
    copied = b.service().ingest([b.tree / "alpha"])
    assert (copied.added, copied.updated, copied.unchanged, copied.deleted) == (0, 0, 30, 0)
    assert _in_store(a) == _in_store(b) == 50

    # An edit on a replaces the chunk for both.
    (a.tree / "alpha" / "note-004.txt").write_text("Note 4 was rewritten: the platypus code is 99.")
    assert a.service().ingest([a.tree / "alpha"]).updated == 1
    assert _top(b, "platypus", "hybrid")[0].startswith("Note 4 was rewritten")
    assert b.keyword_texts("zanzibar4") == [] and len(b.keyword_texts("platypus")) == 1
    assert _top(b, alpha_text, "vector")[0] != alpha_text
    assert _in_store(b) == 50

    # A delete on b (by the file's key, the same on every machine) is gone for both.
    deleted = b.service().delete("alpha/note-007.txt")
    assert (deleted.source, deleted.chunks) == ("alpha/note-007.txt", 1)
    assert "alpha/note-007.txt" not in {s.path for s in a.service().sources()}
    assert not any(t.startswith("Note 7 of") for t in _top(a, "zanzibar7", "hybrid"))
    assert a.keyword_texts("zanzibar7") == [] and len(a.keyword_texts("zanzibar")) == 28
    stats = a.service().stats()
    assert (stats.chunks, stats.catalog_chunks, stats.warning) == (49, 49, None)


def _keyword_count(machine: Machine) -> int:
    from rag_app import stores
    from rag_app.retrieval.keyword_index import keyword_index

    index = keyword_index(stores.catalog(machine.settings()))
    try:
        return index.count()
    finally:
        index.close()


def test_a_writer_killed_mid_ingest_frees_the_store_for_the_other_machine(team):
    from rag_app import stores

    a, b = team
    _notes(a.tree / "notes", "wombat", 300)
    shutil.copytree(a.tree / "notes", b.tree / "notes")
    writer = a.start("ingest", str(a.tree / "notes"), slow=0.02)
    catalog = stores.catalog(a.settings())
    deadline = time.monotonic() + 120
    while catalog.counts()[0] < 64:
        assert writer.poll() is None, writer.communicate()
        assert time.monotonic() < deadline, "the ingest made no progress"
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    assert 0 < catalog.counts()[0] < 300, "the kill must land mid-ingest"

    # The server dropped the dead writer's session, and its lock with it: b's ingest goes through.
    resumed = b.service().ingest([b.tree / "notes"])
    # Files the dead writer finished (stamped, same size and mtime in b's copy) need not be read again.
    assert resumed.added + resumed.unchanged == 300 and resumed.files_read + resumed.files_unchanged == 300
    stats = b.service().stats()
    assert (stats.chunks, stats.catalog_chunks, stats.sources) == (300, 300, 300)  # no duplicate, none missing
    assert _keyword_count(b) == 300
    assert "Note 123 of wombat: the wombat123 code is 861." in _top(a, "wombat123", "hybrid")
    assert _keyword_count(a) == 300  # a's index, half-written when it died, caught up on search


def test_unreachable_catalog_is_one_line_naming_the_variable(fake_env, docs, run, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("RAG_CATALOG_URL", f"postgresql+psycopg://rag:{PASSWORD}@127.0.0.1:{free_port()}/rag")
    for command in (["stats"], ["ingest", str(docs)], ["sources"]):
        result = run(*command)
        assert result.code == 1 and result.err.count("\n") == 1, result.err
        assert result.err.startswith("error: cannot reach the catalog at RAG_CATALOG_URL=postgresql+psycopg://rag:***@")
        assert PASSWORD not in result.err + result.out and "Traceback" not in result.err


def test_wrong_catalog_password_is_one_line_and_never_printed(fake_env, docs, run, monkeypatch, postgres_server):
    monkeypatch.setenv("RAG_CATALOG_URL", postgres_server.url(password="not-the-pw-42"))
    result = run("ingest", str(docs))
    assert result.code == 1 and result.err.count("\n") == 1 and "RAG_CATALOG_URL" in result.err
    assert "password authentication failed" in result.err
    assert "not-the-pw-42" not in result.err + result.out and PASSWORD not in result.err


def test_a_catalog_url_of_another_database_is_refused(fake_env, run, monkeypatch):
    monkeypatch.setenv("RAG_CATALOG_URL", "mysql://rag:hidden-pw-9@db/rag")
    result = run("stats")
    assert result.code == 2 and result.err.startswith("error: RAG_CATALOG_URL: must be a sqlite:/// or postgresql")
    assert "hidden-pw-9" not in result.err
