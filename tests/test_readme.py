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
