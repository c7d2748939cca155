"""Spreadsheets (.xlsx with openpyxl, .csv and .tsv with the csv module): one section per sheet, each
row as `header: value; …` text so that a row answers a question on its own. The values are the ones
a person sees (openpyxl `data_only`: a formula's last computed value, not the formula); cell comments
follow in a section of their own."""

from __future__ import annotations

import csv
import html
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

from langchain_core.documents import Document

from rag_app.ingestion.formats.common import cell_text, local, section_docs, table_rows
from rag_app.ingestion.formats.limits import MAX_CELLS, MAX_PAGES, check_zip, parse_xml, read_member, skip


class CellCounter:
    """Counts the cells read from one file and stops past MAX_CELLS."""

    def __init__(self) -> None:
        self.cells = 0

    def rows(self, rows: Iterator[list[str]]) -> Iterator[list[str]]:
        """`rows`, passed through while the file's cells stay within the limit.

        Raises:
            SkipFile: more than MAX_CELLS cells.
        """
        for row in rows:
            self.cells += max(len(row), 1)  # an empty row costs too: a sheet may claim a million
            if self.cells > MAX_CELLS:
                raise skip(f"more than {MAX_CELLS} cells")
            yield row


def load_xlsx(path: Path, source: str, depth: int) -> list[Document]:
    """An Excel workbook: sheet -> section, rows as `header: value` text, then the cell comments."""
    check_zip(path)
    import zipfile

    from openpyxl import load_workbook

    with warnings.catch_warnings():  # openpyxl warns about every extension it does not read
        warnings.simplefilter("ignore")
        sections = _sheets(load_workbook(path, read_only=True, data_only=True))
    with zipfile.ZipFile(path) as archive:
        comments, margins = [], []
        for name in archive.namelist():
            if name.startswith(("xl/comments", "xl/threadedComments/", "xl/drawings/drawing")):
                root = parse_xml(read_member(archive, name))
                comments += [
                    " ".join(n.text.split()) for n in root.iter() if local(n.tag) == "t" and n.text and n.text.strip()
                ]
            elif name.startswith("xl/worksheets/sheet"):  # the page header and footer sit at the sheet's end
                found = _HEADER_FOOTER.search(_tail(archive, name))
                texts = _TEXTS.findall(found.group(0)) if found else []
                margins += [_header_text(html.unescape(t.decode("utf-8", "replace"))) for t in texts]
    if comments:  # cell comments and the text of text boxes
        sections.append((["Comments"], "Comments\n\n" + "\n".join(dict.fromkeys(comments))))
    margins = [m for m in dict.fromkeys(margins) if m]
    if margins:
        sections.append((["Headers and footers"], "Headers and footers\n\n" + "\n".join(margins)))
    return section_docs(path, source, sections)


_HEADER_FOOTER = re.compile(rb"<(?:\w+:)?headerFooter\b.*?</(?:\w+:)?headerFooter>", re.S)
_TEXTS = re.compile(rb">([^<]+)<")


def _tail(archive, name: str, size: int = 65536) -> bytes:
    """The last `size` bytes of a member, read in a stream (a sheet may be large)."""
    tail = b""
    with archive.open(name) as member:
        while block := member.read(2**20):
            tail = (tail + block)[-size:]
    return tail


_CODES = re.compile(r'&"[^"]*"|&K[0-9A-Fa-f]{6}|&K\d\d[+-]\d{3}|&\d+|&[LCR]|&[A-Za-z]')


def _header_text(code: str) -> str:
    """A printed page header or footer's text: Excel's codes (`&L`, `&P`, `&"Arial,Bold"`) taken out."""
    return " ".join(_CODES.sub(" ", code.replace("&&", "&")).split())


def _sheets(workbook) -> list[tuple[list[str], str]]:
    """Each sheet's rows as a section named after the sheet."""
    counter = CellCounter()
    sections = []
    try:
        if len(workbook.sheetnames) > MAX_PAGES:
            raise skip(f"{len(workbook.sheetnames)} sheets, more than {MAX_PAGES}")
        for sheet in workbook.worksheets:
            rows = ([cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
            text = table_rows(_trimmed(counter.rows(rows)))
            if text:
                sections.append(([sheet.title], f"{sheet.title}\n\n{text}"))
    finally:
        workbook.close()
    return sections


def _trimmed(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    """Rows without their trailing empty cells (a formatted but empty column runs to the sheet's edge)."""
    for row in rows:
        end = len(row)
        while end and not row[end - 1]:
            end -= 1
        yield row[:end]


def load_csv(path: Path, source: str, depth: int) -> list[Document]:
    """A CSV or TSV file: rows as `header: value` text (the delimiter is sniffed for .csv)."""
    from rag_app.ingestion.loaders import _decode

    text = _decode(path.read_bytes())
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:16384], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    csv.field_size_limit(2**24)
    try:
        rows = table_rows(_trimmed(CellCounter().rows(csv.reader(text.splitlines(), delimiter=delimiter))))
    except csv.Error as err:
        raise skip(f"broken CSV: {err}") from err
    return [Document(page_content=rows, metadata={"source": source})]
