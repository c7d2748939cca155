"""Loaders for Word, PowerPoint and Excel (OOXML and 97-2003), CSV and TSV, on fixtures made here."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from rag_app.ingestion.loaders import SourceFile, load_file


def load(path: Path):
    return load_file(SourceFile(path, path.name))


_FOOTNOTES = (
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:id="1"><w:p><w:r><w:t>The footnote says marmalade.</w:t></w:r></w:p></w:footnote></w:footnotes>'
)


def make_docx(path: Path) -> Path:
    """A Word file with headings, a table, a comment, a header, a footer and (added by hand) a footnote."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Harbour report"
    document.add_heading("Tides", level=1)
    paragraph = document.add_paragraph("High water comes at noon.")
    document.add_comment(paragraph.runs, text="The reviewer doubts the noon tide.", author="Ann")
    document.add_heading("Ferries", level=2)
    document.add_paragraph("The ferry leaves from pier four.")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ["Boat", "Seats", "Osprey", "120"]):
        cell.text = text
    document.sections[0].header.paragraphs[0].text = "Confidential harbour header"
    document.sections[0].footer.paragraphs[0].text = "Page footer of the port authority"
    document.save(path)
    add_part(path, "word/footnotes.xml", _FOOTNOTES, "footnotes", "wordprocessingml.footnotes+xml")
    return path


def add_part(path: Path, name: str, xml: str, reltype: str, content_type: str) -> None:
    """Add a part the writing library cannot make (footnotes, SmartArt data) to a saved Word file."""
    with zipfile.ZipFile(path) as source:
        members = {member: source.read(member) for member in source.namelist()}
    members[name] = xml.encode()
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rId{reltype}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'{reltype}" Target="{name.removeprefix("word/")}"/></Relationships>'.encode(),
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/{name}" ContentType="application/vnd.openxmlformats-officedocument.{content_type}"/>'
        f"</Types>".encode(),
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member, data in members.items():
            target.writestr(member, data)


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for title, body, notes in [
        ("Budget", "Spend less on paper", "Say the paper figure twice"),
        ("Plans", "Move to the new office", ""),
    ]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    table = deck.slides[1].shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    for (r, c), text in zip([(0, 0), (0, 1), (1, 0), (1, 1)], ["City", "Rent", "Leeds", "900"]):
        table.cell(r, c).text = text
    deck.save(path)
    return path


