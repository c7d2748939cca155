"""The commands end to end through the CLI's entry function, with fake embeddings and LLM."""

import json

import pytest

from rag_app.cli import build_parser


def test_ingest_ask_search_stats_json_shapes(fake_env, docs, run):
    ingested = run("ingest", str(docs))
    assert ingested.code == 0, ingested.err
    assert "4 files read, 0 skipped, 5 chunks added, 0 updated, 0 already present, 0 removed" in ingested.out

    stats = run("stats", "--json")
    assert stats.code == 0
    info = stats.json()
    assert set(info) == {
        "store",
        "location",
        "chunks",
        "sources",
        "embedding_model",
        "dimension",
        "catalog_chunks",
        "warning",
    }
    assert info["store"] == "chroma" and info["chunks"] == info["catalog_chunks"] == 5 and info["sources"] == 4
    assert info["warning"] is None
    assert (info["embedding_model"], info["dimension"]) == ("fake:256", 256)

    searched = run("search", "Michael Jordan", "--k", "3", "--json").json()
    assert searched["query"] == "Michael Jordan" and len(searched["results"]) == 3
    first = searched["results"][0]
    assert set(first) == {"rank", "score", "source", "page", "text", "section"}
    assert [r["rank"] for r in searched["results"]] == [1, 2, 3]

    asked = run("ask", "When was Michael Jordan born?", "--json").json()
    assert set(asked) == {"question", "answer", "answer_span", "sources"}
    assert asked["answer"] == "Michael Jordan was born on 17 February 1963."
    assert len(asked["sources"]) == 5 and set(asked["sources"][0]) == set(first)
    pdf_pages = {
        r["page"]
        for r in run("search", "tower", "--k", "5", "--json").json()["results"]
        if r["source"] == "landmarks.pdf"
    }
    assert pdf_pages == {1, 2}


def test_vector_retriever_orders_by_similarity_and_hybrid_finds_exact_words(fake_env, docs, run, monkeypatch):
    run("ingest", str(docs))
    # Fake embeddings are random: only BM25 can find the one chunk that names Constantinople.
    hybrid = run("search", "Constantinople coffeehouse", "--k", "1", "--json").json()["results"]
    assert hybrid[0]["source"] == "coffee.html"
    monkeypatch.setenv("RAG_RETRIEVER", "vector")
    scores = [r["score"] for r in run("search", "Constantinople", "--k", "5", "--json").json()["results"]]
    assert scores == sorted(scores, reverse=True)


def test_human_output_lists_numbered_sources(fake_env, docs, run):
    run("ingest", str(docs))
    out = run("ask", "Who designed the Eiffel Tower?").out
    assert out.startswith("Michael Jordan was born")
    assert "Sources:\n  1. " in out and "(score " in out
    assert "landmarks.pdf, page " in run("search", "Eiffel", "--k", "5").out


def test_reingest_adds_nothing_and_updates_changed_and_deleted_files(fake_env, docs, run):
    run("ingest", str(docs))
    again = run("ingest", str(docs))
    assert "0 chunks added, 0 updated, 5 already present, 0 removed" in again.out

    (docs / "famous_birthdays.txt").write_text("Ada Lovelace was born on 10 December 1815.")
    (docs / "coffee.html").unlink()
    changed = run("ingest", str(docs))
    assert "1 file read, 2 unchanged" in changed.out  # the two untouched files are not even read
    assert "0 chunks added, 1 updated, 3 already present, 2 removed" in changed.out, changed.out
    info = run("stats", "--json").json()
    assert (info["chunks"], info["sources"]) == (4, 3)
    texts = [r["text"] for r in run("search", "born", "--k", "4", "--json").json()["results"]]
    assert any("Ada Lovelace" in t for t in texts) and not any("Jordan" in t for t in texts)


def test_questions_from_a_file_print_json_lines(fake_env, docs, run, workdir):
    run("ingest", str(docs))
    questions = workdir / "q.txt"
    questions.write_text(
        'When was Napoleon born?\n\n{"question": "Where is the Eiffel Tower?", "answers": ["Paris"]}\n'
    )
    result = run("ask", "--file", str(questions), "--k", "2")
    lines = result.json_lines()
    assert [line["question"] for line in lines] == ["When was Napoleon born?", "Where is the Eiffel Tower?"]
    assert all(len(line["sources"]) == 2 for line in lines)
    searched = run("search", "--file", str(questions)).json_lines()
    assert len(searched) == 2 and "results" in searched[0]


def test_k_is_capped_at_the_store_size(fake_env, docs, run):
    run("ingest", str(docs))
    assert len(run("search", "x", "--k", "1000", "--json").json()["results"]) == 5


