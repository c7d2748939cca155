"""The binary Office formats of Office 97-2003: Word .doc (antiword), PowerPoint .ppt (its records, read
with olefile), Excel .xls (xlrd: sheet -> section, rows as `header: value` text). antiword is a
Debian package (.ci/run installs them); where one is missing the file is skipped with the install hint."""

from __future__ import annotations

import io
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import cell_text, section_docs, table_rows
from rag_app.ingestion.formats.limits import MAX_PAGES, skip
from rag_app.ingestion.formats.sheets import CellCounter
from rag_app.ingestion.formats.tools import run_tool
from rag_app.ingestion.loaders import SkipFile


def load_doc(path: Path, source: str, depth: int) -> list[Document]:
    """A Word 97-2003 document: the body through antiword (tables kept as rows), then the lines only catdoc
    finds (antiword leaves out headers, footers and comments; catdoc drops some body paragraphs: bench/formats.md)."""
    import shutil

    from rag_app.ingestion.text import markdown_sections

    catdoc = ["catdoc", "-w", "-d", "utf-8", str(path)]
    try:
        text = run_tool(["antiword", "-w", "0", "-m", "UTF-8.txt", str(path)], "antiword", "reading .doc files")
    except SkipFile:
        if not shutil.which("antiword") or not shutil.which("catdoc"):
            raise
        text = ""  # a Word 6 file or one antiword calls too small: catdoc reads it
    sections = markdown_sections(text.replace("\f", "\n\n"), atx=False)
    if shutil.which("catdoc"):
        seen = " ".join(text.split())
        more = run_tool(catdoc, "catdoc", "reading .doc files")
        extra = [line.strip() for line in more.splitlines() if line.strip() and " ".join(line.split()) not in seen]
        if extra:
            sections.append(([] if not text else ["Headers, footers and comments"], "\n".join(dict.fromkeys(extra))))
    return section_docs(path, source, sections)


def load_ppt(path: Path, source: str, depth: int) -> list[Document]:
    """A PowerPoint 97-2003 deck: one document per slide (`page`), its title as `section`, then its notes.

    The records of the `PowerPoint Document` stream are read with olefile (catppt misses the text of
    decks saved by PowerPoint 2003 and later, which keeps it in each slide's drawing; bench/formats.md).
    """
    import olefile

    if not olefile.isOleFile(str(path)):
        raise skip("not a PowerPoint 97-2003 file")
    with olefile.OleFileIO(str(path)) as ole:
        if not ole.exists("PowerPoint Document"):
            raise skip("no PowerPoint Document stream" + (" (encrypted?)" if ole.exists("EncryptedSummary") else ""))
        if ole.get_size("PowerPoint Document") > 256 * 2**20:
            raise skip("PowerPoint Document stream larger than 256 MiB")
        stream = ole.openstream("PowerPoint Document").read()
    found: dict[object, list] = {_SLIDE: [], _NOTES: [], (_LIST, 0): [], (_LIST, 2): [], "ids": [], "notes of": []}
    _ppt_records(stream, 0, len(stream), None, found, 0, None)
    # Placeholder text (titles, bullets) is in the SlideListWithText, other text boxes in each slide's drawing;
    # a Notes container names its slide by the slide's id in that list.
    slides = _merged(found[(_LIST, 0)], found[_SLIDE])
    by_slide = dict(zip(found["notes of"], found[_NOTES]))
    notes = [by_slide.get(slide_id, []) for slide_id in found["ids"]]
    if len(slides) > MAX_PAGES:
        raise skip(f"{len(slides)} slides, more than {MAX_PAGES}")
    docs = []
    for number, texts in enumerate(slides, start=1):
        texts = list(dict.fromkeys(t for t in texts if t))
        if number <= len(notes):
            texts += [f"Notes: {t}" for t in dict.fromkeys(notes[number - 1]) if t and t != "*"]
        title = texts[0].splitlines()[0] if texts else ""
        docs.append(
            Document(
                page_content="\n\n".join(texts), metadata={"source": source, "page": number, "section": title[:200]}
            )
        )
    return docs


