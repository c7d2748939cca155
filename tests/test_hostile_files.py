"""Files that try to escape, hang or crash an ingest (issue 21): links out of the allowed folders,
FIFOs, link loops, log-like text, deeply nested HTML, PDF bombs and unreadable folders."""

from __future__ import annotations

import os
import signal
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
