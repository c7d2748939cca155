"""A chunk's header line: its document's title and its section, embedded and indexed with it.

Standard library only: sources (rag_app.results) and the answerer take the header off, and
they load without the splitter.
"""

from __future__ import annotations

SEP = " › "  # between the parts of a heading path
HEADER_END = "\n\n"  # between a chunk's header line and its text


def header_of(metadata: dict) -> str:
    """The header line of a chunk: its document's title, then its section's heading path, each
    part once (`Super_Bowl_50` reads `Super Bowl 50`). Empty when the document has neither."""
    title = str(metadata.get("title") or "").replace("_", " ").strip()
    parts: list[str] = []
    for part in [title, *str(metadata.get("section") or "").split(SEP)]:
        part = " ".join(part.split())
        if part and part not in parts:
            parts.append(part)
    return SEP.join(parts)


def without_header(text: str, metadata: dict) -> str:
    """The chunk's text as its document has it (the header line taken off)."""
    header = metadata.get("header")
    return text.removeprefix(f"{header}{HEADER_END}") if header else text
