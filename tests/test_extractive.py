"""The extractive answerer's choices, with word-count vectors so that similarity is predictable."""

import zlib

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from rag_app.answering.extractive import NO_ANSWER, ExtractiveAnswerChain, misses_negation, sentences
from rag_app.retrieval.similarity import tokenize


class WordCounts(Embeddings):
    """Bag of words hashed into 512 dimensions: cosine similarity is word overlap."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * 512
        for token in tokenize(text):
            vector[zlib.crc32(token.encode()) % 512] += 1.0
        return vector


TEXT = (
    "The game was played in Santa Clara in 2016. The Denver Broncos won Super Bowl 50. "
    "The Carolina Panthers did not score in the fourth quarter. Lady Gaga sang the national anthem."
)


def answer(question: str, text: str = TEXT, **settings: object) -> str:
    chain = ExtractiveAnswerChain(embeddings=WordCounts(), **settings)
    return chain.combine_docs([Document(page_content=text)], question=question)[0]


def test_answers_with_the_sentence_that_matches_the_question():
    assert answer("Who sang the national anthem?") == "Lady Gaga sang the national anthem."


def test_quotes_the_runner_up_when_the_two_are_too_close_to_call():
    text = "Paris is the capital of France. Paris is the largest city of France."
    assert answer("What is Paris in France?", text, second_margin=0.5) == text
    assert answer("What is Paris in France?", text, second_margin=0.0) in sentences(text)


def test_abstains_under_the_minimum_score():
    assert answer("What is the recipe for banana bread?") == NO_ANSWER
    assert answer("Who sang the national anthem?", min_score=5.0) == NO_ANSWER


def test_a_negated_question_needs_a_negated_answer():
    # The best match for "did not win" states who won: it answers another question.
    assert answer("Which team won Super Bowl 50?") == "The Denver Broncos won Super Bowl 50."
    assert answer("Which team did not win Super Bowl 50?") == NO_ANSWER
    assert answer("Which team did not win Super Bowl 50?", negation_check=False).startswith("The Denver Broncos")
    assert answer("Which team did not score in the fourth quarter?").startswith("The Carolina Panthers did not score")


@pytest.mark.parametrize(
    ("question", "context", "missed"),
    [
        ("Who did not attend?", "Everyone attended the meeting.", True),
        ("Who didn't attend?", "Alice attended the meeting.", True),
        ("Who did not attend?", "Bob could not attend the meeting.", False),
        ("Which planets have no moons?", "Mercury and Venus have no moons.", False),
        ("Which planets don't have rings?", "Mercury and Mars lack rings.", False),
        ("Who attended?", "Everyone attended the meeting.", False),
        ("What is nothing made of?", "Nothing is made of nothing.", False),  # "nothing" is not "no"
    ],
)
def test_misses_negation(question, context, missed):
    assert misses_negation(question, context) is missed
