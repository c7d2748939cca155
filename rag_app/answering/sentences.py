"""Cut a chunk's text into the sentences an extractive answer may quote.

Lines are first grouped into blocks (a paragraph, a list item, a heading or definition line on
its own), then each block is cut into sentences by pysbd, which knows abbreviations ("e.g.",
"Dr.", "Aug."), initials, version numbers and code (`python -m pip install x.y`), where a
regular expression cut "18 Aug." from "2022".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_LIST_ITEM = re.compile(r"^\s*(?:[-*+#•]+|\d+[.)])\s+")
_TITLE_END = (".", ",", ";", ":", "!", "?")
_CODE_MARK = re.compile(r"[`=_()<>{}\[\]/\\|$]|--|\d")
_DEFINES = re.compile(r"^(?:means|refers to|is|are|shall mean|denotes)\b")
_FRAGMENT_START = re.compile(r"^[a-z,;:)\]]")
_ERROR_LIKE = re.compile(r"^\W*(?:error|fatal|warning|exception|traceback|panic|segmentation fault)\b", re.I)


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def blocks(text: str) -> list[str]:
    """Paragraphs, list items and titles: lines joined unless a blank line, a list item or a
    short unpunctuated line (a title, a heading, a definition term) breaks them."""
    found: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or _LIST_ITEM.match(line):
            found.append([])
        if line:
            found[-1].append(_LIST_ITEM.sub("", line))
            if len(line) <= 60 and not line.endswith(_TITLE_END):
                found.append([])
    return [" ".join(b) for b in found if b]


def sentences(text: str) -> list[str]:
    """`text` cut into sentences (and list items, titles), whitespace folded; a definition term
    on its own line and the definition after it (`means …`, `refers to …`) make one sentence."""
    segment = _segmenter().segment
    cut: list[str] = []
    term = False
    for block in blocks(text):
        if _is_line(block):
            cut.append(block)
            term = True
            continue
        split = [" ".join(s.split()) for s in segment(block)]
        if term and split and _DEFINES.match(split[0]):
            split[0] = f"{cut.pop()} {split[0]}"  # `1.6. "Executable Form"` + `means any form…`
        cut += split
        term = False
    return [s for s in cut if len(s) > 1]


def _is_line(block: str) -> bool:
    """A heading or definition term (`1.6. "Executable Form"`): one sentence, never cut."""
    return len(block) <= 60 and not block.endswith(_TITLE_END)


def is_title(sentence: str) -> bool:
    """A heading or page title rather than a statement: short, no closing punctuation, and
    no number, code or symbol that could be an answer in itself."""
    return _is_line(sentence) and len(sentence.split()) <= 8 and not _CODE_MARK.search(sentence)


def is_fragment(sentence: str) -> bool:
    """The tail of a sentence cut at a chunk's start (it begins in lower case or with punctuation)."""
    return bool(_FRAGMENT_START.match(sentence))


def quote_if_error_like(answer: str) -> str:
    """Document text that reads like an error message (`error: …`), put in quotes so it cannot
    be taken for one of rag_app's own."""
    return f"“{answer}”" if _ERROR_LIKE.match(answer) else answer
