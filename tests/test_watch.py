"""`watch`: the store follows a folder as files are added, changed, deleted and renamed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from rag_app.config import Settings
from rag_app.ingestion.watch import Batch, is_temporary, watch
from rag_app.service import RagService


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def watching(fake_env, tmp_path):
    """A watcher on a folder in a thread; yields (folder, service, batches) and stops it after the test."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "keep.txt").write_text("The boiler was serviced in March.")
    (folder / "gone.txt").write_text("The old printer is on the second floor.")
    (folder / "old-name.md").write_text("# Parking\n\nVisitors park behind the library.")
    service = RagService(Settings.from_env())
    batches: list[Batch] = []
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(service, [folder], batches.append, stop), daemon=True)
    thread.start()
    assert wait_for(lambda: len(batches) >= 1), "the first sync did not finish"
    yield folder, service, batches
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def stored(service: RagService) -> set[str]:
    return {Path(info.path).name for info in service.sources()}


def on_disk(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.is_file() and not is_temporary(p)}


def test_store_follows_adds_changes_deletes_and_renames(watching):
    folder, service, batches = watching
    assert stored(service) == on_disk(folder) == {"keep.txt", "gone.txt", "old-name.md"}
    (folder / "new.txt").write_text("The new kettle is in the kitchen.")
    (folder / "keep.txt").write_text("The boiler was serviced in October.")
    (folder / "gone.txt").unlink()
    (folder / "old-name.md").rename(folder / "new-name.md")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.txt").write_text("Spare keys hang in the cupboard.")
    (folder / "~$draft.docx").write_bytes(b"lock")  # Word's lock file: ignored
    (folder / ".#keep.txt").write_text("emacs lock")  # ignored
    assert wait_for(lambda: stored(service) == on_disk(folder)), (stored(service), on_disk(folder))
    assert "October" in service.search("When was the boiler serviced?", k=5).results[0].text
    assert all(b.error is None for b in batches)
    assert not any("draft" in path or ".#keep" in path for b in batches for path in b.changed)


def test_a_saved_change_is_searchable_within_3_seconds(watching):
    folder, service, _ = watching
    saved = time.monotonic()
    (folder / "keep.txt").write_text("The boiler was replaced by a heat pump.")
    assert wait_for(lambda: "heat pump" in service.search("heat pump", k=1).results[0].text, seconds=3.0)
    print(f"searchable {time.monotonic() - saved:.2f} s after the save")


def test_temporary_and_lock_files_are_recognised():
    for name in ["~$report.docx", ".#notes.txt", "notes.txt.swp", "notes.txt~", ".~lock.report.odt#"]:
        assert is_temporary(name), name
    assert not is_temporary("report.docx")


def test_watch_command_stops_cleanly_on_ctrl_c(fake_env, tmp_path, run, monkeypatch):
    (tmp_path / "a.txt").write_text("Some text.")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("watchfiles.watch", interrupted)
    result = run("watch", str(tmp_path / "a.txt"))
    assert result.code == 0 and "stopped watching" in result.err and "Traceback" not in result.err
    assert "synced 1 change" in result.err


def test_serve_watch_syncs_beside_the_server_and_stops_with_it(fake_env, tmp_path, run, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "a.txt").write_text("The lift is out of order.")
    seen: list[set[str]] = []

    def fake_serve(service, host, port):  # the server "runs" until the watcher's first sync shows
        assert wait_for(lambda: bool(stored(service)))
        seen.append(stored(service))
        return 0

    monkeypatch.setattr("rag_app.server.run.serve", fake_serve)
    result = run("serve", "--watch", str(folder))
    assert result.code == 0 and seen == [{"a.txt"}]
    assert not any(t.name == "rag-watch" and t.is_alive() for t in threading.enumerate())