def test_skipped_files_are_reported_and_counted(fake_env, docs, run):
    (docs / "empty.txt").write_text("")
    (docs / "song.mp3").write_bytes(b"ID3\x03")
    result = run("ingest", str(docs))
    assert result.code == 0
    assert "4 files read, 2 skipped" in result.out
    assert "empty.txt: empty file" in result.err and "song.mp3: unsupported file type .mp3" in result.err


@pytest.mark.parametrize("command", ["ingest", "ask", "search", "stats", "chat", "mcp"])
def test_every_command_has_help(command, run):
    result = run(command, "--help")
    assert result.code == 0 and "usage: python -m rag_app " + command in result.out


def test_usage_errors_exit_2(fake_env, run):
    for argv, message in [
        ((), "the following arguments are required: COMMAND"),
        (("fly",), "invalid choice: 'fly'"),
        (("search", "x", "--k", "ten"), "argument --k: invalid int value: 'ten'"),
    ]:
        result = run(*argv)
        assert result.code == 2 and message in result.err and "Traceback" not in result.err


ERRORS = [
    (["ingest", "no/such/folder"], {}, 1, "no such file or directory: no/such/folder"),
    (["ask", "anything"], {}, 1, "/.rag_app/chroma: run `python -m rag_app ingest PATH` first"),
    (["search", "anything"], {}, 1, "nothing ingested yet"),
    (["ingest", "."], {"RAG_EMBEDDINGS": "word2vec"}, 2, "unknown RAG_EMBEDDINGS 'word2vec': choose one of"),
    (["stats"], {"RAG_CHUNK_OVERLAP": "2000"}, 2, "RAG_CHUNK_OVERLAP=2000 must be smaller than RAG_CHUNK_SIZE=1500"),
    (["ask", "x"], {"RAG_TOP_K": "0"}, 2, "RAG_TOP_K=0 must be at least 1"),
]


@pytest.mark.parametrize("argv, env, code, message", ERRORS)
def test_errors_are_one_line_without_traceback(fake_env, docs, run, monkeypatch, argv, env, code, message):
    (fake_env / "notes.txt").write_text("a note")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = run(*argv)
    assert result.code == code
    assert result.err.strip().count("\n") == 0 and message in result.err
    assert "Traceback" not in result.err


def test_directory_without_supported_files(fake_env, run, workdir):
    (workdir / "music").mkdir()
    (workdir / "music" / "a.mp3").write_bytes(b"ID3")
    result = run("ingest", "music")
    assert result.code == 1 and "no supported files in music" in result.err


def test_unknown_llm_and_missing_openai_key(fake_env, docs, run, monkeypatch):
    run("ingest", str(docs))
    monkeypatch.setenv("RAG_LLM", "gpt")
    assert "unknown RAG_LLM 'gpt'" in run("ask", "x").err
    monkeypatch.setenv("RAG_LLM", "openai")
    result = run("ask", "x")
    assert result.code == 2 and "RAG_LLM=openai needs OPENAI_API_KEY" in result.err


def test_bad_questions(fake_env, docs, run):
    run("ingest", str(docs))
    assert "the question is empty" in run("ask", "   ").err
    long = run("ask", "why " * 25_000)
    assert long.code == 2 and "the limit is 10,000" in long.err
    assert "k must be at least 1, not 0" in run("ask", "x", "--k", "0").err
    assert len(run("search", "x", "--k", "10000", "--json").json()["results"]) == 5
    assert "give a question or --file FILE" in run("ask").err


def test_unwritable_persist_dir(fake_env, docs, run, monkeypatch, workdir):
    blocker = workdir / "blocker"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("RAG_PERSIST_DIR", str(blocker / "store"))
    result = run("ingest", str(docs))
    assert result.code == 1 and "cannot write the store catalog" in result.err


def test_store_built_with_another_model_is_refused_and_kept(fake_env, docs, run, monkeypatch):
    run("ingest", str(docs))
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "64")
    for argv in (["ingest", str(docs)], ["ask", "x"]):
        result = run(*argv)
        assert result.code == 1
        assert "built with embeddings fake:256 (256 dims) but fake:64 is configured" in result.err
    monkeypatch.delenv("RAG_EMBEDDING_MODEL")
    assert run("stats", "--json").json()["chunks"] == 5


def test_debug_shows_the_traceback(fake_env, run, monkeypatch):
    monkeypatch.setenv("RAG_DEBUG", "1")
    result = run("ingest", "missing")
    assert "Traceback" in result.err and "error: no such file or directory" in result.err


def test_parser_lists_every_command():
    text = build_parser().format_help()
    for command in ("ingest", "ask", "search", "stats", "chat", "mcp"):
        assert command in text


def test_json_output_is_valid_for_non_ascii(fake_env, workdir, run):
    (workdir / "zoe.txt").write_text("Zoë lives in Zürich.")
    run("ingest", "zoe.txt")
    out = run("search", "Zürich", "--json").out
    assert json.loads(out)["results"][0]["text"] == "Zoë lives in Zürich."
