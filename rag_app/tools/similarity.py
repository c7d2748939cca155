"""Embeddings of a few texts, how similar they are, and vector arithmetic on them.

Cosine similarity is computed here from the vectors the configured model returns (normalised
or not), so every provider, fakes included, is compared the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError

if TYPE_CHECKING:
    from rag_app.service import RagService

_OPERATOR = re.compile(r"\s+([+-])\s+")
_DANGLING = re.compile(r"^[+-](\s|$)|\s[+-]$")  # an operator left over: "king + + queen"


@dataclass(frozen=True)
class Embedded:
    """One text's embedding with the model that made it."""

    text: str
    model: str
    vector: list[float]

    @property
    def dimension(self) -> int:
        return len(self.vector)

    @property
    def norm(self) -> float:
        return sum(x * x for x in self.vector) ** 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "model": self.model, "dimension": self.dimension, "embedding": self.vector}


@dataclass(frozen=True)
class Similarity:
    """The cosine similarity of every pair of texts: `matrix[i][j]` for texts i and j."""

    texts: list[str]
    model: str
    matrix: list[list[float]]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "texts": self.texts, "matrix": self.matrix}


@dataclass(frozen=True)
class Ranked:
    """One candidate of an analogy: its cosine similarity to the computed vector."""

    rank: int
    text: str
    score: float
    is_term: bool  # the candidate is one of the expression's own terms

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "text": self.text, "score": self.score, "is_term": self.is_term}


@dataclass(frozen=True)
class Analogy:
    """`positive[0] - negative[0] + positive[1] ...` ranked against candidates, best first."""

    expression: str
    positive: list[str]
    negative: list[str]
    model: str
    ranking: list[Ranked]

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "positive": self.positive,
            "negative": self.negative,
            "model": self.model,
            "ranking": [r.to_dict() for r in self.ranking],
        }


def _model(service: RagService) -> str:
    from rag_app.providers.registry import model_name

    return model_name(service.settings)


def cosine_matrix(vectors: Sequence[Sequence[float]]) -> list[list[float]]:
    """Cosine similarity of every pair of vectors (0 for a zero vector), rounded to 4 places."""
    import numpy as np

    array = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    unit = np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)
    return np.round(unit @ unit.T, 4).tolist()


def embed(service: RagService, text: str) -> Embedded:
    """`text` embedded with the configured model.

    Raises:
        ConfigError: the text is empty or too long.
        ProviderError: the embedding model failed.
    """
    return Embedded(text.strip(), _model(service), service.embed([text])[0])


def similarity(service: RagService, texts: Sequence[str]) -> Similarity:
    """The cosine similarity matrix of two or more texts, embedded with the configured model.

    Raises:
        ConfigError: fewer than two texts, or an empty or over-long one.
        ProviderError: the embedding model failed.
    """
    if len(texts) < 2:
        raise ConfigError("give at least two texts to compare")
    return Similarity([t.strip() for t in texts], _model(service), cosine_matrix(service.embed(texts)))


def parse_expression(expression: str) -> tuple[list[str], list[str]]:
    """("king - man + woman") -> (["king", "woman"], ["man"]): terms added and subtracted.

    Operators need spaces around them, so "well-known" stays one term.

    Raises:
        ConfigError: no operator, or an empty term.
    """
    parts = _OPERATOR.split(f" {expression.strip()} ")
    first, rest = parts[0], parts[1:]
    terms = [("+", first.strip())] + [(rest[i], rest[i + 1].strip()) for i in range(0, len(rest), 2)]
    if len(terms) < 2 or any(not text or _DANGLING.search(text) for _, text in terms):
        raise ConfigError(f"cannot read the analogy {expression!r}: write it like 'king - man + woman'")
    return [t for op, t in terms if op == "+"], [t for op, t in terms if op == "-"]


def analogy(service: RagService, expression: str, candidates: Sequence[str]) -> Analogy:
    """Vector arithmetic as in the GloVe tutorials: the sum of the added terms' vectors minus the
    subtracted ones', and the candidates ranked by cosine similarity to it.

    Args:
        service: whose embedding model to use.
        expression: terms joined by ` + ` and ` - `, e.g. "king - man + woman".
        candidates: the texts to rank (terms of the expression among them are flagged, not dropped).

    Raises:
        ConfigError: an unreadable expression, or no candidates.
        ProviderError: the embedding model failed.
    """
    import numpy as np

    positive, negative = parse_expression(expression)
    if not candidates:
        raise ConfigError("give the candidate texts to rank against the analogy")
    candidates = [c.strip() for c in candidates]
    vectors = np.asarray(service.embed([*positive, *negative, *candidates]), dtype=np.float64)
    terms, ranked = vectors[: len(positive) + len(negative)], vectors[len(positive) + len(negative) :]
    signs = np.array([1.0] * len(positive) + [-1.0] * len(negative))[:, None]
    target = (signs * terms).sum(axis=0)
    scores = cosine_matrix([target, *ranked])[0][1:]
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    inputs = {t.lower() for t in (*positive, *negative)}
    ranking = [
        Ranked(rank, candidates[i], scores[i], candidates[i].lower() in inputs) for rank, i in enumerate(order, 1)
    ]
    return Analogy(" ".join(expression.split()), positive, negative, _model(service), ranking)
