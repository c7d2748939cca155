"""Ingest throughput against the raw encoder and the tutorial way, on the same chunk texts, in one run.

    python bench/ingest.py

In a scratch folder: `../shared/anchors/tutorial_way.py ingest` (RecursiveCharacterTextSplitter
at 1,000 characters without overlap, `Chroma.from_documents` with `HuggingFaceEmbeddings`, then
the raw `SentenceTransformer.encode` of the same texts), then `python -m rag_app ingest` of the
same corpus with RAG_CHUNK_SIZE=1000 RAG_CHUNK_OVERLAP=0 (the bundled model through ONNX
Runtime, embedded Chroma), then the same ingest again (nothing changed), then an ingest of a
corpus three times as large (peak memory must not grow with it). Rates: chunks per second of
ingest work (rag_app: the seconds its summary reports, model loading included; tutorial: the
`from_documents` call). Prints a Markdown table and one JSON line. Run it alone:
`flock /tmp/rag_heavy.lock python bench/ingest.py`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()), ROOT.parent / "shared"
)
CORPUS = SHARED / "eval" / "squad-dev-sample" / "corpus.jsonl"
TUTORIAL = SHARED / "anchors" / "tutorial_way.py"
SUMMARY = re.compile(r"(\d+) chunks added, (\d+) updated, (\d+) already present.*?([\d.]+)s")


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, the child's own peak RSS MiB, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(args[:4])} failed: {stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def rag_ingest(corpus: Path, work: Path, env: dict[str, str]) -> dict:
    # The store in the scratch folder: without ./.rag_app rag_app would use the per-user store.
    env = {**env, "RAG_PERSIST_DIR": str(work / ".rag_app")}
    wall, rss, out = timed([sys.executable, "-m", "rag_app", "ingest", str(corpus)], work, env)
    added, updated, present, seconds = SUMMARY.search(out).groups()
    return {
        "wall_s": wall,
        "peak_rss_mib": rss,
        "added": int(added),
        "present": int(present),
        "seconds": float(seconds),
    }


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_CHUNK_SIZE": "1000", "RAG_CHUNK_OVERLAP": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _, tutorial_rss, out = timed([sys.executable, str(TUTORIAL), "ingest", str(CORPUS), "1000"], work, env)
        tutorial = json.loads(out.strip().splitlines()[-1])
        first = rag_ingest(CORPUS, work, env)
        again = rag_ingest(CORPUS, work, env)
        triple = work / "triple.jsonl"
        lines = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
        triple.write_text("".join(json.dumps({**r, "id": f"{r['id']}~{n}"}) + "\n" for n in range(3) for r in lines))
        (work / "big").mkdir()
        large = rag_ingest(triple, work / "big", env)
    chunks = first["added"]
    if chunks != tutorial["chunks"]:
        raise SystemExit(f"rag_app added {chunks} chunks, the tutorial way {tutorial['chunks']}: not the same texts")
    rate = chunks / first["seconds"]
    result = {
        "bench": "ingest",
        "chunks": chunks,
        "tutorial_chunks_per_s": tutorial["tutorial_ingest_chunks_per_s"],
        "raw_encoder_chunks_per_s": tutorial["raw_encode_chunks_per_s"],
        "rag_app_chunks_per_s": round(rate, 1),
        "rag_app_wall_chunks_per_s": round(chunks / first["wall_s"], 1),
        "ratio_vs_raw": round(rate / tutorial["raw_encode_chunks_per_s"], 2),
        "ratio_vs_tutorial": round(rate / tutorial["tutorial_ingest_chunks_per_s"], 2),
        # Issue 24's measure (goal >= 1.5): rag_app's whole process (start-up, export check, store
        # opening) against the tutorial way's `from_documents` call alone.
        "wall_ratio_vs_tutorial": round(chunks / first["wall_s"] / tutorial["tutorial_ingest_chunks_per_s"], 2),
        "rag_app_peak_rss_mib": round(first["peak_rss_mib"]),
        "tutorial_peak_rss_mib": round(tutorial_rss),
        "reingest_s": again["seconds"],
        "reingest_share": round(again["seconds"] / first["seconds"], 3),
        "large_chunks": large["added"],
        "large_peak_rss_mib": round(large["peak_rss_mib"]),
    }
    print("| measure | figure |\n|---|---|")
    print(f"| chunks (SQuAD sample, 1,000 characters, no overlap) | {chunks} |")
    print(f"| tutorial way (`Chroma.from_documents`) | {result['tutorial_chunks_per_s']} chunks/s |")
    print(f"| raw `SentenceTransformer.encode` | {result['raw_encoder_chunks_per_s']} chunks/s |")
    print(
        f"| rag_app `ingest` | {result['rag_app_chunks_per_s']} chunks/s ({first['seconds']:.1f} s; "
        f"{result['rag_app_wall_chunks_per_s']} chunks/s by wall time with start-up) |"
    )
    print(f"| rag_app vs raw encoder / vs tutorial | {result['ratio_vs_raw']}× / {result['ratio_vs_tutorial']}× |")
    print(f"| rag_app by wall time vs tutorial (goal ≥ 1.5×) | {result['wall_ratio_vs_tutorial']}× |")
    print(
        f"| re-ingest, nothing changed | {again['seconds']:.1f} s = {result['reingest_share']:.1%} of the first "
        f"({again['present']} already present, {again['added']} added) |"
    )
    print(
        f"| peak RSS: rag_app {chunks} chunks / {large['added']} chunks / tutorial way | "
        f"{result['rag_app_peak_rss_mib']} / {result['large_peak_rss_mib']} / {result['tutorial_peak_rss_mib']} MiB |"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
