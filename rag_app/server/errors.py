"""Every error as JSON `{"error": {"message", "type", "code"}}` (the OpenAI shape), with the right status.

A traceback or a secret never reaches a client: messages are one line, with secrets redacted; an
unexpected failure is logged on the server and answered with a generic 500.
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag_app.errors import BusyError, ConfigError, EmptyStoreError, NotFoundError, ProviderError, RagError, StoreError

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


def error_body(status: int, message: str) -> dict:
    """The JSON body of an error, its message redacted."""
    from rag_app.providers.registry import redact

    return {"error": {"message": redact(message), "type": TYPES.get(status, "server_error"), "code": status}}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def validation_message(err: RequestValidationError) -> tuple[int, str]:
    """(status, one line) for a request that does not fit its schema: 400 for unparsable JSON or an
    empty text (a question, a query, a text to embed), else 422."""
    # The most telling error: not "wrong type" (the other member of a union), the deepest first.
    ranked = sorted(err.errors(), key=lambda e: (str(e.get("type", "")).endswith("_type"), -len(e.get("loc", ()))))
    first = ranked[0] if ranked else {}
    if first.get("type") == "json_invalid":
        return 400, "the request body is not valid JSON"
    # Union members show up in `loc` as `constrained-str`, `list[...]`: names of types, not of fields.
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body" and not re.search(r"[\[\-]", str(p)))
    empty = first.get("type") == "string_pattern_mismatch"
    message = "must contain some text" if empty else first.get("msg", "invalid")
    return 400 if empty else 422, f"{where}: {message}" if where else str(message)


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

    return sorted(
        {
            method
            for route in request.app.router.routes
            if getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE
            for method in route.methods
        }
    )


def install(app: FastAPI) -> None:
    """Register the handlers that render every failure as a JSON error."""
    app.add_middleware(PlainTextErrorsAsJson)

    @app.exception_handler(RagError)
    async def rag_error(request: Request, err: RagError) -> JSONResponse:
        return error_response(status_of(err), str(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        headers = dict(err.headers or {})
        if err.status_code == 405:  # Starlette names only the first route's methods; name every route's at this path
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(err.status_code, str(err.detail), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        return error_response(*validation_message(err))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> JSONResponse:
        from rag_app.errors import first_line
        from rag_app.providers.registry import redact

        log.error("%s %s failed: %s: %s", request.method, request.url.path, type(err).__name__, redact(first_line(err)))
        return error_response(500, "internal error (the server's log has the details)")
