"""Follow-up questions made standalone: the condense step of LangChain's conversational retrieval.

"And when did he retire?" finds nothing on its own. With an LLM configured, the question is first
rewritten from the conversation so far with LangChain's own condense prompt (the one
`ConversationalRetrievalChain` uses); the rewritten question is then retrieved and answered by
the same RetrievalQA chain as any other. The extractive answerer has no model to rewrite with,
so it answers each question alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseLanguageModel
    from langchain_core.runnables import Runnable

Turn = tuple[str, str]
"""One exchange of a conversation: (question, answer)."""

_LABEL = re.compile(r"^\s*(?:standalone question|question)\s*:\s*", re.IGNORECASE)


def condense_chain(llm: BaseLanguageModel) -> Runnable:
    """LangChain's condense-question prompt, then `llm`, then the text of its reply."""
    from langchain_classic.chains.conversational_retrieval.prompts import CONDENSE_QUESTION_PROMPT
    from langchain_core.output_parsers import StrOutputParser

    return CONDENSE_QUESTION_PROMPT | llm | StrOutputParser()


def checked_history(history: Any) -> list[Turn]:
    """`history` as a list of (question, answer) string pairs.

    Raises:
        ConfigError: it is not a sequence of pairs of strings.
    """
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise ConfigError("the history must be a list of (question, answer) pairs")
    turns = []
    for turn in history:
        if not (isinstance(turn, Sequence) and len(turn) == 2 and all(isinstance(t, str) for t in turn)):
            raise ConfigError("the history must be a list of (question, answer) pairs")
        turns.append((turn[0], turn[1]))
    return turns


def format_history(history: Sequence[Turn]) -> str:
    """The turns as the condense prompt expects them: `Human: …` and `Assistant: …` lines."""
    return "\n".join(f"Human: {question}\nAssistant: {answer}" for question, answer in history)


def standalone_question(chain: Runnable, question: str, history: Sequence[Turn]) -> str:
    """`question` rewritten by `chain` (see `condense_chain`) to stand on its own.

    Models often label or quote their reply ("Standalone question: …"); the label and quotes are
    dropped. An empty reply keeps the question as it was.
    """
    reply = str(chain.invoke({"question": question, "chat_history": format_history(history)}))
    lines = [line for line in (_LABEL.sub("", x).strip().strip("\"'“”").strip() for x in reply.splitlines()) if line]
    return lines[0] if lines else question
