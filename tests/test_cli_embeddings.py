"""CLI: `embed`, `similarity` (and later `models bench`, `map`) as thin clients, fakes and the bundled model."""

from __future__ import annotations

import pytest

from rag_app import RagService


def test_embed_prints_dimension_and_first_values_and_json_has_the_whole_vector(fake_env, run):
    human = run("embed", "Hello World")
    assert human.code == 0, human.err
    lines = dict(line.split(None, 1) for line in human.out.splitlines())
    assert lines["model"] == "fake:256" and lines["dimension"] == "256"
    vector = RagService().embed(["Hello World"])[0]
    assert lines["values"] == "[" + ", ".join(f"{x:.4f}" for x in vector[:8]) + ", …]"

    data = run("embed", "Hello World", "--json").json()
    assert data["embedding"] == pytest.approx(vector) and data["dimension"] == 256 == len(data["embedding"])


def test_similarity_two_texts_prints_one_number_three_a_matrix(fake_env, run):
    pair = run("similarity", "alpha", "beta")
    assert pair.code == 0, pair.err
    score = RagService().embed(["alpha", "beta"])
    from rag_app.tools.similarity import cosine_matrix

    assert pair.out.splitlines()[0] == f"{cosine_matrix(score)[0][1]:.4f}"
    assert "[1] alpha\n[2] beta\nmodel: fake:256" in pair.out

    three = run("similarity", "alpha", "beta", "gamma")
    rows = three.out.splitlines()
    assert rows[0].split() == ["[1]", "[2]", "[3]"] and rows[1].split()[1] == "1.0000"
    data = run("similarity", "alpha", "beta", "gamma", "--json").json()
    assert data["texts"] == ["alpha", "beta", "gamma"] and len(data["matrix"]) == 3
    assert [row[i] for i, row in enumerate(data["matrix"])] == pytest.approx([1.0, 1.0, 1.0], abs=1e-4)


def test_similarity_analogy(fake_env, run):
    human = run("similarity", "--analogy", "king - man + woman", "queen", "king")
    assert human.code == 0, human.err
    assert human.out.startswith("king - man + woman  (fake:256)\n")
    assert "(a term of the expression)" in human.out
    data = run("similarity", "--analogy", "king - man + woman", "queen", "king", "--json").json()
    assert [r["rank"] for r in data["ranking"]] == [1, 2] and {r["text"] for r in data["ranking"]} == {"queen", "king"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["similarity", "alone"], "error: give at least two texts to compare"),
        (["similarity", "--analogy", "king", "queen"], "error: cannot read the analogy 'king'"),
        (["embed", "   "], "error: the text is empty"),
        (["embed", "x" * 10_001], "error: the text is 10,001 characters long"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(fake_env, run, argv, message):
    result = run(*argv)
    assert result.code == 2 and result.err.startswith(message) and result.err.count("\n") == 1
    assert result.out == ""


def test_similarity_with_the_bundled_model(workdir, run):
    data = run(
        "similarity",
        "Apple, oranges, and grapes are good fruits.",
        "Eating a good balance of meat, vegetables, and fruits everyday is good for you.",
        "How to be a good data engineer?",
        "--json",
    ).json()
    assert data["model"] == "huggingface:sentence-transformers/all-MiniLM-L6-v2"
    assert data["matrix"][0][1] > data["matrix"][0][2] + 0.2
    assert run("embed", "Hello World", "--json").json()["dimension"] == 384
