"""Request and response bodies of rag_app's own API: the same shapes as the CLI's `--json`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from rag_app import result_models, results
from rag_app.errors import SOME_TEXT
from rag_app.inputs import MAX_K, MAX_QUESTION_CHARS

K = Field(None, ge=1, le=MAX_K, description="chunks to retrieve (default: RAG_TOP_K)")
TEXT = SOME_TEXT  # some text that is not white space


MetadataKey = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]  # a plain name, as Filter.parse takes


class FilterSpec(BaseModel):
    source: list[Annotated[str, Field(pattern=TEXT)]] = Field(
        [], description="globs of files to use ('*.pdf', 'handbook/*'): any may match"
    )
    where: dict[MetadataKey, str | int | float | bool] = Field(
        {},
        description="chunk metadata that must match: {'page': 3}",
        # pydantic states the key pattern as patternProperties, which alone admits any other key
        json_schema_extra={"additionalProperties": False},
    )


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


# Results: the JSON of rag_app's results (`rag_app.result_models`, derived from `rag_app.results`).
Source = result_models.Source
SearchResult = result_models.SearchResult
Answer = result_models.Answer
Stats = result_models.Stats
Deleted = result_models.Deleted
Document = result_models.json_model(results.SourceInfo, name="Document", drop=("path", "characters"))


class Health(BaseModel):
    status: str = "ok"
    version: str


class SkippedFile(BaseModel):
    name: str = Field(description="the uploaded file's name")
    reason: str


# An upload's report names files, never a path on the server: no `extracted` (paths), skipped files by name.
UploadReport = result_models.json_model(
    results.IngestReport, name="UploadReport", drop=("extracted",), skipped=list[SkippedFile]
)


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: int


class Error(BaseModel):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {status: {"model": Error} for status in statuses}
