"""Files that try to escape, hang or crash an ingest (issue 21): links out of the allowed folders,
FIFOs, link loops, log-like text, deeply nested HTML, PDF bombs and unreadable folders."""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager

import pytest

from rag_app import RagService
from rag_app.ingestion.loaders import find_files


@contextmanager
def deadline(seconds: int):
    """Fail (rather than hang the suite) when the body takes longer than `seconds`."""

    def expired(*_):
        raise TimeoutError(f"took more than {seconds}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def escape(workdir, tmp_path_factory):
    """allowed/notes with a file and a folder linked from outside, a link inside, a loop and a FIFO."""
    allowed = workdir / "allowed"
    notes = allowed / "notes"
    notes.mkdir(parents=True)
    (notes / "hopper.md").write_text("Grace Hopper was born in 1906 in New York City.")
    (allowed / "other.txt").write_text("Ada Lovelace wrote the first program.")
    secret = tmp_path_factory.mktemp("secret")
    (secret / "secret.txt").write_text("the launch code is 0000")
    (secret / "dir").mkdir()
    (secret / "dir" / "plans.md").write_text("the vault is under the stairs")
    (notes / "linked.txt").symlink_to(secret / "secret.txt")
    (notes / "linkdir").symlink_to(secret / "dir")
    (notes / "inside.txt").symlink_to(allowed / "other.txt")  # a link that stays inside: read
    (notes / "loop").symlink_to(notes)
    os.mkfifo(notes / "README")  # named like a text file; opening it would wait for a writer forever
    return allowed, notes


def test_links_out_of_the_allowed_folders_are_skipped_not_read(escape):
    allowed, notes = escape
    with deadline(20):
        files, skipped = find_files([notes], roots=[allowed.resolve()])
    assert sorted(f.source for f in files) == ["hopper.md", "inside.txt"]
    reasons = {os.path.basename(path): reason for path, reason in skipped}
    assert "outside the folders ingest may read" in reasons["linked.txt"]
    assert "outside the folders ingest may read" in reasons["linkdir"]
    assert reasons["README"] == "not a regular file (a FIFO)"
    assert reasons["loop"] == "directory link loop"


def test_without_roots_links_are_followed_once_and_a_fifo_is_still_skipped(escape):
    _, notes = escape
    with deadline(20):
        files, skipped = find_files([notes])
    assert sorted(f.source for f in files) == ["hopper.md", "inside.txt", "linkdir/plans.md", "linked.txt"]
    assert ("not a regular file (a FIFO)") in {reason for _, reason in skipped}
    with deadline(20):  # a FIFO named on its own is skipped too
        assert find_files([notes / "README"]) == ([], [(str(notes / "README"), "not a regular file (a FIFO)")])


def test_a_service_ingest_with_roots_stores_nothing_from_outside(escape, fake_env):
    allowed, notes = escape
    service = RagService()
    with deadline(60):
        report = service.ingest([notes], roots=[allowed])
    assert report.files_read == 2
    texts = " ".join(s.text for s in service.search("launch code vault stairs", k=10).results)
    assert "Hopper" in texts and "launch code" not in texts and "vault" not in texts


def deep_html(levels: int) -> str:
    return "<html><body>" + "<div>" * levels + "<p>The deep sentence.</p>" + "</div>" * levels + "</body></html>"


def flate_bomb_pdf() -> bytes:
    """A one-page PDF whose content stream inflates to 80 MB of spaces (80 KB on disk): past pypdf's limit."""
    import zlib

    stream = zlib.compress(b" " * 80_000_000, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_deeply_nested_html_is_read_in_linear_time():
    from rag_app.ingestion.html import html_sections

    started = time.perf_counter()
    for levels in (1_000, 4_000, 20_000):  # 500 levels raised RecursionError; 4,000 took 34 s first
        assert html_sections(deep_html(levels)) == (None, [([], "The deep sentence.")])
    assert time.perf_counter() - started < 20  # about 2 s on one core


def test_one_hostile_file_is_skipped_and_the_rest_is_ingested(fake_env, run, monkeypatch):
    import rag_app.ingestion.html as html

    docs = fake_env / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "good.txt").write_text("Grace Hopper was born in 1906 in New York City.")
    (docs / "bomb.pdf").write_bytes(flate_bomb_pdf())
    (docs / "crash.html").write_text("<p>a parser bug</p>")
    (docs / "sub" / "hidden.md").write_text("Ada Lovelace wrote the first program.")

    def broken(markup):  # a loader's unforeseen failure stands for any other
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html, "html_sections", broken)
    first = run("ingest", "docs", "--json")
    assert first.code == 0, first.err
    report = first.json()
    reasons = {os.path.basename(s["path"]): s["reason"] for s in report["skipped"]}
    assert reasons["bomb.pdf"].startswith("cannot be read: LimitReachedError")
    assert reasons["crash.html"] == "nested too deeply to read"
    assert report["files_read"] == 2 and "Traceback" not in first.err

    # A folder that became unreadable (tests run as root, who reads anything: refuse its listing
    # and its files' stat as the kernel would for another user): its chunks stay, the rest goes on.
    real_scandir, real_exists = os.scandir, type(docs).exists

    def scandir(path="."):
        if os.fspath(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def exists(self, *args, **kwargs):
        if self.parent.name == "sub":
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(type(docs), "exists", exists)
    (docs / "new.txt").write_text("The okapi lives in the Congo.")
    second = run("ingest", "docs", "--json")
    assert second.code == 0, second.err
    report = second.json()
    assert {os.path.basename(s["path"]): s["reason"] for s in report["skipped"]}["sub"] == (
        "cannot read directory: Permission denied"
    )
    assert report["added"] == 1 and report["deleted"] == 0  # new.txt stored, hidden.md's chunk kept
    monkeypatch.setattr(os, "scandir", real_scandir)
    monkeypatch.setattr(type(docs), "exists", real_exists)
    listed = {os.path.basename(s["path"]) for s in run("sources", "--json").json()}
    assert listed == {"good.txt", "new.txt", "hidden.md"}


def test_over_http_the_other_files_of_a_request_are_stored(fake_env):
    from fastapi.testclient import TestClient

    from rag_app.server.app import create_app

    client = TestClient(create_app(RagService(), "127.0.0.1", 8000), base_url="http://127.0.0.1:8000")
    files = [("files", ("bomb.pdf", flate_bomb_pdf())), ("files", ("good.txt", b"The okapi lives in the Congo."))]
    with deadline(60):
        response = client.post("/v1/documents", files=files)
    assert response.status_code == 200, response.text
    assert response.json()["files_read"] == 1 and response.json()["added"] == 1
    assert [s["name"] for s in response.json()["skipped"]] == ["bomb.pdf"]
    assert [d["source"] for d in client.get("/v1/documents").json()] == ["good.txt"]


def test_an_emptied_file_loses_its_chunks_and_a_too_large_one_keeps_them_and_says_so(fake_env, run, monkeypatch):
    docs = fake_env / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Grace Hopper was born in 1906 in New York City.")
    (docs / "b.txt").write_text("The okapi lives in the Congo.")
    assert run("ingest", "docs").code == 0

    (docs / "a.txt").write_text("")  # truncated to 0 bytes: it changed, its old answer must go
    (docs / "b.txt").write_text("The okapi lives in the Congo. " + "x" * 2**20)  # now past RAG_MAX_FILE_MB=1
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    dry = run("ingest", "docs", "--dry-run", "--json").json()
    assert dry["deleted"] == 1
    result = run("ingest", "docs", "--json")
    assert result.code == 0
    reasons = {os.path.basename(s["path"]): s["reason"] for s in result.json()["skipped"]}
    assert reasons["a.txt"] == "empty file: its 1 chunks from before removed"
    assert reasons["b.txt"] == "1.0 MiB is larger than RAG_MAX_FILE_MB=1; its 1 chunks from before are kept"
    assert result.json()["deleted"] == 1
    assert [s["source"] for s in run("sources", "--json").json()] == ["b.txt"]
    found = run("search", "Grace Hopper born", "--json").json()["results"]
    assert [r["text"] for r in found] == ["The okapi lives in the Congo."]
