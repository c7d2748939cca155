"""Loaders for OpenDocument, EPUB, RTF, e-mail, .gz, XML, notebooks, code, man pages and images."""

from __future__ import annotations

import gzip
import json
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from rag_app.config import Settings
from rag_app.ingestion.loaders import SkipFile, SourceFile, find_files, load_file
from rag_app.ingestion.splitter import make_splitter


def load(path: Path):
    return load_file(SourceFile(path, path.name))


def test_odt_keeps_headings_footnotes_comments_tables_and_footer(tmp_path):
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.style import Footer, MasterPage, PageLayout
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, Note, NoteBody, NoteCitation, P

    document = OpenDocumentText()
    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    footer = Footer()
    footer.addElement(P(text="Footer of the river board"))
    master.addElement(footer)
    document.masterstyles.addElement(master)
    document.text.addElement(H(outlinelevel=1, text="Rivers"))
    paragraph = P(text="The Ouse floods in spring.")
    note = Note(noteclass="footnote", id="n1")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Footnote about the 1947 flood."))
    note.addElement(body)
    paragraph.addElement(note)
    annotation = Annotation()
    annotation.addElement(P(text="Comment: check the year."))
    paragraph.addElement(annotation)
    document.text.addElement(paragraph)
    table = Table(name="Levels")
    for values in (["Gauge", "Metres"], ["York", "5.2"]):
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.save(str(tmp_path / "rivers.odt"))
    [doc] = load(tmp_path / "rivers.odt")
    for phrase in [
        "The Ouse floods in spring.",
        "Footnote about the 1947 flood.",
        "Comment: check the year.",
        "Gauge: York; Metres: 5.2",
        "Footer of the river board",
    ]:
        assert phrase in doc.page_content
    assert [path for _, path in json.loads(doc.metadata["sections"])] == ["Rivers", "Footer"]


def test_ods_rows_per_sheet_and_odp_slides_with_notes(tmp_path):
    from odf.draw import Frame, Page, TextBox
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import OpenDocumentPresentation, OpenDocumentSpreadsheet
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    sheet_doc = OpenDocumentSpreadsheet()
    table = Table(name="Prices")
    for values in (["Fruit", "Price"], ["Pear", "3"]):
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    sheet_doc.spreadsheet.addElement(table)
    sheet_doc.save(str(tmp_path / "prices.ods"))
    [doc] = load(tmp_path / "prices.ods")
    assert "Fruit: Pear; Price: 3" in doc.page_content
    assert json.loads(doc.metadata["sections"])[0][1] == "Prices"

    deck = OpenDocumentPresentation()
    layout = PageLayout(name="pl")
    deck.automaticstyles.addElement(layout)
    master = MasterPage(name="m", pagelayoutname=layout)
    deck.masterstyles.addElement(master)
    page = Page(masterpagename=master)
    for cls, text in (("title", "Quarterly plan"), ("outline", "Hire two engineers")):
        frame = Frame(width="10cm", height="2cm", x="1cm", y="1cm")
        frame.setAttrNS(PRESENTATIONNS, "class", cls)
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        page.addElement(frame)
    notes = Notes()
    frame = Frame(width="10cm", height="2cm", x="1cm", y="1cm")
    box = TextBox()
    box.addElement(P(text="Mention the budget"))
    frame.addElement(box)
    notes.addElement(frame)
    page.addElement(notes)
    deck.presentation.addElement(page)
    deck.save(str(tmp_path / "plan.odp"))
    [slide] = load(tmp_path / "plan.odp")
    assert slide.metadata["page"] == 1 and slide.metadata["section"] == "Quarterly plan"
    assert "Hire two engineers" in slide.page_content and "Notes: Mention the budget" in slide.page_content


