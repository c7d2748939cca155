"""Uploaded files: checked names, written whole into rag_app's uploads folder, tidied after a failed ingest.

An upload never names a place on the server: each name is reduced to a plain file name inside
`RAG_PERSIST_DIR/uploads`, and only the types a loader reads are accepted.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from rag_app.errors import ConfigError, StoreError
from rag_app.results import IngestReport

UPLOADS = "uploads"
_SAFE_NAME = re.compile(r"[^\w.\- ]+")
# File systems allow 255 bytes a name; the upload's hidden `.NAME.part` while it is written needs 6 more.
MAX_NAME_BYTES = 200


def safe_file_name(name: str) -> str:
    """`name` as a plain file name: its last path part, with unusual characters replaced, shortened
    to MAX_NAME_BYTES in UTF-8 (keeping its extension).

    Raises:
        ConfigError: nothing usable is left.
    """
    base = _SAFE_NAME.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    if not base or base.startswith("."):
        raise ConfigError(f"{name!r} is not a usable file name")
    if len(base.encode()) <= MAX_NAME_BYTES:
        return base
    suffix = Path(base).suffix[:20]
    stem = base[: len(base) - len(suffix)].encode()[: MAX_NAME_BYTES - len(suffix.encode())]
    return stem.decode(errors="ignore").rstrip(" .") + suffix  # cut whole characters only


def checked_names(files: list[tuple[str, bytes | BinaryIO]]) -> dict[str, bytes | BinaryIO]:
    """The uploads by safe file name.

    Raises:
        ConfigError: no files; a name unusable once sanitised; a type no loader reads; two files of one name.
    """
    from rag_app.ingestion.loaders import SUPPORTED  # imports LangChain: not for `sources`, which lists uploads

    if not files:
        raise ConfigError("no files given")
    named: dict[str, bytes | BinaryIO] = {}
    for name, content in files:
        safe = safe_file_name(name)
        suffix = Path(safe).suffix.lower()
        if suffix and suffix not in SUPPORTED:  # no suffix: read if it looks like text, as in a folder
            raise ConfigError(f"unsupported file type for {safe!r}: use one of {', '.join(sorted(SUPPORTED))}")
        if safe in named:
            raise ConfigError(f"two files are named {safe!r}")
        named[safe] = content
    return named


@contextmanager
def saved(folder: Path, named: dict[str, bytes | BinaryIO]) -> Iterator[tuple[list[Path], list[IngestReport]]]:
    """Write the uploads into `folder`; yields their paths and a list to put the ingest report in.

    New files are removed again when the body fails, or when the report lists them as skipped.

    Raises:
        StoreError: a file cannot be written.
    """
    targets = [folder / name for name in named]
    new = [target for target in targets if not target.exists()]
    reports: list[IngestReport] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target, content in zip(targets, named.values()):
            _save(target, content)
        yield targets, reports
    except BaseException:
        for target in new:
            target.unlink(missing_ok=True)
        raise
    skipped = {path for report in reports for path, _ in report.skipped}
    for target in new:
        if str(target) in skipped:
            target.unlink(missing_ok=True)


def _save(target: Path, content: bytes | BinaryIO) -> None:
    """Write `content` to `target` through a hidden temporary file, so no reader sees half a file."""
    part = target.with_name(f".{target.name}.part")
    try:
        with open(part, "wb") as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                shutil.copyfileobj(content, out)
        os.replace(part, target)
    except OSError as err:
        part.unlink(missing_ok=True)
        raise StoreError(f"cannot store the upload {target.name}: {err.strerror or err}") from err


def orphans(folder: Path, recorded: set[str], root: Path | None) -> list[Path]:
    """Uploads saved but never stored (a process killed between the two): files in `folder` whose
    key the catalog does not list. Half-written `.NAME.part` files left by such a process are
    removed (call this under the store's write lock, when no upload is being written).

    Args:
        folder: the uploads folder.
        recorded: the keys of the files the catalog lists (`Catalog.groups()`).
        root: RAG_SOURCE_ROOT, as keys are made.
    """
    from rag_app.ingestion.identity import source_key

    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") and path.name.endswith(".part"):
            path.unlink(missing_ok=True)
        elif path.is_file() and not path.name.startswith(".") and source_key(path, root) not in recorded:
            found.append(path)
    return found
