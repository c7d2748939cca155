"""The eval command and its metrics, on a tiny question set of our own."""

import json

import pytest

from rag_app.eval.evaluate import contains, exact_match, f1, is_abstention, load_questions, normalize
from tests.conftest import REPO

CORPUS = REPO / "tests" / "data" / "eval_corpus.jsonl"
QUESTIONS = REPO / "tests" / "data" / "eval_questions.jsonl"


def test_squad_metrics():
    assert normalize("The  Eiffel Tower!") == "eiffel tower"
    assert exact_match("the Eiffel tower", ["Eiffel Tower"]) == 1.0
    assert f1("born in Brooklyn New York", ["Brooklyn"]) == pytest.approx(2 * 0.2 * 1 / (0.2 + 1))  # P=1/5, R=1
    assert f1("nothing shared", ["Brooklyn"]) == 0.0
    assert contains("He was born on 17 February 1963.", ["17 February 1963"])
    assert not contains("In 19630 maybe", ["1963"])  # whole words only
    assert is_abstention("I don't know: the ingested documents do not seem to answer that.")
    assert not is_abstention("I know it: 1963.")


def test_limit_spreads_questions_evenly(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(f'{{"question": "q{i}", "answers": []}}\n' for i in range(10)))
    assert [q["question"] for q in load_questions(path, 3)] == ["q0", "q3", "q6"]


def test_eval_with_fakes_counts_hits_by_gold_passage(fake_env, run):
    assert run("ingest", str(CORPUS)).code == 0
    summary = run("eval", str(QUESTIONS), "--k", "4", "--json").json()
    assert (summary["questions"], summary["answerable"], summary["impossible"]) == (5, 4, 1)
    assert summary["hit@4"] == 1.0  # every chunk is retrieved at k=4, and each is a gold passage
    ranks = []  # recomputed from `search` itself: the rank of each question's gold passage
    for record in map(json.loads, QUESTIONS.read_text().splitlines()):
        if not record.get("is_impossible"):
            results = run("search", record["question"], "--k", "4", "--json").json()["results"]
            gold = "#" + record["gold_passage_id"]
            ranks.append(
                next(r["rank"] for r in results if r["source"].endswith(gold) or contains(r["text"], record["answers"]))
            )
    assert summary["hit@1"] == round(ranks.count(1) / len(ranks), 4)
    assert summary["mrr"] == round(sum(1 / r for r in ranks) / len(ranks), 4)
    answered = run("eval", str(QUESTIONS), "--answers", "--json").json()
    # The fake LLM always says the Jordan sentence: right for one question of four.
    assert answered["answer_contains_gold"] == 0.25 and answered["abstention_on_impossible"] == 0.0
    assert answered["latency_p50_ms"] > 0 and answered["latency_p95_ms"] > 0
    text = run("eval", str(QUESTIONS)).out
    assert "hit@1" in text and "mrr" in text


def test_eval_bad_input(fake_env, run, workdir):
    run("ingest", str(CORPUS))
    bad = workdir / "bad.jsonl"
    bad.write_text('{"question": "ok", "answers": []}\nnot json\n')
    result = run("eval", str(bad))
    assert result.code == 2 and "bad.jsonl:2: not valid JSON" in result.err
    assert "cannot read" in run("eval", "missing.jsonl").err
    assert "--limit must be at least 1" in run("eval", str(QUESTIONS), "--limit", "0").err


def test_eval_with_the_real_model_and_extractive_answers(workdir, run):
    assert run("ingest", str(CORPUS)).code == 0
    summary = run("eval", str(QUESTIONS), "--answers", "--k", "2", "--json").json()
    assert summary["hit@1"] == 1.0
    assert summary["answer_contains_gold"] == 1.0
    assert summary["abstention_on_impossible"] == 1.0 and summary["abstained_on_answerable"] == 0.0


class _Searcher:
    """A stand-in service whose search returns fixed sources (the metric's logic only)."""

    class settings:  # noqa: N801 - mimics RagService.settings
        top_k = 2

    def search(self, query, k):
        class Found:
            def to_dict(self):
                return {"results": [{"rank": 1, "source": "other.txt", "text": "Released in 1963."}]}

        return Found()


def test_gold_source_counts_only_the_gold_file_not_a_chunk_that_contains_the_answer():
    from rag_app.eval.evaluate import evaluate

    questions = [{"question": "When?", "answers": ["1963"], "gold_passage_id": "licenses/GPL-3"}]
    summary = evaluate(_Searcher(), questions)
    assert summary["hit@2"] == 1.0 and summary["gold_source@2"] == 0.0
    assert "gold_source@2" not in evaluate(_Searcher(), [{"question": "When?", "answers": ["1963"]}])
