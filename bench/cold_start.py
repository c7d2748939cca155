"""Cold start: a fresh `python -m rag_app search` against the tutorial way's cold `similarity_search`.

    python bench/cold_start.py [--runs 3]

In a scratch folder both stores hold the SQuAD sample (rag_app with its defaults; the tutorial
way through `../shared/anchors/tutorial_way.py ingest`). Each command then runs --runs times in
a fresh process; the median wall time counts (interpreter start, imports, model and store
opening, one query). `--help`, `stats` and `sources` are timed too, and so is the floor of a
search through LangChain's Chroma: a process that only imports `langchain_chroma` (which
imports chromadb and `langchain_core.retrievers`, langsmith's run trees with it), onnxruntime
and tokenizers. Prints a Markdown table with the targets of issue 24 (bench/install.md) and one
JSON line. Run it alone:
`flock /tmp/bench.lock python bench/cold_start.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import CORPUS, ROOT, TUTORIAL, timed  # noqa: E402

QUERY = "Which NFL team represented the AFC at Super Bowl 50?"
# Issue 24's goals: cold `search` at most 0.12x the tutorial way's cold query, cold `stats` (and `sources`,
# `--help`) at most 0.3 s.
SEARCH_RATIO_GOAL = 0.12
STATS_GOAL_S = 0.3
FLOOR = "import langchain_chroma, onnxruntime, tokenizers"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rag = [sys.executable, "-m", "rag_app"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env["RAG_PERSIST_DIR"] = str(work / ".rag_app")  # not the per-user store
        timed([sys.executable, str(TUTORIAL), "ingest", str(CORPUS), "1000"], work, env)
        timed([*rag, "ingest", str(CORPUS)], work, env)
        commands = {
            "python (no imports)": [sys.executable, "-c", "pass"],
            "rag_app --help": [*rag, "--help"],
            "rag_app stats": [*rag, "stats"],
            "rag_app sources": [*rag, "sources"],
            "import langchain_chroma, onnxruntime, tokenizers (floor)": [sys.executable, "-c", FLOOR],
            "rag_app search (cold)": [*rag, "search", QUERY],
            "tutorial similarity_search (cold)": [sys.executable, str(TUTORIAL), "query", QUERY],
        }
        medians = {}
        for name, command in commands.items():
            runs = [timed(command, work, env) for _ in range(args.runs)]
            medians[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
    tutorial = medians["tutorial similarity_search (cold)"][0]
    ratio = medians["rag_app search (cold)"][0] / tutorial
    floor = medians["import langchain_chroma, onnxruntime, tokenizers (floor)"][0] / tutorial
    print(f"| command (median of {args.runs} fresh processes) | wall s | peak RSS MiB |\n|---|---|---|")
    for name, (seconds, rss) in medians.items():
        print(f"| {name} | {seconds:.2f} | {rss:.0f} |")
    print(f"| ratio rag_app search / tutorial | {ratio:.2f}× | |")
    print(f"| ratio floor / tutorial | {floor:.2f}× | |")
    stats = medians["rag_app stats"][0]
    print("\n| target | goal | measured | |\n|---|---|---|---|")
    print(f"| cold `search` / tutorial | ≤ {SEARCH_RATIO_GOAL}× | {ratio:.2f}× | {_met(ratio <= SEARCH_RATIO_GOAL)} |")
    for name in ("rag_app stats", "rag_app sources", "rag_app --help"):  # the 0.3 s of `stats` holds for all three
        seconds = medians[name][0]
        print(
            f"| cold `{name.removeprefix('rag_app ')}` | ≤ {STATS_GOAL_S} s | {seconds:.2f} s | {_met(seconds <= STATS_GOAL_S)} |"
        )
    result = {"bench": "cold_start", **{k: round(v[0], 2) for k, v in medians.items()}, "ratio": round(ratio, 3)}
    result["floor_ratio"] = round(floor, 3)
    result["search_ratio_met"] = ratio <= SEARCH_RATIO_GOAL
    result["stats_met"] = stats <= STATS_GOAL_S
    result["sources_and_help_met"] = max(medians["rag_app sources"][0], medians["rag_app --help"][0]) <= STATS_GOAL_S
    print(json.dumps(result))


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


if __name__ == "__main__":
    main()
