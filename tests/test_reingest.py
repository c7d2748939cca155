"""Re-ingest: a file with the size and modification time recorded when its chunks were stored is
not read at all; `--verify` reads everything; anything else is read as before."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def reads(monkeypatch):
    """The files the pipeline reads (load_file calls), by name."""
    from rag_app.ingestion import pipeline

    seen: list[str] = []
    original = pipeline.load_file

    def load_file(file, *args, **kwargs):
        seen.append(file.path.name)
        return original(file, *args, **kwargs)

    monkeypatch.setattr(pipeline, "load_file", load_file)
    return seen


def test_unchanged_files_are_not_read(fake_env, docs, run, reads):
    assert run("ingest", str(docs)).code == 0
    assert len(reads) == 4
    reads.clear()

    again = run("ingest", str(docs))
    assert "0 files read, 4 unchanged, 0 skipped, 0 chunks added, 0 updated, 5 already present, 0 removed" in again.out
    assert reads == []
    assert run("ingest", str(docs), "--dry-run").out.startswith("0 files read, 4 unchanged")

    stat = (docs / "coffee.html").stat()  # same size, another time: read again (nothing new to store)
    os.utime(docs / "coffee.html", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = run("ingest", str(docs))
    assert reads == ["coffee.html"] and "1 file read, 3 unchanged" in touched.out
    assert "0 chunks added, 0 updated, 5 already present" in touched.out
    reads.clear()

    (docs / "solar_system.md").write_text("Mars is the fourth planet from the Sun.")
    changed = run("ingest", str(docs))
    assert reads == ["solar_system.md"] and "1 updated" in changed.out and "1 removed" in changed.out
    reads.clear()

    verified = run("ingest", str(docs), "--verify")
    assert len(reads) == 4 and verified.out.startswith("4 files read, 0 skipped")


def test_a_store_that_lost_its_chunks_reads_every_file_again(fake_env, docs, run, reads):
    assert run("ingest", str(docs)).code == 0
    shutil.rmtree(fake_env / ".rag_app" / "chroma")
    reads.clear()
    again = run("ingest", str(docs))
    assert len(reads) == 4 and "5 chunks added" in again.out, again.out
    assert run("stats", "--json").json()["chunks"] == 5


def test_a_reset_forgets_the_recorded_files(fake_env, docs, run, reads):
    assert run("ingest", str(docs)).code == 0
    assert run("reset", "--yes").code == 0
    reads.clear()
    assert "5 chunks added" in run("ingest", str(docs)).out and len(reads) == 4
