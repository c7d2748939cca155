"""Fit the extractive answerer's ranking weights (rag_app/answering/features.py) and report them held out.

    python bench/fit_answerer.py [--squad-every 3] [--realdocs-weight 4] [--cache FILE]
                                 [--squad-store DIR] [--realdocs-store DIR] [--margin 3.0] [--embed-top 10]

Data: the shared SQuAD sample's answerable questions minus the 400 that `eval --limit 400`
measures (every `--squad-every`-th of the rest), over the store bench/quality.sh builds
(default bench/out/squad-1500-300: 1500/300, hybrid), and bench/realdocs/questions.jsonl over
the store bench/realdocs/run.sh builds (default bench/out/realdocs/store). Both stores must exist.

For each question the top 5 chunks are retrieved and every candidate unit's features computed
(cached in --cache; delete it after changing the features, except `cosine_rank`, which is derived
from the cached cosines: among all of a question's units for the fit, among the embedded ones
when answering, as the answerer does). A candidate is right when it, with
the neighbour that completes it, contains a gold answer. The model is a conditional logit: a
softmax over each question's candidates, fitted by gradient descent (numpy) to put its mass on
the right ones, L2-regularised; questions with no right candidate are left out of the fit. A
real-document question counts `--realdocs-weight` times (there are ~100 of them against ~800).

Held out: two folds by document (SQuAD articles and realdocs folders alternate between them);
each fold's weights answer the other fold's questions, among all units or only the units the
answerer embeds (`shortlist`); in-sample rows use the weights fitted on everything. Prints the table and the weights to
paste into features.py (fitted on everything), and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "eval" / "squad-dev-sample"
REALDOCS = ROOT / "bench" / "realdocs" / "questions.jsonl"
MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)
TOPS = (6, 8, 10, 16)
ALL = 10**6


def collect(store: Path, records: list[dict], group: str) -> list[dict]:
    """Each record with its candidates' features, labels and texts, retrieved from `store`."""
    from rag_app.answering.chain import QA
    from rag_app.answering.extractive import completed
    from rag_app.config import Settings
    from rag_app.eval.evaluate import contains

    settings = Settings.from_env({**os.environ, "RAG_PERSIST_DIR": str(store)})
    qa = QA(settings, k=5)
    answerer = qa.chain.combine_documents_chain
    answerer.embed_top = ALL  # every unit, so that the fit sees them all
    out = []
    for record in records:
        candidates = answerer.candidates(qa.retriever.invoke(record["question"]), record["question"])
        labels = [contains(completed(c), record["answers"]) for c in candidates]
        out.append({"record": record, "group": group, "candidates": candidates, "labels": labels})
    return out


def fit(items: list[dict], weights_of: dict[str, float], l2: float = 0.01, steps: int = 3000) -> np.ndarray:
    """The conditional-logit weights that put each question's softmax mass on its right candidates."""
    usable = [it for it in items if any(it["labels"]) and not all(it["labels"])]
    x = np.array([c.features for it in usable for c in it["candidates"]])
    y = np.array([float(label) for it in usable for label in it["labels"]])
    sizes = np.array([len(it["candidates"]) for it in usable])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    question = np.repeat(np.arange(len(usable)), sizes)
    qw = np.array([weights_of[it["group"]] for it in usable])
    qw = qw / qw.sum()
    w = np.zeros(x.shape[1])
    w[0], w[1] = 1.0, 0.5  # start from the hand-set weights
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, steps + 1):
        s = x @ w
        s = s - np.maximum.reduceat(s, starts)[question]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[question]
        t = p * y
        t = t / np.add.reduceat(t, starts)[question]
        grad = x.T @ ((p - t) * qw[question]) + 2 * l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def answers(items: list[dict], weights: np.ndarray, margin: float, top: int) -> list[tuple[bool, str]]:
    """(contains gold, answer) for each question, chosen by ExtractiveAnswerChain.choose itself
    among the `top` units it would embed (`shortlist`)."""
    from rag_app.answering.extractive import ExtractiveAnswerChain, shortlist, with_cosine_ranks
    from rag_app.eval.evaluate import contains

    chain = ExtractiveAnswerChain.model_construct(
        embeddings=None, min_score=0.6, lexical_weight=0.5, kind_weight=0.3, weights=tuple(float(x) for x in weights),
        second_margin=margin, negation_check=True,
    )  # fmt: skip
    out = []
    for it in items:
        candidates = it["candidates"]
        kept = shortlist([c.features for c in candidates], chain.weights, top)
        text, _ = chain.choose(with_cosine_ranks([candidates[i] for i in kept]), it["record"]["question"])
        out.append((text is not None and contains(text, it["record"]["answers"]), text or ""))
    return out


