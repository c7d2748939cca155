"""Watch: how long after a save a changed small file is searchable, with the offline defaults.

    python bench/watch.py [--files 50] [--saves 10]

In a scratch folder: --files small text files are written, `watch` (rag_app.ingestion.watch) runs on
the folder in a thread with the default settings (bundled embedding model, Chroma), and after its
first sync, --saves times one file is rewritten with a new sentence holding a unique word; the
time from the write to the first `search` whose top hit holds that word is measured (polled every
20 ms, 30 s at most). Prints a Markdown table and one JSON line. Run it alone:
`flock /tmp/bench.lock python bench/watch.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-watch-bench-") as scratch:
        os.environ["RAG_PERSIST_DIR"] = str(Path(scratch) / "store")
        from rag_app.config import Settings
        from rag_app.ingestion.watch import watch
        from rag_app.service import RagService

        folder = Path(scratch) / "notes"
        folder.mkdir()
        for i in range(args.files):
            (folder / f"note{i:03}.txt").write_text(f"Note {i}: the meeting about topic {i} is on floor {i % 7}.\n")
        service = RagService(Settings.from_env())
        first: list[float] = []
        stop = threading.Event()
        started = time.perf_counter()
        thread = threading.Thread(
            target=watch, args=(service, [folder], lambda b: first.append(time.perf_counter() - started), stop)
        )
        thread.start()
        while len(first) < 2 and time.perf_counter() - started < 120:  # the first sync and its catch-up
            time.sleep(0.05)
        delays = []
        for n in range(args.saves):
            word = f"zanzibar{n}quokka"
            saved = time.perf_counter()
            (folder / f"note{n:03}.txt").write_text(f"Note {n}: the meeting moved to the {word} room.\n")
            while time.perf_counter() - saved < 30:
                hits = service.search(word, k=1).results
                if hits and word in hits[0].text:
                    break
                time.sleep(0.02)
            delays.append(time.perf_counter() - saved)
        stop.set()
        thread.join(timeout=30)
    result = {
        "files": args.files,
        "saves": args.saves,
        "first_sync_s": round(first[0], 2) if first else None,
        "median_s": round(statistics.median(delays), 2),
        "max_s": round(max(delays), 2),
        "within_3s": sum(d <= 3 for d in delays),
    }
    print("| files | saves | first sync s | save → searchable, median s | max s | within 3 s |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.files} | {args.saves} | {result['first_sync_s']} | {result['median_s']} | {result['max_s']} |"
        f" {result['within_3s']}/{args.saves} |"
    )
    print(json.dumps({"bench": "watch", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
