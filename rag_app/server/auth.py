"""Bearer auth: with RAG_API_KEY set, every /v1 route needs `Authorization: Bearer KEY`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from rag_app.service import RagService

bearer = HTTPBearer(auto_error=False, description="The server's RAG_API_KEY (only when it has one).")


def service(request: Request) -> RagService:
    """The app's one RagService."""
    return request.app.state.service


Service = Annotated[RagService, Depends(service)]


def require_key(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """Nothing when the server has no key or the request carries it; else a 401.

    Raises:
        HTTPException: 401 with `WWW-Authenticate: Bearer`.
    """
    expected = service(request).settings.api_key.get_secret_value()
    if not expected:
        return
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        message = "wrong API key" if given else "this server needs an API key: send Authorization: Bearer RAG_API_KEY"
        raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
