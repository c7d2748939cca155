"""Start-up, ingest throughput and ingest memory, measured with real subprocesses.

    python bench/speed.py [--files 200,800]

Prints a Markdown table. Start-up: median wall time of 3 runs of each command on a small store.
Ingest: chunks per second on the SQuAD sample corpus into a fresh store (bundled model, ONNX).
Memory: peak resident memory of an ingest of N generated files, for two N: flat means streaming.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "eval" / "squad-dev-sample" / "corpus.jsonl"


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB of the child, stdout) of one `python -m rag_app ...` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rag_app", *args], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{args} failed: {done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", default="200,800", help="file counts for the memory runs")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("| measurement | figure |\n|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        timed(["ingest", str(ROOT / "data")], work, env)
        for command in (["--help"], ["stats"], ["search", "Michael Jordan"], ["ask", "When was Michael Jordan born?"]):
            runs = [timed(command, work, env)[0] for _ in range(3)]
            print(f"| `{' '.join(command)}` wall time (median of 3) | {statistics.median(runs):.2f} s |", flush=True)

        squad = Path(tmp) / "squad"
        squad.mkdir()
        seconds, _, out = timed(["ingest", str(CORPUS)], squad, env)
        chunks = int(out.split(" chunks added")[0].rsplit(" ", 1)[-1])
        print(
            f"| ingest SQuAD sample ({chunks} chunks, cold) | {seconds:.1f} s, {chunks / seconds:.1f} chunks/s |",
            flush=True,
        )

    # ru_maxrss of children is a high-water mark over all children: measure each N in a fresh process.
    for count in (int(n) for n in args.files.split(",")):
        probe = (
            "import resource, subprocess, sys, tempfile, pathlib\n"
            "d = pathlib.Path(tempfile.mkdtemp())\n"
            f"(d / 'docs').mkdir()\n"
            f"for i in range({count}):\n"
            "    (d / 'docs' / f'f{i}.txt').write_text(f'Document {i}. ' + 'Some words about topic %d. ' % i * 120)\n"
            "subprocess.run([sys.executable, '-m', 'rag_app', 'ingest', 'docs'], cwd=d, check=True, capture_output=True,"
            " env={**__import__('os').environ, 'RAG_EMBEDDINGS': 'fake'})\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
        )
        peak = float(
            subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
        )
        print(f"| ingest {count} files of ~3 kB (fake embeddings): peak memory | {peak:.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()
