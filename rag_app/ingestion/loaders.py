"""Find files under the paths a user names and turn each into LangChain `Document`s.

Supported: plain text (.txt, .md, .rst, and files without a type such as `README`, `GPL-3`,
`Apache-2.0`), PDF (one document per page), HTML, and JSON Lines (one document per line, `text`
field, other scalar fields kept as metadata); Office, OpenDocument, e-mail, e-books, spreadsheets,
notebooks, code, man pages, images (OCR) and .gz through rag_app.ingestion.formats. Text is cleaned first (rag_app.ingestion.text,
rag_app.ingestion.html): hard-wrapped lines joined, PDF running headers dropped, HTML reduced to
its main content; for HTML and Markdown the heading path of each chunk goes in its `section`
(and the HTML `<title>` in `title`). A file that cannot
be read is reported as skipped with a reason; it never stops the rest of the ingest.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from langchain_core.documents import Document

from rag_app.errors import RagError, first_line
from rag_app.ingestion import formats

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
# Office, OpenDocument, e-mail, e-books, spreadsheets, code, images, .gz: rag_app.ingestion.formats
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".jsonl"} | formats.SUFFIXES


class SkipFile(Exception):
    """This file is not ingested; the message says why."""


class EmptyFile(SkipFile):
    """The file was read and holds no text (an emptied file has changed: its old chunks go)."""


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest: `path` on disk, `source` as shown to users (relative to the root)."""

    path: Path
    source: str


def find_files(
    paths: list[str | os.PathLike[str]],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    roots: Sequence[Path] | None = None,
) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """Supported files under `paths` (recursive, sorted) and the (path, reason) of those skipped.

    Links are followed, each folder read once (a link loop is not entered again). Only regular
    files are read: a FIFO, socket or device named like a text file is skipped, never opened.

    Args:
        paths: files and folders.
        include: glob patterns (`*.pdf`, `docs/**`); when given, only files whose path below
            their folder, or whose name, matches one are read.
        exclude: glob patterns of files to leave out (not reported as skipped).
        roots: resolved folders; when given, a file or folder whose real path (links followed)
            is outside all of them is skipped, never read.

    Raises:
        RagError: a path does not exist (nothing is read before every path checks out).
    """
    tops = [Path(p) for p in paths]
    for top in tops:
        try:
            top.stat()
        except FileNotFoundError as err:
            raise RagError(f"no such file or directory: {top}") from err
        except OSError as err:
            raise RagError(f"cannot read {top}: {err.strerror}") from err
    found: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    for top in tops:
        if top.is_dir():
            candidates = sorted(_walk(top, skipped, roots))
            base = top
        else:
            candidates = [top]
            base = top.parent
        for path in candidates:
            relative = path.relative_to(base).as_posix()
            if not _selected(relative, include, exclude):
                continue
            refused = _refused(path, roots)
            if refused:
                skipped.append((str(path), refused))
            elif (
                path.suffix.lower() in SUPPORTED
                or formats.handles(path)
                or (_no_type(path.suffix) and _looks_like_text(path))
            ):
                found.append(SourceFile(path, relative))
            else:
                skipped.append((str(path), f"unsupported file type {path.suffix or '(none)'}"))
    return found, skipped


def _outside(path: Path, roots: Sequence[Path] | None) -> bool:
    """Whether `path`, links followed, lies outside every one of `roots` (never, without roots)."""
    if not roots:
        return False
    real = path.resolve()
    return not any(real.is_relative_to(root) for root in roots)


def _refused(path: Path, roots: Sequence[Path] | None) -> str | None:
    """Why `path` must not be opened: outside the allowed folders, a broken link, or not a regular file."""
    if _outside(path, roots):
        return "outside the folders ingest may read (through a link)"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken link" if path.is_symlink() else "file disappeared before it was read"
    except OSError as err:
        return f"cannot read: {err.strerror}"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'special file')})"
    return None


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


