"""One chromadb client per store and process: no start-up race, other processes' writes seen."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO

RACE = textwrap.dedent(
    """
    import sys, threading
    from langchain_core.embeddings import DeterministicFakeEmbedding
    from rag_app.config import Settings
    from rag_app.stores.chroma import open_store, read_state

    settings = Settings.from_env({"RAG_PERSIST_DIR": sys.argv[1]})
    barrier, errors = threading.Barrier(8), []

    def work(n):
        barrier.wait()
        try:
            if n % 2:
                read_state(settings)
            else:
                open_store(settings, DeterministicFakeEmbedding(size=4), fresh=True).similarity_search("x", k=1)
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("\\n".join(errors) or "ok")
    """
)


def test_threads_opening_a_new_store_at_once_all_succeed(tmp_path):
    # A new process each time: the race is in the first opening of a folder in a process.
    for attempt in range(3):
        done = subprocess.run(
            [sys.executable, "-c", RACE, str(tmp_path / f"store-{attempt}")],
            capture_output=True, text=True, cwd=REPO, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "ok", done.stdout


WRITER = textwrap.dedent(
    """
    import sys
    from langchain_core.embeddings import DeterministicFakeEmbedding
    from rag_app.config import Settings
    from rag_app.stores.chroma import open_store

    store = open_store(Settings.from_env({"RAG_PERSIST_DIR": sys.argv[1]}), DeterministicFakeEmbedding(size=4))
    store.add_texts(["written by another process"], ids=["other"])
    """
)


def test_a_fresh_open_sees_what_another_process_wrote(tmp_path):
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app.config import Settings
    from rag_app.stores.chroma import open_store, read_state

    settings = Settings.from_env({"RAG_PERSIST_DIR": str(tmp_path), "RAG_COLLECTION": "fresh-test"})
    embeddings = DeterministicFakeEmbedding(size=4)
    store = open_store(settings, embeddings)
    store.add_texts(["mine"], ids=["mine"])
    assert [d.id for d in store.similarity_search("x", k=5)] == ["mine"]
    env_script = WRITER.replace(
        '{"RAG_PERSIST_DIR": sys.argv[1]}', '{"RAG_PERSIST_DIR": sys.argv[1], "RAG_COLLECTION": "fresh-test"}'
    )
    subprocess.run([sys.executable, "-c", env_script, str(tmp_path)], check=True, cwd=REPO, timeout=120)
    assert read_state(settings)[1] == 2  # counted from Chroma's database: no reopening needed
    again = open_store(settings, embeddings, fresh=True)
    assert {d.id for d in again.similarity_search("x", k=5)} == {"mine", "other"}
