#!/usr/bin/env bash
# The real-document evaluation: copy the Debian-installed files, ingest them into a fresh store,
# run `eval --answers` on bench/realdocs/questions.jsonl. Prints the eval summary (one JSON line
# with --json as the first argument, else the table).
#   bash bench/realdocs/run.sh [--json]
# Run it under the shared lock: flock /tmp/rag_heavy.lock nice bash bench/realdocs/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/realdocs
python bench/realdocs/fetch.py "$out/docs" >/dev/null
rm -rf "$out/store"
export RAG_PERSIST_DIR=$out/store
python -m rag_app ingest "$out/docs" >&2
python -m rag_app eval bench/realdocs/questions.jsonl --answers "$@"
