"""A throwaway PostgreSQL cluster on loopback for tests (Debian's `postgresql` package binaries).

initdb + pg_ctl in a temporary folder, on a free port, password authentication over TCP. The
server refuses to run as root, so under root (CI) it runs as the `postgres` user the Debian
package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

USER = "rag"
PASSWORD = "team-s3cret-pw"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None when none is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:`port`."""

    def __init__(self, bin_dir: Path, port: int) -> None:
        self.bin, self.port = bin_dir, port
        self.root = Path(tempfile.mkdtemp(prefix="rag-pg-"))  # not under pytest's 0700 tmp: postgres must enter it
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        (self.root / "pw").write_text(PASSWORD)
        self._run(
            "initdb", "-D", str(self.root / "data"), "-U", USER, "--pwfile", str(self.root / "pw"),
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-o", options, "-w", "start")
        self._databases = 0

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self._as, str(self.bin / tool), *args], capture_output=True, text=True)
        if result.returncode != 0:
            log = self.root / "log"
            raise RuntimeError(
                f"{tool} failed: {result.stderr[-2000:]}{log.read_text()[-2000:] if log.exists() else ''}"
            )

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database (one per test keeps tests apart)."""
        import psycopg

        self._databases += 1
        name = f"catalog_{self._databases}"
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
