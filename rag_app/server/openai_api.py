"""OpenAI-compatible routes: a rag_app knowledge base is a chat model, and its embedding model an embedding server.

`/v1/chat/completions` retrieves on the last user message and answers with the configured
answerer; the sources follow the answer in the message and come back in an extra `sources`
field. `/v1/embeddings` embeds with the configured embedding model; `/v1/models` lists both.
"""

from __future__ import annotations

import base64
import struct
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from starlette.exceptions import HTTPException

from rag_app.config import Settings
from rag_app.errors import ConfigError, RagError
from rag_app.results import Answer
from rag_app.server import openai_schemas as api
from rag_app.server import sse
from rag_app.server.auth import Service, require_key
from rag_app.server.errors import INTERNAL, error_body, log_failure, status_of
from rag_app.server.schemas import errors
from rag_app.service import RagService

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], dependencies=[Depends(require_key)])
STARTED = int(time.time())
SOURCES = "\n\nSources:\n"  # what follows an answer in a reply's message


@router.get("/models", response_model=api.ModelList, responses=errors(401))
def models(svc: Service) -> dict[str, Any]:
    """`rag_app` (chat: answers from the store) and the embedding model."""
    names = [api.MODEL, *_embedding_names(svc)[:1]]
    return {"object": "list", "data": [_model(name) for name in names]}


@router.post(
    "/chat/completions",
    response_model=api.ChatCompletion,
    responses={200: sse.SSE_DOC, **errors(400, 401, 404, 422, 503)},
)
def chat_completions(body: api.ChatRequest, svc: Service) -> Any:
    """Answer the last user message from the store, as model `rag_app` (plain, or streamed as chunks).

    Earlier user and assistant messages are the conversation: with an LLM configured, a follow-up
    question is rewritten from them before it is retrieved.
    """
    if body.model != api.MODEL:
        raise HTTPException(404, f"unknown model {body.model!r}: this server has {api.MODEL!r}")
    question, history = _conversation(body.messages)
    reply = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": api.MODEL}
    if body.stream:
        return sse.response(_chunks(sse.started(svc.stream(question, body.k, history)), reply, svc.settings))
    answer = svc.ask(question, body.k, history)
    message = {"role": "assistant", "content": answer.answer + _sources_text(answer)}
    sources = answer.to_dict()["sources"]
    return {**reply, "object": "chat.completion", "choices": [_choice(message)], "sources": sources}


@router.post("/embeddings", response_model=api.EmbeddingList, responses=errors(400, 401, 404, 413, 422, 503))
def embeddings(body: api.EmbeddingsRequest, svc: Service) -> dict[str, Any]:
    """Vectors from the configured embedding model (`model`: `rag_app` or the model's name).

    At most RAG_MAX_EMBED_INPUTS texts (2048) of RAG_MAX_EMBED_CHARS characters in all per request.
    """
    names = _embedding_names(svc)
    if body.model not in (api.MODEL, *names):
        raise HTTPException(404, f"unknown model {body.model!r}: this server embeds with {names[0]!r}")
    texts = [body.input] if isinstance(body.input, str) else body.input
    _check_size(texts, svc.settings.max_embed_inputs, svc.settings.max_embed_chars)
    vectors = svc.embed(texts)
    data = [
        {"object": "embedding", "index": i, "embedding": _base64(v) if body.encoding_format == "base64" else v}
        for i, v in enumerate(vectors)
    ]
    return {"object": "list", "data": data, "model": names[0], "usage": {"prompt_tokens": 0, "total_tokens": 0}}


def _check_size(texts: list[str], max_inputs: int, max_chars: int) -> None:
    """Raises a 413 naming the limit when `texts` are too many or too long together."""
    if len(texts) > max_inputs:
        raise HTTPException(
            413, f"{len(texts)} inputs in one request; the limit is {max_inputs} (RAG_MAX_EMBED_INPUTS)"
        )
    chars = sum(len(text) for text in texts)
    if chars > max_chars:
        raise HTTPException(
            413, f"{chars} characters of input in one request; the limit is {max_chars} (RAG_MAX_EMBED_CHARS)"
        )


def _conversation(messages: list[api.Message]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message, and the (question, answer) turns before it (the sources we appended cut off).

    Raises:
        ConfigError: no user message has text.
    """
    turns: list[tuple[str, str]] = []
    question: str | None = None
    for message in messages:
        text = _text(message.content)
        if message.role == "user" and text:
            question = text
        elif message.role == "assistant" and text and question is not None:
            turns.append((question, text.split(SOURCES)[0]))
            question = None
    if question is None:
        raise ConfigError("no user message with text to answer")
    return question, turns


def _text(content: str | list[api.TextPart] | None) -> str:
    if isinstance(content, list):
        content = " ".join(part.text for part in content if part.type == "text" and part.text)
    return (content or "").strip()


def _sources_text(answer: Answer) -> str:
    """The numbered sources, as they follow the answer in the message."""
    if not answer.sources:
        return ""
    lines = [
        f"{s.rank}. {s.source}" + (f", page {s.page}" if s.page is not None else "") + f" (score {s.score:.2f})"
        for s in answer.sources
    ]
    return SOURCES + "\n".join(lines)


def _choice(message: dict[str, str]) -> dict[str, Any]:
    return {"index": 0, "message": message, "finish_reason": "stop"}


def _chunk(reply: dict[str, Any], delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return sse.event({**reply, "object": "chat.completion.chunk", "choices": [choice], **extra})


def _chunks(items: Iterator[str | Answer], reply: dict[str, Any], settings: Settings) -> Iterator[str]:
    """`chat.completion.chunk` events: the role, answer pieces, the sources (with the extra field), stop, [DONE]."""
    try:
        yield _chunk(reply, {"role": "assistant", "content": ""})
        for item in items:
            if isinstance(item, str):
                yield _chunk(reply, {"content": item})
            else:
                yield _chunk(reply, {"content": _sources_text(item)}, sources=item.to_dict()["sources"])
        yield _chunk(reply, {}, "stop")
        yield sse.event("[DONE]")
    except RagError as err:
        yield sse.event(error_body(status_of(err), str(err), settings))
    except Exception as err:
        log_failure("streaming a chat completion", err, settings)
        yield sse.event(error_body(500, INTERNAL))


def _embedding_names(svc: RagService) -> list[str]:
    """The embedding model as the store records it (`provider:model`), then the model alone."""
    from rag_app.providers.registry import model_name

    full = model_name(svc.settings)
    return [full, full.partition(":")[2]]


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": STARTED, "owned_by": "rag_app"}


def _base64(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
