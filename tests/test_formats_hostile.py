"""Hostile and broken files are skipped with a reason, and the rest of an ingest goes on."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from rag_app.ingestion.formats import limits
from rag_app.ingestion.loaders import SkipFile, SourceFile, load_file


def load(path: Path):
    return load_file(SourceFile(path, path.name))


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Ordinary text.")
    document.save(path)
    return path


def test_zip_bomb_member_is_refused_before_it_is_unpacked(tmp_path):
    with zipfile.ZipFile(_docx(tmp_path / "ok.docx")) as source:
        members = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in members.items():
            bomb.writestr(name, data)
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 2**20))  # 40 MiB of zeros packs ~1000x
    with pytest.raises(SkipFile, match=r"zip bomb: xl/worksheets/sheet1.xml unpacks \d+x"):
        load(tmp_path / "bomb.xlsx")


def test_archive_over_the_unpacked_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 10_000)
    _docx(tmp_path / "big.docx")
    with pytest.raises(SkipFile, match=r"archive unpacks to \d+ MiB, more than 0 MiB"):
        load(tmp_path / "big.docx")


def test_gz_bomb_is_cut_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("rag_app.ingestion.formats.compressed.MAX_MEMBER_BYTES", 2**20)
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"a" * (5 * 2**20)))
    with pytest.raises(SkipFile, match="decompresses to more than 1 MiB"):
        load(tmp_path / "notes.txt.gz")


def test_deeply_nested_xml_is_refused(tmp_path):
    (tmp_path / "deep.xml").write_text("<a>" * 5000 + "x" + "</a>" * 5000)
    with pytest.raises(SkipFile, match="(nested deeper|Excessive depth)"):
        load(tmp_path / "deep.xml")


def test_entity_expansion_is_not_performed(tmp_path):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;&b;</l>'
    )
    (tmp_path / "laughs.xml").write_text(laughs)
    try:
        docs = load(tmp_path / "laughs.xml")
    except SkipFile:
        return
    assert "lol" not in docs[0].page_content


def test_encrypted_documents_are_skipped_as_such(tmp_path):
    # An Office file with a password is an OLE container, not a zip; a zip member can carry the encryption flag.
    (tmp_path / "secret.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    with pytest.raises(SkipFile, match=r"encrypted document \(password required\)"):
        load(tmp_path / "secret.docx")
    _docx(tmp_path / "flagged.docx")
    data = bytearray((tmp_path / "flagged.docx").read_bytes())
    offset = data.find(b"PK\x01\x02")  # the first central directory entry: set its "encrypted" flag bit
    data[offset + 8] |= 0x1
    (tmp_path / "flagged.docx").write_bytes(bytes(data))
    with pytest.raises(SkipFile, match=r"encrypted document \(password required\)"):
        load(tmp_path / "flagged.docx")


def test_encrypted_pdf_is_skipped(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret-password")
    with open(tmp_path / "locked.pdf", "wb") as out:
        writer.write(out)
    with pytest.raises(SkipFile, match="encrypted PDF"):
        load(tmp_path / "locked.pdf")


@pytest.mark.parametrize("name", ["cut.docx", "cut.pptx", "cut.xlsx", "cut.odt", "cut.epub"])
def test_truncated_archives_are_skipped(tmp_path, name):
    data = _docx(tmp_path / "whole.docx").read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(SkipFile, match="broken or truncated archive"):
        load(tmp_path / name)


def test_truncated_gz_is_skipped(tmp_path):
    data = gzip.compress(b"some text " * 1000)
    (tmp_path / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(SkipFile, match="broken or truncated .gz"):
        load(tmp_path / "cut.txt.gz")


def test_too_many_cells_is_a_skip(tmp_path, monkeypatch):
    monkeypatch.setattr("rag_app.ingestion.formats.sheets.MAX_CELLS", 10)
    (tmp_path / "wide.csv").write_text("\n".join(",".join("x" * 5) for _ in range(5)))
    with pytest.raises(SkipFile, match="more than 10 cells"):
        load(tmp_path / "wide.csv")


def test_a_parser_failure_is_a_skip_and_the_ingest_goes_on(fake_env, tmp_path, run):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("The harbour opens at dawn.")
    (folder / "bad.pptx").write_bytes(b"PK\x03\x04 not really a presentation")
    (folder / "bad.epub").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip: no container.xml
    result = run("ingest", str(folder))
    assert result.code == 0, result.err
    assert "1 file read, 2 skipped" in result.out
    assert "bad.pptx: broken or truncated archive" in result.err and "bad.epub: cannot read .epub file" in result.err


def test_the_page_and_the_upload_route_take_their_types_from_the_loaders(fake_env):
    import re

    from fastapi.testclient import TestClient

    from rag_app.config import Settings
    from rag_app.ingestion.loaders import SUPPORTED
    from rag_app.ingestion.uploads import checked_names
    from rag_app.server.app import create_app
    from rag_app.service import RagService

    app = create_app(RagService(Settings.from_env()), "127.0.0.1", 8000)
    page = TestClient(app, base_url="http://127.0.0.1:8000").get("/").text
    accept = re.search(r'id="file-input"[^>]*accept="([^"]*)"', page).group(1)
    assert set(accept.split(",")) == set(SUPPORTED) and {".docx", ".xlsx", ".eml", ".epub", ".gz"} <= SUPPORTED
    assert list(checked_names([("report.docx", b"x"), ("inbox.mbox", b"y")])) == ["report.docx", "inbox.mbox"]