_SLIDE, _NOTES, _LIST, _PERSIST, _TEXT_CHARS, _TEXT_BYTES = 0x03EE, 0x03F0, 0x0FF0, 0x03F3, 0x0FA0, 0x0FA8


def _merged(first: list[list[str]], second: list[list[str]]) -> list[list[str]]:
    """Two lists of per-slide texts joined slide by slide."""
    return [
        (first[i] if i < len(first) else []) + (second[i] if i < len(second) else [])
        for i in range(max(len(first), len(second)))
    ]


def _ppt_records(
    data: bytes,
    start: int,
    end: int,
    into: list[str] | None,
    found: dict[object, list[list[str]]],
    level: int,
    listing: tuple[int, int] | None,
) -> None:
    """Collect the text atoms of each Slide and Notes container, and of each slide's entry in the
    slides' SlideListWithText (instance 0), from a PowerPoint record tree."""
    import struct

    if level > 32:
        raise skip("PowerPoint records nested too deeply")
    offset = start
    while offset + 8 <= end:
        ver_instance, kind, length = struct.unpack_from("<HHI", data, offset)
        body, offset = offset + 8, offset + 8 + length
        if offset > end:
            break
        if kind in (_SLIDE, _NOTES):
            if kind == _NOTES:  # its first record, a NotesAtom, holds the id of its slide
                atom_kind, atom_length = struct.unpack_from("<2xHI", data, body) if body + 12 <= end else (0, 0)
                found["notes of"].append(
                    struct.unpack_from("<I", data, body + 8)[0] if atom_kind == 0x03F1 and atom_length >= 4 else None
                )
            found[kind].append([])
            _ppt_records(data, body, offset, found[kind][-1], found, level + 1, None)
        elif kind == _LIST:
            if (_LIST, ver_instance >> 4) in found:  # the slides' list (0) and the notes' (2); 1 is the masters'
                _ppt_records(data, body, offset, None, found, level + 1, (_LIST, ver_instance >> 4))
        elif kind == _PERSIST and listing is not None:  # the start of the next slide in the list
            if listing == (_LIST, 0) and length >= 16:
                found["ids"].append(struct.unpack_from("<I", data, body + 12)[0])
            found[listing].append([])
            into = found[listing][-1]
        elif ver_instance & 0xF == 0xF:  # a container
            _ppt_records(data, body, offset, into, found, level + 1, listing)
        elif into is not None and kind in (_TEXT_CHARS, _TEXT_BYTES):
            raw = data[body:offset]
            text = raw.decode("utf-16-le", "replace") if kind == _TEXT_CHARS else raw.decode("latin-1")
            into.append(text.replace("\r", "\n").replace("\x0b", "\n").strip())


def load_xls(path: Path, source: str, depth: int) -> list[Document]:
    """An Excel 97-2003 workbook: sheet -> section, each row as `header: value` text."""
    import xlrd

    try:
        book = xlrd.open_workbook(  # formatting_info: the cells' notes (comments); xlrd logs to stdout otherwise
            str(path), on_demand=True, formatting_info=True, ignore_workbook_corruption=True, logfile=io.StringIO()
        )
    except xlrd.XLRDError as err:
        raise skip(f"cannot read .xls: {err}") from err
    if book.nsheets > MAX_PAGES:
        raise skip(f"{book.nsheets} sheets, more than {MAX_PAGES}")
    counter = CellCounter()
    sections: list[tuple[list[str], str]] = []
    notes: list[str] = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows = ([_value(cell, book.datemode) for cell in sheet.row(r)] for r in range(sheet.nrows))
        text = table_rows(counter.rows(rows))
        if text:
            sections.append(([sheet.name], f"{sheet.name}\n\n{text}"))
        notes += [note.text.strip() for note in sheet.cell_note_map.values() if note.text and note.text.strip()]
        book.unload_sheet(index)
    if notes:
        sections.append((["Comments"], "Comments\n\n" + "\n".join(dict.fromkeys(notes))))
    return section_docs(path, source, sections)


def _value(cell, datemode: int) -> str:
    """A cell as a person sees it: dates as dates, booleans as TRUE/FALSE, errors left out."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    return cell_text(cell.value)
