"""Running an optional system tool (antiword, catppt, groff, tesseract) on one file, bounded in time;
a missing tool is a skip with the package that provides it."""

from __future__ import annotations

import shutil
import subprocess

from rag_app.ingestion.formats.limits import skip

TIMEOUT_S = 120


def run_tool(command: list[str], package: str, what: str) -> str:
    """The standard output of `command` as text.

    Args:
        command: the program and its arguments.
        package: the Debian package that provides the program (named in the skip reason).
        what: what the tool is needed for, as in "reading .doc files".

    Raises:
        SkipFile: the tool is missing, fails, or runs past TIMEOUT_S.
    """
    if shutil.which(command[0]) is None:
        raise skip(f"{what} needs {command[0]}, which is not installed (apt-get install {package})")
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as err:
        raise skip(f"{command[0]} took longer than {TIMEOUT_S} s") from err
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise skip(f"{command[0]} failed: {message[-1][:160] if message else f'exit {done.returncode}'}")
    return done.stdout.decode("utf-8", "replace")
