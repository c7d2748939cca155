"""The README's Python example runs as written, with the real bundled model."""

from __future__ import annotations

import re
import shutil

from tests.conftest import DATA, REPO


def test_use_it_from_python_example_runs(workdir, capsys):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Use it from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shutil.copytree(DATA, workdir / "data")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "4 files read" in out and "1963" in out and "330" in out
    assert "1. famous_birthdays.txt (score " in out
    assert "'store': 'chroma'" in out


def _block(section: str, language: str = "") -> str:
    readme = (REPO / "README.md").read_text()
    return re.search(rf"```{language}\n(.*?)```", readme.split(section, 1)[1], re.S).group(1)


def test_the_chat_transcript_is_what_chat_prints(workdir, run, monkeypatch):
    """The README's session, typed again through a pipe with the real model: same answers, same sources."""
    import io

    transcript = _block("## Chat").splitlines()[2:]  # after the command and the banner's store line
    questions = [line[2:] for line in transcript if line.startswith("> ")]
    shutil.copytree(DATA, workdir / "data")
    assert run("ingest", "data").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    result = run("chat")
    scores = re.compile(r"score -?\d\.\d\d")
    shown = [scores.sub("score _", line) for line in result.out.splitlines()[1:]]
    expected = [scores.sub("score _", line) for line in transcript if not line.startswith(">")]
    assert "\n".join(shown).rstrip() == "\n".join(expected).rstrip()  # the terminal's last newline aside


def test_the_mcp_host_snippet_is_valid(workdir):
    import json

    from rag_app.config import variable_names

    entry = json.loads(_block("## MCP", "json"))["mcpServers"]["rag_app"]
    assert entry["command"].endswith("/rag-app") and entry["args"] == ["mcp"]
    assert set(entry["env"]) <= set(variable_names())