def make_xlsx(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    book = Workbook()
    sheet = book.active
    sheet.title = "Staff"
    sheet.append(["Name", "Room", "Phone"])
    sheet.append(["Ada", 12, "555-0101"])
    sheet.append(["Grace", 7.0, "555-0199"])
    sheet["B2"].comment = Comment("Room 12 is being painted", "Ann")
    sheet.oddHeader.center.text = "Staff list for the Leeds office"
    other = book.create_sheet("Budget")
    other.append(["Item", "Cost"])
    other.append(["Desks", 450])
    book.save(path)
    return path


def test_docx_keeps_headings_tables_comments_headers_footers_and_footnotes(tmp_path):
    [doc] = load(make_docx(tmp_path / "report.docx"))
    text = doc.page_content
    for phrase in [
        "High water comes at noon.",
        "The ferry leaves from pier four.",
        "Boat: Osprey; Seats: 120",
        "The reviewer doubts the noon tide.",
        "Confidential harbour header",
        "Page footer of the port authority",
        "The footnote says marmalade.",
    ]:
        assert phrase in text
    assert doc.metadata["title"] == "Harbour report"
    paths = [path for _, path in json.loads(doc.metadata["sections"])]
    assert paths == ["Tides", "Tides › Ferries", "Footnotes", "Comments", "Header", "Footer"]


def test_docx_smartart_text_is_kept(tmp_path):
    import docx

    docx.Document().save(tmp_path / "chart.docx")
    data = (
        '<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst><dgm:pt><dgm:t><a:p><a:r>'
        "<a:t>Approve the budget</a:t></a:r></a:p></dgm:t></dgm:pt></dgm:ptLst></dgm:dataModel>"
    )
    add_part(tmp_path / "chart.docx", "word/diagrams/data1.xml", data, "diagramData", "drawingml.diagramData+xml")
    [doc] = load(tmp_path / "chart.docx")
    assert "Approve the budget" in doc.page_content


def test_pptx_is_one_document_per_slide_with_title_notes_and_tables(tmp_path):
    docs = load(make_pptx(tmp_path / "deck.pptx"))
    assert [(d.metadata["page"], d.metadata["section"]) for d in docs] == [(1, "Budget"), (2, "Plans")]
    assert "Spend less on paper" in docs[0].page_content and "Notes: Say the paper figure twice" in docs[0].page_content
    assert "City: Leeds; Rent: 900" in docs[1].page_content


def test_xlsx_rows_read_as_header_value_text_per_sheet_with_comments(tmp_path):
    [doc] = load(make_xlsx(tmp_path / "staff.xlsx"))
    assert "Name: Ada; Room: 12; Phone: 555-0101" in doc.page_content
    assert "Name: Grace; Room: 7; Phone: 555-0199" in doc.page_content
    assert "Room 12 is being painted" in doc.page_content
    assert "Staff list for the Leeds office" in doc.page_content
    assert [path for _, path in json.loads(doc.metadata["sections"])] == [
        "Staff",
        "Budget",
        "Comments",
        "Headers and footers",
    ]


def test_xlsx_shows_the_computed_value_not_the_formula(tmp_path):
    # openpyxl writes no cached values, so the workbook is saved by LibreOffice when it is here.
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Price", "Tax"])
    book.active.append([100, "=A2*0.2"])
    book.save(tmp_path / "raw.xlsx")
    convert(tmp_path / "raw.xlsx", "xlsx", tmp_path / "out")
    [doc] = load(tmp_path / "out" / "raw.xlsx")
    assert "Price: 100; Tax: 20" in doc.page_content and "A2" not in doc.page_content


@pytest.mark.parametrize(
    "name, content", [("people.csv", "name;city\nAda;Leeds\n"), ("people.tsv", "name\tcity\nAda\tLeeds\n")]
)
def test_csv_and_tsv_rows_read_as_header_value_text(tmp_path, name, content):
    (tmp_path / name).write_text(content)
    [doc] = load(tmp_path / name)
    assert "name: Ada; city: Leeds" in doc.page_content


def convert(source: Path, kind: str, folder: Path) -> Path:
    """`source` saved by LibreOffice as `kind` in `folder`."""
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{folder}/profile",
            "--convert-to",
            kind,
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder / f"{source.stem}.{kind}"


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    """The three fixtures saved by LibreOffice in the Office 97-2003 formats (skipped where it is missing)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: .ci/run installs it")
    folder = tmp_path_factory.mktemp("legacy")
    return {
        "doc": convert(make_docx(folder / "report.docx"), "doc", folder),
        "ppt": convert(make_pptx(folder / "deck.pptx"), "ppt", folder),
        "xls": convert(make_xlsx(folder / "staff.xlsx"), "xls", folder),
    }


def test_legacy_doc_is_read_with_antiword(legacy):
    [doc] = load(legacy["doc"])
    for phrase in ["High water comes at noon.", "The ferry leaves from pier four.", "Confidential harbour header"]:
        assert phrase in doc.page_content


def test_legacy_ppt_is_one_document_per_slide_with_notes(legacy):
    docs = load(legacy["ppt"])
    assert [d.metadata["page"] for d in docs] == [1, 2]
    assert docs[0].metadata["section"] == "Budget"
    assert "Spend less on paper" in docs[0].page_content and "Say the paper figure twice" in docs[0].page_content


def test_legacy_xls_rows_read_per_sheet(legacy):
    [doc] = load(legacy["xls"])
    assert "Name: Ada; Room: 12; Phone: 555-0101" in doc.page_content and "Item: Desks; Cost: 450" in doc.page_content
    assert "Room 12 is being painted" in doc.page_content  # the cell note


def test_missing_antiword_is_a_skip_with_the_install_hint(tmp_path, monkeypatch):
    from rag_app.ingestion.loaders import SkipFile

    monkeypatch.setenv("PATH", str(tmp_path))  # no antiword on this PATH
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(SkipFile, match=r"needs antiword, which is not installed \(apt-get install antiword\)"):
        load(tmp_path / "old.doc")