def _selected(relative: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether a file passes the --include / --exclude globs (matched on its path and its name)."""

    def matches(patterns: Sequence[str]) -> bool:
        name = relative.rsplit("/", 1)[-1]
        return any(fnmatch(relative, p) or fnmatch(name, p) for p in patterns)

    return (not include or matches(include)) and not matches(exclude)


def _no_type(suffix: str) -> bool:
    """No file type in the name: no extension (`README`), or a version number (`Apache-2.0`, `LGPL-2.1`)."""
    return not suffix or suffix[1:].isdigit()


def _looks_like_text(path: Path) -> bool:
    """A file without a type (`GPL-3`, `README`, `Apache-2.0`) is read as text when its start has no NUL byte."""
    try:
        with open(path, "rb") as file:
            head = file.read(8192)
    except OSError:
        return False
    return not head or (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in head)


def _walk(top: Path, skipped: list[tuple[str, str]], roots: Sequence[Path] | None) -> Iterator[Path]:
    """Everything but folders below `top`, hidden names left out, following links to folders:
    each folder is read once (a link loop is not re-entered) and, with `roots`, none whose real
    path lies outside them."""
    seen: set[tuple[int, int]] = set()
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            st = folder.stat()
            with os.scandir(folder) as scan:
                entries = [entry for entry in scan if not entry.name.startswith(".")]
        except OSError as err:
            skipped.append((str(folder), f"cannot read directory: {err.strerror}"))
            continue
        if (st.st_dev, st.st_ino) in seen:
            skipped.append((str(folder), "directory link loop"))
            continue
        seen.add((st.st_dev, st.st_ino))
        for entry in entries:
            path = Path(entry.path)
            try:
                is_folder = entry.is_dir()  # links followed
            except OSError:
                is_folder = False
            if not is_folder:
                yield path
            elif _outside(path, roots):
                skipped.append((str(path), "outside the folders ingest may read (through a link)"))
            else:
                folders.append(path)


def load_file(file: SourceFile, max_mb: int = 50) -> list[Document]:
    """The documents in one file; raises SkipFile with a reason when there is nothing to use."""
    try:
        st = file.path.stat()
    except FileNotFoundError as err:
        raise SkipFile("file disappeared before it was read") from err
    except OSError as err:
        raise SkipFile(f"cannot read: {err.strerror}") from err
    if not stat.S_ISREG(st.st_mode):  # opening a FIFO would wait forever
        raise SkipFile(f"not a regular file ({_KINDS.get(stat.S_IFMT(st.st_mode), 'special file')})")
    size = st.st_size
    if size == 0:
        raise EmptyFile("empty file")
    if size > max_mb * 2**20:
        raise SkipFile(f"{size / 2**20:.1f} MiB is larger than RAG_MAX_FILE_MB={max_mb}")
    suffix = file.path.suffix.lower()
    try:
        if formats.handles(file.path):
            docs = formats.load(file.path, file.source)
        elif suffix == ".pdf":
            docs = _load_pdf(file)
        elif suffix == ".jsonl":
            docs = _load_jsonl(file)
        elif suffix in HTML_SUFFIXES:
            docs = _load_html(file)
        else:
            docs = _load_text(file, markdown=suffix in MARKDOWN_SUFFIXES)
    except FileNotFoundError as err:
        raise SkipFile("file disappeared before it was read") from err
    except PermissionError as err:
        raise SkipFile("permission denied") from err
    except SkipFile:
        raise
    except RecursionError as err:
        raise SkipFile("nested too deeply to read") from err
    except Exception as err:  # a hostile or broken file (a PDF bomb, a parser's bug) is this file's problem only
        raise SkipFile(f"cannot be read: {type(err).__name__}: {first_line(err)[:200]}") from err
    docs = [d for d in docs if d.page_content.strip()]
    if not docs:
        raise EmptyFile("no text found" + (" (scanned PDF without a text layer?)" if suffix == ".pdf" else ""))
    return docs


def _decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise SkipFile("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _section_docs(file: SourceFile, sections: list[tuple[list[str], str]], **metadata: str) -> list[Document]:
    """The file's sections as one document; where each starts, with its heading path (`A › B`),
    goes in `sections` (JSON) for the splitter to label each chunk (rag_app.ingestion.splitter)."""
    texts, marks, offset = [], [], 0
    for path, text in sections:
        marks.append([offset, " › ".join(path)])
        texts.append(text)
        offset += len(text) + 2
    if any(path for _, path in marks):
        metadata["sections"] = json.dumps(marks, ensure_ascii=False)
    return [Document(page_content="\n\n".join(texts), metadata={"source": file.source, **metadata})]


def _load_html(file: SourceFile) -> list[Document]:
    from rag_app.ingestion.html import html_sections

    title, sections = html_sections(_decode(file.path.read_bytes()))
    return _section_docs(file, sections, **({"title": title} if title else {}))


def _load_text(file: SourceFile, markdown: bool) -> list[Document]:
    from rag_app.ingestion.text import markdown_sections, unwrap

    return _section_docs(file, markdown_sections(unwrap(_decode(file.path.read_bytes()), markdown), atx=markdown))


def _load_pdf(file: SourceFile) -> list[Document]:
    # pypdf directly: LangChain's PyPDFLoader lives in langchain-community, a large dependency
    # for one loop; this keeps one document per page with a 1-based `page` as PyPDFLoader's `page_label`.
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from rag_app.ingestion.text import strip_page_furniture, unwrap, wrap_width

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(file.path)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise SkipFile("encrypted PDF (password required)")
            except SkipFile:
                raise
            except Exception as err:
                raise SkipFile("encrypted PDF (cannot decrypt)") from err
        pages = strip_page_furniture([page.extract_text() or "" for page in reader.pages])
        if not all(text.strip() for text in pages):  # scanned pages: read by OCR (formats/ocr.py)
            from rag_app.ingestion.formats.ocr import ocr_pdf_pages

            pages = ocr_pdf_pages(reader, pages)
        width = wrap_width([line for text in pages for line in text.splitlines()])
        return [
            Document(page_content=unwrap(text, width=width), metadata={"source": file.source, "page": number})
            for number, text in enumerate(pages, start=1)
        ]
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as err:
        if isinstance(err, (FileNotFoundError, PermissionError)):
            raise
        raise SkipFile(f"broken PDF: {str(err).splitlines()[0][:120] if str(err) else type(err).__name__}") from err


def _load_jsonl(file: SourceFile) -> list[Document]:
    docs = []
    for number, line in enumerate(_decode(file.path.read_bytes()).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise SkipFile(f"line {number} is not JSON: {err.msg}") from err
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise SkipFile(f"line {number} has no string 'text' field")
        metadata = {k: v for k, v in record.items() if k != "text" and isinstance(v, (str, int, float, bool))}
        metadata["source"] = f"{file.source}#{record.get('id', number)}"
        metadata["line"] = number
        docs.append(Document(page_content=record["text"], metadata=metadata))
    return docs
