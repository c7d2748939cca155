"""The keyword side for the postgres store: PostgreSQL full text (tsvector + GIN) against the FTS5
BM25 index rag_app keeps on each machine, on the shared SQuAD sample (one chunk per passage).

    PYTHONPATH=$PWD flock /tmp/bench.lock python bench/keywords_pg.py [--url postgresql+psycopg://...]

Without --url (or RAG_POSTGRES_URL) a throwaway PostgreSQL is started on loopback
(tests/postgres.py). Prints a table and one JSON line: hit@1, hit@5 (the gold passage among the
top 1 / 5) and median / p95 latency per query of each side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()), ROOT.parent / "shared"
)
EVAL = SHARED / "eval" / "squad-dev-sample"


def _load() -> tuple[list[dict], list[dict]]:
    corpus = [json.loads(line) for line in (EVAL / "corpus.jsonl").read_text().splitlines() if line.strip()]
    questions = [json.loads(line) for line in (EVAL / "questions.jsonl").read_text().splitlines() if line.strip()]
    return corpus, questions


def _fts5(corpus: list[dict], questions: list[dict]) -> tuple[list[list[str]], list[float]]:
    from langchain_core.documents import Document

    from rag_app.retrieval.keyword_index import KeywordIndex

    with tempfile.TemporaryDirectory() as folder:
        index = KeywordIndex(Path(folder) / "keywords.sqlite")
        index.add([Document(page_content=p["text"], metadata={"path": p["title"]}, id=p["id"]) for p in corpus])
        ranked, seconds = [], []
        for q in questions:
            started = time.perf_counter()
            found = index.search(q["question"], 5)
            seconds.append(time.perf_counter() - started)
            ranked.append([doc.id for doc, _ in found])
        index.close()
    return ranked, seconds


def _postgres(url: str, corpus: list[dict], questions: list[dict]) -> tuple[list[list[str]], list[float]]:
    """`websearch_to_tsquery` would AND the words; the question's words are ORed (as FTS5 does),
    ranked by `ts_rank_cd` (cover density; PostgreSQL has no BM25)."""
    import psycopg

    from rag_app.retrieval.similarity import tokenize

    plain = url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_keywords")
        conn.execute(
            "CREATE TABLE bench_keywords (id TEXT PRIMARY KEY, text TEXT NOT NULL,"
            " tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)"
        )
        conn.execute("CREATE INDEX ON bench_keywords USING gin (tsv)")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_keywords (id, text) VALUES (%s, %s)", [(p["id"], p["text"]) for p in corpus]
            )
        conn.execute("ANALYZE bench_keywords")
        ranked, seconds = [], []
        for q in questions:
            words = " | ".join(sorted(set(tokenize(q["question"]))))
            started = time.perf_counter()
            rows = conn.execute(
                "SELECT id FROM bench_keywords, to_tsquery('english', %s) query WHERE tsv @@ query"
                " ORDER BY ts_rank_cd(tsv, query) DESC LIMIT 5",
                (words,),
            ).fetchall()
            seconds.append(time.perf_counter() - started)
            ranked.append([r[0] for r in rows])
        conn.execute("DROP TABLE bench_keywords")
    return ranked, seconds


def _scores(questions: list[dict], ranked: list[list[str]], seconds: list[float]) -> dict[str, float]:
    gold = [q["gold_passage_id"] for q in questions]
    hit1 = sum(r[:1] == [g] for r, g in zip(ranked, gold)) / len(gold)
    hit5 = sum(g in r[:5] for r, g in zip(ranked, gold)) / len(gold)
    ms = sorted(s * 1000 for s in seconds)
    return {
        "hit@1": round(hit1, 3),
        "hit@5": round(hit5, 3),
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("RAG_POSTGRES_URL", ""))
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    args = parser.parse_args()
    corpus, questions = _load()
    questions = questions[: args.limit]
    server = None
    url = args.url
    if not url:
        from tests.conftest import free_port
        from tests.postgres import PostgresServer, binaries

        server = PostgresServer(binaries(), free_port())
        url = server.new_database()
    try:
        results = {
            "fts5 (bm25, porter)": _scores(questions, *_fts5(corpus, questions)),
            "postgres (tsvector, ts_rank_cd)": _scores(questions, *_postgres(url, corpus, questions)),
        }
    finally:
        if server is not None:
            server.stop()
    print(f"{len(questions)} questions, {len(corpus)} passages\n")
    print("| keyword side | hit@1 | hit@5 | p50 ms | p95 ms |\n|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['hit@1']} | {r['hit@5']} | {r['p50_ms']} | {r['p95_ms']} |")
    print(json.dumps({"questions": len(questions), "passages": len(corpus), "results": results}))


if __name__ == "__main__":
    main()
