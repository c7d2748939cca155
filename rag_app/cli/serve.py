"""`serve`: the HTTP API (OpenAI-compatible too) and the web page. FastAPI and uvicorn load only here."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve an HTTP API (OpenAI-compatible too) and a web page")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; any other than loopback needs RAG_API_KEY)",
    )
    serve.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    serve.set_defaults(run=_serve)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _serve(args: argparse.Namespace, service: Any) -> int:
    from rag_app.server.run import serve

    return serve(service, args.host, args.port)
