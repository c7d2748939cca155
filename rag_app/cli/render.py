"""Printing for people: answers with numbered sources, tables, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

BOLD, PLAIN = "\033[1m", "\033[0m"


def print_json(data: Any, out: TextIO | None = None) -> None:
    print(json.dumps(data, ensure_ascii=False), file=out or sys.stdout, flush=True)


def print_table(rows: dict[str, Any], out: TextIO | None = None, width: int = 16) -> None:
    """`key   value` lines; None shows as a dash."""
    for key, value in rows.items():
        print(f"{key:<{width}}{'—' if value is None else value}", file=out or sys.stdout)


def where(entry: dict[str, Any]) -> str:
    """`file.pdf, page 2` or `page.html › Chapter 2 › 2.1 The Basics`."""
    page = f", page {entry['page']}" if entry.get("page") is not None else ""
    return entry["source"] + page + (f" › {entry['section']}" if entry.get("section") else "")


def print_sources(entries: list[dict[str, Any]], out: TextIO, with_text: bool, max_chars: int | None = 300) -> None:
    """Numbered `source, page (score)` lines, each with its text (up to `max_chars`) when asked."""
    for entry in entries:
        print(f"  {entry['rank']}. {where(entry)} (score {entry['score']:.2f})", file=out)
        if with_text:
            text = " ".join(entry["text"].split())
            cut = max_chars is not None and len(text) > max_chars
            print(f"     {text[:max_chars] if cut else text}{'…' if cut else ''}", file=out)


def marked(answer: str, span: dict[str, Any] | None, terminal: bool) -> str:
    """`answer` with its `answer_span` in bold on a terminal; unchanged elsewhere."""
    if not terminal or not span or answer[span["start"] : span["end"]] != span["text"]:
        return answer
    return answer[: span["start"]] + BOLD + span["text"] + PLAIN + answer[span["end"] :]


def print_answer(result: dict[str, Any], out: TextIO) -> None:
    """The answer (its span in bold on a terminal), then the numbered sources."""
    print(marked(result["answer"], result.get("answer_span"), out.isatty()), file=out)
    print("\nSources:", file=out)
    print_sources(result["sources"], out, with_text=False)


def print_search(result: dict[str, Any], out: TextIO) -> None:
    print_sources(result["results"], out, with_text=True)


@contextmanager
def progress_bar(total: int, unit: str) -> Iterator[Callable[[int], Any]]:
    """An `advance(n)` callback that draws a bar on a terminal and does nothing elsewhere."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, file=sys.stderr, leave=False) as bar:
        yield bar.update


@contextmanager
def ingest_progress(total_files: int) -> Iterator[Callable[[int, int], Any]]:
    """An `advance(files, chunks)` callback: a bar by files (with the time left) that also shows
    the chunks stored and their rate, on a terminal; nothing elsewhere."""
    if not sys.stderr.isatty():
        yield lambda files, chunks: None
        return
    import time

    from tqdm import tqdm

    started, stored = time.monotonic(), [0]
    with tqdm(total=total_files, unit="file", file=sys.stderr, leave=False) as bar:

        def advance(files: int, chunks: int) -> None:
            stored[0] += chunks
            rate = stored[0] / max(time.monotonic() - started, 1e-6)
            bar.set_postfix_str(f"{stored[0]} chunks, {rate:.0f} chunks/s", refresh=False)
            bar.update(files)

        yield advance
