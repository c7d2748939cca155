"""Measure retrieval and answers on a question set (SQuAD-style JSON Lines).

Each line: `{"question": str, "answers": [str, ...], "gold_passage_id"?: str, "is_impossible"?: bool}`.
A retrieved chunk is a hit when it contains a gold answer (SQuAD-normalised) or comes from the
gold passage (a chunk ingested from JSON Lines keeps the passage's `id`). Answer metrics are the
official SQuAD v1.1 normalisation, exact match and token F1, plus "the answer contains a gold
answer", which suits extractive answers that quote a whole sentence.
"""

from __future__ import annotations

import json
import re
import string
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag_app.answering.sentences import sentences
from rag_app.errors import ConfigError

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: list[str]) -> float:
    return float(any(normalize(prediction) == normalize(g) for g in golds))


def f1(prediction: str, golds: list[str]) -> float:
    """Best token-overlap F1 of `prediction` against the gold answers."""
    best = 0.0
    predicted = normalize(prediction).split()
    for gold in golds:
        expected = normalize(gold).split()
        common = sum((Counter(predicted) & Counter(expected)).values())
        if common:
            precision, recall = common / len(predicted), common / len(expected)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains(text: str, golds: list[str]) -> bool:
    normalized = f" {normalize(text)} "
    return any(f" {normalize(g)} " in normalized for g in golds if normalize(g))


def is_abstention(answer: str) -> bool:
    return normalize(answer).startswith(("i dont know", "i do not know"))


def load_questions(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The questions in `path`; with `limit`, that many spread evenly over the file."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from err
    questions = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{path}:{number}: not valid JSON") from err
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            raise ConfigError(f"{path}:{number}: no string 'question' field")
        if not isinstance(record.get("answers", []), list):
            raise ConfigError(f"{path}:{number}: 'answers' must be a list of strings")
        questions.append(record)
    if not questions:
        raise ConfigError(f"{path} has no questions")
    if limit and limit < len(questions):
        step = len(questions) / limit
        questions = [questions[int(i * step)] for i in range(limit)]
    return questions


def _rank_of_hit(record: dict[str, Any], sources: list[dict[str, Any]]) -> int | None:
    gold_id = record.get("gold_passage_id")
    golds = [a for a in record.get("answers", []) if isinstance(a, str)]
    for entry in sources:
        passage = entry["source"].rsplit("#", 1)[-1]
        if (gold_id and passage == gold_id) or (golds and contains(entry["text"], golds)):
            return entry["rank"]
    return None


def _has_gold_source(record: dict[str, Any], sources: list[dict[str, Any]]) -> bool:
    """Whether a retrieved chunk comes from the gold passage or file itself (not just any chunk
    that happens to contain a gold answer)."""
    gold_id = record.get("gold_passage_id")
    return bool(gold_id) and any(entry["source"].rsplit("#", 1)[-1] == gold_id for entry in sources)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def evaluate(
    service: Any,
    questions: list[dict[str, Any]],
    k: int | None = None,
    answers: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Retrieval and answer metrics of `service` on `questions`.

    Args:
        service: a RagService (anything with its `search` and `ask`).
        questions: records from `load_questions`.
        k: chunks retrieved per question (default RAG_TOP_K).
        answers: also answer each question and score the answers.
        progress: called with 1 after each question.

    Returns:
        hit@1, hit@k, MRR, gold_source@k (the gold passage or file itself among the top k,
        when the questions name one), and with `answers` SQuAD exact match, F1, answer-contains-gold,
        abstention and the median length of the answers given (characters, sentences and lines
        kept whole); latency percentiles in milliseconds.
    """
    k = service.settings.top_k if k is None else k
    hits1 = hitsk = rr = 0.0
    with_gold_source = gold_source_hits = 0
    answerable = impossible = abstained = abstained_answerable = 0
    em = f1_total = contained = 0.0
    latencies: list[float] = []
    lengths: list[tuple[int, int]] = []  # (characters, sentences) of each answer given
    for record in questions:
        started = time.perf_counter()
        asked = service.ask(record["question"], k) if answers else service.search(record["question"], k)
        result = asked.to_dict()
        latencies.append(time.perf_counter() - started)
        sources = result.get("sources", result.get("results", []))
        golds = [a for a in record.get("answers", []) if isinstance(a, str)]
        if record.get("is_impossible"):
            impossible += 1
            abstained += answers and is_abstention(result["answer"])
        elif golds or record.get("gold_passage_id"):
            answerable += 1
            rank = _rank_of_hit(record, sources)
            if record.get("gold_passage_id"):
                with_gold_source += 1
                gold_source_hits += _has_gold_source(record, sources)
            if rank:
                hits1 += rank == 1
                hitsk += 1
                rr += 1 / rank
            if answers:
                answer = result["answer"]
                abstained_answerable += is_abstention(answer)
                em += exact_match(answer, golds)
                f1_total += f1(answer, golds)
                contained += contains(answer, golds)
                if not is_abstention(answer):
                    lengths.append((len(answer), len(sentences(answer))))
        if progress:
            progress(1)
    n = max(answerable, 1)
    summary: dict[str, Any] = {
        "questions": len(questions),
        "answerable": answerable,
        "impossible": impossible,
        "k": k,
        "hit@1": round(hits1 / n, 4),
        f"hit@{k}": round(hitsk / n, 4),
        "mrr": round(rr / n, 4),
    }
    if with_gold_source:
        summary[f"gold_source@{k}"] = round(gold_source_hits / with_gold_source, 4)
    if answers:
        summary |= {
            "exact_match": round(em / n, 4),
            "f1": round(f1_total / n, 4),
            "answer_contains_gold": round(contained / n, 4),
            "abstained_on_answerable": round(abstained_answerable / n, 4),
            "abstention_on_impossible": round(abstained / impossible, 4) if impossible else None,
            "answer_chars_p50": _percentile([c for c, _ in lengths], 0.5),
            "answer_sentences_p50": _percentile([n for _, n in lengths], 0.5),
        }
    summary |= {
        "latency_p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
        "latency_p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
    }
    return summary
