"""`chat`: a conversation in the terminal, with streamed answers, sources and slash commands.

On a terminal, prompt-toolkit reads each line (editing, and up-arrow history kept in
RAG_PERSIST_DIR/chat_history); from a pipe, plain lines are read. Ctrl-C cancels the answer in
progress (the service stops the LLM) or clears the line being typed; Ctrl-D leaves.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, TextIO

from rag_app.cli.render import marked, print_search, print_sources
from rag_app.errors import ConfigError, EmptyStoreError

EXIT_OK = 0
HISTORY_FILE = "chat_history"
TURNS_KEPT = 6
"""Exchanges a follow-up question is rewritten from (older ones matter little and cost tokens)."""
HELP = """\
Type a question and press Enter; the answer streams, then its sources.
  /k N            retrieve N chunks per question (now {k})
  /search QUERY   the chunks most similar to QUERY, no answer
  /sources        the last answer's sources in full
  /new            forget the conversation so far
  /help           this help
  /quit           leave (Ctrl-D too)
Ctrl-C cancels the answer in progress. {followups}"""
FOLLOWUPS_LLM = "Follow-up questions are rewritten from the conversation before they are answered."
FOLLOWUPS_EXTRACTIVE = "The extractive answerer answers each question on its own (no follow-ups)."


def register(commands: Any) -> None:
    chat = commands.add_parser("chat", help="a conversation in the terminal: streamed answers with sources")
    chat.add_argument("--k", type=int, default=None, help="chunks retrieved per question (default: RAG_TOP_K)")
    chat.set_defaults(run=_chat)


def _chat(args: argparse.Namespace, service: Any) -> int:
    k = service.settings.top_k if args.k is None else args.k
    if k < 1:
        raise ConfigError(f"--k must be at least 1, not {k}")
    stats = service.stats()
    if stats.chunks == 0:
        raise EmptyStoreError(f"nothing ingested yet in {stats.location}")
    session = Session(service, k=k, out=sys.stdout)
    print(
        f"Chatting with {stats.chunks} chunks from {stats.sources} sources ({stats.store} at {stats.location}).\n"
        f"{session.followups} /help lists the commands; Ctrl-D leaves.",
        flush=True,
    )
    read = _line_reader(service.settings.persist_dir)
    while True:
        try:
            line = read().strip()
        except KeyboardInterrupt:  # at the prompt: the line is dropped, the session goes on
            continue
        except EOFError:
            print(flush=True)
            return EXIT_OK
        if not line:
            continue
        try:
            if not session.handle(line):
                return EXIT_OK
        except KeyboardInterrupt:
            print("[cancelled]", flush=True)
        except Exception as err:  # one line, and the session goes on
            from rag_app.cli import describe

            print(describe(err), file=sys.stderr, flush=True)


class Session:
    """One conversation: the k in use, the exchanges so far and the last answer."""

    def __init__(self, service: Any, k: int, out: TextIO) -> None:
        self.service = service
        self.k = k
        self.out = out
        self.turns: list[tuple[str, str]] = []
        self.last: Any = None
        self.followups = FOLLOWUPS_EXTRACTIVE if service.settings.llm == "extractive" else FOLLOWUPS_LLM

    def handle(self, line: str) -> bool:
        """Answer a question or run a slash command; False when the session should end."""
        if not line.startswith("/"):
            self.ask(line)
            return True
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name in ("/quit", "/exit"):
            return False
        commands: dict[str, Callable[[str], None]] = {
            "/k": self.set_k,
            "/search": self.search,
            "/sources": self.show_sources,
            "/new": self.forget,
            "/help": self.help,
        }
        if name not in commands:
            self.say(f"unknown command {name}: /help lists the commands")
        else:
            commands[name](rest)
        return True

    def say(self, text: str) -> None:
        """One line (or more) to the screen, at once."""
        print(text, file=self.out, flush=True)

    def ask(self, question: str) -> None:
        """Stream the answer, then its sources; remember the exchange for follow-ups."""
        midline = False  # part of an answer is on the screen: end its line before anything else
        held: str | None = None  # the last piece, written when the next one comes (or marked up, if it is all)
        try:
            with closing(self.service.stream(question, k=self.k, history=self.turns[-TURNS_KEPT:])) as pieces:
                for piece in pieces:
                    if isinstance(piece, str):
                        if held is not None:
                            self.out.write(held)
                            self.out.flush()
                            midline = True
                        held = piece
                    else:
                        if held is not None:
                            whole = not midline and held == piece.answer  # not streamed: the span can be marked
                            self.out.write(marked(held, piece.answer_span, self.out.isatty()) if whole else held)
                        midline = False
                        self.show(question, piece)
        except BaseException:  # Ctrl-C or a failure mid-answer
            if midline:
                self.say("")
            raise

    def show(self, question: str, answer: Any) -> None:
        """The end of a streamed answer: how the question was read, the sources."""
        self.out.write("\n")
        if answer.standalone_question:
            self.say(f"  (answered as: {answer.standalone_question})")
        self.say("\nSources:")
        print_sources([s.to_dict() for s in answer.sources], self.out, with_text=False)
        self.say("")
        self.last = answer
        self.turns.append((question, answer.answer))

    def set_k(self, value: str) -> None:
        """`/k`: show k; `/k N`: set it."""
        if not value:
            self.say(f"k is {self.k}")
        elif not value.isdigit() or int(value) < 1:
            self.say(f"usage: /k N, a whole number of at least 1 (not {value!r})")
        else:
            self.k = int(value)
            self.say(f"k is now {self.k}")

    def search(self, query: str) -> None:
        """`/search QUERY`: the most similar chunks with their text, no answer."""
        if not query:
            self.say("usage: /search QUERY")
            return
        print_search(self.service.search(query, k=self.k).to_dict(), self.out)
        self.say("")

    def show_sources(self, _: str) -> None:
        """`/sources`: the last answer's sources with their whole text."""
        if self.last is None:
            self.say("no answer yet: ask a question first")
            return
        print_sources([s.to_dict() for s in self.last.sources], self.out, with_text=True, max_chars=None)
        self.say("")

    def forget(self, _: str) -> None:
        """`/new`: the next question starts a new conversation."""
        self.turns.clear()
        self.last = None
        self.say("conversation forgotten: the next question starts afresh")

    def help(self, _: str) -> None:
        """`/help`: the commands."""
        self.say(HELP.format(k=self.k, followups=self.followups))


def _line_reader(persist_dir: Path) -> Callable[[], str]:
    """prompt-toolkit's prompt with a history file on a terminal; plain lines from a pipe.

    The reader raises EOFError at the end of input and KeyboardInterrupt on Ctrl-C.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):

        def read_line() -> str:
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line

        return read_line

    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = persist_dir / HISTORY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        history: Any = FileHistory(str(path))
    except OSError as err:
        print(f"warning: questions are not kept: cannot write {path} ({err.strerror})", file=sys.stderr)
        history = InMemoryHistory()
    session: Any = PromptSession(history=history)
    return lambda: session.prompt("> ")
