#!/usr/bin/env bash
# Answer quality of rag_app's pipeline on the SQuAD sample, one configuration a line, through the CLI.
#   bash bench/quality.sh [LIMIT] [CONFIG...] | python bench/quality_table.py
# CONFIG = size/overlap/retriever, e.g. 1000/200/hybrid; every other setting at its default.
# Each chunk configuration gets its own store under bench/out/ (ingested once, kept between runs).
# Retrieval is measured on every question; answers on LIMIT questions (default 400) of each set.
set -euo pipefail
cd "$(dirname "$0")/.."
eval_dir=../shared/eval/squad-dev-sample
limit=${1:-400}
shift || true
configs=${*:-"1500/300/hybrid 1500/300/vector 1000/200/hybrid 1000/200/vector 500/100/hybrid 2000/400/hybrid"}
for config in $configs; do
  IFS=/ read -r size overlap retriever <<<"$config"
  export RAG_PERSIST_DIR=bench/out/squad-$size-$overlap RAG_CHUNK_SIZE=$size RAG_CHUNK_OVERLAP=$overlap RAG_RETRIEVER=$retriever
  python -m rag_app ingest "$eval_dir/corpus.jsonl" >&2
  retrieval=$(python -m rag_app eval "$eval_dir/questions.jsonl" --k 5 --json)
  answers=$(python -m rag_app eval "$eval_dir/questions.jsonl" --k 5 --answers --limit "$limit" --json)
  impossible=$(python -m rag_app eval "$eval_dir/unanswerable.jsonl" --k 5 --answers --limit "$limit" --json)
  printf '%s\t%s\t%s\t%s\n' "$config" "$retrieval" "$answers" "$impossible"
done
