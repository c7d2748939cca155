"""Health, stats, search and ask (plain or streamed as Server-Sent Events)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends

from rag_app import __version__
from rag_app.config import Settings
from rag_app.errors import RagError
from rag_app.results import Answer
from rag_app.server import schemas, sse
from rag_app.server.auth import Service, require_key
from rag_app.server.errors import INTERNAL, error_body, log_failure, status_of
from rag_app.server.paths import hide_paths
from rag_app.stores.filters import Filter

public = APIRouter(tags=["rag_app"])
router = APIRouter(prefix="/v1", tags=["rag_app"], dependencies=[Depends(require_key)])


@public.get("/health", response_model=schemas.Health)
def health() -> dict[str, str]:
    """The server is up (no key needed)."""
    return {"status": "ok", "version": __version__}


@router.get("/stats", response_model=schemas.Stats, responses=schemas.errors(401, 503))
def stats(svc: Service) -> dict[str, Any]:
    """What the store holds: location (a folder named by its variable), chunk and source counts, embedding model."""
    data = svc.stats().to_dict()
    data["location"] = hide_paths(data["location"], svc.settings)
    data["warning"] = data["warning"] and hide_paths(data["warning"], svc.settings)
    return data


@router.post("/search", response_model=schemas.SearchResult, responses=schemas.errors(400, 401, 404, 422, 503))
def search(body: schemas.SearchRequest, svc: Service) -> dict[str, Any]:
    """The chunks most similar to `query`, best first (the `search --json` shape)."""
    return svc.search(body.query, body.k, filter=_filter(body.filter)).to_dict()


@router.post(
    "/ask",
    response_model=schemas.Answer,
    responses={200: sse.SSE_DOC, **schemas.errors(400, 401, 404, 422, 503)},
)
def ask(body: schemas.AskRequest, svc: Service) -> Any:
    """The answer with its numbered sources (the `ask --json` shape).

    With `stream: true`: Server-Sent Events `piece` (`{"text": ...}`, the answer as it is
    generated), then `sources` (the list of sources), then `done` (the whole answer); a failure
    after the start is an `error` event.
    """
    chosen = _filter(body.filter)
    if not body.stream:
        return svc.ask(body.question, body.k, body.history, filter=chosen).to_dict()
    events = svc.stream(body.question, body.k, body.history, filter=chosen)
    return sse.response(_answer_events(sse.started(events), svc.settings))


def _filter(given: schemas.FilterSpec | None) -> Filter | None:
    """The service's Filter for a request's `filter` (ConfigError, a 400, for a bad one)."""
    return Filter.parse(given.source, given.where) or None if given else None


def _answer_events(items: Iterator[str | Answer], settings: Settings) -> Iterator[str]:
    try:
        for item in items:
            if isinstance(item, str):
                yield sse.event({"text": item}, "piece")
            else:
                answer = item.to_dict()
                yield sse.event(answer["sources"], "sources")
                yield sse.event(answer, "done")
    except RagError as err:
        yield sse.event(error_body(status_of(err), str(err), settings), "error")
    except Exception as err:
        log_failure("streaming an answer", err, settings)
        yield sse.event(error_body(500, INTERNAL), "error")
