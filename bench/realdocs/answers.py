"""Each real-document question with its answer, for reading what goes wrong.

    RAG_PERSIST_DIR=bench/out/realdocs/store python bench/realdocs/answers.py [--failures]

Needs the store `run.sh` builds. Prints one block per question: OK/MISS, whether the gold file
was among the sources, the gold answers and the answer given.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rag_app import RagService
from rag_app.eval.evaluate import contains, load_questions


def main() -> None:
    failures_only = "--failures" in sys.argv
    service = RagService()
    for record in load_questions(Path(__file__).with_name("questions.jsonl")):
        answer = service.ask(record["question"])
        ok = contains(answer.answer, record["answers"])
        sources = [s.source for s in answer.sources]
        if failures_only and ok:
            continue
        print(f"{'OK  ' if ok else 'MISS'} {record['id']} {record['question']}")
        print(f"     gold file {'in' if record['gold_passage_id'] in sources else 'NOT in'} sources: {sources[:3]}")
        print(f"     gold: {record['answers']}")
        print(f"     answer: {' '.join(answer.answer.split())[:400]}\n")


if __name__ == "__main__":
    main()
