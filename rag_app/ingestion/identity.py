"""A chunk's id: what it says and where it lives on disk, not how the ingest that found it was started.

LangChain's `index()` hashes a chunk's text with all its metadata. The `source` shown to people
is relative to the folder an ingest started from, so `ingest corpus` then `ingest corpus/pdf`
would give the same chunks other ids and embed them again. The id leaves `source` out; the
absolute `path` (and the page, the offset) still make it unique.
"""

from __future__ import annotations

import hashlib
import json

from langchain_core.documents import Document

DISPLAY_ONLY = ("source",)


def chunk_id(chunk: Document) -> str:
    """sha256 of the chunk's text and its metadata other than the display name."""
    metadata = {k: v for k, v in chunk.metadata.items() if k not in DISPLAY_ONLY}
    digest = hashlib.sha256(chunk.page_content.encode("utf-8"))
    digest.update(b"\0" + json.dumps(metadata, sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()
