"""The extractive answerer's settings, measured on the SQuAD sample.

    python bench/quality.py [--limit 400] [--chunk 1000/200] [--retriever hybrid] [--k 5]

Retrieves once per question (the answerable set and the unanswerable one), computes every
candidate sentence's cosine similarity and word overlap once, then scores each combination of
lexical weight (RAG_LEXICAL_WEIGHT), runner-up margin and abstention threshold (RAG_MIN_SCORE)
from those features through ExtractiveAnswerChain.choose itself. Prints Markdown tables.
The store is built under bench/out/ (kept between runs) like bench/quality.sh.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rag_app.eval.evaluate import contains, load_questions

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval" / "squad-dev-sample"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=400, help="questions (spread evenly) per set")
    parser.add_argument("--chunk", default="1000/200", help="size/overlap")
    parser.add_argument("--retriever", default="hybrid")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    from rag_app.answering.chain import QA
    from rag_app.config import Settings
    from rag_app.ingestion.pipeline import ingest

    size, overlap = args.chunk.split("/")
    env = {
        **os.environ,
        "RAG_PERSIST_DIR": str(ROOT / "bench" / "out" / f"squad-{size}-{overlap}"),
        "RAG_CHUNK_SIZE": size,
        "RAG_CHUNK_OVERLAP": overlap,
        "RAG_RETRIEVER": args.retriever,
    }
    settings = Settings.from_env(env)
    ingest([str(EVAL / "corpus.jsonl")], settings)
    qa = QA(settings, k=args.k)
    answerer = qa.chain.combine_documents_chain

    def answer(
        features: list, question: str, weight: float, margin: float, negation: bool = True
    ) -> tuple[str | None, float]:
        """The answer (None: abstained for a negation or no candidate) and its score, no threshold."""
        update = {"lexical_weight": weight, "second_margin": margin, "min_score": -1e9, "negation_check": negation}
        return answerer.model_copy(update=update).choose(features, question)

    sets = {}
    for name, file in (("answerable", "questions.jsonl"), ("impossible", "unanswerable.jsonl")):
        sets[name] = [
            (record, answerer.candidates(qa.retriever.invoke(record["question"]), record["question"]))
            for record in load_questions(EVAL / file, args.limit)
        ]

    print(f"Chunks {args.chunk}, {args.retriever} retrieval, k={args.k}, {args.limit} questions per set.\n")
    print(
        "| lexical weight | runner-up margin | contains gold (negation check, no threshold) | threshold | abstains on unanswerable | correct answers lost |"
    )
    print("|---|---|---|---|---|---|")
    for weight in (0.0, 0.25, 0.5, 1.0):
        for margin in (0.0, 0.1, 0.15, 0.2):
            picks = [(answer(f, r["question"], weight, margin), r["answers"]) for r, f in sets["answerable"]]
            right = [text is not None and contains(text, golds) for (text, _), golds in picks]
            impossible = [answer(f, r["question"], weight, margin) for r, f in sets["impossible"]]
            best = (0.0, 0.0, float("-inf"))
            for step in range(0, 151):
                threshold = step / 100
                lost = sum(ok and score < threshold for ok, ((_, score), _) in zip(right, picks)) / len(picks)
                abstains = sum(text is None or score < threshold for text, score in impossible) / len(impossible)
                if lost < 0.05 and abstains >= best[0]:
                    best = (abstains, lost, threshold)
            print(
                f"| {weight} | {margin} | {sum(right) / len(right):.3f} | {best[2]:.2f} | {best[0]:.3f} | {best[1]:.3f} |",
                flush=True,
            )

    weight, margin = settings.lexical_weight, 0.15
    print(f"\nAbstention threshold (RAG_MIN_SCORE) at lexical weight {weight}, margin {margin}:\n")
    print("| threshold | contains gold | abstains on answerable | abstains on unanswerable |")
    print("|---|---|---|---|")
    for negation in (False, True):
        picks = [(answer(f, r["question"], weight, margin, negation), r["answers"]) for r, f in sets["answerable"]]
        impossible = [answer(f, r["question"], weight, margin, negation) for r, f in sets["impossible"]]
        sweep(picks, impossible, "negation check, " if negation else "")


def sweep(picks: list, impossible: list, label: str) -> None:
    """One table row per abstention threshold."""
    for threshold in (0.0, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8):
        kept = [(text, golds) for (text, score), golds in picks if text is not None and score >= threshold]
        right = sum(contains(text, golds) for text, golds in kept) / len(picks)
        abstains = sum(text is None or score < threshold for text, score in impossible) / len(impossible)
        print(f"| {label}{threshold} | {right:.3f} | {1 - len(kept) / len(picks):.3f} | {abstains:.3f} |", flush=True)


if __name__ == "__main__":
    main()
