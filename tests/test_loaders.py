import os

import pytest

from rag_app.errors import RagError
from rag_app.ingestion.loaders import SkipFile, SourceFile, find_files, load_file
from tests.conftest import DATA


def load(path, source="x"):
    return load_file(SourceFile(path, source))


def test_finds_supported_files_recursively_with_relative_sources(workdir):
    (workdir / "a" / "b").mkdir(parents=True)
    (workdir / "a" / "one.txt").write_text("one")
    (workdir / "a" / "b" / "two.md").write_text("two")
    (workdir / "a" / "b" / "song.mp3").write_bytes(b"ID3")
    (workdir / "a" / ".hidden.txt").write_text("hidden")
    files, skipped = find_files([workdir / "a"])
    assert [f.source for f in files] == ["b/two.md", "one.txt"]
    assert skipped == [(str(workdir / "a" / "b" / "song.mp3"), "unsupported file type .mp3")]


def test_missing_path_is_an_error(workdir):
    with pytest.raises(RagError, match="no such file or directory: nowhere"):
        find_files(["nowhere"])


def test_each_bundled_format_loads():
    files, skipped = find_files([DATA])
    assert not skipped
    loaded = {f.source: load_file(f) for f in files}
    assert "Michael Jeffrey Jordan" in loaded["famous_birthdays.txt"][0].page_content
    pdf = loaded["landmarks.pdf"]
    assert [d.metadata["page"] for d in pdf] == [1, 2] and "Eiffel" in pdf[0].page_content
    html = loaded["coffee.html"][0].page_content
    assert "Constantinople" in html and "console.log" not in html and "font-family" not in html
    assert "Apollo 11" in " ".join(d.page_content for d in loaded["solar_system.md"])  # one per section


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file"),
        (b"   \n\n", "no text found"),
        (b"\x00\x01\x02binary\x00" * 10, "binary content"),
    ],
)
def test_unusable_text_files_are_skipped_with_a_reason(workdir, content, reason):
    path = workdir / "f.txt"
    path.write_bytes(content)
    with pytest.raises(SkipFile, match=reason):
        load(path)


def test_non_utf8_text_is_decoded(workdir):
    latin = workdir / "latin.txt"
    latin.write_bytes("Café crème à Genève".encode("latin-1"))
    utf16 = workdir / "utf16.txt"
    utf16.write_bytes("Grüße aus Köln".encode("utf-16"))
    assert load(latin)[0].page_content == "Café crème à Genève"
    assert load(utf16)[0].page_content == "Grüße aus Köln"


def test_broken_and_textless_pdfs_are_skipped(workdir):
    truncated = workdir / "truncated.pdf"
    truncated.write_bytes((DATA / "landmarks.pdf").read_bytes()[:300])
    garbage = workdir / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4 this is not really a pdf")
    for path in (truncated, garbage):
        with pytest.raises(SkipFile, match="broken PDF|no text found"):
            load(path)
    from fpdf import FPDF

    blank = FPDF()
    blank.add_page()
    blank.output(str(workdir / "scan.pdf"))
    with pytest.raises(SkipFile, match="no text found"):
        load(workdir / "scan.pdf")


def test_encrypted_pdf_is_skipped(workdir):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(DATA / "landmarks.pdf").pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = workdir / "locked.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    with pytest.raises(SkipFile, match="encrypted PDF"):
        load(path)


def test_jsonl_lines_become_documents_with_metadata(workdir):
    path = workdir / "corpus.jsonl"
    path.write_text('{"id": "p1", "title": "T", "text": "First passage."}\n\n{"id": "p2", "text": "Second."}\n')
    docs = load(path, "corpus.jsonl")
    assert [d.page_content for d in docs] == ["First passage.", "Second."]
    assert docs[0].metadata == {"id": "p1", "title": "T", "source": "corpus.jsonl#p1", "line": 1}
    path.write_text('{"id": "p1"}\n')
    with pytest.raises(SkipFile, match="line 1 has no string 'text' field"):
        load(path)


def test_symlink_loop_and_unreadable_files(workdir):
    root = workdir / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "ok.txt").write_text("fine")
    os.symlink(root, root / "sub" / "loop")
    secret = root / "secret.txt"
    secret.write_text("no access")
    secret.chmod(0)
    files, skipped = find_files([root])
    assert [f.source for f in files] == ["secret.txt", "sub/ok.txt"]
    assert any("link loop" in reason for _, reason in skipped)
    if os.geteuid() != 0:  # root reads any file
        with pytest.raises(SkipFile, match="permission denied"):
            load(secret)


def test_path_with_spaces_and_non_ascii(workdir):
    folder = workdir / "mes documents"
    folder.mkdir()
    (folder / "résumé été.md").write_text("Zoë lives in Zürich.")
    files, _ = find_files([folder])
    assert files[0].source == "résumé été.md"
    assert load_file(files[0])[0].page_content == "Zoë lives in Zürich."


def test_file_that_disappears_is_skipped(workdir):
    with pytest.raises(SkipFile, match="disappeared"):
        load(workdir / "gone.txt")


def test_unreadable_file_is_skipped(workdir, monkeypatch):
    from pathlib import Path

    path = workdir / "locked.txt"
    path.write_text("secret")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)  # root reads any file, so chmod cannot show this
    with pytest.raises(SkipFile, match="permission denied"):
        load(path)
