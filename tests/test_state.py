"""State that never lies: a store emptied, deleted or replaced behind the catalog is noticed,
reported by `stats`, refused clearly by `ask`, and re-synced by the next `ingest`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ChromaServer


def _resynced(run, docs, chunks: int = 5) -> None:
    """`stats` shows the disagreement, `ask` says what happened, `ingest` stores everything again."""
    stats = run("stats", "--json")
    info = stats.json()
    assert (info["chunks"], info["catalog_chunks"]) == (0, chunks) and info["warning"]
    assert "warning: " in stats.err

    asked = run("ask", "When was Michael Jordan born?")
    assert asked.code == 1 and asked.err.count("\n") == 1
    assert "catalog lists 5" in asked.err or "replaced or recreated" in asked.err
    assert "ingest PATH` again to re-sync" in asked.err and "division by zero" not in asked.err

    again = run("ingest", str(docs))
    assert again.code == 0 and f"{chunks} chunks added" in again.out and "0 already present" in again.out
    assert "note: " in again.err
    info = run("stats", "--json").json()
    assert (info["chunks"], info["catalog_chunks"], info["warning"]) == (chunks, chunks, None)
    assert "1963" in run("ask", "When was Michael Jordan born?", "--json").json()["answer"]
    assert "0 chunks added" in run("ingest", str(docs)).out  # and in step from then on


def test_chroma_folder_deleted_behind_the_catalog(fake_env, docs, run):
    assert "5 chunks added" in run("ingest", str(docs)).out
    shutil.rmtree(fake_env / ".rag_app" / "chroma")
    _resynced(run, docs)


def test_a_deleted_catalog_is_warned_about_and_rebuilt_by_the_next_ingest(fake_env, docs, run):
    assert "5 chunks added" in run("ingest", str(docs)).out
    (fake_env / ".rag_app" / "catalog.sqlite").unlink()  # or a first ingest killed before it recorded anything
    stats = run("stats", "--json")
    assert stats.json()["warning"] == "the store holds 5 chunks but its catalog lists none"
    assert "warning: the store holds 5 chunks but its catalog lists none" in stats.err
    again = run("ingest", str(docs))
    assert (
        again.code == 0
        and "note: the store holds 5 chunks but its catalog lists none: its records are rebuilt" in again.err
    )
    info = run("stats", "--json").json()
    assert (info["chunks"], info["catalog_chunks"], info["warning"]) == (5, 5, None)  # same ids: no duplicates
    assert "1963" in run("ask", "When was Michael Jordan born?", "--json").json()["answer"]


def test_chroma_emptied_by_hand_keeps_what_is_left(fake_env, docs, run):
    from rag_app import stores
    from rag_app.config import Settings
    from rag_app.stores.chroma_client import open_client

    run("ingest", str(docs))
    settings = Settings.from_env()
    collection = open_client(settings).get_collection(settings.collection)
    doomed = collection.get(where={"source": "famous_birthdays.txt"}, include=[])["ids"]
    collection.delete(ids=doomed)
    assert run("stats", "--json").json()["warning"] == "the store holds 4 chunks but its catalog lists 5"
    again = run("ingest", str(docs))
    assert "1 chunk added" in again.out and "4 already present" in again.out, again.out
    assert run("stats", "--json").json()["chunks"] == 5 and stores.catalog(settings).counts() == (5, 4)


def test_a_new_empty_chroma_server_on_the_same_port(fake_env, docs, run, monkeypatch, tmp_path):
    first = ChromaServer(tmp_path / "server-a")
    monkeypatch.setenv("RAG_CHROMA_HOST", first.host)
    monkeypatch.setenv("RAG_CHROMA_PORT", str(first.port))
    try:
        assert "5 chunks added" in run("ingest", str(docs)).out
    finally:
        first.stop()
    down = run("stats")
    assert down.code == 1 and f"cannot reach the Chroma server at 127.0.0.1:{first.port}" in down.err
    assert "nothing ingested" not in run("search", "x").err

    second = ChromaServer(tmp_path / "server-b", port=first.port)
    try:
        _resynced(run, docs)
    finally:
        second.stop()


def test_deeplake_mem_store_seen_from_a_second_process(fake_env, docs, monkeypatch):
    monkeypatch.setenv("DEEPLAKE_DATASET_PATH", "mem://shared-name")
    ingest = [sys.executable, "-m", "rag_app", "ingest", str(docs)]
    first = subprocess.run(ingest, capture_output=True, text=True)
    assert "5 chunks added" in first.stdout, first.stderr
    second = subprocess.run(ingest, capture_output=True, text=True)  # a new process: a new, empty mem:// dataset
    assert "5 chunks added, 0 updated, 0 already present" in second.stdout, second.stdout + second.stderr
    assert "note: the store holds 0 chunks but its catalog lists 5" in second.stderr


def test_deeplake_folder_deleted_behind_the_catalog(fake_env, docs, run, monkeypatch):
    monkeypatch.setenv("DEEPLAKE_DATASET_PATH", str(fake_env / "lake"))
    assert "5 chunks added" in run("ingest", str(docs)).out
    shutil.rmtree(fake_env / "lake")
    _resynced(run, docs)


def test_port_with_no_server_says_so_instead_of_nothing_ingested(fake_env, run, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_CHROMA_PORT", str(free_port()))
    for command in (["search", "x"], ["ask", "x"], ["stats"]):
        result = run(*command)
        assert result.code == 1 and "cannot reach the Chroma server at 127.0.0.1:" in result.err, command


def test_ingesting_a_subfolder_reuses_every_chunk_and_keeps_names(fake_env, docs, run, monkeypatch):
    from langchain_core.embeddings import DeterministicFakeEmbedding

    (docs / "pdf").mkdir()
    shutil.move(docs / "landmarks.pdf", docs / "pdf" / "landmarks.pdf")
    run("ingest", str(docs))
    embedded: list[str] = []
    original = DeterministicFakeEmbedding.embed_documents
    monkeypatch.setattr(
        DeterministicFakeEmbedding,
        "embed_documents",
        lambda self, texts: embedded.extend(texts) or original(self, texts),
    )
    again = run("ingest", str(docs / "pdf"))
    assert "0 chunks added, 0 updated, 2 already present, 0 removed" in again.out, again.out
    assert embedded == []  # no embedding call at all
    listed = {s["path"]: s["chunks"] for s in run("sources", "--json").json()}
    assert listed[str((docs / "pdf" / "landmarks.pdf").resolve())] == 2 and len(listed) == 4
    assert run("stats", "--json").json()["chunks"] == 5
    pages = run("search", "Eiffel Tower", "--json").json()["results"]
    assert {r["source"] for r in pages if r["page"]} == {"pdf/landmarks.pdf"}  # not renamed to landmarks.pdf


STATS_WITHOUT_CHROMADB = """
import json, sys
from rag_app import RagService
stats = RagService().stats()
print(json.dumps({"chunks": stats.chunks, "warning": stats.warning, "chromadb": "chromadb" in sys.modules}))
"""


def test_stats_of_an_embedded_chroma_reads_its_file_without_chromadb(fake_env, docs, run):
    import json
    import os

    from rag_app.config import Settings
    from rag_app.stores.chroma_client import count_on_disk, open_client

    run("ingest", str(docs))
    settings = Settings.from_env()
    collection = open_client(settings).get_collection(settings.collection)
    assert collection.count() == 5 and count_on_disk(settings) == (str(collection.id), 5)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", STATS_WITHOUT_CHROMADB], env=env, capture_output=True, text=True)
    assert json.loads(done.stdout) == {"chunks": 5, "warning": None, "chromadb": False}, done.stderr


def test_writes_not_yet_applied_or_another_layout_are_left_to_the_client(fake_env, docs, run):
    import sqlite3

    from rag_app.config import Settings
    from rag_app.stores.chroma_client import count_on_disk, read_state

    run("ingest", str(docs))
    settings = Settings.from_env()
    database = fake_env / ".rag_app" / "chroma" / "chroma.sqlite3"
    with sqlite3.connect(database) as db:  # the metadata segment one write behind its log
        db.execute("UPDATE max_seq_id SET seq_id = seq_id - 1")
    assert count_on_disk(settings) is None
    assert read_state(settings)[1] == 5  # the client's count
    with sqlite3.connect(database) as db:
        db.execute("ALTER TABLE segments RENAME TO segments_renamed")
    assert count_on_disk(settings) is None
