"""The offline default answerer: the retrieved sentence that best answers the question.

Measured here, the small instruction models a PyPI package can ship invent facts; picking the
retrieved sentence most similar to the question (same embedding model) answers simple factoid
questions reliably and fast. It is RetrievalQA's `combine_documents_chain`, so the chain is the
same RetrievalQA as with an LLM.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag_app.retrieval.similarity import cosine, tokenize

NO_ANSWER = "I don't know: the ingested documents do not seem to answer that."
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+#]+|\d+[.)])\s+")
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


def _blocks(text: str) -> list[str]:
    """Paragraphs, list items and titles: lines joined unless a blank line, a list item or a
    short unpunctuated line (a title) breaks them."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or _LIST_ITEM.match(line):
            blocks.append([])
        if line:
            blocks[-1].append(_LIST_ITEM.sub("", line))
            if len(line) <= 60 and not line.endswith((".", ",", ";", ":", "!", "?")):
                blocks.append([])
    return [" ".join(b) for b in blocks if b]


def sentences(text: str) -> list[str]:
    """`text` cut into sentences (and list items, titles), whitespace folded."""
    return [s.strip() for block in _blocks(text) for s in _SENTENCE_END.split(block) if len(s.strip()) > 1]


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


class ExtractiveAnswerChain(BaseCombineDocumentsChain):
    """Answers with the best-matching sentence(s) of the documents, or says it does not know.

    A sentence's score is its cosine similarity to the question plus `lexical_weight` times the
    share of the question's content words found in it or in the sentence before it (so "It is
    330 metres tall." after "The Eiffel Tower is in Paris." counts "Eiffel"). The runner-up is
    quoted too when it scores within `second_margin` of the best: the two are then too close to
    call. It abstains when the best score is under `min_score`, or when the question is negated
    ("Who did not…") and the best sentence and the one before it negate nothing. Defaults are
    the best measured on the SQuAD sample (bench/quality.md).
    """

    embeddings: Embeddings
    min_score: float = 0.6
    """Below this score for the best sentence, abstain."""
    lexical_weight: float = 0.5
    second_margin: float = 0.15
    negation_check: bool = True
    """Abstain when a negated question meets a best sentence that negates nothing."""

    def candidates(self, docs: list[Document], question: str) -> list[Candidate]:
        """Each usable sentence of `docs`, with its similarity to the question."""
        pairs = []
        for doc in docs:
            split = sentences(doc.page_content)
            pairs += [(p, s) for p, s in zip(["", *split], split) if adds_information(s, question)]
        if not pairs or not question.strip():
            return []
        query = self.embeddings.embed_query(question)
        wanted = set(tokenize(question))
        vectors = self.embeddings.embed_documents([s for _, s in pairs])
        return [Candidate(s, p, cosine(query, v), overlap(wanted, f"{p} {s}")) for (p, s), v in zip(pairs, vectors)]

    def choose(self, candidates: list[Candidate], question: str) -> tuple[str | None, float]:
        """The answer (None to abstain) and the best sentence's score."""
        ranked = sorted(((c.cosine + self.lexical_weight * c.overlap, c.sentence, c) for c in candidates), reverse=True)
        if not ranked:
            return None, 0.0
        (score, answer, best), rest = ranked[0], ranked[1:]
        if score < self.min_score or (
            self.negation_check and misses_negation(question, f"{best.previous} {best.sentence}")
        ):
            return None, score
        if rest and score - rest[0][0] <= self.second_margin and rest[0][1] != answer:
            answer = f"{answer} {rest[0][1]}"
        return answer, score

    def combine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        answer, score = self.choose(self.candidates(docs, question), question)
        return answer or NO_ANSWER, {"score": score}

    async def acombine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        return self.combine_docs(docs, question=question, **kwargs)

    @property
    def _chain_type(self) -> str:
        return "extractive"
