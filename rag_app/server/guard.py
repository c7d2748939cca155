"""Who may call a server from a browser: the `Host` a request is addressed to and the `Origin` of the page sending it.

A keyless server on loopback trusts whoever reaches it, so two things any web page can make a
browser do must fail: post to it from another site (its `Origin` names that site: 403), and DNS
rebinding, where a name the attacker controls resolves to 127.0.0.1 (its `Host` names that
name: 421). The HTTP server (`serve`) and the MCP server over HTTP apply the same `Guard`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rag_app.errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("rag_app.server")

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def host_name(host: str) -> str:
    """`host` as a `Host` header names it: lower case, an IPv6 address in brackets."""
    host = host.strip().lower()
    return f"[{host.strip('[]')}]" if ":" in host else host


def origins_setting(value: str) -> tuple[str, ...]:
    """The origins RAG_ALLOWED_ORIGINS lists (separated by commas), each as `scheme://host[:port]`.

    Raises:
        ConfigError: an entry is not an http(s) origin (a path, a query or no host).
    """
    origins = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        parts = urlsplit(entry.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or "@" in entry:
            raise ConfigError(
                f"RAG_ALLOWED_ORIGINS: {entry!r} is not an origin such as https://rag.example.com or http://host:8080"
            )
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


@dataclass(frozen=True)
class Guard:
    """The `Host` names and page origins a server accepts.

    Attributes:
        names: the host names requests may be addressed to (any port); None accepts any name.
        port: the port the server listens on (None: any), for the origins of its own pages.
        origins: further origins whose pages may call it (RAG_ALLOWED_ORIGINS).
    """

    names: frozenset[str] | None
    port: int | None
    origins: tuple[str, ...] = ()

    @classmethod
    def for_bind(cls, host: str, port: int | None, has_key: bool, allowed_origins: str = "") -> Guard:
        """The guard of a server listening on `host`:`port`.

        On loopback (or without a key, which only loopback allows) a request must be addressed to a
        loopback name, the listening address or an allowed origin's host. On an open address with
        RAG_API_KEY set, any `Host` is accepted (the machine's names are not known, and a page on
        another site cannot send the key); the `Origin` is checked either way.

        Args:
            host: the listening address, as given to `serve --host`.
            port: the listening port, None when unknown.
            has_key: whether RAG_API_KEY is set.
            allowed_origins: RAG_ALLOWED_ORIGINS.

        Raises:
            ConfigError: RAG_ALLOWED_ORIGINS is malformed.
        """
        from rag_app.server.run import is_loopback

        origins = origins_setting(allowed_origins)
        if has_key and not is_loopback(host):
            return cls(None, port, origins)
        names = {*LOOPBACK_NAMES, host_name(host)} | {host_name(urlsplit(o).hostname or "") for o in origins}
        return cls(frozenset(names), port, origins)

    def refusal(self, host: str | None, origin: str | None) -> tuple[int, str] | None:
        """(status, one line) when a request with these `Host` and `Origin` headers must be refused, else None."""
        if self.names is not None:
            name = host_name(urlsplit(f"//{host}").hostname or "") if host else ""
            if name not in self.names:
                known = ", ".join(sorted(self.names))
                return 421, (
                    f"this server answers requests addressed to {known}, not {host or 'nothing'!r}: "
                    "add the name's origin to RAG_ALLOWED_ORIGINS to reach it by that name"
                )
        if origin is None or self._origin_allowed(origin.strip().lower(), (host or "").strip().lower()):
            return None
        return 403, (
            f"a page at {origin} may not call this server (cross-site request refused): "
            "add its origin to RAG_ALLOWED_ORIGINS to allow it"
        )

    def _origin_allowed(self, origin: str, host: str) -> bool:
        """The server's own pages (the origin names the `Host` the request went to, or a name of
        this server at its port) and the allowed origins."""
        if origin in self.origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            return False  # `null` (a sandboxed frame, a file), or not an origin at all
        if parts.netloc == host:
            return True
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return self.names is not None and host_name(parts.hostname or "") in self.names and port == self.port


class GuardMiddleware:
    """Refuses (with the JSON error shape) every HTTP request the guard refuses, before any route sees it."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            from starlette.datastructures import Headers

            from rag_app.server.errors import error_response

            headers = Headers(scope=scope)
            refused = self.guard.refusal(headers.get("host"), headers.get("origin"))
            if refused is not None:
                log.warning("%s %s refused: %s", scope["method"], scope["path"], refused[1])
                return await error_response(*refused)(scope, receive, send)
        await self.app(scope, receive, send)
