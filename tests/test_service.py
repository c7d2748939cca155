"""RagService called directly, as a program (or a server) would: fakes for the logic."""

from __future__ import annotations

import os

import pytest

from rag_app import (
    Answer,
    ConfigError,
    EmptyStoreError,
    NotFoundError,
    ProviderError,
    RagService,
    SearchResult,
    Settings,
    StoreError,
)


@pytest.fixture
def service(fake_env, docs):
    svc = RagService()
    svc.ingest([docs])
    return svc


def test_results_are_typed_and_to_dict_keeps_the_json_shapes(service):
    found = service.search("Michael Jordan", k=3)
    assert isinstance(found, SearchResult) and [s.rank for s in found.results] == [1, 2, 3]
    assert set(found.to_dict()) == {"query", "results"}
    assert set(found.to_dict()["results"][0]) == {"rank", "score", "source", "page", "text", "section"}

    answer = service.ask("When was Michael Jordan born?", k=2)
    assert isinstance(answer, Answer) and answer.answer == "Michael Jordan was born on 17 February 1963."
    assert len(answer.sources) == 2 and set(answer.to_dict()) == {"question", "answer", "answer_span", "sources"}


def test_k_is_per_call(service):
    assert [len(service.search("tower", k=k).results) for k in (1, 4, 2)] == [1, 4, 2]
    assert len(service.search("tower").results) == 5  # RAG_TOP_K by default, capped at the 5 chunks stored


def test_stream_ends_with_the_same_answer_as_ask(service):
    items = list(service.stream("When was Michael Jordan born?"))
    pieces, final = items[:-1], items[-1]
    assert isinstance(final, Answer) and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == final.answer == service.ask("When was Michael Jordan born?").answer
    assert final.sources == service.ask("When was Michael Jordan born?").sources


def test_ingest_text_sources_and_delete(service, fake_env):
    report = service.ingest_text("../../notes/hopper.md", "Grace Hopper was born in 1906 in New York City.")
    assert report.added == 1 and report.files_read == 1
    uploaded = fake_env / ".rag_app" / "uploads" / "hopper.md"
    assert uploaded.read_text() == "Grace Hopper was born in 1906 in New York City."  # name kept inside uploads/
    listed = {s.source: s.chunks for s in service.sources()}
    assert listed["hopper.md"] == 1 and listed["famous_birthdays.txt"] == 1 and len(listed) == 5
    assert "Grace Hopper" in service.search("Grace Hopper 1906", k=1).results[0].text

    deleted = service.delete("hopper.md")
    assert (deleted.chunks, deleted.source) == (1, str(uploaded))
    assert "hopper.md" not in {s.source for s in service.sources()}
    assert not any("Hopper" in r.text for r in service.search("Grace Hopper 1906", k=5).results)


def test_stats_and_reset(service):
    stats = service.stats()
    assert (stats.chunks, stats.sources, stats.embedding_model, stats.dimension) == (5, 4, "fake:256", 256)
    assert service.reset() == 5
    assert service.stats().chunks == 0 and service.stats().dimension is None
    with pytest.raises(EmptyStoreError, match="nothing ingested yet in .*chroma"):
        service.search("anything")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda s: s.ask("   "), ConfigError, "the question is empty"),
        (lambda s: s.search("x" * 10_001), ConfigError, "10,001 characters"),
        (lambda s: s.search("tower", k=0), ConfigError, "k must be at least 1"),
        (lambda s: s.delete("no-such-file.txt"), NotFoundError, "no ingested source matches 'no-such-file.txt'"),
        (lambda s: s.ingest_text("song.mp3", "x"), ConfigError, "unsupported file type"),
        (lambda s: s.ingest_text("..", "x"), ConfigError, "not a usable file name"),
    ],
)
def test_bad_input_raises_typed_one_line_errors(service, call, error, message):
    with pytest.raises(error, match=message) as raised:
        call(service)
    assert "\n" not in str(raised.value)
    assert "rag_app ingest" not in str(raised.value) and "rag-app" not in str(raised.value)  # no CLI in the library


def test_library_prints_nothing_and_leaves_the_environment_alone(fake_env, docs, capsys):
    before = dict(os.environ)
    svc = RagService(Settings.from_env())
    svc.ingest([docs])
    svc.ask("When was Michael Jordan born?")
    list(svc.stream("Where is the Eiffel Tower?"))
    svc.stats()
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert dict(os.environ) == before


def test_a_store_failure_during_ask_is_a_store_error_not_an_llm_error(service, monkeypatch):
    service.ask("warm up")
    vectorstore = service._qa.vectorstore

    def broken(*args, **kwargs):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(vectorstore, "search_by_vector", broken)
    with pytest.raises(StoreError, match="searching chroma at .* failed: disk I/O error") as raised:
        service.ask("When was Michael Jordan born?")
    assert not isinstance(raised.value, ProviderError)
    assert isinstance(raised.value.__cause__, RuntimeError)  # RAG_DEBUG shows the real traceback


def test_settings_passed_in_are_used_without_the_environment(workdir, docs):
    settings = Settings(RAG_EMBEDDINGS="fake", RAG_LLM="fake", RAG_LLM_MODEL="scripted", RAG_TOP_K="2")
    svc = RagService(settings)
    svc.ingest([docs])
    answer = svc.ask("anything")
    assert answer.answer == "scripted" and len(answer.sources) == 2


def test_redaction_covers_secrets_given_through_settings(workdir):
    from rag_app.providers.registry import redact

    settings = Settings.from_env({"COHERE_API_KEY": "co-live-4242abcd", "RAG_CHROMA_HEADERS": "X-Token: hdr-99zz"})
    assert "COHERE_API_KEY" not in os.environ
    text = "failed with key co-live-4242abcd and header hdr-99zz"
    assert redact(text, settings) == "failed with key *** and header ***"


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_stream_yields_llm_tokens_as_they_come_over_http(workdir, docs, monkeypatch, provider):
    from tests.fake_providers import FakeProviders

    server = FakeProviders()
    try:
        monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
        monkeypatch.setenv("RAG_LLM", provider)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("OLLAMA_BASE_URL", server.url)
        svc = RagService()
        svc.ingest([docs])
        items = list(svc.stream("When was Michael Jordan born?"))
        pieces, final = items[:-1], items[-1]
        assert len(pieces) == len(server.answer.split(" "))  # one piece per streamed token
        assert (
            "".join(pieces).strip() == final.answer == server.answer == svc.ask("When was Michael Jordan born?").answer
        )
        assert final.sources
    finally:
        server.close()


def test_a_service_loads_its_embedding_model_once_for_every_ingest(fake_env, docs, monkeypatch):
    """Each upload or `watch` batch reused nothing and made (and warmed) a model of its own."""
    import rag_app.ingestion.pipeline as pipeline
    import rag_app.providers.embeddings as providers

    made = []
    real = providers.make_embeddings

    def counted(settings):
        made.append(settings)
        return real(settings)

    monkeypatch.setattr(providers, "make_embeddings", counted)
    monkeypatch.setattr(pipeline, "make_embeddings", counted)
    service = RagService()
    service.ingest([docs])
    (docs / "new.txt").write_text("The okapi lives in the rainforests of the Congo.")
    assert service.ingest([docs]).added == 1
    assert service.search("okapi", k=1).results[0].source == "new.txt"
    assert len(made) == 1
