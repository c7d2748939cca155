"""Gzip-compressed files (`README.gz`, `changelog.Debian.gz`, `xz.1.gz`): decompressed up to a size
limit into a temporary file named like the inner file, then read by the loader for that name."""

from __future__ import annotations

import gzip
import tempfile
import zlib
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.limits import MAX_MEMBER_BYTES, MAX_NESTING, skip


def load_gz(path: Path, source: str, depth: int) -> list[Document]:
    """The documents of the file inside a .gz (its type from its name without `.gz`)."""
    if depth >= MAX_NESTING:
        raise skip(f"containers nested more than {MAX_NESTING} deep")
    inner = path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.stem
    try:
        with gzip.open(path, "rb") as file:
            data = file.read(MAX_MEMBER_BYTES + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise skip(f"broken or truncated .gz: {err}") from err
    if len(data) > MAX_MEMBER_BYTES:
        raise skip(f"decompresses to more than {MAX_MEMBER_BYTES // 2**20} MiB")
    if not data.strip():
        raise skip("empty file inside .gz")
    return load_inner(inner or "file", data, source)


def load_inner(name: str, data: bytes, source: str) -> list[Document]:
    """The documents of a file held in another (a .gz, an e-mail attachment), read by the loader for
    its name, shown under the outer file's `source`.

    Raises:
        SkipFile: no loader reads a file of that name, or it cannot be read.
    """
    from rag_app.ingestion import formats
    from rag_app.ingestion.loaders import SUPPORTED, SourceFile, _looks_like_text, load_file

    with tempfile.TemporaryDirectory(prefix="rag-inner-") as folder:
        target = Path(folder) / name
        target.write_bytes(data)
        suffix = target.suffix.lower()
        # A name with an unknown type (`changelog.Debian`) is read as text when it looks like text.
        if not (suffix in SUPPORTED or formats.handles(target) or _looks_like_text(target)):
            raise skip(f"unsupported file type {suffix or '(none)'} inside")
        return load_file(SourceFile(target, source))
