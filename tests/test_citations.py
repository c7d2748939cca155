"""With an LLM, the prompt numbers the retrieved chunks as the answer's sources are numbered, asks
for citations and for "I don't know" when the sources do not say (a fake LLM that reads the prompt)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from langchain_core.language_models.llms import LLM

from rag_app import RagService


class CitesWhatItReads(LLM):
    """Answers with the first line of the numbered source holding `fact`, citing its number."""

    fact: str
    prompts: list[str] = []

    @property
    def _llm_type(self) -> str:
        return "cites-what-it-reads"

    def _call(self, prompt: str, stop: list[str] | None = None, **kwargs: Any) -> str:
        self.prompts.append(prompt)
        for number, body in re.findall(r"^\[(\d+)\] [^\n]*\n(.*?)(?=^\[\d+\] |\nQuestion:)", prompt, re.M | re.S):
            if self.fact in body:
                return f"{self.fact} [{number}]"
        return "I don't know."


@pytest.fixture
def service(workdir, docs, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    svc = RagService()
    svc.ingest([docs])
    return svc


def test_the_cited_number_is_the_source_that_says_it(service, monkeypatch):
    llm = CitesWhatItReads(fact="", prompts=[])
    monkeypatch.setattr("rag_app.providers.llms.chat_model", lambda settings: llm)
    for fact in ("Eiffel Tower", "Jupiter", "Brooklyn"):
        llm.fact = fact
        answer = service.ask(f"What do the documents say about {fact}?", k=5)
        cited = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
        assert cited, answer.answer
        assert all(fact in answer.sources[number - 1].text for number in cited)
        assert any(fact not in source.text for source in answer.sources)  # a wrong number would be caught
        prompt = llm.prompts[-1]
        assert "Cite the sources" in prompt and "I don't know." in prompt
        assert [int(n) for n in re.findall(r"^\[(\d+)\] ", prompt, re.M)] == list(range(1, len(answer.sources) + 1))
        assert re.search(rf"^\[1\] {re.escape(answer.sources[0].source)}$", prompt, re.M)
