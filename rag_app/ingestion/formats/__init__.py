"""The file formats beyond plain text, HTML, PDF and JSON Lines: one module per family, loaded on demand.

`SUFFIXES` is the one list of the types these loaders read; the folder walk, the upload route and
the web page's file picker all take it from here (through rag_app.ingestion.loaders.SUPPORTED).
Each loader takes `(path, source, depth)` and returns LangChain `Document`s with `source` and,
where the format has them, `section` (or `sections` offsets for the splitter) and `page`; it
raises SkipFile with a one-line reason for a file it cannot or must not read (rag_app.ingestion.formats.limits).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from langchain_core.documents import Document

# suffix -> "module:function" below rag_app.ingestion.formats
_LOADERS = {
    ".docx": "office:load_docx",
    ".docm": "office:load_docx",
    ".pptx": "office:load_pptx",
    ".xlsx": "sheets:load_xlsx",
    ".xlsm": "sheets:load_xlsx",
    ".csv": "sheets:load_csv",
    ".tsv": "sheets:load_csv",
    ".xls": "legacy:load_xls",
    ".doc": "legacy:load_doc",
    ".ppt": "legacy:load_ppt",
    ".odt": "opendocument:load_odt",
    ".ods": "opendocument:load_ods",
    ".odp": "opendocument:load_odp",
    ".epub": "ebook:load_epub",
    ".rtf": "rtf:load_rtf",
    ".eml": "mail:load_eml",
    ".mbox": "mail:load_mbox",
    ".msg": "mail:load_msg",
    ".xml": "xml:load_xml",
    ".ipynb": "notebook:load_ipynb",
    ".gz": "compressed:load_gz",
    ".png": "ocr:load_image",
    ".jpg": "ocr:load_image",
    ".jpeg": "ocr:load_image",
    ".tif": "ocr:load_image",
    ".tiff": "ocr:load_image",
    **{suffix: "code:load_code" for suffix in (
        ".py", ".js", ".mjs", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java", ".kt", ".scala", ".c", ".h",
        ".cc", ".cpp", ".hpp", ".cs", ".rb", ".php", ".swift", ".lua", ".pl", ".r", ".sh", ".bash",
    )},
}  # fmt: skip
SUFFIXES = frozenset(_LOADERS)
MAN_SECTIONS = frozenset(f".{n}" for n in range(1, 10))  # `xz.1`: a man page when its text is roff


def handles(path: Path) -> bool:
    """Whether a loader here reads `path` (by its type, or, for `name.1` … `name.9`, by roff content)."""
    suffix = path.suffix.lower()
    return suffix in SUFFIXES or (suffix in MAN_SECTIONS and _is_roff(path))


def load(path: Path, source: str, depth: int = 0) -> list[Document]:
    """The documents in `path` through the loader for its type (`source` is the name users see).

    Args:
        path: the file on disk (for `.gz` members and attachments, a temporary copy named like the original).
        source: the name shown in sources.
        depth: how many containers (`.gz`, e-mail attachments) this file is inside.

    Raises:
        SkipFile: the file cannot be read, breaks a limit, or needs a missing tool (the reason says which).
    """
    from rag_app.ingestion.loaders import SkipFile

    suffix = path.suffix.lower()
    target = _LOADERS.get(suffix) or ("man:load_man" if suffix in MAN_SECTIONS and _is_roff(path) else None)
    if target is None:
        raise SkipFile(f"unsupported file type {suffix or '(none)'}")
    module, function = target.split(":")
    loader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    try:
        return loader(path, source, depth)
    except (SkipFile, FileNotFoundError, PermissionError, MemoryError, RecursionError) as err:
        if isinstance(err, MemoryError):
            raise SkipFile("too large to read in memory") from err
        if isinstance(err, RecursionError):
            raise SkipFile("structure nested too deeply") from err
        raise
    except Exception as err:  # a parser's own error on a broken or hostile file: skip it, go on
        text = str(err).splitlines()[0][:160] if str(err) else ""
        raise SkipFile(f"cannot read {suffix} file: {type(err).__name__}{': ' + text if text else ''}") from err


def _is_roff(path: Path) -> bool:
    """Whether the file starts like a man page source (`.TH`, `.Dd`, a `.\\"` comment, `'\\"`)."""
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return any(line.startswith((b'.\\"', b"'\\\"", b".TH ", b".Dd ", b".so ")) for line in head.splitlines()[:40])
