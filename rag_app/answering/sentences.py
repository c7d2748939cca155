"""Cut a chunk's text into the units an extractive answer may quote: sentences, and lines kept whole.

Lines are first grouped into blocks: a paragraph, a list item, a heading or definition term on
its own, and the lines that are not prose and must not be cut or joined (code lines and runs of
preformatted lines, table rows `cell | cell`, `key: value` fields, option items
`-X  Enables X11 forwarding.`). Prose blocks are cut into sentences by pysbd, which knows
abbreviations ("e.g.", "Dr.", "Aug."), initials, version numbers and code
(`python -m pip install x.y`), where a regular expression cut "18 Aug." from "2022". A
definition term (`-p`, `Rules-Requires-Root`, `1.6. "Executable Form"`) and the first unit after
it make one unit, so that the term answers "which option/field…".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

_LIST_ITEM = re.compile(r"^\s*(?:[-*+#•]+|\d+[.)])\s+")
_TITLE_END = (".", ",", ";", ":", "!", "?")
_CODE_MARK = re.compile(r"[`=_()<>{}\[\]/\\|$%#*@~^&]|--|\d")
_DEFINES = re.compile(r"^(?:means|refers to|is|are|shall mean|denotes)\b")
_FRAGMENT_START = re.compile(r"^[a-z,;:)\]]")
_ERROR_LIKE = re.compile(r"^\W*(?:error|fatal|warning|exception|traceback|panic|segmentation fault)\b", re.I)
_OPTION = re.compile(r"^-{1,2}[A-Za-z0-9?][\w-]*(?:[ =]?(?:<[^>\s]+>|\[[^\]\s]+\]|[A-Z_]+\b))?(?:,\s*-{1,2}[\w-]+\S*)*")
_OPTION_ITEM = re.compile(_OPTION.pattern + r"(?:\s{2,}|\t)\S")
_CODE_LINE = re.compile(
    r"^(?:#\s*(?:define|include|if|ifn?def|endif|else|undef|pragma)\b|\$ \S|>>> |[{}]\s*$)|[;{}]\s*$|^\w[\w.]*\s*\(.*\)\s*;?$"
)
_FIELD = re.compile(r"^[A-Za-z][\w.-]*(?: [A-Za-z][\w.-]*){0,2}:\s+\S")
_ROW = re.compile(r"\S \| \S|^\|.*\|$")
_RULE_ROW = re.compile(r"^[|:\-\s+=]+$")
_NAME_WITH_MARK = re.compile(r"[A-Za-z]\w*[-_.:]\w")
_LONG_UNIT = 300
"""Lines of code or preformatted text are quoted together up to this many characters, else one by one."""


class Unit(NamedTuple):
    """A piece of a chunk an answer may quote: `kind` is `sentence`, `title` (context, never an
    answer), `line` (a short line with a number or code in it), `code`, `row`, `field` or
    `option`; `term` is the definition term merged in front, if any."""

    text: str
    kind: str
    term: str = ""


class _Block(NamedTuple):
    text: str
    kind: str  # "prose", "line" (short, unpunctuated), "code", "row", "field", "option"


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _line_kind(line: str) -> str | None:
    """What a stripped line that must be kept whole is (`code`, `row`, `field`), or None for prose."""
    if _ROW.search(line):
        return "row"
    if _CODE_LINE.search(line) and (line[:1] in "#$>{}" or re.search(r"[=(){}\[\]*<>]", line)):
        return "code"
    if len(line) <= 120 and _FIELD.match(line) and not line.endswith(":"):
        return "field"
    return None


def _blocks(text: str) -> list[_Block]:
    """Paragraphs, list items, titles and whole lines, in order (see the module's docstring)."""
    found: list[_Block] = []
    para: list[str] = []
    option = False
    code: list[str] = []

    def end_para() -> None:
        nonlocal option
        if para:
            found.append(_Block(" ".join(para), "option" if option else "prose"))
        para.clear()
        option = False

    def end_code() -> None:
        if len(code) == 1 and not _line_kind(code[0]):
            found.append(_Block(code[0], "line"))  # one short line with a number in it: not code
        elif code:
            joined = "\n".join(code)
            found.extend([_Block(joined, "code")] if len(joined) <= _LONG_UNIT else [_Block(c, "code") for c in code])
        code.clear()

    for raw in text.splitlines():
        line = raw.strip()
        kind = _line_kind(line) if line else None
        short = bool(line) and len(line) <= 60 and not line.endswith(_TITLE_END)
        codeish = kind == "code" or (
            kind is None
            and short
            and bool(_CODE_MARK.search(line))
            and len(line.split()) <= 6
            and not _OPTION.fullmatch(line)
        )
        if not codeish:
            end_code()
        if not line:
            end_para()
            continue
        if "|" in line and _RULE_ROW.match(line):
            continue
        if codeish:
            end_para()
            code.append(line)
        elif kind in ("row", "field"):
            end_para()
            found.append(_Block(line, kind))
        elif _LIST_ITEM.match(line) and not _OPTION_ITEM.match(line):
            end_para()
            para.append(_LIST_ITEM.sub("", line))
        elif _OPTION_ITEM.match(line):
            end_para()
            para.append(line)
            option = True
        else:
            if not para and short and not _OPTION.fullmatch(line):
                found.append(_Block(line, "line"))
                continue
            if short and _OPTION.fullmatch(line):
                end_para()
                found.append(_Block(line, "line"))
                continue
            para.append(line)
            if short:
                end_para()
    end_para()
    end_code()
    return found


def blocks(text: str) -> list[str]:
    """The texts of `text`'s blocks: paragraphs, list items, titles and lines kept whole."""
    return [b.text for b in _blocks(text)]


def is_term(line: str) -> bool:
    """A definition term on its own line: an option (`-p`, `--portability`), a name with a dash,
    dot or underscore in it (`Rules-Requires-Root`, `ffi_call`), or a numbered quoted term."""
    if _OPTION.fullmatch(line) or re.match(r'^[\d.]+\s+["“].+["”]$', line):
        return True
    return len(line.split()) <= 3 and bool(_NAME_WITH_MARK.match(line))


def units(text: str) -> list[Unit]:
    """`text` cut into the units an answer may quote, whitespace folded inside prose.

    A definition term on its own line and the unit after it make one unit (`-p, --portability:
    Use the POSIX format.`; `1.6. "Executable Form" means any form…`)."""
    segment = _segmenter().segment
    out: list[Unit] = []
    terms: list[str] = []
    for block in _blocks(text):
        if block.kind == "line":
            if is_term(block.text):
                terms.append(block.text)
            elif is_title(block.text):
                terms.clear()
                out.append(Unit(block.text, "title"))
            else:
                terms.clear()
                out.append(Unit(block.text, "line"))
            continue
        if block.kind == "prose" or block.kind == "option":
            split = [" ".join(s.split()) for s in segment(block.text)]
            split = [s for s in split if len(s) > 1]
            first = [
                Unit(s, block.kind if i == 0 and block.kind == "option" else "sentence") for i, s in enumerate(split)
            ]
        else:
            first = [Unit(block.text, block.kind)]
        if terms and first:
            term = ", ".join(terms)
            glue = " " if _DEFINES.match(first[0].text) else ": "
            first[0] = Unit(f"{term}{glue}{first[0].text}", first[0].kind, term)
        terms.clear()
        out += first
    for term in terms:
        out.append(Unit(term, "line"))
    return out


def sentences(text: str) -> list[str]:
    """The texts of `units(text)`: sentences, titles and lines kept whole."""
    return [u.text for u in units(text)]


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
