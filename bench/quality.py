"""Answer quality on the SQuAD sample: each configuration's retrieval and answer figures.

    python bench/quality.py [--limit 400] [--chunks 1000/200,500/100] [--weights 0,0.5,1]

For each chunk size it ingests ../shared/eval/squad-dev-sample/corpus.jsonl into its own store
under bench/out/ (kept between runs), then, for each retriever, retrieves once per question
and scores every extractive-answer weighting and abstention threshold from the same sentence
features, so the grid costs one embedding pass per question. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval" / "squad-dev-sample"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=400, help="questions (spread evenly) per set")
    parser.add_argument("--chunks", default="1000/200,500/100", help="size/overlap pairs")
    parser.add_argument("--retrievers", default="vector,hybrid")
    parser.add_argument("--weights", default="0,0.25,0.5,1.0", help="extractive lexical weights")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    from rag_app.chain import QA
    from rag_app.config import Settings
    from rag_app.evaluate import contains, load_questions
    from rag_app.ingest import ingest

    answerable = load_questions(EVAL / "questions.jsonl", args.limit)
    impossible = load_questions(EVAL / "unanswerable.jsonl", args.limit)
    weights = [float(w) for w in args.weights.split(",")]
    print("| chunk | retriever | k | hit@1 | hit@k | MRR | lexical weight | contains gold | abstain (impossible) at threshold | answerable lost |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for pair in args.chunks.split(","):
        size, overlap = pair.split("/")
        for retriever in args.retrievers.split(","):
            env = {
                **os.environ,
                "RAG_PERSIST_DIR": str(ROOT / "bench" / "out" / f"squad-{size}-{overlap}"),
                "RAG_CHUNK_SIZE": size,
                "RAG_CHUNK_OVERLAP": overlap,
                "RAG_RETRIEVER": retriever,
            }
            settings = Settings.from_env(env)
            started = time.perf_counter()
            report = ingest([str(EVAL / "corpus.jsonl")], settings)
            if report.added:
                print(f"<!-- ingested {report.added} chunks in {time.perf_counter() - started:.0f}s -->", file=sys.stderr)
            qa = QA(settings, k=args.k)
            answerer = qa.chain.combine_documents_chain
            rows = {"answerable": [], "impossible": []}
            for kind, questions in (("answerable", answerable), ("impossible", impossible)):
                for record in questions:
                    docs = qa.retriever.invoke(record["question"])
                    ranks = [i for i, d in enumerate(docs, 1) if contains(d.page_content, record["answers"])
                             or d.metadata.get("id") == record.get("gold_passage_id") and kind == "answerable"]
                    feats = answerer.candidates(docs, record["question"])
                    rows[kind].append((record, ranks[0] if ranks else None, feats))
            n = len(rows["answerable"])
            hit1 = sum(r == 1 for _, r, _ in rows["answerable"]) / n
            hitk = sum(r is not None for _, r, _ in rows["answerable"]) / n
            mrr = sum(1 / r for _, r, _ in rows["answerable"] if r) / n
            for w in weights:
                def best(feats, w=w):
                    return max(((s, cos + w * lex) for s, cos, lex in feats), key=lambda p: p[1], default=("", -9))
                picks = [(rec, best(f)) for rec, _, f in rows["answerable"]]
                right = [contains(s, rec["answers"]) for rec, (s, _) in picks]
                acc = sum(right) / n
                imp_scores = [best(f)[1] for _, _, f in rows["impossible"]]
                ans_scores = [sc for _, (_, sc) in picks]
                # The lowest threshold that abstains on half the impossible questions, and its cost.
                threshold = sorted(imp_scores)[len(imp_scores) // 2]
                lost = sum(ok and sc < threshold for ok, sc in zip(right, ans_scores)) / n
                print(f"| {size}/{overlap} | {retriever} | {args.k} | {hit1:.3f} | {hitk:.3f} | {mrr:.3f} | {w} | "
                      f"{acc:.3f} | 0.50 at {threshold:.2f} | {lost:.3f} |", flush=True)


if __name__ == "__main__":
    main()
