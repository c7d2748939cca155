"""`mcp`: rag_app's tools for AI agents over the Model Context Protocol (stdio, or streamable HTTP on loopback)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rag_app.errors import ConfigError

EXIT_OK = 0
HOST = "127.0.0.1"


def register(commands: Any) -> None:
    mcp = commands.add_parser(
        "mcp", help="serve search, ask, list_sources (and ingest) to AI agents over MCP (stdio by default)"
    )
    mcp.add_argument("--http", action="store_true", help=f"serve streamable HTTP on {HOST} instead of stdio")
    mcp.add_argument("--port", type=int, default=8765, help="the port for --http (default 8765)")
    mcp.set_defaults(run=_mcp)


def _mcp(args: argparse.Namespace, service: Any) -> int:
    from rag_app.mcp_server import build_server

    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, not {args.port}")
    server = build_server(service)
    if not args.http:
        server.run()  # until the host closes stdin
        return EXIT_OK
    from rag_app.server.guard import Guard
    from rag_app.server.run import listening_socket

    guard = Guard.for_bind(HOST, args.port, has_key=False, allowed_origins=service.settings.allowed_origins)
    with listening_socket(HOST, args.port) as sock:
        print(f"MCP server at http://{HOST}:{args.port}/mcp (Ctrl-C stops it)", file=sys.stderr, flush=True)
        _serve_http(server, guard, sock)
    return EXIT_OK


def _serve_http(server: Any, guard: Any, sock: Any) -> None:
    """Streamable HTTP behind `serve`'s own Host and Origin checks (in place of the SDK's, so both servers
    refuse the same requests with the same messages)."""
    from mcp.server.transport_security import TransportSecuritySettings

    from rag_app.server.guard import GuardMiddleware
    from rag_app.server.run import run_app

    app = server.streamable_http_app(
        host=HOST, transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False)
    )
    run_app(GuardMiddleware(app, guard), sock, "warning")
