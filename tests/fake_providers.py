"""A small HTTP server on 127.0.0.1 that speaks the providers' wire protocols.

OpenAI (`/v1/embeddings` with float or base64 vectors, `/v1/chat/completions` plain or streamed),
Ollama (`/api/embed`, `/api/chat` streamed as NDJSON or not) and Cohere (`/v1/embed`, `/v2/embed`).
It records every request (path, headers, JSON body) and can be told to fail: `fail(status, n)`
answers the next n requests with that status, `delay` makes every answer slow. `answers` are
given (one per chat request, in order) before falling back to `answer`; `token_delay` sends a
streamed answer one token at a time with that pause, and `cut` counts the streams whose reader
hung up before the end.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIMENSION = 16


def vector(text: str) -> list[float]:
    """A deterministic unit vector for `text` (same text, same vector)."""
    digest = hashlib.sha256(text.encode()).digest()
    raw = [b - 127.5 for b in digest[:DIMENSION]]
    norm = sum(x * x for x in raw) ** 0.5
    return [x / norm for x in raw]


class FakeProviders:
    """The server: `url`, `requests`, `fail()`, `delay`, `answer`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures: list[int] = []
        self.delay = 0.0
        self.token_delay = 0.0
        self.cut = 0
        self.answer = "Michael Jordan was born on 17 February 1963."
        self.answers: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def fail(self, status: int, times: int = 1) -> None:
        self.failures += [status] * times

    def next_answer(self) -> str:
        return self.answers.pop(0) if self.answers else self.answer

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._reply(200, {"version": "0.0.0-fake"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.failures:
                    status = fake.failures.pop(0)
                    self._reply(
                        status,
                        {
                            "error": {"message": f"fake failure {status}", "type": "fake"},
                            "message": f"fake failure {status}",
                        },
                    )
                    return
                route = {
                    "/v1/embeddings": self._openai_embeddings,
                    "/v1/chat/completions": self._openai_chat,
                    "/api/embed": self._ollama_embed,
                    "/api/chat": self._ollama_chat,
                    "/v1/embed": self._cohere_embed,
                    "/v2/embed": self._cohere_embed,
                }.get(self.path.split("?")[0])
                if route is None:
                    self._reply(404, {"error": f"no route {self.path}"})
                else:
                    route(body)

            def _reply(self, status: int, payload: Any, content_type: str = "application/json") -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _openai_embeddings(self, body: dict) -> None:
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]

                def encode(v: list[float]) -> Any:
                    if body.get("encoding_format") == "base64":
                        return base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode()
                    return v

                self._reply(
                    200,
                    {
                        "object": "list",
                        "model": body["model"],
                        "data": [
                            {"object": "embedding", "index": i, "embedding": encode(vector(t))}
                            for i, t in enumerate(texts)
                        ],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    },
                )

            def _stream(self, parts: list[str], content_type: str) -> None:
                """Send `parts` as a chunked body, pausing `token_delay` before each one."""
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for part in parts:
                        time.sleep(fake.token_delay)
                        data = part.encode()
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    fake.cut += 1
                    self.close_connection = True

            def _openai_chat(self, body: dict) -> None:
                base = {"id": "chatcmpl-fake", "created": 0, "model": body["model"]}
                answer = fake.next_answer()
                if not body.get("stream"):
                    self._reply(
                        200,
                        {
                            **base,
                            "object": "chat.completion",
                            "choices": [
                                {
                                    "index": 0,
                                    "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": answer},
                                }
                            ],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                        },
                    )
                    return
                words = answer.split(" ")
                events = [
                    {
                        **base,
                        "object": "chat.completion.chunk",
                        "choices": [
                            {"index": 0, "delta": {"content": w if i == 0 else " " + w}, "finish_reason": None}
                        ],
                    }
                    for i, w in enumerate(words)
                ]
                events.append(
                    {
                        **base,
                        "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    }
                )
                self._stream([f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"], "text/event-stream")

            def _ollama_embed(self, body: dict) -> None:
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                self._reply(200, {"model": body["model"], "embeddings": [vector(t) for t in texts]})

            def _ollama_chat(self, body: dict) -> None:
                done = {
                    "model": body["model"],
                    "created_at": "2026-01-01T00:00:00Z",
                    "done": True,
                    "done_reason": "stop",
                    "message": {"role": "assistant", "content": ""},
                }
                answer = fake.next_answer()
                if not body.get("stream", True):
                    self._reply(200, {**done, "message": {"role": "assistant", "content": answer}})
                    return
                lines = [
                    {
                        "model": body["model"],
                        "created_at": "2026-01-01T00:00:00Z",
                        "done": False,
                        "message": {"role": "assistant", "content": w + " "},
                    }
                    for w in answer.split(" ")
                ]
                self._stream([json.dumps(x) + "\n" for x in [*lines, done]], "application/x-ndjson")

            def _cohere_embed(self, body: dict) -> None:
                vectors = [vector(t) for t in body.get("texts", [])]
                self._reply(
                    200,
                    {
                        "id": "fake",
                        "texts": body.get("texts", []),
                        "meta": {"billed_units": {"input_tokens": len(vectors)}},
                        "response_type": "embeddings_by_type",
                        "embeddings": {"float": vectors},
                    },
                )

        return Handler
