"""Chunk headers: a chunk is embedded and keyword-indexed under its document's title and section,
and shown (and answered from) without them."""

from __future__ import annotations

import json

from langchain_core.documents import Document

from rag_app import RagService, Settings
from rag_app.ingestion.headers import header_of, without_header
from rag_app.ingestion.splitter import make_splitter


def test_the_header_is_the_title_then_the_section_path_each_part_once():
    assert header_of({"title": "Super_Bowl_50"}) == "Super Bowl 50"
    assert header_of({"title": "Guide", "section": "Guide › Install › Linux"}) == "Guide › Install › Linux"
    assert header_of({"section": "Usage"}) == "Usage"
    assert header_of({"source": "notes.txt"}) == ""


def test_chunks_carry_their_header_and_show_their_own_text():
    text = "The game was played on February 7, 2016. " * 40
    chunks = make_splitter(Settings(chunk_size=300, chunk_overlap=0)).split_documents(
        [Document(page_content=text, metadata={"title": "Super_Bowl_50", "source": "a.jsonl#1"})]
    )
    assert len(chunks) > 1
    for chunk in chunks:  # every chunk, not only the first, names its subject
        assert chunk.metadata["header"] == "Super Bowl 50"
        assert chunk.page_content.startswith("Super Bowl 50\n\n")
        own = without_header(chunk.page_content, chunk.metadata)
        assert own == text[chunk.metadata["start_index"] :][: len(own)]  # the document's own text


def test_a_document_with_neither_title_nor_section_is_split_as_it_was():
    text = "Plain notes without any heading. " * 20
    chunks = make_splitter(Settings(chunk_size=200, chunk_overlap=0)).split_documents(
        [Document(page_content=text, metadata={"source": "notes.txt"})]
    )
    assert all("header" not in c.metadata and c.page_content in text for c in chunks)


RECORDS = [  # no text names its landmark: only the header (the record's title) does
    {"id": "eiffel", "title": "Eiffel_Tower", "text": "It is 330 metres tall and stands in Paris."},
    {"id": "colosseum", "title": "Colosseum", "text": "It held up to 50,000 spectators in its day."},
    {"id": "liberty", "title": "Statue_of_Liberty", "text": "It was a gift from France in 1886."},
    {"id": "wall", "title": "Great_Wall", "text": "It runs for thousands of kilometres."},
    {"id": "taj", "title": "Taj_Mahal", "text": "It was built in white marble in the 17th century."},
]


def _landmarks(folder):
    (folder / "landmarks.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    service = RagService()
    service.ingest([folder / "landmarks.jsonl"])
    return service


def test_a_question_naming_the_title_finds_a_chunk_that_never_names_it(fake_env):
    service = _landmarks(fake_env)  # fake embeddings: only the keyword side, through the header, can find it
    for record in RECORDS:
        name = record["title"].replace("_", " ")
        best = service.search(f"Tell me about the {name}", k=1).results[0]
        assert best.source == f"landmarks.jsonl#{record['id']}"
        assert best.text == record["text"]  # shown without the header


def test_the_extractive_answer_is_a_sentence_of_the_chunk_never_its_header(workdir):
    service = _landmarks(workdir)  # the bundled model and the extractive answerer, the defaults
    answer = service.ask("How tall is the Eiffel Tower?", k=1)
    assert answer.answer == "It is 330 metres tall and stands in Paris."
    assert answer.sources[0].text == answer.answer
