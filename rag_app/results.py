"""What RagService returns: typed results whose `to_dict()` is the JSON every surface prints.

The HTTP API's response schemas and the MCP tools' output schemas are derived from these classes
(`rag_app.result_models`): their fields, types and the docstrings under the fields.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from typing_extensions import TypedDict  # pydantic reads these below Python 3.12 too

from rag_app.ingestion.headers import without_header


class AnswerSpan(TypedDict):
    """The part of an answer that is what the question asked for."""

    # The docstrings under the fields describe them in the JSON schemas (a plain dict: no pydantic import here).
    __pydantic_config__ = {"use_attribute_docstrings": True}  # type: ignore[misc]

    start: int
    end: int
    text: str
    kind: str
    """date, version, number, name, command, code or address"""


class Skipped(TypedDict):
    """A file an ingest did not read, and why."""

    path: str
    reason: str


class Extracted(TypedDict):
    """How much text an ingest took from one file."""

    path: str
    source: str
    characters: int
    bytes: int


@dataclass(frozen=True)
class Source:
    """One retrieved chunk: where it comes from and how similar it is (higher is closer)."""

    rank: int
    """1 for the most relevant."""
    score: float
    """Similarity to the query: higher is closer."""
    source: str
    """The file the chunk comes from, by the name answers show."""
    page: int | None
    """The page number in a PDF, else None."""
    text: str
    """The chunk's text."""
    section: str | None = None
    """The heading path in the file (`Chapter 2 › 2.1 The Basics`), for HTML and Markdown."""

    @classmethod
    def from_document(cls, rank: int, doc: Any) -> Source:
        """From a LangChain Document whose metadata carries `source`, `page`, `section` and `score`."""
        page = doc.metadata.get("page")
        return cls(
            rank=rank,
            score=round(float(doc.metadata.get("score", 0.0)), 4),
            source=str(doc.metadata.get("source", "?")),
            page=int(page) if page is not None else None,
            text=without_header(doc.page_content, doc.metadata),
            section=str(doc.metadata["section"]) if doc.metadata.get("section") else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    """The chunks most similar to a query, best first."""

    query: str
    results: list[Source]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "results": [s.to_dict() for s in self.results]}


@dataclass(frozen=True)
class Answer:
    """An answer and the chunks it was drawn from."""

    question: str
    answer: str
    sources: list[Source]
    """The chunks the answer was drawn from."""
    standalone_question: str | None = None
    """The question as rewritten from the conversation and then answered (follow-ups with an LLM only)."""
    answer_span: AnswerSpan | None = None
    """The part of `answer` that is what the question asked for (a date for "When…", a name for
    "Who…"): `{"start", "end", "text", "kind"}`, offsets into `answer`; None when the question
    asks for no such kind or the answer holds none."""

    def to_dict(self) -> dict[str, Any]:
        """The `ask --json` shape; `standalone_question` only when the question was rewritten."""
        data = {
            "question": self.question,
            "answer": self.answer,
            "answer_span": self.answer_span,
            "sources": [s.to_dict() for s in self.sources],
        }
        if self.standalone_question is not None:
            data["standalone_question"] = self.standalone_question
        return data


@dataclass
class IngestReport:
    """What one ingest did (or, with dry_run, would do)."""

    files_read: int = 0
    files_unchanged: int = 0
    """Files not read at all: the same size and modification time as when their chunks were stored."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) of each file not read."""
    added: int = 0
    """New chunks stored."""
    updated: int = 0
    """Chunks stored for files that changed."""
    unchanged: int = 0
    """Chunks already present."""
    deleted: int = 0
    """Chunks removed (their files were changed or deleted)."""
    seconds: float = 0.0
    dry_run: bool = False
    """Only counted what would change; nothing was written."""
    resynced: int = 0
    """Catalog records dropped because the store had lost their chunks (stored again)."""
    notes: list[str] = field(default_factory=list)
    """Things the user should know, such as a store that disagreed with its catalog."""
    extracted: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(source path, name shown in results, characters of text, bytes of file) of each file read."""
    warnings: list[str] = field(default_factory=list)
    """Files whose text looks lost: an HTML or PDF file yielding under a tenth of its size."""

    def summary(self) -> str:
        """One line for people: files read and skipped, chunks added, updated, present, removed."""
        verb = "would be " if self.dry_run else ""
        return (
            f"{_count(self.files_read, 'file')} read, "
            + (f"{self.files_unchanged} unchanged, " if self.files_unchanged else "")
            + f"{len(self.skipped)} skipped, "
            f"{_count(self.added, 'chunk')} {verb}added, {self.updated} {verb}updated, "
            f"{self.unchanged} already present, {self.deleted} {verb}removed, {self.seconds:.1f}s"
            + (" (dry run: nothing written)" if self.dry_run else "")
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [Skipped(path=path, reason=reason) for path, reason in self.skipped]
        data["extracted"] = [Extracted(path=p, source=s, characters=c, bytes=b) for p, s, c, b in self.extracted]
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True)
class SourceInfo:
    """One ingested file: its name as shown in answers, where it was read from, its chunk count."""

    source: str
    """The name results show."""
    path: str
    """Where the file was read from."""
    chunks: int
    characters: int | None = None
    """Characters of text extracted from the file when it was last ingested (None: ingested before this was recorded)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Deleted:
    """What `delete` removed."""

    source: str
    chunks: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Stats:
    """What the store holds and what built it."""

    store: str
    location: str
    chunks: int
    sources: int
    embedding_model: str
    dimension: int | None
    collection: str
    catalog_chunks: int = 0
    """Chunks the ingest catalog lists (equal to `chunks` unless the store changed behind it)."""
    warning: str | None = None
    """How the store disagrees with its catalog, if it does."""

    def to_dict(self) -> dict[str, Any]:
        """The `stats --json` shape (the collection is shown on the terminal only)."""
        data = asdict(self)
        del data["collection"]
        return data


def _count(n: int, noun: str) -> str:
    """`1 file`, `2 files`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def short_names(paths: list[str]) -> dict[str, str]:
    """The shortest trailing part of each path that tells it apart from the others.

    Every trailing part of every path is counted once, so a listing of n paths takes time
    linear in n (it compared each path with all others: 0.5 s at 2,000 sources).
    """
    parts = {p: Path(p).parts for p in paths}
    tails = Counter(split[-depth:] for split in parts.values() for depth in range(1, len(split) + 1))
    names: dict[str, str] = {}
    for path, split in parts.items():
        names[path] = next(
            ("/".join(split[-depth:]) for depth in range(1, len(split) + 1) if tails[split[-depth:]] == 1), path
        )
    return names


def source_names(paths: list[str], recorded: dict[str, str]) -> dict[str, str]:
    """The name each ingested file goes by: the one its chunks carry, as results show it.

    Args:
        paths: the ingested files' keys (paths).
        recorded: the name each file's chunks were stored under, where the catalog has it.

    Returns:
        path -> name: the recorded name where no other listed file shares it, else the shortest
        trailing part of the path that tells it apart (files ingested before names were recorded too).
    """
    fallback = short_names(paths)
    chosen = {path: recorded.get(path) or fallback[path] for path in paths}
    shared = {name for name, n in Counter(chosen.values()).items() if n > 1}
    return {path: fallback[path] if name in shared else name for path, name in chosen.items()}
