"""A chunk's id: what it says and where it lives on disk, not how the ingest that found it was started.

LangChain's `index()` hashes a chunk's text with all its metadata. The `source` shown to people
is relative to the folder an ingest started from, so `ingest corpus` then `ingest corpus/pdf`
would give the same chunks other ids and embed them again. The id leaves `source` out; the
file's key in `path` (and the page, the offset) still make it unique.

A file's key is its absolute path, or, below `RAG_SOURCE_ROOT`, its path relative to that root
(`handbook/leave.md`): a team whose machines each set RAG_SOURCE_ROOT to their copy of the shared
tree gets the same keys, so the same chunk ids, everywhere, and `delete handbook/leave.md` works
from any machine.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `sources` uses source_key and should not import LangChain
    from langchain_core.documents import Document

DISPLAY_ONLY = ("source",)


def chunk_id(chunk: Document) -> str:
    """sha256 of the chunk's text and its metadata other than the display name."""
    metadata = {k: v for k, v in chunk.metadata.items() if k not in DISPLAY_ONLY}
    digest = hashlib.sha256(chunk.page_content.encode("utf-8"))
    digest.update(b"\0" + json.dumps(metadata, sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()


def source_key(path: Path, root: Path | None) -> str:
    """The key of the file at `path`: relative to `root` (posix) when below it, else absolute."""
    absolute = path.resolve()
    if root is not None:
        try:
            return absolute.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(absolute)


def local_path(key: str, root: Path | None) -> Path:
    """Where the file of `key` is on this machine."""
    return Path(key) if Path(key).is_absolute() or root is None else root.resolve() / key
