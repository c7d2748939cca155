"""`chat` used as a person would: `python -m rag_app chat` in a pseudo-terminal (pexpect), typing
questions, reading the streamed answers and their sources, slash commands, up-arrow history,
Ctrl-C in the middle of an answer, Ctrl-D. With the fake LLM, and with the loopback server that
streams an OpenAI-protocol answer token by token."""

from __future__ import annotations

import io
import os
import re
import sys
import time

import pytest

from rag_app import RagService

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

UP, CTRL_D = "\x1b[A", "\x04"
_CURSOR_RIGHT = re.compile(r"\x1b\[(\d*)C")
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]|[\x08\r]")


def plain(raw: str) -> str:
    """Terminal output as read: escape sequences dropped, cursor moves to the right as spaces."""
    return _ESCAPES.sub("", _CURSOR_RIGHT.sub(lambda m: " " * int(m.group(1) or 1), raw))


class Terminal:
    """`python -m rag_app chat` in a pseudo-terminal, read as plain text."""

    def __init__(self, cwd, *args: str) -> None:
        env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "rag_app", "chat", *args],
            cwd=str(cwd),
            env=env,
            encoding="utf-8",
            dimensions=(50, 250),
        )
        self.raw = ""
        self.read = 0  # how much of plain(self.raw) the test has consumed

    def until(self, text: str, timeout: float = 30) -> str:
        """Everything shown up to and including `text` (which must appear within `timeout`)."""
        deadline = time.monotonic() + timeout
        while (found := plain(self.raw).find(text, self.read)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not shown; the screen ends with {plain(self.raw)[-1500:]!r}")
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                raise AssertionError(f"chat ended before {text!r}: {plain(self.raw)[-1500:]!r}") from None
        shown, self.read = plain(self.raw)[self.read : found + len(text)], found + len(text)
        return shown

    def prompt(self) -> str:
        """What was shown before the next prompt."""
        return self.until("\n> ")[: -len("\n> ")]

    def ask(self, line: str) -> str:
        """Type `line` and Enter; what was shown before the next prompt."""
        self.child.send(line + "\r")
        self.until(line)  # the echo of what was typed
        return self.prompt()

    def ended(self) -> int:
        self.child.expect(pexpect.EOF, timeout=30)
        self.child.close()
        return self.child.exitstatus


def sources(shown: str) -> list[str]:
    """The numbered source lines of an answer."""
    return re.findall(r"^  \d+\. .+$", shown.split("Sources:")[-1], flags=re.MULTILINE)


@pytest.fixture
def store(fake_env, docs, monkeypatch):
    """The sample documents ingested with fake embeddings; the fake LLM scripted per test."""
    RagService().ingest([docs])
    return fake_env


def test_a_conversation_with_the_fake_llm(store, monkeypatch):
    answers = [
        "Michael Jordan was born on 17 February 1963.",  # 1st question: answered alone
        "When did Michael Jordan retire?",  # the follow-up, rewritten ...
        "He retired in 2003.",  # ... then answered
        "The Eiffel Tower is in Paris.",  # after /new: answered alone
        "Where is the Eiffel Tower?",  # the same question again, from the history
        "It stands on the Champ de Mars.",
    ]
    monkeypatch.setenv("RAG_LLM_MODEL", "|".join(answers))
    chat = Terminal(store)
    assert "Chatting with 5 chunks from 4 sources" in chat.prompt()

    shown = chat.ask("When was Michael Jordan born?")
    assert answers[0] in shown and "answered as" not in shown
    assert len(sources(shown)) == 5 and "famous_birthdays.txt (score" in shown

    shown = chat.ask("and when did he retire?")
    assert "He retired in 2003.\n  (answered as: When did Michael Jordan retire?)" in shown

    assert "k is 5" in chat.ask("/k")
    assert "k is now 2" in chat.ask("/k 2")
    assert "usage: /k N" in chat.ask("/k zero")
    assert "unknown command /nope: /help lists the commands" in chat.ask("/nope")
    assert "/search QUERY" in chat.ask("/help") and "(now 2)" in chat.ask("/help")
    assert "conversation forgotten" in chat.ask("/new")
    assert "no answer yet" in chat.ask("/sources")

    shown = chat.ask("/search Great Wall of China")
    assert "landmarks.pdf, page 2" in shown and "Ming dynasty" in shown and "Sources:" not in shown

    shown = chat.ask("Where is the Eiffel Tower?")
    assert answers[3] in shown and "answered as" not in shown and len(sources(shown)) == 2
    full = RagService().search("Where is the Eiffel Tower?", k=2).results
    shown = chat.ask("/sources")
    for hit in full:  # every source with its whole text, not cut at 300 characters
        assert " ".join(hit.text.split()) in " ".join(shown.split())

    chat.child.sendcontrol("c")  # at the prompt: a new prompt, the session goes on
    chat.prompt()
    chat.child.send("half a question")
    chat.until("half a question")
    chat.child.sendcontrol("c")  # the line typed so far is dropped
    assert "Sources:" not in chat.prompt()
    chat.child.send(UP + UP + "\r")  # the question before /sources again, from the history
    shown = chat.prompt()
    assert "It stands on the Champ de Mars.\n  (answered as: Where is the Eiffel Tower?)" in shown

    chat.child.send(CTRL_D)
    assert chat.ended() == 0
    kept = (store / ".rag_app" / "chat_history").read_text()
    assert "+When was Michael Jordan born?" in kept and "+/k 2" in kept and "half a question" not in kept

    again = Terminal(store)  # a new session remembers the questions of the last one
    again.prompt()
    again.child.send(UP)
    again.until("Where is the Eiffel Tower?")
    again.child.send("\r")
    assert answers[0] in again.prompt()  # a new process: the fake LLM starts its list again
    again.child.send("/quit\r")
    assert again.ended() == 0


@pytest.fixture
def server(store, monkeypatch):
    from tests.fake_providers import FakeProviders

    fake = FakeProviders()
    monkeypatch.setenv("RAG_LLM", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake.url}/v1")
    yield fake
    fake.close()


def test_streamed_answers_ctrl_c_cancels_the_answer_not_the_session(store, server):
    chat = Terminal(store)
    chat.prompt()

    server.answer = " ".join(f"word{i}" for i in range(60))
    server.token_delay = 0.1  # six seconds for the whole answer
    chat.child.send("When was Michael Jordan born?\r")
    chat.until("word0 word1 word2")  # the answer streams as it is generated ...
    assert "word59" not in plain(chat.raw)
    chat.child.sendintr()  # ... and Ctrl-C stops it
    shown = chat.prompt()
    assert "[cancelled]" in shown and "Sources:" not in shown
    deadline = time.monotonic() + 10
    while server.cut == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.cut == 1  # the LLM's stream was closed mid-answer, not left to run
    assert "word59" not in plain(chat.raw)

    server.token_delay = 0
    server.answer = "Michael Jordan was born on 17 February 1963."
    shown = chat.ask("When was Michael Jordan born?")  # the session goes on
    assert "Michael Jordan was born on 17 February 1963.\n\nSources:\n  1. " in shown

    server.answers = ["When did Michael Jordan retire?", "In 2003, after three seasons with the Wizards."]
    shown = chat.ask("and when did he retire?")
    assert "In 2003, after three seasons with the Wizards.\n  (answered as: When did Michael Jordan retire?)" in shown

    server.fail(401)  # a failure is one line, and the session goes on
    shown = chat.ask("Where is the Eiffel Tower?")
    assert "error: OpenAI LLM: the server rejected the API key (401)" in shown and "Traceback" not in shown
    assert "Sources:" in chat.ask("Where is the Eiffel Tower?")

    chat.child.send("/quit\r")
    assert chat.ended() == 0


def test_lines_from_a_pipe_are_read_one_question_each(store, run, monkeypatch):
    monkeypatch.setenv("RAG_LLM_MODEL", "Michael Jordan was born on 17 February 1963.")
    monkeypatch.setattr(sys, "stdin", io.StringIO("When was Michael Jordan born?\n\n/k 1\n/search coffee\n"))
    result = run("chat")
    assert result.code == 0 and result.err == ""
    assert "Michael Jordan was born on 17 February 1963.\n\nSources:\n  1. " in result.out
    assert "k is now 1" in result.out and "coffee.html" in result.out
    assert not (store / ".rag_app" / "chat_history").exists()  # no terminal, no line history


def test_chat_on_an_empty_store_says_what_to_do(fake_env, run):
    result = run("chat")
    assert result.code == 1 and "nothing ingested yet" in result.err and "ingest PATH" in result.err


def test_chat_k_must_be_positive(fake_env, run):
    result = run("chat", "--k", "0")
    assert result.code == 2 and "--k must be at least 1, not 0" in result.err


def test_the_extractive_answer_shows_its_span_in_bold(workdir, docs, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    RagService().ingest([docs])
    chat = Terminal(workdir)
    chat.prompt()
    chat.child.send("When was Michael Jordan born?\r")
    chat.until("Sources:")
    assert "\x1b[1m17 February 1963\x1b[0m" in chat.raw
    chat.child.send("/quit\r")
    assert chat.ended() == 0
