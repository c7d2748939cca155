"""Start the server: refuse an open address without a key, bind the port, then run the app under uvicorn."""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

from rag_app.errors import ConfigError, RagError
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


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, before anything announces the address.

    Raises:
        RagError: the address is taken or cannot be bound (one line, naming it).
    """
    address = host.strip("[]")
    try:
        family, kind, _, _, bound = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind)
    except OSError as err:
        raise RagError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(bound)
    except OSError as err:
        sock.close()
        raise RagError(f"cannot listen on {host}:{port} ({err.strerror or err}): choose another --port") from err
    return sock


def run_app(app: Any, sock: socket.socket, log_level: str) -> None:
    """Serve the ASGI `app` under uvicorn on the bound `sock` until interrupted.

    Raises:
        RagError: the server did not start (the reason is in uvicorn's log above).
    """
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level))
    server.run(sockets=[sock])
    if not server.started:
        raise RagError("the server did not start (see the log above)")


def serve(service: RagService, host: str, port: int) -> int:
    """Serve until interrupted; returns the exit code.

    Raises:
        ConfigError: a non-loopback `host` without RAG_API_KEY.
        RagError: the address is taken, or the server did not start.
    """
    check_bind(host, bool(service.settings.api_key.get_secret_value()))
    from rag_app.server.app import create_app

    app = create_app(service, host, port)
    with listening_socket(host, port) as sock:
        shown = f"[{host}]" if ":" in host else host
        print(f"rag_app serving http://{shown}:{port}/ (API docs at /docs); Ctrl-C stops", file=sys.stderr, flush=True)
        run_app(app, sock, "info")
    return 0
