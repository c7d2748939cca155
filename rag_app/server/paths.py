"""No path on the server in an HTTP answer: the library's messages name files for the CLI's user;
over HTTP, the folders rag_app knows become the variable that sets them, and any other absolute
path is cut to its last part (a file name)."""

from __future__ import annotations

import re
from pathlib import Path

from rag_app.config import Settings

# An absolute path: after the start, white space, a quote, a bracket, `=` or `:` (never part of a
# URL, whose `//` and `host/...` do not qualify; nor does an API route, /v1/...), up to white space, a quote
# or punctuation.
_ABSOLUTE = re.compile(r"(?<![^\s'\"(\[=:`])/(?![/\s]|v1/)[^\s'\"`,;:()\[\]<>{}]*")


def _roots(settings: Settings) -> list[tuple[str, str]]:
    """(folder, what it is called) for the folders a message may name, longest first."""
    named = [(settings.persist_dir, "RAG_PERSIST_DIR"), (Path.home(), "~")]
    if settings.source_root is not None:
        named.append((settings.source_root, "RAG_SOURCE_ROOT"))
    if settings.deeplake_dataset_path and "://" not in settings.deeplake_dataset_path:
        named.append((Path(settings.deeplake_dataset_path).expanduser(), "DEEPLAKE_DATASET_PATH"))
    roots = {str(path.resolve()): name for path, name in named} | {str(path.absolute()): name for path, name in named}
    return sorted(((root, name) for root, name in roots.items() if root != "/"), key=lambda r: -len(r[0]))


def hide_paths(text: str, settings: Settings | None) -> str:
    """`text` with every absolute path on the server replaced (see the module's docstring).

    Args:
        text: a message or value about to be sent to an HTTP client.
        settings: the server's settings, for the folders it knows (None: only cut paths to names).

    Returns:
        The text, naming no server folder.
    """
    for root, name in _roots(settings) if settings is not None else []:
        text = re.sub(re.escape(root) + r"(?=$|[/\s'\"`,;:)\]])", name, text)
    return _ABSOLUTE.sub(_last_part, text)


def _last_part(match: re.Match[str]) -> str:
    path = match.group(0)
    stripped = path.rstrip(".")
    return (Path(stripped).name or "/") + path[len(stripped) :]
