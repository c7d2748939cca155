"""`python -m rag_app serve` in a subprocess on a free loopback port, for the live and browser tests."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port


def start_server(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str, Path]:
    """`python -m rag_app serve` on a free loopback port; (process, base URL, log file) once /health answers."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "rag_app", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            return process, url, log
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_server(process)
                raise RuntimeError(f"serve did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