def test_epub_chapters_give_sections(tmp_path):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("id1")
    book.set_title("Sea Stories")
    book.set_language("en")
    chapters = []
    for number, (title, text) in enumerate(
        [("The Storm", "Waves broke over the bow."), ("The Calm", "The sails hung still.")], 1
    ):
        chapter = epub.EpubHtml(title=title, file_name=f"c{number}.xhtml", lang="en")
        chapter.content = f"<html><body><h1>{title}</h1><p>{text}</p></body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.spine = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(tmp_path / "sea.epub"), book)
    [doc] = load(tmp_path / "sea.epub")
    assert "Waves broke over the bow." in doc.page_content and "The sails hung still." in doc.page_content
    assert doc.metadata["title"] == "Sea Stories"
    assert [path for _, path in json.loads(doc.metadata["sections"])] == ["The Storm", "The Calm"]


def test_rtf_text_with_footnote(tmp_path):
    (tmp_path / "memo.rtf").write_text(
        r"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}{\header Header of the harbour office}\f0 The lighthouse keeper"
        r" retired.{\footnote Footnote on the keeper.}{\*\annotation Comment on the date.}\par}"
    )
    [doc] = load(tmp_path / "memo.rtf")
    for phrase in [
        "The lighthouse keeper retired.",
        "Footnote on the keeper.",
        "Header of the harbour",
        "Comment on the date.",
    ]:
        assert phrase in doc.page_content
    assert "Helvetica" not in doc.page_content


def _message(subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["Date"] = subject, "ann@example.org", "Mon, 7 Dec 2026 10:00:00 +0000"
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return message


def test_eml_has_headers_body_and_attached_document_text(tmp_path):
    (tmp_path / "notes.txt").write_text("The attached minutes mention the orchard.")
    message = _message(
        "Orchard meeting", "See the minutes attached.", ("minutes.txt", b"The attached minutes mention the orchard.")
    )
    (tmp_path / "meeting.eml").write_bytes(bytes(message))
    [doc] = load(tmp_path / "meeting.eml")
    assert doc.metadata["subject"] == "Orchard meeting" and doc.metadata["from"] == "ann@example.org"
    assert doc.metadata["date"].startswith("Mon, 07 Dec 2026") and doc.metadata["section"] == "Orchard meeting"
    assert (
        "See the minutes attached." in doc.page_content
        and "The attached minutes mention the orchard." in doc.page_content
    )


def test_mbox_is_one_document_per_message(tmp_path):
    import mailbox

    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    box.add(_message("First", "Apples are ripe."))
    box.add(_message("Second", "Pears are not."))
    box.close()
    docs = load(tmp_path / "inbox.mbox")
    assert [d.metadata["subject"] for d in docs] == ["First", "Second"]
    assert "Pears are not." in docs[1].page_content


def test_gz_is_read_by_its_inner_name(tmp_path):
    (tmp_path / "changelog.Debian.gz").write_bytes(
        gzip.compress(b"xz-utils (5.4) unstable; urgency=low\n\n  * New upstream release.\n")
    )
    (tmp_path / "notes.md.gz").write_bytes(gzip.compress(b"# Setup\n\nRun the installer twice.\n"))
    files, skipped = find_files([tmp_path])
    assert {f.source for f in files} == {"changelog.Debian.gz", "notes.md.gz"} and not skipped
    assert "New upstream release." in load(tmp_path / "changelog.Debian.gz")[0].page_content
    [doc] = load(tmp_path / "notes.md.gz")
    assert doc.metadata["source"] == "notes.md.gz" and "Run the installer twice." in doc.page_content
    assert json.loads(doc.metadata["sections"])[0][1] == "Setup"


def test_xml_text_content(tmp_path):
    (tmp_path / "feed.xml").write_text(
        "<feed><entry><title>Rain tomorrow</title><summary>Bring a coat.</summary></entry></feed>"
    )
    assert load(tmp_path / "feed.xml")[0].page_content == "Rain tomorrow\nBring a coat."


def test_notebook_cells_and_outputs(tmp_path):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Analysis\n\nWe count the birds."),
        nbformat.v4.new_code_cell("print(40 + 2)", outputs=[nbformat.v4.new_output("stream", text="42 birds\n")]),
    ]
    nbformat.write(notebook, str(tmp_path / "birds.ipynb"))
    [doc] = load(tmp_path / "birds.ipynb")
    assert (
        "We count the birds." in doc.page_content
        and "print(40 + 2)" in doc.page_content
        and "42 birds" in doc.page_content
    )


