"""The offline default answerer: the retrieved sentence that best answers the question.

Measured here, the small instruction models a PyPI package can ship invent facts; picking the
retrieved sentence most similar to the question (same embedding model) answers simple factoid
questions reliably and fast. It is RetrievalQA's `combine_documents_chain`, so the chain is the
same RetrievalQA as with an LLM.
"""

from __future__ import annotations

import math
import re
from typing import Any

from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

NO_ANSWER = "I don't know: the ingested documents do not seem to answer that."
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+#]+|\d+[.)])\s+")


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


_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def adds_information(sentence: str, question: str) -> bool:
    """Whether `sentence` says something beyond the question's own words (a title does not)."""
    return bool(_words(sentence) - _words(question))


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class ExtractiveAnswerChain(BaseCombineDocumentsChain):
    """Answers with the best-matching sentence of the documents, or says it does not know."""

    embeddings: Embeddings
    min_score: float = 0.3
    """Below this cosine similarity between question and best sentence, abstain."""

    def combine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        candidates = [s for doc in docs for s in sentences(doc.page_content) if adds_information(s, question)]
        if not candidates or not question.strip():
            return NO_ANSWER, {"score": 0.0}
        query = self.embeddings.embed_query(question)
        scores = [_cosine(query, vector) for vector in self.embeddings.embed_documents(candidates)]
        best = max(range(len(candidates)), key=scores.__getitem__)
        if scores[best] < self.min_score:
            return NO_ANSWER, {"score": scores[best]}
        return candidates[best], {"score": scores[best]}

    async def acombine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        return self.combine_docs(docs, question=question, **kwargs)

    @property
    def _chain_type(self) -> str:
        return "extractive"
