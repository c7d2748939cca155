"""The answer-kind preference (ExtractiveAnswerChain.kind_weight), measured on a question set.

    RAG_PERSIST_DIR=STORE python bench/answer_kinds.py QUESTIONS.jsonl [--limit N]

Uses the store as it is (ingest first). Retrieves once per question, computes every candidate
sentence's features once, then scores each kind weight through ExtractiveAnswerChain.choose
itself (abstention threshold as configured). Prints a Markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

WEIGHTS = (0.0, 0.1, 0.15, 0.2, 0.3, 0.4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    from rag_app.answering.chain import QA
    from rag_app.answering.kinds import asked_kinds
    from rag_app.config import Settings
    from rag_app.eval.evaluate import contains, load_questions

    settings = Settings()
    qa = QA(settings, k=settings.top_k)
    answerer = qa.chain.combine_documents_chain
    records = [r for r in load_questions(args.questions, args.limit) if r.get("answers")]
    features = [(r, answerer.candidates(qa.retriever.invoke(r["question"]), r["question"])) for r in records]
    typed = [asked_kinds(r["question"]) != [] for r in records]
    print(f"{len(records)} questions, {sum(typed)} asking for a date/version/number/name/code/address.\n")
    print("| kind weight | contains gold (all) | contains gold (kind asked) | contains gold (other) |")
    print("|---|---|---|---|")
    result = {}
    for weight in WEIGHTS:
        chain = answerer.model_copy(update={"kind_weight": weight})
        right = []
        for record, candidates in features:
            text, _ = chain.choose(candidates, record["question"])
            right.append(text is not None and contains(text, record["answers"]))
        asked = [ok for ok, t in zip(right, typed) if t]
        other = [ok for ok, t in zip(right, typed) if not t]
        row = [sum(right) / len(right), sum(asked) / max(len(asked), 1), sum(other) / max(len(other), 1)]
        result[weight] = [round(x, 4) for x in row]
        print(f"| {weight} | {row[0]:.3f} | {row[1]:.3f} | {row[2]:.3f} |", flush=True)
    print(json.dumps({"questions": len(records), "kind_asked": sum(typed), "contains_gold": result}))


if __name__ == "__main__":
    main()
