"""Incremental ingest, dry runs, delete, reset, locking and bad input through the CLI."""

import threading

import pytest


def test_dry_run_reports_without_writing(fake_env, docs, run):
    planned = run("ingest", str(docs), "--dry-run")
    assert planned.code == 0
    assert "5 chunks would be added, 0 would be updated, 0 already present, 0 would be removed" in planned.out
    assert "dry run: nothing written" in planned.out
    assert run("stats", "--json").json()["chunks"] == 0

    run("ingest", str(docs))
    (docs / "famous_birthdays.txt").write_text("Ada Lovelace was born on 10 December 1815.")
    (docs / "coffee.html").unlink()
    (docs / "new.md").write_text("Grace Hopper was born in 1906.")
    planned = run("ingest", str(docs), "--dry-run")
    assert "1 chunk would be added, 1 would be updated, 3 already present, 2 would be removed" in planned.out
    done = run("ingest", str(docs))
    assert "1 chunk added, 1 updated, 3 already present, 2 removed" in done.out


def test_unchanged_files_are_not_embedded_again(fake_env, docs, run, monkeypatch):
    from langchain_core.embeddings import DeterministicFakeEmbedding

    run("ingest", str(docs))
    embedded: list[str] = []
    original = DeterministicFakeEmbedding.embed_documents
    monkeypatch.setattr(
        DeterministicFakeEmbedding,
        "embed_documents",
        lambda self, texts: embedded.extend(texts) or original(self, texts),
    )
    run("ingest", str(docs))
    assert embedded == []
    (docs / "solar_system.md").write_text("Mars is red.")
    run("ingest", str(docs))
    assert embedded == ["Mars is red."]


def test_delete_one_source_by_name_or_path(fake_env, docs, run):
    run("ingest", str(docs))
    removed = run("delete", "landmarks.pdf")
    assert removed.code == 0 and f"removed 2 chunks of {docs / 'landmarks.pdf'}" in removed.out
    assert run("stats", "--json").json()["chunks"] == 3
    assert run("delete", str(docs / "coffee.html")).code == 0
    assert run("stats", "--json").json()["sources"] == 2
    missing = run("delete", "nothing.txt")
    assert missing.code == 1 and "no ingested source matches 'nothing.txt'" in missing.err
    sources = {r["source"] for r in run("search", "x", "--k", "10", "--json").json()["results"]}
    assert sources == {"famous_birthdays.txt", "solar_system.md"}


def test_reset_needs_yes_off_a_terminal_then_empties_the_store(fake_env, docs, run):
    run("ingest", str(docs))
    refused = run("reset")
    assert refused.code == 2 and "add --yes" in refused.err
    assert run("stats", "--json").json()["chunks"] == 5
    done = run("reset", "--yes")
    assert done.code == 0 and "removed 5 chunks" in done.out
    assert run("stats", "--json").json()["chunks"] == 0
    assert "nothing ingested yet" in run("ask", "x").err
    assert "5 chunks added, 0 updated, 0 already present" in run("ingest", str(docs)).out


def test_second_writer_fails_clearly_while_reads_go_on(fake_env, docs, run):
    from rag_app import stores
    from rag_app.config import Settings

    run("ingest", str(docs))
    holding, release = threading.Event(), threading.Event()

    def other_writer():  # another thread: the lock is re-entrant within one thread only
        with stores.catalog(Settings.from_env()).writing():
            holding.set()
            release.wait(60)

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert holding.wait(10)
        blocked = run("ingest", str(docs))
        assert blocked.code == 1 and "another ingest is writing to" in blocked.err
        assert run("ask", "When was Napoleon born?", "--json").json()["sources"]
        assert run("stats", "--json").json()["chunks"] == 5
    finally:
        release.set()
        writer.join()
    assert run("ingest", str(docs)).code == 0


def test_bad_files_are_skipped_and_the_rest_goes_on(fake_env, docs, run, monkeypatch):
    (docs / "empty.txt").write_text("")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (docs / "latin1.txt").write_bytes("Café à Genève, naïve façade.".encode("latin-1"))
    (docs / "utf16.md").write_bytes("Grüße aus Köln.".encode("utf-16"))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    (docs / "huge.txt").write_bytes(b"word " * 300_000)
    result = run("ingest", str(docs))
    assert result.code == 0
    assert "6 files read, 4 skipped, 7 chunks added" in result.out
    for name, reason in [
        ("empty.txt", "empty file"),
        ("binary.txt", "binary content"),
        ("broken.pdf", "broken PDF"),
        ("huge.txt", "1.4 MiB is larger than RAG_MAX_FILE_MB=1"),
    ]:
        assert f"{name}: {reason}" in result.err
    texts = [r["text"] for r in run("search", "Köln", "--k", "10", "--json").json()["results"]]
    assert "Grüße aus Köln." in texts and "Café à Genève, naïve façade." in texts


def test_a_file_that_turns_bad_keeps_its_old_chunks(fake_env, docs, run):
    run("ingest", str(docs))
    (docs / "landmarks.pdf").write_bytes(b"%PDF-1.7 truncated")
    result = run("ingest", str(docs))
    assert "landmarks.pdf: broken PDF" in result.err and "0 removed" in result.out
    assert run("stats", "--json").json()["chunks"] == 5


def test_corrupt_store_and_catalog_are_one_line_errors(fake_env, docs, run):
    run("ingest", str(docs))
    (fake_env / ".rag_app" / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    broken = run("ask", "x")
    # "cannot open" in a new process; this one's client already had the store open: "cannot read"
    assert broken.code == 1 and broken.err.startswith(("error: cannot open", "error: cannot read"))
    assert "file is not a database" in broken.err and broken.err.count("\n") == 1
    (fake_env / ".rag_app" / "catalog.sqlite").write_bytes(b"garbage" * 1000)
    result = run("stats")
    assert result.code == 1 and "catalog" in result.err and "Traceback" not in result.err


def test_dotenv_syntax_error_through_the_cli(fake_env, run):
    (fake_env / ".env").write_text("RAG_TOP_K=3\n=oops\n")
    result = run("stats")
    assert result.code == 2 and ".env: python-dotenv could not parse statement starting at line 2" in result.err


@pytest.mark.parametrize("command", ["delete", "reset"])
def test_maintenance_commands_have_help(command, run):
    result = run(command, "--help")
    assert result.code == 0 and f"usage: python -m rag_app {command}" in result.out