def test_code_is_split_at_functions_by_its_language(tmp_path):
    source = "\n\n".join(f"def function_{i}(x):\n    return x * {i} + {i} * {i}\n" for i in range(6))
    (tmp_path / "maths.py").write_text(source)
    docs = load(tmp_path / "maths.py")
    assert docs[0].metadata["language"] == "python"
    chunks = make_splitter(Settings(chunk_size=80, chunk_overlap=0)).split_documents(docs)
    assert all(c.page_content.startswith("def function_") for c in chunks)


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed (.ci/run installs groff-base)")
def test_man_page_is_rendered_without_markup(tmp_path):
    (tmp_path / "tool.1").write_text(
        '.\\" a comment\n.TH TOOL 1\n.SH NAME\ntool \\- polish brass\n.SH OPTIONS\n.IP \\(bu 3\n\\fB\\-\\-shine\\fR makes it shine\n'
    )
    (tmp_path / "notes.1").write_text("Version 1 notes, plain text.\n")
    [doc] = load(tmp_path / "tool.1")
    assert "tool - polish brass" in doc.page_content and "--shine makes it shine" in doc.page_content
    assert ".IP" not in doc.page_content and "\\f" not in doc.page_content
    assert [path for _, path in json.loads(doc.metadata["sections"])] == ["", "NAME", "OPTIONS"]  # "" the title line
    assert "Version 1 notes" in load(tmp_path / "notes.1")[0].page_content  # not roff: read as text


def _text_image(path: Path, text: str) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (900, 120), 255)
    ImageDraw.Draw(image).text((20, 30), text, fill=0, font=ImageFont.load_default(size=40))
    image.save(path)
    return path


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed (.ci/run installs it)")
def test_images_and_scanned_pdf_pages_are_read_by_ocr(tmp_path):
    from PIL import Image

    assert "quick brown fox" in load(_text_image(tmp_path / "scan.png", "The quick brown fox"))[0].page_content.lower()
    Image.open(tmp_path / "scan.png").convert("RGB").save(tmp_path / "scan.pdf")  # a PDF page without a text layer
    [page] = load(tmp_path / "scan.pdf")
    assert page.metadata["page"] == 1 and "quick brown fox" in page.page_content.lower()


def test_missing_tesseract_is_a_skip_with_the_install_hint(tmp_path, monkeypatch):
    _text_image(tmp_path / "scan.png", "hello")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        SkipFile, match=r"OCR needs Tesseract, which is not installed \(apt-get install tesseract-ocr\)"
    ):
        load(tmp_path / "scan.png")


def test_odt_that_odfpy_refuses_is_read_from_its_content(tmp_path):
    import zipfile

    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Wells"))
    document.text.addElement(P(text="The village well is forty feet deep."))
    document.save(str(tmp_path / "saved.odt"))
    with zipfile.ZipFile(tmp_path / "saved.odt") as source, zipfile.ZipFile(tmp_path / "wells.odt", "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "META-INF/manifest.xml":  # lists a thumbnail the package lacks: odfpy raises KeyError
                data = data.replace(
                    b"</manifest:manifest>",
                    b'<manifest:file-entry manifest:media-type="image/png" manifest:full-path="Thumbnails/thumbnail.png"/>'
                    b"</manifest:manifest>",
                )
            target.writestr(name, data)
    [doc] = load(tmp_path / "wells.odt")
    assert "The village well is forty feet deep." in doc.page_content
    assert json.loads(doc.metadata["sections"])[0][1] == "Wells"
