"""Start the server: refuse an open address without a key, then run the app under uvicorn."""

from __future__ import annotations

import ipaddress
import sys

from rag_app.errors import ConfigError
from rag_app.service import RagService


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only: `localhost`, 127.0.0.0/8 or ::1."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_bind(host: str, has_key: bool) -> None:
    """Raises ConfigError when `host` is reachable from other machines and no RAG_API_KEY is set."""
    if not has_key and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host} without RAG_API_KEY: anyone who reaches it could read and change "
            "the store; set RAG_API_KEY, or listen on 127.0.0.1"
        )


def serve(service: RagService, host: str, port: int) -> int:
    """Serve until interrupted; returns the exit code.

    Raises:
        ConfigError: a non-loopback `host` without RAG_API_KEY.
    """
    check_bind(host, bool(service.settings.api_key.get_secret_value()))
    import uvicorn

    from rag_app.server.app import create_app

    shown = f"[{host}]" if ":" in host else host
    print(f"rag_app serving http://{shown}:{port}/ (API docs at /docs); Ctrl-C stops", file=sys.stderr, flush=True)
    uvicorn.run(create_app(service, host, port), host=host, port=port, log_level="info")
    return 0
