"""The offline default answerer: the retrieved sentence that best answers the question.

Measured here, the small instruction models a PyPI package can ship invent facts; picking the
retrieved sentence most similar to the question (same embedding model) answers simple factoid
questions reliably and fast. It is RetrievalQA's `combine_documents_chain`, so the chain is the
same RetrievalQA as with an LLM.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag_app.answering.kinds import asked_kinds, find_span
from rag_app.answering.sentences import is_fragment, is_title, quote_if_error_like, sentences
from rag_app.ingestion.headers import SEP, without_header
from rag_app.retrieval.similarity import cosine, tokenize

NO_ANSWER = "I don't know: the ingested documents do not seem to answer that."
_NEGATION = r"\b(?:not|never|no|none|cannot|without|non)\b|n't"
_ASKS_NEGATIVE = re.compile(_NEGATION, re.IGNORECASE)
_SAYS_NEGATIVE = re.compile(
    _NEGATION
    + r"|\b(?:neither|nor|unable|fail\w*|refus\w*|lack\w*|disagree\w*|den(?:y|ied|ies)|cancel\w*|postpon\w*)\b",
    re.IGNORECASE,
)


class Candidate(NamedTuple):
    """A sentence that may answer the question, with what it is scored on."""

    sentence: str
    previous: str
    cosine: float
    overlap: float
    """Share of the question's content words in the sentence and the one before it."""
    kind: bool = False
    """The sentence holds the kind of answer the question asks for (a date for "When…")."""


def overlap(question_tokens: set[str], sentence: str) -> float:
    """Share of the question's content words that the sentence contains."""
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(sentence))) / len(question_tokens)


def misses_negation(question: str, context: str) -> bool:
    """Whether the question asks what did *not* happen but `context` negates nothing: it then
    answers the positive question instead (12% of the SQuAD sample's unanswerable questions)."""
    return bool(_ASKS_NEGATIVE.search(question)) and not _SAYS_NEGATIVE.search(context)


def adds_information(sentence: str, question: str) -> bool:
    """Whether `sentence` says something beyond the question's own words (a title does not)."""
    return bool(set(tokenize(sentence)) - set(tokenize(question)))


def _in_section(heading: str, sentence: str) -> str:
    """The sentence as embedded: after its section's heading (`os.EOL: The end-of-line marker.`),
    so that a definition that does not repeat its subject is still about it."""
    return f"{heading}: {sentence}" if heading and heading.lower() not in sentence.lower() else sentence


class ExtractiveAnswerChain(BaseCombineDocumentsChain):
    """Answers with the best-matching sentence(s) of the documents, or says it does not know.

    A sentence's score is its cosine similarity to the question plus `lexical_weight` times the
    share of the question's content words found in it, in the sentence before it or in the
    heading it is under (the last heading or title line before it in the chunk, else the chunk's
    section) (so "It is 330 metres tall." after "The Eiffel Tower is in Paris." counts
    "Eiffel"), plus `kind_weight`
    when the question asks for a date, version, number, name, command, code or address and the
    sentence holds one (of the most specific kind asked) that the question does not. Only whole sentences compete: not titles or headings (they
    are context for the next sentence), not the cut-off start of a chunk. The runner-up is
    quoted too when it scores within `second_margin` of the best: the two are then too close to
    call. It abstains when the best score is under `min_score`, or when the question is negated
    ("Who did not…") and the best sentence and the one before it negate nothing. Defaults are
    the best measured on the SQuAD sample (bench/quality.md).
    """

    embeddings: Embeddings
    min_score: float = 0.6
    """Below this score for the best sentence, abstain."""
    lexical_weight: float = 0.5
    kind_weight: float = 0.3
    second_margin: float = 0.15
    negation_check: bool = True
    """Abstain when a negated question meets a best sentence that negates nothing."""

    def candidates(self, docs: list[Document], question: str) -> list[Candidate]:
        """Each usable sentence of `docs`, with its similarity to the question."""
        found = []  # (the text embedded, the sentence before with the section heading, the sentence)
        for doc in docs:
            split = sentences(without_header(doc.page_content, doc.metadata))
            cut = bool(doc.metadata.get("start_index")) and bool(split) and is_fragment(split[0])
            heading = str(doc.metadata.get("section") or "").rsplit(SEP, 1)[-1]
            headings = set(json.loads(doc.metadata.get("headings") or "[]"))
            for i, (p, s) in enumerate(zip(["", *split], split)):
                if is_title(s) or s in headings:
                    heading = s  # the heading the sentences after it are under
                elif adds_information(s, question) and not (i == 0 and cut):
                    found.append((_in_section(heading, s), f"{heading} {p}" if heading else p, s))
        if not found or not question.strip():
            return []
        query = self.embeddings.embed_query(question)
        wanted = set(tokenize(question))
        kinds = asked_kinds(question)
        vectors = self.embeddings.embed_documents([text for text, _, _ in found])
        return [
            Candidate(
                s, p, cosine(query, v), overlap(wanted, f"{p} {s}"), find_span(s, kinds[:1], question) is not None
            )
            for (_, p, s), v in zip(found, vectors)
        ]

    def choose(self, candidates: list[Candidate], question: str) -> tuple[str | None, float]:
        """The answer (None to abstain) and the best sentence's score."""
        ranked = sorted(
            (
                (c.cosine + self.lexical_weight * c.overlap + self.kind_weight * c.kind, c.sentence, c)
                for c in candidates
            ),
            reverse=True,
        )
        if not ranked:
            return None, 0.0
        (score, answer, best), rest = ranked[0], ranked[1:]
        if score < self.min_score or (
            self.negation_check and misses_negation(question, f"{best.previous} {best.sentence}")
        ):
            return None, score
        if rest and score - rest[0][0] <= self.second_margin and rest[0][1] != answer:
            answer = f"{answer}{' ' if answer.endswith(('.', '!', '?', ':', ';')) else ' — '}{rest[0][1]}"
        return answer, score

    def combine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        answer, score = self.choose(self.candidates(docs, question), question)
        return quote_if_error_like(answer) if answer else NO_ANSWER, {"score": score}

    async def acombine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        return self.combine_docs(docs, question=question, **kwargs)

    @property
    def _chain_type(self) -> str:
        return "extractive"
