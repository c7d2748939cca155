"""RAG_VECTOR_STORE=postgres: chunks, vectors and catalog in one PostgreSQL database."""

from __future__ import annotations

import pytest


@pytest.fixture
def pg_env(fake_env, monkeypatch, pgvector_url):
    monkeypatch.setenv("RAG_VECTOR_STORE", "postgres")
    monkeypatch.setenv("RAG_POSTGRES_URL", pgvector_url)
    return pgvector_url


def test_the_catalog_lives_in_the_store_database(pg_env, fake_env, docs, run):
    import psycopg

    assert "5 chunks added" in run("ingest", str(docs)).out
    assert not (fake_env / ".rag_app" / "catalog.sqlite").exists()
    with psycopg.connect(pg_env.replace("+psycopg", "")) as conn:
        records = conn.execute("SELECT COUNT(*) FROM upsertion_record").fetchone()[0]
        indexes = {
            row[0] for row in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'rag_app_chunks_%'")
        }
    assert records == 5 and any("USING hnsw (embedding vector_cosine_ops)" in i for i in indexes)
    info = run("stats", "--json").json()
    assert (info["store"], info["chunks"], info["catalog_chunks"], info["warning"]) == ("postgres", 5, 5, None)
    assert "team-s3cret-pw" not in info["location"] and "***" in info["location"]
    assert run("reset", "--yes").code == 0 and run("stats", "--json").json()["chunks"] == 0


def test_postgres_store_needs_its_url(fake_env, run, monkeypatch):
    monkeypatch.setenv("RAG_VECTOR_STORE", "postgres")
    result = run("stats")
    assert result.code == 2 and "RAG_VECTOR_STORE=postgres needs RAG_POSTGRES_URL" in result.err


def test_an_unreachable_postgres_store_is_one_line_without_its_password(fake_env, run, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("RAG_VECTOR_STORE", "postgres")
    monkeypatch.setenv("RAG_POSTGRES_URL", f"postgresql+psycopg://rag:hidden-pw-77@127.0.0.1:{free_port()}/rag")
    result = run("stats")
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    assert "hidden-pw-77" not in result.err and "127.0.0.1" in result.err


def _rows(url: str) -> tuple[int, int, int]:
    """(chunks in the store's table, LangChain's records, chunks the change log says were added)."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        (table,) = conn.execute("SELECT chunks_table FROM rag_app_pg_store").fetchone()
        chunks = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        records = conn.execute("SELECT COUNT(*) FROM upsertion_record").fetchone()[0]
        added = conn.execute("SELECT COUNT(*) FROM rag_app_change WHERE NOT removed").fetchone()[0]
    return chunks, records, added


def test_a_failure_between_the_chunk_write_and_the_record_write_leaves_neither(pg_env, docs, run, monkeypatch):
    from rag_app.stores.records import Records

    assert "5 chunks added" in run("ingest", str(docs)).out
    before = _rows(pg_env)
    assert before == (5, 5, 5)
    (docs / "tea.txt").write_text("The tea ceremony is a Japanese tradition of preparing matcha.\n")
    original = Records.update

    def dies_after_the_store_write(self, keys, *, group_ids=None, time_at_least=None):
        if group_ids is not None:  # index() records the chunks it has just written to the store
            raise RuntimeError("injected: the machine died here")
        return original(self, keys, group_ids=group_ids, time_at_least=time_at_least)

    monkeypatch.setattr(Records, "update", dies_after_the_store_write)
    assert run("ingest", str(docs)).code != 0
    assert _rows(pg_env) == before  # neither the chunk nor its record (nor its change-log row)
    monkeypatch.setattr(Records, "update", original)

    assert "1 chunk added" in run("ingest", str(docs)).out
    assert _rows(pg_env) == (6, 6, 6)
    assert run("stats", "--json").json()["warning"] is None
    assert "0 chunks added" in run("ingest", str(docs)).out and _rows(pg_env) == (6, 6, 6)
    assert run("delete", "tea.txt").code == 0
    assert _rows(pg_env)[:2] == (5, 5)
    assert "tea.txt" not in run("search", "matcha tea ceremony", "--json").out


def test_a_warm_search_does_not_count_the_records(pg_env, docs, run, monkeypatch):
    """Each search checks whether the store changed; counting the records for that took 68 ms at 100k."""
    from rag_app import RagService
    from rag_app.stores.catalog import Catalog

    assert run("ingest", str(docs)).code == 0
    service = RagService()
    first = service.search("When was Michael Jordan born?")

    def counted(self):
        raise AssertionError("a warm search counted the records")

    original = Catalog.counts
    monkeypatch.setattr(Catalog, "counts", counted)
    assert service.search("When was Michael Jordan born?").to_dict() == first.to_dict()
    monkeypatch.setattr(Catalog, "counts", original)
    (docs / "tea.txt").write_text("The tea ceremony is a Japanese tradition of preparing matcha.\n")
    assert run("ingest", str(docs)).code == 0
    assert "tea.txt" in str(service.search("Japanese tea ceremony matcha").to_dict())  # and it sees changes
