"""rag_app as a Model Context Protocol server, for AI agents: tools over one RagService.

Tools: `search`, `ask`, `list_sources`, and `ingest` when RAG_MCP_INGEST_ROOTS names the folders
an agent may ingest from (it is not offered otherwise). Every result carries its sources (file,
page, score) so the agent can cite them. A failure is a tool error with one line of text; no
traceback crosses the protocol.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import Field, create_model
from typing_extensions import TypedDict  # pydantic needs these under Python 3.12

from rag_app import __version__, result_models, results
from rag_app.errors import EmptyStoreError, RagError
from rag_app.inputs import MAX_K, MAX_QUESTION_CHARS
from rag_app.service import RagService
from rag_app.stores.filters import Filter

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

T = TypeVar("T")

INSTRUCTIONS = (
    "Searches and answers questions from documents the user ingested into rag_app. Use `search` to read "
    "the most relevant passages, `ask` for a short answer drawn from them, `list_sources` to see which files "
    "are available. Cite the `source` (and `page`) of the passages you use."
)
SEARCH = (
    "The passages of the ingested documents most relevant to `query`, best first, each with its source file, "
    "page and similarity score. No answer is composed: read the passages."
)
ASK = (
    "A short answer to `question` drawn only from the ingested documents, with the passages it was drawn from "
    "(source file, page, score). It says it does not know when the passages do not tell."
)
LIST_SOURCES = "The ingested files: the name results cite each by, where it was read from, and its chunk count."
INGEST = (
    "Load, split, embed and store files or folders (searched recursively) so that search and ask can use them. "
    "Only paths under these folders are accepted: {allowed}. Unchanged files are skipped; chunks of files that "
    "changed, or were deleted from an ingested folder, are replaced or removed."
)


# The tools' results: the JSON of rag_app's results (`rag_app.result_models`, derived from `rag_app.results`).
SearchOut = result_models.SearchResult
AnswerOut = result_models.Answer
SourcesOut = create_model("Sources", sources=(list[result_models.SourceInfo], ...))
IngestOut = result_models.json_model(
    results.IngestReport,
    name="IngestOut",
    skipped=list[results.Skipped],
    extracted=list[results.Extracted],
    summary=str,
)

Query = Annotated[str, Field(description="what to look for, in natural language", max_length=MAX_QUESTION_CHARS)]
Question = Annotated[str, Field(description="the question to answer", max_length=MAX_QUESTION_CHARS)]
K = Annotated[
    int | None, Field(description="how many passages to retrieve (default: the server's RAG_TOP_K)", ge=1, le=MAX_K)
]


class FilterIn(TypedDict, total=False):
    source: Annotated[list[str], Field(description="globs of files to use ('*.pdf', 'handbook/*'): any may match")]
    where: Annotated[
        dict[str, str | int | float | bool], Field(description="chunk metadata that must match, e.g. {'page': 3}")
    ]


FilterArg = Annotated[FilterIn | None, Field(description="use only some chunks: by source file glob and metadata")]


def _filter(given: FilterIn | None) -> Filter | None:
    """The service's Filter for a tool's `filter` argument (ConfigError for a bad one)."""
    return Filter.parse(given.get("source", []), given.get("where", {})) or None if given else None


def build_server(service: RagService) -> MCPServer:
    """An MCP server whose tools call `service` (the SDK's MCPServer; run it with `.run()`)."""
    from mcp.types import ToolAnnotations

    server = _server_class()(name="rag_app", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    roots = ingest_roots(service.settings.mcp_ingest_roots)
    run = tool_errors(service, ingest_tool=bool(roots))
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(description=SEARCH, annotations=read_only)
    def search(query: Query, k: K = None, filter: FilterArg = None) -> SearchOut:
        return run(lambda: service.search(query, k, filter=_filter(filter))).to_dict()  # type: ignore[return-value]

    @server.tool(description=ASK, annotations=read_only)
    def ask(question: Question, k: K = None, filter: FilterArg = None) -> AnswerOut:
        return run(lambda: service.ask(question, k, filter=_filter(filter))).to_dict()  # type: ignore[return-value]

    @server.tool(description=LIST_SOURCES, annotations=read_only)
    def list_sources() -> SourcesOut:
        return {"sources": [s.to_dict() for s in run(service.sources)]}

    if roots:

        def ingest(
            paths: Annotated[list[str], Field(description="absolute paths of files or folders", min_length=1)],
            dry_run: Annotated[bool, Field(description="only report what would change")] = False,
        ) -> IngestOut:
            checked = checked_paths(paths, roots)
            report = run(lambda: service.ingest(checked, dry_run, roots=roots))
            return {**report.to_dict(), "summary": report.summary()}

        server.add_tool(
            ingest,
            description=INGEST.format(allowed=", ".join(str(r) for r in roots)),
            annotations=ToolAnnotations(destructive_hint=True, idempotent_hint=True, open_world_hint=False),
        )
    return server


def _server_class() -> type[MCPServer]:
    """The SDK's MCPServer, whose refusal of bad arguments is one line rather than pydantic's dump."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
    from pydantic import ValidationError

    from rag_app.errors import validation_line

    class OneLineErrors(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as err:
                cause = err.__cause__
                if isinstance(err, UnexpectedToolError) or not isinstance(cause, ValidationError):
                    raise
                line = validation_line(cause.errors(include_url=False))
                raise ToolError(f"Error executing tool {name}: {line}") from cause

    return OneLineErrors


def tool_errors(service: RagService, ingest_tool: bool) -> Callable[..., Any]:
    """A `run(call, *args)` that turns rag_app's errors into tool errors of one line (and, with
    RAG_DEBUG, writes their traceback to the server's stderr, the host's log)."""
    from mcp.server.mcpserver.exceptions import ToolError

    from rag_app.providers.registry import redact

    def run(call: Callable[..., T], *args: Any) -> T:
        try:
            return call(*args)
        except RagError as err:
            if service.settings.debug:
                traceback.print_exc(file=sys.stderr)
            text = str(err)
            if isinstance(err, EmptyStoreError):
                text += ": ingest documents first" + (
                    " with the ingest tool" if ingest_tool else " (rag-app ingest PATH)"
                )
            raise ToolError(redact(text, service.settings)) from err

    return run


def ingest_roots(value: str) -> list[Path]:
    """The folders RAG_MCP_INGEST_ROOTS allows (separated by the OS path separator), resolved."""
    return [Path(part).expanduser().resolve() for part in value.split(os.pathsep) if part.strip()]


def checked_paths(paths: Sequence[str], roots: Sequence[Path]) -> list[Path]:
    """`paths` resolved (symbolic links followed), each inside one of `roots`.

    Raises:
        ToolError: a path holds a NUL, is relative or lies outside every root.
    """
    from mcp.server.mcpserver.exceptions import ToolError

    checked = []
    for given in paths:
        if "\x00" in given:
            raise ToolError(f"{given!r} contains a NUL character, which no path can")
        path = Path(given).expanduser()
        if not path.is_absolute():
            raise ToolError(f"{given!r} is not an absolute path")
        resolved = path.resolve()
        if not any(resolved.is_relative_to(root) for root in roots):
            raise ToolError(f"{given} is outside the folders ingest may read: {', '.join(str(r) for r in roots)}")
        checked.append(resolved)
    return checked
