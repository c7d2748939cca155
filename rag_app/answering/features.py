"""What the extractive answerer scores a candidate on, and the weights learned for them.

Each candidate (a sentence, or a line kept whole) gets a few features: how similar it is to the
question (cosine, word overlap with and without its context), whether it holds the kind of value
the question asks for (a date, a number, a name, a command, a path…) or any value at all, whether
it states a default when asked for one, how much of it merely repeats the question, what kind
of unit it is, and how high its chunk was retrieved. The answer is the candidate with the highest
weighted sum; the weights are a conditional logit (a softmax over each question's candidates)
fitted by `bench/fit_answerer.py`, which says what data and prints the held-out figures
(bench/quality.md, "Answers that hold the fact").
"""

from __future__ import annotations

import math
import re

from rag_app.answering.kinds import DEFAULT, find_span
from rag_app.retrieval.similarity import tokenize

NAMES = (
    "cosine",
    "overlap",
    "overlap_own",
    "echo",
    "kind",
    "value",
    "default",
    "code",
    "row",
    "field",
    "option",
    "term",
    "line",
    "structured_asked",
    "names_identifier",
    "log_length",
    "rank",
    "cosine_rank",
)
"""The features, in the order of WEIGHTS."""

WEIGHTS = (
    0.968,
    2.193,
    1.875,
    1.121,
    1.234,
    0.172,
    0.434,
    -0.093,
    -0.139,
    0.149,
    0.018,
    0.193,
    0.131,
    0.103,
    0.324,
    -0.042,
    2.141,
    1.95,
)
"""Fitted by `python bench/fit_answerer.py --realdocs-weight 4` (its output, pasted here): 841
SQuAD questions outside the 400 that are measured, and the 101 bench/realdocs questions."""

_VALUE_KINDS = ("version", "number", "command", "code", "path", "address")
_STRUCTURED = {"code", "row", "field", "option", "line"}
_IDENTIFIER = re.compile(
    r"(?<![\w-])(?:-{1,2}[A-Za-z][\w-]*|[A-Z][A-Z0-9_]{2,}|\w+(?:_\w+)+|\w*[A-Za-z]\w*(?:\.\w+)+|\w+\(\))(?![\w-])"
)
_ASKS_STRUCTURED = {"command", "code", "path", "number", "version"}


def overlap(question_tokens: set[str], text: str) -> float:
    """Share of the question's content words that `text` contains."""
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(text))) / len(question_tokens)


def identifiers(question: str) -> list[str]:
    """The names of code in `question` as written: an option (`-p`), a constant (`CHUNK`), a
    name with an underscore or a dot (`ffi_call`, `zpipe.c`), a call (`main()`)."""
    return _IDENTIFIER.findall(question)


def names_identifier(names: list[str], text: str) -> bool:
    """Whether `text` holds one of `names` as a whole word, case and all."""
    return any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) for name in names)


def features(
    question: str,
    kinds: list[str],
    text: str,
    unit_kind: str,
    term: str,
    context: str,
    cosine: float,
    rank: int,
) -> tuple[float, ...]:
    """The features of one candidate, in the order of NAMES.

    Args:
        question: the question.
        kinds: the kinds of answer it asks for (`asked_kinds`).
        text: the candidate.
        unit_kind: what it is (`sentence`, `code`, `row`, `field`, `option`, `line`).
        term: the definition term merged in front of it, if any.
        context: the unit before it and the heading it is under.
        cosine: its embedding's cosine similarity to the question's.
        rank: the retrieval rank of its chunk (1 for the first).

    Returns:
        One float per name in NAMES.
    """
    wanted = set(tokenize(question))
    own = tokenize(text)
    echo = sum(t in wanted for t in own) / len(own) if own else 1.0
    has_value = find_span(text, list(_VALUE_KINDS), question) is not None
    asked_default = bool(DEFAULT.search(question))
    return (
        cosine,
        overlap(wanted, f"{context} {text}"),
        overlap(wanted, text),
        echo,
        float(find_span(text, kinds[:1], question) is not None),
        float(has_value),
        float(asked_default and bool(DEFAULT.search(text)) and has_value),
        float(unit_kind == "code"),
        float(unit_kind == "row"),
        float(unit_kind == "field"),
        float(unit_kind == "option"),
        float(bool(term)),
        float(unit_kind == "line"),
        float(bool(set(kinds) & _ASKS_STRUCTURED) and (unit_kind in _STRUCTURED or bool(term))),
        float((unit_kind in _STRUCTURED or bool(term)) and names_identifier(identifiers(question), text)),
        math.log(1 + len(text)) / 5,
        1.0 / rank,
        0.0,  # cosine_rank: set across the candidates once they are embedded (`cosine_ranks`)
    )


def cosine_ranks(cosines: list[float]) -> list[float]:
    """1 / the rank of each cosine among `cosines` (1.0 for the highest; ties keep their order)."""
    order = sorted(range(len(cosines)), key=lambda i: -cosines[i])
    ranks = [0.0] * len(cosines)
    for position, i in enumerate(order, start=1):
        ranks[i] = 1.0 / position
    return ranks


def score(values: tuple[float, ...], weights: tuple[float, ...] = WEIGHTS) -> float:
    """The weighted sum the candidates are ranked by."""
    return sum(w * v for w, v in zip(weights, values))
