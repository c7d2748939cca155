"""What a new user hit on the command line, each fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def test_search_into_a_closed_pipe_exits_quietly(fake_env, docs, run):
    run("ingest", str(docs))
    questions = fake_env / "many.txt"
    questions.write_text("tower\n" * 2000)  # far more output than a pipe buffer holds
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag_app", "search", "--file", str(questions)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    first = proc.stdout.readline()  # like `| head -1`: read one line, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first.startswith(b'{"query": "tower"')
    assert err == "" and proc.returncode == 141  # 128 + SIGPIPE, as Unix tools exit


def test_a_text_file_without_an_extension_is_read(fake_env, docs, run):
    shutil.copy(REPO / "data" / "famous_birthdays.txt", fake_env / "GPL-3")
    (fake_env / "program").write_bytes(b"\x7fELF\x02\x01\x01\x00" * 50)
    result = run("ingest", str(fake_env / "GPL-3"), str(fake_env / "program"))
    assert result.code == 0 and "1 file read, 1 skipped" in result.out, result.out + result.err
    assert "program: unsupported file type (none)" in result.err
    assert run("search", "Jordan", "--k", "1", "--json").json()["results"][0]["source"] == "GPL-3"


def test_include_and_exclude_globs(fake_env, docs, run):
    only_text = run("ingest", str(docs), "--include", "*.txt", "--include", "*.md", "--exclude", "solar*")
    assert only_text.code == 0 and "1 file read, 0 skipped" in only_text.out, only_text.out
    assert [s["source"] for s in run("sources", "--json").json()] == ["famous_birthdays.txt"]


def test_cuda_without_a_cuda_torch_is_one_line_at_once(workdir, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDING_DEVICE", "cuda")
    result = run("ingest", str(docs))
    assert result.code == 2 and result.err.count("\n") == 1
    assert "RAG_EMBEDDING_DEVICE=cuda but this torch build has no CUDA" in result.err


def test_misspelt_variables_are_warned_with_a_suggestion(fake_env, docs, run, monkeypatch):
    monkeypatch.setenv("RAG_TOPK", "3")
    (fake_env / ".env").write_text("RAG_CHUNKSIZE=500\n")
    result = run("stats")
    assert result.code == 0
    assert "warning: RAG_TOPK is not a rag_app setting: did you mean RAG_TOP_K?" in result.err
    assert "warning: RAG_CHUNKSIZE is not a rag_app setting: did you mean RAG_CHUNK_SIZE?" in result.err


def test_version_and_the_installed_script_name_itself(run, capsys):
    from rag_app import __version__

    assert run("--version").out.strip() == f"rag_app {__version__}"
    script = shutil.which("rag-app")
    if script is None:
        pytest.skip("the rag-app script is not installed (pip install -e .)")
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("usage: rag-app ")


def test_questions_from_stdin(fake_env, docs, run, monkeypatch):
    import io

    run("ingest", str(docs))
    monkeypatch.setattr(sys, "stdin", io.StringIO('When was Napoleon born?\n{"question": "Where is Paris?"}\n'))
    lines = run("ask", "--file", "-", "--k", "1").json_lines()
    assert [line["question"] for line in lines] == ["When was Napoleon born?", "Where is Paris?"]


def test_plural_words_and_empty_store_values(fake_env, docs, run):
    one = fake_env / "one"
    one.mkdir()
    shutil.copy(docs / "famous_birthdays.txt", one)
    assert "1 file read, 0 skipped, 1 chunk added" in run("ingest", str(one)).out
    run("reset", "--yes")
    stats = run("stats").out
    assert "dimension       —" in stats and "dimension       0" not in stats


def test_sources_lists_files_and_delete_points_to_it(fake_env, docs, run):
    run("ingest", str(docs))
    listed = run("sources").out.splitlines()
    assert listed[-1] == "4 sources, 5 chunks"
    assert any(line.split() == ["2", "landmarks.pdf"] for line in listed)
    missing = run("delete", "nope.txt")
    assert missing.code == 1 and "`python -m rag_app sources` lists what is ingested" in missing.err


def test_commands_from_any_folder_share_the_per_user_store(fake_env, docs, run, monkeypatch):
    (fake_env / ".rag_app").rmdir()
    assert "5 chunks added" in run("ingest", str(docs)).out
    monkeypatch.chdir(docs)
    info = run("stats", "--json").json()
    assert info["chunks"] == 5 and info["location"] == str(fake_env / "user-data" / "rag_app" / "chroma")
    assert run("ask", "When was Michael Jordan born?", "--json").json()["sources"]
