"""Token streaming out of a RetrievalQA run: the run goes to a thread whose LLM tokens are queued
by a callback handler and handed to the reader as they come; the reader leaving cancels it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from langchain_core.callbacks import BaseCallbackHandler

T = TypeVar("T")


class Cancelled(Exception):
    """The reader of a stream went away: the run stops at the LLM's next token."""


class TokenQueue(BaseCallbackHandler):
    """Puts every token an LLM streams during a chain run into `pieces`; once `cancelled` is
    set, the next token raises `Cancelled`, which stops the run (and closes the LLM's stream)."""

    raise_error = True  # LangChain swallows a handler's exceptions unless it asks otherwise

    def __init__(self, pieces: queue.Queue[Any], cancelled: threading.Event | None = None) -> None:
        self.pieces = pieces
        self.cancelled = cancelled or threading.Event()

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        if self.cancelled.is_set():
            raise Cancelled("the answer was cancelled")
        if token:
            self.pieces.put(token)


def stream_run(run: Callable[[list[Any]], T]) -> Iterator[str | T]:
    """Call `run(callbacks)` in a thread; yield each LLM token as it comes, then what `run` returned.

    Closing the iterator early, or an exception (such as KeyboardInterrupt) while it waits,
    cancels the run: it stops at the LLM's next token.

    Raises:
        Whatever `run` raised, once the tokens before the failure are yielded.
    """
    pieces: queue.Queue[Any] = queue.Queue()
    done = object()
    cancelled = threading.Event()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = run([TokenQueue(pieces, cancelled)])
        except BaseException as err:  # handed to the reader's thread below
            if not cancelled.is_set():  # else nobody waits for it (and its traceback holds the LLM's stream open)
                outcome["error"] = err
        finally:
            pieces.put(done)

    threading.Thread(target=work, name="rag-app-answer", daemon=True).start()
    try:
        while (piece := pieces.get()) is not done:
            yield piece
    finally:
        cancelled.set()  # a no-op once the run is over
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["result"]
