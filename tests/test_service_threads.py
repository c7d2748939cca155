"""One RagService shared by threads, while another process ingests into the same store."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from rag_app import RagService


def test_eight_threads_ask_while_another_process_ingests(fake_env, docs):
    service = RagService()
    service.ingest([docs])
    more = fake_env / "more"
    more.mkdir()
    for n in range(150):
        (more / f"note{n:03}.txt").write_text(f"Note {n}: the quokka{n} lives on Rottnest island number {n}.")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writer = subprocess.Popen(
        [sys.executable, "-m", "rag_app", "ingest", str(more)], env=env, stderr=subprocess.PIPE, text=True
    )
    errors: list[BaseException] = []
    during = [0] * 8

    def ask(slot: int) -> None:
        while writer.poll() is None:
            try:
                answer = service.ask("When was Michael Jordan born?")
                assert answer.answer and answer.sources
                during[slot] += 1
            except BaseException as err:  # collected for the assertion below
                errors.append(err)
                return

    threads = [threading.Thread(target=ask, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert writer.wait(timeout=120) == 0, writer.stderr.read()
    assert errors == []
    assert sum(during) >= 8  # the threads really asked while the other process wrote

    found = service.search("quokka137 Rottnest", k=1).results[0]
    assert "quokka137" in found.text  # this process sees the other one's chunks without a restart
    assert service.stats().chunks == 5 + 150