def summary(results: list[tuple[bool, str]]) -> tuple[float, float]:
    """Contains gold and the median answer length in characters."""
    return sum(ok for ok, _ in results) / max(len(results), 1), statistics.median(len(t) for _, t in results if t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad-every", type=int, default=3)
    parser.add_argument("--realdocs-weight", type=float, default=4.0)
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "out" / "answerer_features.pkl")
    parser.add_argument("--margin", type=float, default=3.0, help="the runner-up margin shipped")
    parser.add_argument("--embed-top", type=int, default=10, help="the units embedded, as shipped")
    parser.add_argument("--squad-store", type=Path, default=ROOT / "bench" / "out" / "squad-1500-300")
    parser.add_argument("--realdocs-store", type=Path, default=ROOT / "bench" / "out" / "realdocs" / "store")
    args = parser.parse_args()

    from rag_app.answering.extractive import with_cosine_ranks
    from rag_app.answering.features import NAMES
    from rag_app.eval.evaluate import load_questions

    if args.cache.exists():
        items = pickle.loads(args.cache.read_bytes())
    else:
        measured = {r["id"] for r in load_questions(SQUAD / "questions.jsonl", 400)}
        rest = [r for r in load_questions(SQUAD / "questions.jsonl") if r["id"] not in measured]
        squad = rest[:: args.squad_every]
        items = collect(args.squad_store, squad, "squad")
        items += collect(args.realdocs_store, load_questions(REALDOCS), "realdocs")
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        args.cache.write_bytes(pickle.dumps(items))
    items = [{**it, "candidates": with_cosine_ranks(it["candidates"])} for it in items]  # among all the units

    def doc_of(it: dict) -> str:
        record = it["record"]
        return record.get("title") or record["gold_passage_id"].split("/")[0]

    docs = {g: sorted({doc_of(it) for it in items if it["group"] == g}) for g in ("squad", "realdocs")}
    fold_of = {d: i % 2 for g in docs.values() for i, d in enumerate(g)}
    weights_of = {"squad": 1.0, "realdocs": args.realdocs_weight}
    hand = np.array([1.0, 0.5, 0, 0, 0.3] + [0.0] * (len(NAMES) - 5))

    print(f"{sum(it['group'] == 'squad' for it in items)} SQuAD questions ({len(docs['squad'])} articles), "
          f"{sum(it['group'] == 'realdocs' for it in items)} real-document questions ({len(docs['realdocs'])} folders); "
          f"right candidate among the retrieved: {sum(any(it['labels']) for it in items) / len(items):.3f}\n")  # fmt: skip
    print("Held out (2 folds by document; each fold answered by the weights fitted on the other):\n")
    print(
        "| weights | runner-up margin | units embedded | SQuAD contains gold | realdocs contains gold | median answer chars |"
    )
    print("|---|---|---|---|---|---|")
    fitted = [fit([it for it in items if fold_of[doc_of(it)] != f], weights_of) for f in (0, 1)]
    final = fit(items, weights_of)
    rows = [("hand (before)", [hand, hand], 0.15, ALL)]
    rows += [("fitted", fitted, margin, ALL) for margin in MARGINS]
    rows += [("fitted", fitted, args.margin, top) for top in TOPS]
    rows += [("fitted, in-sample", [final, final], args.margin, top) for top in (ALL, args.embed_top)]
    result = {}
    for name, per_fold, margin, top in rows:
        held = {"squad": [], "realdocs": []}
        for f in (0, 1):
            part = [it for it in items if fold_of[doc_of(it)] == f]
            for it, res in zip(part, answers(part, per_fold[f], margin, top)):
                held[it["group"]].append(res)
        squad, realdocs = summary(held["squad"]), summary(held["realdocs"])
        median = statistics.median(len(t) for g in held.values() for _, t in g if t)
        shown = "all" if top == ALL else str(top)
        result[f"{name} {margin} {shown}"] = [round(squad[0], 4), round(realdocs[0], 4), median]
        print(f"| {name} | {margin} | {shown} | {squad[0]:.3f} | {realdocs[0]:.3f} | {median:.0f} |", flush=True)
    print("\nWeights fitted on every question (features.py WEIGHTS):\n")
    for n, w in zip(NAMES, final):
        print(f"    {w:.3f},  # {n}")
    print(json.dumps({"held_out": result, "weights": dict(zip(NAMES, [round(float(w), 3) for w in final]))}))


if __name__ == "__main__":
    main()
