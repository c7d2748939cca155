"""Choose how the hybrid retriever fuses its vector and keyword (BM25) rankings, on the SQuAD sample.

    python bench/fusion.py [--limit N]

Retrieves once per question: the 50 nearest chunks by cosine, the 50 best by BM25, and both
scores for every candidate. Then scores each fusion (reciprocal rank, weighted sums of
normalised scores) from those candidates. To avoid fitting the sample's 12 articles, each
configuration is tuned on half of the articles (A) and reported on the other half (B) too;
the default must win on both halves. Prints a Markdown table and one JSON line.
The store is built under bench/out/ (kept between runs) with the default settings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from rag_app.eval.evaluate import contains, load_questions

ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the clone (or beside the folder of worktrees)
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()), ROOT.parent / "shared"
)
EVAL = SHARED / "eval" / "squad-dev-sample"
POOL = 50


def collect(limit: int | None) -> list[dict]:
    """Per question: candidates {id: (cosine, bm25 or None, hit)} and its article."""
    from rag_app.answering.chain import QA
    from rag_app.config import Settings
    from rag_app.ingestion.pipeline import ingest
    from rag_app.retrieval.similarity import cosine

    env = {**os.environ, "RAG_PERSIST_DIR": str(ROOT / "bench" / "out" / "squad-1500-300")}
    settings = Settings.from_env(env)
    ingest([str(EVAL / "corpus.jsonl")], settings)
    qa = QA(settings)
    retriever = qa.retriever
    store, keywords = retriever.vectorstore, retriever.keywords
    rows = []
    for record in load_questions(EVAL / "questions.jsonl", limit):
        question = record["question"]
        vector = store.embeddings.embed_query(question)
        dense = store.search_by_vector(vector, POOL)
        sparse = keywords.search(question, POOL)
        docs = {d.id: d for d, _ in sparse} | {d.id: d for d, _ in dense}
        cos = {d.id: s for d, s in dense}
        stored = store.stored_vectors([k for k in docs if k not in cos])
        cos |= {k: cosine(vector, v) for k, v in stored.items()}
        bm25 = keywords.scores(question, list(docs))
        rows.append(
            {
                "article": record.get("title") or str(record.get("gold_passage_id")).split("__")[0],
                "dense": [d.id for d, _ in dense],
                "sparse": [d.id for d, _ in sparse],
                "cos": cos,
                "bm25": bm25,
                "hit": {k: _hit(d, record) for k, d in docs.items()},
            }
        )
    return rows


def _hit(doc, record: dict) -> bool:
    """As `rag_app eval` counts it: the gold passage, or a chunk containing a gold answer."""
    passage = doc.metadata.get("source", "").rsplit("#", 1)[-1]
    return passage == record.get("gold_passage_id") or contains(doc.page_content, record["answers"])


def rrf(row: dict, fetch_k: int, k: int = 60) -> list[str]:
    fused: dict[str, float] = {}
    for ranking in (row["dense"][:fetch_k], row["sparse"][:fetch_k]):
        for rank, key in enumerate(ranking):
            fused[key] = fused.get(key, 0.0) + 1 / (k + rank + 1)
    return sorted(fused, key=fused.__getitem__, reverse=True)


def weighted(row: dict, fetch_k: int, weight: float, norm: str) -> list[str]:
    """weight * cosine part + (1 - weight) * BM25 part over the union of both top-fetch_k lists."""
    keys = list(dict.fromkeys(row["dense"][:fetch_k] + row["sparse"][:fetch_k]))
    cos = [row["cos"].get(k, 0.0) for k in keys]
    bm = [row["bm25"].get(k, 0.0) for k in keys]
    if norm == "max":  # BM25 over the best BM25; cosine as it is
        top = max(bm) or 1.0
        bm = [b / top for b in bm]
    else:  # min-max both over the candidates
        cos, bm = _minmax(cos), _minmax(bm)
    fused = {k: weight * c + (1 - weight) * b for k, c, b in zip(keys, cos, bm)}
    return sorted(fused, key=fused.__getitem__, reverse=True)


def _minmax(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    return [(v - low) / (high - low) if high > low else 0.0 for v in values]


def score(rows: list[dict], rank) -> tuple[float, float]:
    h1 = h5 = 0
    for row in rows:
        ranked = rank(row)
        h1 += bool(ranked) and row["hit"][ranked[0]]
        h5 += any(row["hit"][k] for k in ranked[:5])
    return h1 / len(rows), h5 / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="questions, spread evenly (default: all)")
    args = parser.parse_args()
    rows = collect(args.limit)
    articles = sorted({r["article"] for r in rows})
    half_a = set(articles[0::2])
    sets = {"A": [r for r in rows if r["article"] in half_a], "B": [r for r in rows if r["article"] not in half_a]}
    configs = {("rrf", f, 60): (lambda r, f=f: rrf(r, f)) for f in (20, 50)}
    configs[("rrf", 20, 10)] = lambda r: rrf(r, 20, 10)
    configs[("vector", 20, 0)] = lambda r: r["dense"]
    configs[("bm25", 20, 0)] = lambda r: r["sparse"]
    for norm in ("max", "minmax"):
        for fetch_k in (20, 50):
            for step in range(0, 21):
                w = step / 20
                configs[(f"weighted-{norm}", fetch_k, w)] = lambda r, f=fetch_k, w=w, n=norm: weighted(r, f, w, n)
    results = {c: {name: score(rs, rank) for name, rs in sets.items()} for c, rank in configs.items()}
    # Tuned on A: the best weighted configuration there (hit@1, then hit@5); checked on B.
    best_a = max((c for c in results if c[0].startswith("weighted")), key=lambda c: results[c]["A"])
    best_b = max((c for c in results if c[0].startswith("weighted")), key=lambda c: results[c]["B"])
    print(
        f"{len(rows)} questions; half A = {len(sets['A'])} questions of {len(half_a)} articles, B = {len(sets['B'])}\n"
    )
    print("| fusion | fetch_k | weight / rrf k | hit@1 A | hit@5 A | hit@1 B | hit@5 B | hit@1 all | hit@5 all |")
    print("|---|---|---|---|---|---|---|---|---|")
    shown = [c for c in results if not c[0].startswith("weighted")] + sorted(
        {best_a, best_b} | {c for c in results if c[0].startswith("weighted") and c[2] in (0.3, 0.5, 0.7)}
    )
    for c in shown:
        a1, a5 = results[c]["A"]
        b1, b5 = results[c]["B"]
        all1, all5 = score(rows, configs[c])
        print(f"| {c[0]} | {c[1]} | {c[2]} | {a1:.3f} | {a5:.3f} | {b1:.3f} | {b5:.3f} | {all1:.3f} | {all5:.3f} |")
    gaps = [results[c]["A"][0] - results[c]["B"][0] for c in results]
    print(
        json.dumps(
            {
                "questions": len(rows),
                "tuned_on_A": list(best_a),
                "A": results[best_a]["A"],
                "B": results[best_a]["B"],
                "all": score(rows, configs[best_a]),
                "best_on_B": list(best_b),
                "mean_A_minus_B_hit1": round(statistics.mean(gaps), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
