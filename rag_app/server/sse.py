"""Server-Sent Events: one event's text, and a stream whose start-up errors still get a status."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any, TypeVar

from fastapi.responses import StreamingResponse

T = TypeVar("T")


def event(data: Any, name: str | None = None) -> str:
    """One SSE event: an optional `event:` line and the data as one line of JSON (or as is, if a str)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {name}\n" if name else "") + f"data: {text}\n\n"


def started(items: Iterator[T]) -> Iterator[T]:
    """`items`, with its first item already taken: a failure before it (a bad question, an empty
    store) is raised here, while the response can still carry an error status."""
    first = next(items)
    return itertools.chain([first], items)


def response(events: Iterator[str]) -> StreamingResponse:
    """A `text/event-stream` response that proxies do not buffer."""
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


SSE_DOC = {"description": "Server-Sent Events when `stream` is true", "content": {"text/event-stream": {}}}
