"""What keeping a machine's keyword index in step with a shared catalog costs.

Machine A ingests into a Chroma server with a PostgreSQL catalog (both real, on loopback,
started here); machine B (another RAG_PERSIST_DIR) brings its keyword index in step: first
in full (it never synced), then incrementally after A adds or removes files, and when nothing
changed (the check every query pays after another machine's ingest). Fake embeddings: the
figures are the catalog, the store and FTS5, not a model.

    PYTHONPATH=$PWD flock /tmp/rag_heavy.lock nice python bench/team.py [--files 5000]

Prints a Markdown table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag_app import RagService, stores  # noqa: E402
from rag_app.config import Settings  # noqa: E402
from rag_app.retrieval.keyword_index import keyword_index  # noqa: E402
from rag_app.retrieval.keyword_sync import bring_in_step  # noqa: E402
from tests.conftest import ChromaServer, free_port  # noqa: E402
from tests.postgres import PostgresServer, binaries  # noqa: E402


def _write(folder: Path, first: int, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(first, first + count):
        (folder / f"note-{n:05d}.txt").write_text(f"Note {n}: the marker{n} value is {n * 7}. " * 4)


def _step(settings: Settings) -> tuple[float, int]:
    """Seconds and chunks changed bringing this machine's keyword index in step."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    catalog = stores.catalog(settings)
    store = stores.open_vectorstore(settings, DeterministicFakeEmbedding(size=256))
    index = keyword_index(catalog)
    started = time.perf_counter()
    changed = bring_in_step(index, catalog, store)
    seconds = time.perf_counter() - started
    index.close()
    return seconds, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000, help="files (one chunk each) machine A ingests first")
    parser.add_argument("--changed", type=int, default=100, help="files added, then removed, afterwards")
    args = parser.parse_args()
    if binaries() is None:
        sys.exit("PostgreSQL is not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="rag-team-bench-"))
    postgres, chroma = PostgresServer(binaries(), free_port()), ChromaServer(root / "chroma")
    try:
        shared = {
            "RAG_CATALOG_URL": postgres.new_database(),
            "RAG_CHROMA_HOST": chroma.host,
            "RAG_CHROMA_PORT": str(chroma.port),
            "RAG_EMBEDDINGS": "fake",
        }
        a = Settings.from_env({**shared, "RAG_PERSIST_DIR": str(root / "a"), "RAG_SOURCE_ROOT": str(root / "tree")})
        b = Settings.from_env({**shared, "RAG_PERSIST_DIR": str(root / "b"), "RAG_SOURCE_ROOT": str(root / "tree")})
        folder = root / "tree" / "notes"
        _write(folder, 0, args.files)
        started = time.perf_counter()
        RagService(a).ingest([folder])
        rows = [("A ingests", args.files, time.perf_counter() - started)]
        seconds, changed = _step(b)
        rows.append(("B: first sync (full reconcile)", changed, seconds))
        _write(folder, args.files, args.changed)
        RagService(a).ingest([folder])
        seconds, changed = _step(b)
        rows.append((f"B: catch up after A adds {args.changed} files", changed, seconds))
        for n in range(args.files, args.files + args.changed):
            (folder / f"note-{n:05d}.txt").unlink()
        RagService(a).ingest([folder])
        seconds, changed = _step(b)
        rows.append((f"B: catch up after A removes {args.changed} files", changed, seconds))
        seconds, changed = _step(b)
        rows.append(("B: nothing changed", changed, seconds))
    finally:
        chroma.stop()
        postgres.stop()
    print("| step | chunks changed | seconds |\n| --- | ---: | ---: |")
    for name, changed, seconds in rows:
        print(f"| {name} | {changed:,} | {seconds:.3f} |")
    print(json.dumps({"bench": "team", "files": args.files, "steps": {n: round(s, 4) for n, _, s in rows}}))


if __name__ == "__main__":
    main()
