"""What kind of answer a question asks for (a date, a version, a number, a name, a command,
code, a path, an address) and where a sentence holds one: the answerer prefers such a sentence and marks the span.

A tested rule set rather than a model: the kinds are few, the question words that ask for them
are fixed English phrases, and a named-entity model (spaCy's ~12 MB small one at best) would be
a new download for what a dozen patterns find.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|hundred|thousand|million|billion|dozen"
)
_UNITS = r"(?:days?|weeks?|months?|years?|hours?|minutes?|seconds?|times|bytes?|bits?|[KMG]i?B|metres|meters|miles)"
PATTERNS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
        rf"|{_MONTHS}\.?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|(?:1[0-9]|20)\d{{2}}s?)\b"
    ),
    "version": re.compile(
        r"(?<![\w.])v?\d+(?:\.\d+){1,3}(?:-?[a-z]+\d*)?(?![\w.]*\d)|\bversion\s+\d+(?:\.\d+)*\b", re.I
    ),
    "number": re.compile(
        rf"(?:(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?:\s*[-–]\s*\d[\d,]*)?(?![\w])|\b(?:{_NUMBER_WORDS})\b)"
        rf"(?:\s*(?:%|percent\b|per cent\b)|\s+{_UNITS}\b)?",
        re.I,
    ),
    "name": re.compile(
        r"\b[A-Z][a-z]+(?:[ -](?:(?:van|von|de|der|del|da|le)\s)?[A-Z][a-z]+){1,3}\b|(?<=[a-z,;:] )[A-Z][a-z]+[A-Za-z]*\b"
    ),
    "command": re.compile(
        r"`(?:\$ )?[\w./-]+ [^`\n]+`|(?<![\w$])\$ [^\n`]+|"
        r"\b(?:python3?|pip3?|npm|npx|git|make|meson|ninja|cmake|valgrind|apt(?:-get)?|sudo|node|gcc|cc) "
        r"(?:-[-\w=]+ )*[\w./-]+(?: [\w./=-]+)*"
    ),
    "code": re.compile(
        r"`[^`\s]+`|(?<![\w-])--?[a-zA-Z][\w-]*(?:=\S+)?|\b\w+(?:_\w+)+\b(?:\s*\(\))?|\b\w+(?:\.\w+)*\(\)|"
        r"\b[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+){2,}\b"
    ),
    "path": re.compile(
        r"(?<![\w/.])(?:~|\.{1,2})?/[\w.+@-]+(?:/[\w.+@*-]+)+/?|\b[\w-]+\.(?:ninja|c|h|py|txt|conf|cfg|json|ya?ml|toml|ini|"
        r"html?|md|rst|sh|so|a|gz|xz|bz2|zip|tar|deb|mk|in|log|lock|pc|el|js)\b"
    ),
    "address": re.compile(r"https?://[^\s<>()\"']+[^\s<>()\"'.,;:]|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
}
DEFAULT = re.compile(r"\bdefault(?:s|ed)?\b", re.I)
"""The word that states a default (the answerer prefers, and the span marks, the value it goes with)."""
_NAME_STOP = {"The", "This", "That", "These", "A", "An", "It", "In", "On", "If", "When", "For", "See", "Note"}

_ASKS = [
    ("date", re.compile(r"^\W*when\b|\bwhat (?:year|date|day|month)\b|\bwhich (?:year|date)\b|\bdate of\b", re.I)),
    ("version", re.compile(r"\b(?:which|what|since which|in which) (?:\w+ )?versions?\b|\bversion of\b", re.I)),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|long|old|far|big|large|tall|fast)\b|"
            r"\b(?:which|what)(?: is| are| was| were)?(?: the)?(?: \w+){0,2} "
            r"(?:number|uid|gid|port|percentage|amount|size|id|length|count|limit)s?\b",
            re.I,
        ),
    ),
    ("name", re.compile(r"\bwho(?:m|se)?\b|^\W*(?:what|which)\b.*\b(?:called|named)\b", re.I)),
    ("command", re.compile(r"\b(?:which|what) (?:\w+ )?commands?\b|\bcommand line\b", re.I)),
    (
        "code",
        re.compile(
            r"\b(?:which|what) (?:\w+ )?(?:command|option|flag|function|method|environment variable|"
            r"variable|cflags|macro|setting|argument|parameter|field|key|keyword|directive)s?\b",
            re.I,
        ),
    ),
    (
        "path",
        re.compile(
            r"\bwhere\b.*\b(?:install\w*|stored?|located?|kept|placed|put|live|saved?|written|found)\b|"
            r"\b(?:which|what) (?:\w+ )?(?:file|directory|folder|path|filename|file name)s?\b",
            re.I,
        ),
    ),
    ("address", re.compile(r"\bfrom where\b|\bwhere can\b.*\bdownload|\b(?:url|e-?mail|address|website)\b", re.I)),
]


class Span(NamedTuple):
    """Where in a text the asked-for kind of answer is: `text[start:end]`."""

    start: int
    end: int
    text: str
    kind: str


def asked_kinds(question: str) -> list[str]:
    """The kinds of answer `question` asks for, most specific first ([] for an open question)."""
    kinds = [kind for kind, pattern in _ASKS if pattern.search(question)]
    if "version" in kinds and "date" in kinds:
        kinds.remove("date")
    return kinds


def find_span(text: str, kinds: list[str], question: str = "") -> Span | None:
    """The first span of `text` of one of `kinds` (in that order) that the question does not
    already contain, or None."""
    asked = " ".join(question.lower().split())
    for kind in kinds:
        for match in PATTERNS[kind].finditer(text):
            found = match.group(0).strip()
            if kind == "path":
                found = found.rstrip(".,;:")  # the sentence's full stop is not part of the path
            if kind == "number":
                found = found.rstrip(",")  # "8080, or 8443": the comma is the sentence's
            if kind == "name" and found.split()[0] in _NAME_STOP:
                continue
            if found and found.lower() not in asked:
                return Span(match.start(), match.start() + len(found), found, kind)
    return None


def _spans(text: str, kind: str, question: str) -> list[Span]:
    """Every span of `kind` in `text` that the question does not already contain."""
    found = []
    start = 0
    while (span := find_span(text[start:], [kind], question)) is not None:
        found.append(Span(start + span.start, start + span.end, span.text, kind))
        start += span.end
    return found


def answer_span(question: str, answer: str) -> dict[str, object] | None:
    """The `answer_span` of an answer: `{"start", "end", "text", "kind"}` of the asked-for kind
    in `answer` (offsets into it), or None.

    Args:
        question: the question as answered.
        answer: the answer's text.

    Returns:
        The span as a JSON-ready dict, or None when the question asks for no particular kind
        or the answer holds none.
    """
    span = find_span(answer, asked_kinds(question), question)
    default = DEFAULT.search(answer)
    if span and default and DEFAULT.search(question):
        # "What is the default block size?": the value stated as the default, not the first one
        # ("-1 through -9 … 100,000 through 900,000 bytes (the default)").
        middle = (default.start() + default.end()) / 2
        span = min(_spans(answer, span.kind, question), key=lambda s: abs((s.start + s.end) / 2 - middle))
    return span._asdict() if span else None
