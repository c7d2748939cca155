"""Request and response bodies of rag_app's own API: the same shapes as the CLI's `--json`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from rag_app.inputs import MAX_K, MAX_QUESTION_CHARS

K = Field(None, ge=1, le=MAX_K, description="chunks to retrieve (default: RAG_TOP_K)")
TEXT = r"\S"  # some text that is not white space


class FilterSpec(BaseModel):
    source: list[str] = Field([], description="globs of files to use ('*.pdf', 'handbook/*'): any may match")
    where: dict[str, str | int | float | bool] = Field({}, description="chunk metadata that must match: {'page': 3}")


FILTER = Field(None, description="use only some chunks: by source file glob and by metadata")


class SearchRequest(BaseModel):
    query: str = Field(max_length=MAX_QUESTION_CHARS, pattern=TEXT, examples=["Michael Jordan birthday"])
    k: int | None = K
    filter: FilterSpec | None = FILTER


class AskRequest(BaseModel):
    question: str = Field(max_length=MAX_QUESTION_CHARS, pattern=TEXT, examples=["When was Michael Jordan born?"])
    k: int | None = K
    filter: FilterSpec | None = FILTER
    history: list[tuple[str, str]] | None = Field(
        None, description="the conversation so far, [question, answer] pairs (follow-ups are rewritten with an LLM)"
    )
    stream: bool = Field(False, strict=True, description="answer as Server-Sent Events: `piece`s, `sources`, `done`")


class Source(BaseModel):
    rank: int
    score: float = Field(description="similarity: higher is more similar")
    source: str
    page: int | None
    text: str
    section: str | None = Field(None, description="the heading path in the file, for HTML and Markdown")


class SearchResult(BaseModel):
    query: str
    results: list[Source]


class AnswerSpan(BaseModel):
    start: int
    end: int
    text: str
    kind: str = Field(description="date, version, number, name, command, code or address")


class Answer(BaseModel):
    question: str
    answer: str
    answer_span: AnswerSpan | None = Field(
        None, description="the part of the answer the question asked for (offsets into `answer`)"
    )
    sources: list[Source]
    standalone_question: str | None = Field(None, description="the follow-up question as rewritten, then answered")


class Stats(BaseModel):
    store: str
    location: str = Field(description="where the store lives: a URL, or a folder named by its variable")
    chunks: int
    sources: int
    embedding_model: str
    dimension: int | None
    catalog_chunks: int = Field(description="chunks the ingest catalog lists")
    warning: str | None = Field(description="how the store disagrees with its catalog, if it does")


class Health(BaseModel):
    status: str = "ok"
    version: str


class Document(BaseModel):
    source: str = Field(description="the name answers show; DELETE /v1/documents/{source} takes it")
    chunks: int


class Skipped(BaseModel):
    name: str
    reason: str


class IngestReport(BaseModel):
    files_read: int
    skipped: list[Skipped]
    added: int
    updated: int
    unchanged: int
    deleted: int
    seconds: float


class Deleted(BaseModel):
    source: str
    chunks: int


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: int


class Error(BaseModel):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {status: {"model": Error} for status in statuses}
