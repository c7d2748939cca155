"""RagService.ingest_files (uploads of any loader type), the write lock an upload holds, one embedding model."""

from __future__ import annotations

import io
import threading

import pytest

from rag_app import BusyError, ConfigError, RagService
from rag_app.stores import catalog


@pytest.fixture
def service(fake_env, docs):
    svc = RagService()
    svc.ingest([docs])
    return svc


def pdf_bytes(*pages: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def test_uploaded_pdf_and_file_object_are_ingested_as_one_ingest(service, fake_env):
    report = service.ingest_files(
        [
            ("report.pdf", pdf_bytes("Page one is about tea.", "The okapi is a giraffid from the Congo.")),
            ("notes.txt", io.BytesIO(b"Ada Lovelace wrote the first published algorithm in 1843.")),
        ]
    )
    assert (report.files_read, report.added, report.skipped) == (2, 3, [])
    uploads = fake_env / ".rag_app" / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["notes.txt", "report.pdf"]
    listed = {s.source: s.chunks for s in service.sources()}
    assert listed["report.pdf"] == 2 and listed["notes.txt"] == 1
    pages = {r.page for r in service.search("okapi giraffid Congo", k=8).results if r.source == "report.pdf"}
    assert pages == {1, 2}


def test_names_stay_inside_the_uploads_folder(service, fake_env):
    service.ingest_files([("../../../etc/evil.md", b"# Evil\nNothing to see."), ("..\\..\\win.txt", b"windows")])
    uploads = fake_env / ".rag_app" / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["evil.md", "win.txt"]
    assert not (fake_env / "etc").exists() and not (fake_env.parent / "win.txt").exists()


@pytest.mark.parametrize(
    "files, message",
    [
        ([], "no files given"),
        ([("song.mp3", b"x")], "unsupported file type for 'song.mp3'"),
        ([("a/x.txt", b"1"), ("b/x.txt", b"2")], "two files are named 'x.txt'"),
        ([("ok.txt", b"1"), ("..", b"2")], "not a usable file name"),
    ],
)
def test_bad_uploads_write_nothing(service, fake_env, files, message):
    with pytest.raises(ConfigError, match=message):
        service.ingest_files(files)
    assert not (fake_env / ".rag_app" / "uploads").exists()


def test_a_long_name_keeps_its_type(service):
    report = service.ingest_files([("x" * 300 + ".md", b"Long names are cut, not their suffix.")])
    assert report.files_read == 1
    assert [s.source for s in service.sources() if s.source.startswith("x")][0].endswith("x.md")


def test_new_skipped_files_are_not_kept(service, fake_env):
    report = service.ingest_files([("empty.txt", b""), ("fine.txt", b"The kakapo is a flightless parrot.")])
    assert report.files_read == 1 and [reason for _, reason in report.skipped] == ["empty file"]
    assert sorted(p.name for p in (fake_env / ".rag_app" / "uploads").iterdir()) == ["fine.txt"]


def test_an_upload_during_another_ingest_is_busy_and_writes_nothing(service, fake_env):
    holding, release = threading.Event(), threading.Event()

    def other_ingest():
        with catalog(service.settings).writing():
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=other_ingest)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(BusyError, match="another ingest is writing"):
            service.ingest_files([("late.txt", b"This arrives while the store is busy.")])
        assert service.ask("When was Michael Jordan born?").answer  # questions are still answered
    finally:
        release.set()
        thread.join()
    assert not (fake_env / ".rag_app" / "uploads").exists()
    assert service.ingest_files([("late.txt", b"This arrives once the store is free.")]).added == 1


def test_delete_removes_an_uploads_copy_but_never_other_files(service, fake_env, docs):
    service.ingest_files([("hopper.md", b"Grace Hopper was born in 1906.")])
    uploaded = fake_env / ".rag_app" / "uploads" / "hopper.md"
    assert uploaded.exists()
    assert service.delete("hopper.md").chunks == 1 and not uploaded.exists()
    assert service.delete("famous_birthdays.txt").chunks == 1
    assert (docs / "famous_birthdays.txt").exists()


def test_embed_and_answering_share_one_model(service):
    service.ask("When was Michael Jordan born?")
    assert service.embeddings is service._qa.embeddings
    assert service.embed(["a text"]) == service._qa.embeddings.embed_documents(["a text"])


def test_the_write_lock_is_reentrant_in_one_thread_only(fake_env):
    settings = RagService().settings
    with catalog(settings).writing():
        with catalog(settings).writing():  # the same thread: an upload ingesting its own files
            pass
        failed: list[BaseException] = []

        def second_writer():
            try:
                with catalog(settings).writing():
                    pass
            except BusyError as err:
                failed.append(err)

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join()
        assert len(failed) == 1


def test_the_api_key_is_a_secret_and_redacted(workdir):
    from rag_app.config import Settings
    from rag_app.doctor import effective_settings
    from rag_app.providers.registry import redact

    settings = Settings.from_env({"RAG_API_KEY": "rk-local-5150abcd"})
    assert "rk-local-5150abcd" not in repr(settings) and effective_settings(settings)["api_key"] == "set (hidden)"
    assert redact("bad key rk-local-5150abcd", settings) == "bad key ***"


def test_an_upload_saved_but_never_stored_is_listed_deletable_and_stored_by_the_next_upload(fake_env):
    service = RagService()
    service.ingest_text("first.txt", "The okapi lives in the Congo.")
    uploads = service.settings.persist_dir / "uploads"
    # What a process killed between saving the files and storing their chunks leaves behind:
    (uploads / "orphan.txt").write_text("Grace Hopper was born in 1906 in New York City.")
    (uploads / "doomed.txt").write_text("Ada Lovelace wrote the first program.")
    (uploads / ".half.txt.part").write_bytes(b"half a fi")
    listed = {s.source: s.chunks for s in service.sources()}
    assert listed == {"first.txt": 1, "orphan.txt": 0, "doomed.txt": 0}
    assert service.delete("doomed.txt").chunks == 0 and not (uploads / "doomed.txt").exists()

    report = service.ingest_text("second.txt", "The Eiffel Tower is 330 metres tall.")
    assert report.files_read == 2 and report.added == 2
    assert {s.source: s.chunks for s in service.sources()} == {"first.txt": 1, "orphan.txt": 1, "second.txt": 1}
    assert "Grace Hopper" in service.search("Grace Hopper 1906", k=1).results[0].text
    assert sorted(p.name for p in uploads.iterdir()) == ["first.txt", "orphan.txt", "second.txt"]
