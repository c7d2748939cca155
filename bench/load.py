"""Load: N concurrent clients asking a running `serve` on loopback, for a fixed count of requests.

    python bench/load.py [--clients 1,4,16] [--requests 160] [--route ask|search|chat]

In a scratch folder: `data/` is ingested with the offline defaults (bundled model, extractive
answerer), `python -m rag_app serve` starts on a free loopback port, then for each client count
a thread pool of that many httpx clients sends --requests requests in all (questions taken in
turn from a fixed list), each with a 60 s timeout. Counted per run: requests, errors (a status
other than 200, a timeout or a refused connection), p50/p95/max latency and requests per second.
The run is bounded by count (and each request by its timeout), and only 127.0.0.1 is contacted.
Prints a Markdown table and one JSON line. Run it alone:
`flock /tmp/rag_heavy.lock python bench/load.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.serving import start_server, stop_server  # noqa: E402

QUESTIONS = [
    "When was Michael Jordan born?",
    "How tall is the Eiffel Tower?",
    "Where did the first coffeehouse in England open?",
    "Who was the first person on the Moon?",
    "Which planet is the largest?",
    "When was the Eiffel Tower completed?",
]


def body(route: str, question: str) -> tuple[str, dict]:
    """The path and JSON body of one request to ROUTE."""
    if route == "search":
        return "/v1/search", {"query": question, "k": 5}
    if route == "chat":
        return "/v1/chat/completions", {"model": "rag_app", "messages": [{"role": "user", "content": question}]}
    return "/v1/ask", {"question": question, "k": 5}


def one(client: httpx.Client, route: str, index: int) -> tuple[float, str | None]:
    """Send request INDEX; (seconds, error or None)."""
    path, payload = body(route, QUESTIONS[index % len(QUESTIONS)])
    started = time.perf_counter()
    try:
        response = client.post(path, json=payload)
        error = None if response.status_code == 200 else f"HTTP {response.status_code}"
    except httpx.HTTPError as err:
        error = type(err).__name__
    return time.perf_counter() - started, error


def run(url: str, route: str, clients: int, requests: int) -> dict:
    """REQUESTS requests from CLIENTS concurrent clients; the run's figures."""
    pool = [httpx.Client(base_url=url, timeout=60) for _ in range(clients)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as executor:
        results = list(executor.map(lambda i: one(pool[i % clients], route, i), range(requests)))
    wall = time.perf_counter() - started
    for client in pool:
        client.close()
    latencies = sorted(seconds for seconds, _ in results)
    errors = [error for _, error in results if error]
    return {
        "clients": clients,
        "requests": requests,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "rps": round(requests / wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="1,4,16", help="comma-separated concurrent client counts")
    parser.add_argument("--requests", type=int, default=160, help="requests per client count")
    parser.add_argument("--route", choices=("ask", "search", "chat"), default="ask")
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_PERSIST_DIR": str(work / "store")}
        env.pop("RAG_API_KEY", None)
        subprocess.run([sys.executable, "-m", "rag_app", "ingest", str(ROOT / "data")], cwd=work, env=env, check=True)
        process, url, _ = start_server(env, work)
        try:
            one(httpx.Client(base_url=url, timeout=60), args.route, 0)  # warm: model and store opened
            rows = [run(url, args.route, clients, args.requests) for clients in counts]
        finally:
            stop_server(process)
    print(f"| clients | requests | errors | p50 ms | p95 ms | max ms | req/s |  (POST {body(args.route, '')[0]})")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['clients']} | {row['requests']} | {row['errors']} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['max_ms']} | {row['rps']} |"
        )
    print(json.dumps({"bench": "load", "route": args.route, "runs": rows}))


if __name__ == "__main__":
    main()
