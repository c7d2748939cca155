"""Format bench/quality.sh output (one TSV line a configuration) as a Markdown table.

bash bench/quality.sh 400 | python bench/quality_table.py
"""

import json
import sys

print(
    "| chunks | retriever | hit@1 | hit@5 | MRR | contains gold | F1 | EM | abstained (answerable) "
    "| abstained (unanswerable) | answer p50 / p95 ms |"
)
print("|---|---|---|---|---|---|---|---|---|---|---|")
for line in sys.stdin:
    config, retrieval, answers, impossible = line.rstrip("\n").split("\t")
    size, overlap, retriever = config.split("/")
    r, a, i = json.loads(retrieval), json.loads(answers), json.loads(impossible)
    print(
        f"| {size}/{overlap} | {retriever} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['mrr']:.3f} "
        f"| {a['answer_contains_gold']:.3f} | {a['f1']:.3f} | {a['exact_match']:.3f} "
        f"| {a['abstained_on_answerable']:.3f} | {i['abstention_on_impossible']:.3f} "
        f"| {a['latency_p50_ms']:.0f} / {a['latency_p95_ms']:.0f} |"
    )
