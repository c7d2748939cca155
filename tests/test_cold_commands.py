"""The cold commands import only what they need: `stats`, `sources`, `--help` and usage or
setting errors load no SQLAlchemy, pydantic, Chroma client or LangChain (issue 24: `stats` in 0.3 s).
Checked by the modules a fresh process holds when the command ends, not by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag_app.stores.catalog_db import CatalogDB

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "pydantic", "pydantic_core", "pydantic_settings", "chromadb", "langchain_core", "numpy")
RUN_AND_LIST = f"""
import json, sys
from rag_app.cli import main
code = main(sys.argv[1:])
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))), file=sys.stderr)
raise SystemExit(code)
"""


def cold(*args: str, **env: str) -> tuple[int, str, list[str], str]:
    """(exit code, stdout, heavy modules imported, the rest of stderr) of `rag_app ARGS` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args],
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    *rest, heavy = done.stderr.strip().splitlines()
    return done.returncode, done.stdout, json.loads(heavy), "\n".join(rest)


def test_stats_and_sources_read_the_catalog_and_the_store_file_only(fake_env, docs, run):
    assert cold("ingest", str(docs))[0] == 0  # in its own process, as a user runs it: Chroma's writes are applied
    code, out, heavy, err = cold("stats", "--json")
    assert code == 0 and heavy == [], err
    assert json.loads(out) == run("stats", "--json").json()
    assert json.loads(out)["chunks"] == 5 and json.loads(out)["sources"] == 4
    code, out, heavy, err = cold("sources", "--json")
    assert code == 0 and heavy == [], err
    assert json.loads(out) == run("sources", "--json").json()
    assert sum(entry["chunks"] for entry in json.loads(out)) == 5


def test_stats_of_an_empty_store_imports_nothing_heavy(fake_env):
    code, out, heavy, err = cold("stats", "--json")
    assert code == 0 and heavy == [], err
    assert json.loads(out)["chunks"] == 0


@pytest.mark.parametrize(
    "args, env, code",
    [
        (("--help",), {}, 0),
        (("search",), {}, 2),  # no query: a usage error
        (("stats",), {"RAG_TOP_K": "0"}, 2),  # a bad setting
    ],
)
def test_help_and_errors_import_nothing_heavy(workdir, args, env, code):
    got, _, heavy, err = cold(*args, **env)
    assert got == code and heavy == [], err
    if env:
        assert err == "error: RAG_TOP_K=0 must be at least 1"


@pytest.mark.parametrize(
    "url", ["sqlite:////tmp/x/catalog.sqlite", "sqlite:///relative/catalog.sqlite", "sqlite:////tmp/a b/c.sqlite"]
)
def test_plain_sqlite_urls_are_read_as_sqlalchemy_reads_them(url):
    from sqlalchemy.engine import make_url

    assert CatalogDB(url).sqlite_path == Path(make_url(url).database)
    assert CatalogDB(url).dialect == "sqlite"
