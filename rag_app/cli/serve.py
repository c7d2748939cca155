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
    serve.add_argument(
        "--watch", action="append", default=[], metavar="PATH", help="keep the store in sync with PATH (repeatable)"
    )
    serve.set_defaults(run=_serve)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _serve(args: argparse.Namespace, service: Any) -> int:
    from rag_app.server.run import serve

    if not args.watch:
        return serve(service, args.host, args.port)
    import sys
    import threading

    from rag_app.cli.watch import render
    from rag_app.ingestion.watch import watch

    stop = threading.Event()

    def watching() -> None:
        try:
            watch(service, args.watch, on_batch=render, stop=stop)
        except Exception as err:  # the server goes on; the reason is shown once
            print(f"watch stopped: {err}", file=sys.stderr)

    thread = threading.Thread(target=watching, name="rag-watch", daemon=True)
    thread.start()
    try:
        return serve(service, args.host, args.port)
    finally:
        stop.set()
        thread.join(timeout=10)
