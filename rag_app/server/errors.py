"""Every error as JSON `{"error": {"message", "type", "code"}}` (the OpenAI shape), with the right status.

A traceback, a secret or a server path never reaches a client: messages are one line, secrets
redacted, folders named by their variable; an unexpected failure is logged on the server with
its traceback (secrets redacted) and answered with a generic 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag_app.config import Settings
from rag_app.errors import (
    BusyError,
    ConfigError,
    EmptyStoreError,
    NotFoundError,
    ProviderError,
    RagError,
    StoreError,
    is_empty_text,
    most_telling,
    validation_line,
)
from rag_app.server.paths import hide_paths

log = logging.getLogger("rag_app.server")

# First match wins: EmptyStoreError is a StoreError, but the client's next step differs.
STATUSES: tuple[tuple[type[RagError], int], ...] = (
    (ConfigError, 400),
    (EmptyStoreError, 404),
    (NotFoundError, 404),
    (BusyError, 409),
    (ProviderError, 503),
    (StoreError, 503),
)
TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "request_too_large",
    422: "invalid_request_error",
    503: "service_unavailable_error",
}


def status_of(err: RagError) -> int:
    """The HTTP status for one of the service's errors (500 for a failure of no known kind)."""
    return next((status for kind, status in STATUSES if isinstance(err, kind)), 500)


INTERNAL = "internal error (the server's log has the details)"


def error_body(status: int, message: str, settings: Settings | None = None) -> dict:
    """The JSON body of an error: its message one line, secrets redacted, no server path in it.

    Args:
        status: the HTTP status.
        message: what went wrong.
        settings: the server's settings (for its secrets and folders).
    """
    from rag_app.providers.registry import redact

    text = hide_paths(redact(first_line_of(message), settings), settings)
    return {"error": {"message": text, "type": TYPES.get(status, "server_error"), "code": status}}


def first_line_of(message: str) -> str:
    """The first line of `message` ("" stays "")."""
    return (message.strip().splitlines() or [""])[0]


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None, settings: Settings | None = None
) -> JSONResponse:
    """A JSON error response (see `error_body`)."""
    return JSONResponse(error_body(status, message, settings), status_code=status, headers=headers)


def log_failure(what: str, err: BaseException, settings: Settings | None) -> None:
    """Log an unexpected failure with its traceback, secrets redacted (the client is told only that it failed)."""
    import traceback

    from rag_app.providers.registry import redact

    log.error("%s failed:\n%s", what, redact("".join(traceback.format_exception(err)).rstrip(), settings))


def validation_message(err: RequestValidationError) -> tuple[int, str]:
    """(status, one line) for a request that does not fit its schema: 400 for unparsable JSON or an
    empty text (a question, a query, a text to embed), else 422."""
    errors = list(err.errors())
    first = most_telling(errors)
    if first.get("type") == "json_invalid":
        return 400, "the request body is not valid JSON"
    return 400 if is_empty_text(first) else 422, validation_line(errors, skip=("body",))


TOO_LARGE = (
    "the request is too large: JSON bodies up to 4 MiB, uploads up to RAG_MAX_UPLOAD_FILES files of RAG_MAX_FILE_MB"
)


class PlainTextErrorsAsJson:
    """Starlette answers a body over its limit itself, in plain text; this gives that answer the JSON error shape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        replaced = False

        async def send_as_json(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] >= 400:
                replaced = Headers(raw=message["headers"]).get("content-type", "").startswith("text/plain")
                if replaced:
                    status = message["status"]
                    body = json.dumps(error_body(status, TOO_LARGE if status == 413 else "request refused")).encode()
                    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
            if not replaced:
                await send(message)

        await self.app(scope, receive, send_as_json)


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the app answers at the request's path."""
    from starlette.routing import Match

    def routes(candidates: list) -> Iterator:
        for route in candidates:
            included = getattr(route, "effective_candidates", None)  # FastAPI's included routers
            yield from routes(included()) if included else [route]

    return sorted(
        {
            method
            for route in routes(request.app.router.routes)
            if getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE
            for method in route.methods
        }
    )


def install(app: FastAPI) -> None:
    """Register the handlers that render every failure as a JSON error."""
    app.add_middleware(PlainTextErrorsAsJson)

    def settings(request: Request) -> Settings:
        return request.app.state.service.settings

    @app.exception_handler(RagError)
    async def rag_error(request: Request, err: RagError) -> JSONResponse:
        return error_response(status_of(err), str(err), settings=settings(request))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        headers = dict(err.headers or {})
        if err.status_code == 405:  # Starlette names only the first route's methods; name every route's at this path
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(err.status_code, str(err.detail), headers=headers, settings=settings(request))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        return error_response(*validation_message(err), settings=settings(request))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> JSONResponse:
        log_failure(f"{request.method} {request.url.path}", err, settings(request))
        return error_response(500, INTERNAL)
