"""Token streaming out of a RetrievalQA run: a callback handler that queues each new LLM token."""

from __future__ import annotations

import queue
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler


class TokenQueue(BaseCallbackHandler):
    """Puts every token an LLM streams during a chain run into `pieces`."""

    def __init__(self, pieces: queue.Queue[Any]) -> None:
        self.pieces = pieces

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        if token:
            self.pieces.put(token)
