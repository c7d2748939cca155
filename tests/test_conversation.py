"""Follow-up questions: rewritten into standalone ones with an LLM, answered alone by the extractive
answerer; streams cancelled by their reader stop the LLM. Fakes for the logic, the loopback
OpenAI-protocol server for the wire."""

from __future__ import annotations

import time

import pytest
from langchain_core.language_models import FakeListLLM

from rag_app import ConfigError, RagService
from rag_app.answering.conversation import condense_chain, standalone_question

BORN = ("When was Michael Jordan born?", "Michael Jordan was born on 17 February 1963.")


@pytest.fixture
def scripted(fake_env, docs, monkeypatch):
    """A service whose fake LLM first rewrites the follow-up, then answers it."""
    monkeypatch.setenv("RAG_LLM_MODEL", "Where is the Eiffel Tower?|It is in Paris.")
    svc = RagService()
    svc.ingest([docs])
    return svc


def test_a_follow_up_is_rewritten_then_retrieved_and_answered(scripted):
    answer = scripted.ask("and where is it?", history=[BORN])
    assert answer.question == "and where is it?"
    assert answer.standalone_question == "Where is the Eiffel Tower?"
    assert answer.answer == "It is in Paris."
    expected = scripted.search("Where is the Eiffel Tower?").results
    assert [s.text for s in answer.sources] == [s.text for s in expected]  # retrieved with the rewrite
    assert answer.to_dict()["standalone_question"] == "Where is the Eiffel Tower?"


def test_without_history_nothing_is_rewritten(scripted):
    answer = scripted.ask("Where is the Eiffel Tower?")
    assert (answer.standalone_question, answer.answer) == (None, "Where is the Eiffel Tower?")  # the LLM's 1st reply
    assert set(answer.to_dict()) == {"question", "answer", "answer_span", "sources"}


def test_stream_with_history_yields_only_the_answer(scripted):
    *pieces, final = scripted.stream("and where is it?", history=[BORN])
    assert "".join(pieces) == final.answer == "It is in Paris."
    assert final.standalone_question == "Where is the Eiffel Tower?"


def test_the_extractive_answerer_answers_each_question_alone(workdir, docs, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    svc = RagService()
    svc.ingest([docs])
    alone = svc.ask("Where is the Eiffel Tower?")
    followed = svc.ask("Where is the Eiffel Tower?", history=[BORN])
    assert followed.standalone_question is None and followed == alone


@pytest.mark.parametrize("history", ["a string", [("only a question",)], [("q", 3)], 42])
def test_a_malformed_history_is_a_config_error(scripted, history):
    with pytest.raises(ConfigError, match=r"history must be a list of \(question, answer\) pairs"):
        scripted.ask("and where is it?", history=history)


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("Where is the Eiffel Tower?", "Where is the Eiffel Tower?"),
        ('Standalone question: "Where is the Eiffel Tower?"\n', "Where is the Eiffel Tower?"),
        ("\n  question: Where is it?  \nextra line", "Where is it?"),
        ("   ", "and where is it?"),  # nothing usable: the question as asked
    ],
)
def test_the_rewrite_drops_labels_and_quotes(reply, expected):
    chain = condense_chain(FakeListLLM(responses=[reply]))
    assert standalone_question(chain, "and where is it?", [BORN]) == expected


@pytest.fixture
def openai_service(workdir, docs, monkeypatch):
    from tests.fake_providers import FakeProviders

    server = FakeProviders()
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    monkeypatch.setenv("RAG_LLM", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    svc = RagService()
    svc.ingest([docs])
    yield svc, server
    server.close()


def test_over_the_wire_the_condense_prompt_carries_the_conversation(openai_service):
    svc, server = openai_service
    server.answers = ["When did Michael Jordan retire?", "He retired in 2003, after three seasons."]
    *pieces, final = svc.stream("and when did he retire?", history=[BORN])
    assert len(pieces) == 7 and "".join(pieces) == final.answer == "He retired in 2003, after three seasons."
    condense, answer = (r["body"]["messages"][-1]["content"] for r in server.requests if "chat" in r["path"])
    assert "Human: When was Michael Jordan born?\nAssistant: Michael Jordan was born" in condense
    assert "Follow Up Input: and when did he retire?" in condense
    assert "Question: When did Michael Jordan retire?" in answer and "and when did he retire" not in answer


def test_closing_a_stream_stops_the_llm(openai_service):
    svc, server = openai_service
    server.answer = " ".join(f"word{i}" for i in range(200))
    server.token_delay = 0.02  # 4 s for the whole answer
    stream = svc.stream("When was Michael Jordan born?")
    assert next(stream) == "word0"
    stream.close()
    deadline = time.monotonic() + 10
    while server.cut == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.cut == 1  # the reader hung up: the LLM's HTTP stream was closed mid-answer
