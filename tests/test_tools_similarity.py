"""Library: RagService.embed and rag_app.tools.similarity (fakes for the logic, the bundled model for meaning)."""

from __future__ import annotations

import math

import pytest

from rag_app import ConfigError, RagService, Settings
from rag_app.tools.similarity import analogy, cosine_matrix, embed, parse_expression, similarity

FRUITS = "Apple, oranges, and grapes are good fruits."
DIET = "Eating a good balance of meat, vegetables, and fruits everyday is good for you."
ENGINEER = "How to be a good data engineer?"


@pytest.fixture
def fake() -> RagService:
    return RagService(Settings.from_env({"RAG_EMBEDDINGS": "fake", "RAG_EMBEDDING_MODEL": "32"}))


@pytest.fixture(scope="module")
def real() -> RagService:
    return RagService(Settings.from_env({}))


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_embed_returns_the_models_vectors_in_order(fake):
    vectors = fake.embed(["one", "two", "one"])
    assert [len(v) for v in vectors] == [32, 32, 32]
    assert vectors[0] == vectors[2] != vectors[1]
    assert fake.embed(["two"])[0] == vectors[1]
    assert fake.embeddings is fake.embeddings  # loaded once

    one = embed(fake, "  one ")
    assert (one.text, one.model, one.dimension, one.vector) == ("one", "fake:32", 32, vectors[0])
    assert set(one.to_dict()) == {"text", "model", "dimension", "embedding"}


@pytest.mark.parametrize(
    "texts, message",
    [([], "one or more texts"), ("just a string", "one or more texts"), (["ok", "  "], "the text is empty")],
)
def test_embed_rejects_bad_input(fake, texts, message):
    with pytest.raises(ConfigError, match=message):
        fake.embed(texts)


def test_cosine_matrix_is_the_cosine_of_every_pair():
    vectors = [[1.0, 0.0], [1.0, 1.0], [-2.0, 0.0], [0.0, 0.0]]
    assert cosine_matrix(vectors) == [
        [1.0, 0.7071, -1.0, 0.0],
        [0.7071, 1.0, -0.7071, 0.0],
        [-1.0, -0.7071, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ]


def test_similarity_matrix_with_fakes(fake):
    texts = ["alpha", "beta", "gamma", "alpha"]
    result = similarity(fake, texts)
    vectors = fake.embed(texts)
    assert result.model == "fake:32" and result.texts == texts
    for i in range(4):
        assert result.matrix[i][i] == pytest.approx(1.0, abs=1e-4)
        for j in range(4):
            assert (
                result.matrix[i][j] == result.matrix[j][i] == pytest.approx(_cosine(vectors[i], vectors[j]), abs=1e-4)
            )
    assert result.matrix[0][3] == pytest.approx(1.0, abs=1e-4)
    assert set(result.to_dict()) == {"model", "texts", "matrix"}
    with pytest.raises(ConfigError, match="at least two texts"):
        similarity(fake, ["alone"])


@pytest.mark.parametrize(
    "expression, positive, negative",
    [
        ("king - man + woman", ["king", "woman"], ["man"]),
        ("  Paris   -  France + Italy ", ["Paris", "Italy"], ["France"]),
        ("a well-known word + x", ["a well-known word", "x"], []),
    ],
)
def test_parse_expression(expression, positive, negative):
    assert parse_expression(expression) == (positive, negative)


@pytest.mark.parametrize("expression", ["king", "- king + man", "king - ", "king -man", "king + + queen"])
def test_parse_expression_rejects(expression):
    with pytest.raises(ConfigError, match="write it like 'king - man \\+ woman'"):
        parse_expression(expression)


def test_analogy_ranks_candidates_by_cosine_to_the_arithmetic(fake):
    candidates = ["queen", "king", "prince", "girl"]
    result = analogy(fake, "king - man + woman", candidates)
    king, man, woman = fake.embed(["king", "man", "woman"])
    target = [k - m + w for k, m, w in zip(king, man, woman)]
    expected = sorted(((_cosine(target, v), c) for c, v in zip(candidates, fake.embed(candidates))), reverse=True)
    assert [r.text for r in result.ranking] == [c for _, c in expected]
    assert [r.score for r in result.ranking] == pytest.approx([s for s, _ in expected], abs=1e-4)
    assert [r.rank for r in result.ranking] == [1, 2, 3, 4]
    assert {r.text for r in result.ranking if r.is_term} == {"king"}
    assert result.to_dict()["negative"] == ["man"] and result.expression == "king - man + woman"
    with pytest.raises(ConfigError, match="candidate texts"):
        analogy(fake, "king - man + woman", [])


def test_fruits_score_higher_against_diet_than_against_engineering(real):
    """The material's example, with the bundled all-MiniLM-L6-v2."""
    matrix = similarity(real, [FRUITS, DIET, ENGINEER]).matrix
    assert matrix[0][1] > matrix[0][2] + 0.2
    assert matrix[0][1] > 0.3 and matrix[0][2] < 0.2
    assert embed(real, "Hello World").dimension == 384


def test_king_minus_man_plus_woman_with_a_sentence_model(real):
    """Queen comes first among the words that are not in the expression; the expression's own
    terms (king, woman) score higher still: what the README says sentence models do."""
    result = analogy(real, "king - man + woman", ["princess", "queen", "prince", "king", "woman", "boy"])
    others = [r.text for r in result.ranking if not r.is_term]
    assert others[0] == "queen"
    assert {r.text for r in result.ranking[:2]} == {"king", "woman"}
