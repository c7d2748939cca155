"""Copy the real-document evaluation corpus: files Debian packages install on this machine.

    python bench/realdocs/fetch.py [DEST]      (default bench/out/realdocs)

Every file is named with the package that provides it (`dpkg -S`); a missing file is reported
with the package to install (`apt-get install -y PACKAGE`) and the script exits non-zero, so an
evaluation never runs on a partial corpus by accident. Questions: bench/realdocs/questions.jsonl,
whose `gold_passage_id` is the file's name below DEST (`libffi8/Types.html`), as rag_app shows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = Path("/usr/share/doc")
LICENSES = Path("/usr/share/common-licenses")

# (folder in DEST, file on this machine, package expected to provide it)
FILES: list[tuple[str, Path, str]] = [
    *[("licenses", LICENSES / n, "base-files") for n in ("GPL-3", "Apache-2.0", "MPL-2.0", "CC0-1.0", "Artistic")],
    *[("licenses", LICENSES / n, "base-files") for n in ("LGPL-2.1",)],
    ("base-passwd", DOC / "base-passwd/README", "base-passwd"),
    ("base-passwd", DOC / "base-passwd/users-and-groups.html", "base-passwd"),
    *[
        ("libffi8", DOC / "libffi8/html" / n, "libffi-dev")
        for n in (
            "Introduction.html",
            "Using-libffi.html",
            "The-Basics.html",
            "Simple-Example.html",
            "Types.html",
            "Primitive-Types.html",
            "Structures.html",
            "Size-and-Alignment.html",
            "Arrays-Unions-Enums.html",
            "Complex.html",
            "Multiple-ABIs.html",
            "The-Closure-API.html",
            "Closure-Example.html",
            "Thread-Safety.html",
            "Memory-Usage.html",
            "Missing-Features.html",
        )
    ],
    *[
        ("valgrind", DOC / "valgrind/html" / n, "valgrind")
        for n in ("quick-start.html", "faq.html", "manual-intro.html", "dist.authors.html", "mc-manual.html")
    ],
    *[("nodejs", DOC / "nodejs/api" / n, "nodejs") for n in ("path.html", "os.html", "documentation.html")],
    ("libtasn1", DOC / "libtasn1-doc/libtasn1.pdf", "libtasn1-doc"),
    ("shared-mime-info", DOC / "shared-mime-info/shared-mime-info-spec.pdf", "shared-mime-info"),
    ("shared-mime-info", DOC / "shared-mime-info/README.md", "shared-mime-info"),
    ("markdown", DOC / "python3-yaml/README.md", "python3-yaml"),
    ("markdown", DOC / "zstd/TESTING.md", "zstd"),
    ("markdown", DOC / "procps/bugs.md", "procps"),
    ("markdown", DOC / "python3-pip/html/installation.md", "python3-pip"),
    # issue 25: the values sit in option lists, definition lists, code and preformatted blocks
    ("bzip2", DOC / "bzip2/manual.html", "bzip2-doc"),
    ("ninja", DOC / "ninja-build/manual.html", "ninja-build"),
    ("zlib", DOC / "zlib1g-dev/examples/zlib_how.html", "zlib1g-dev"),
    ("time", DOC / "time/time.html", "time"),
    ("dpkg", DOC / "dpkg/spec/rootless-builds.txt", "dpkg-dev"),
    ("python3", DOC / "python3/python-policy.html", "python3-dev"),
    ("libxslt", DOC / "libxslt1-dev/html/EXSLT/intro.html", "libxslt1-dev"),
    ("openssh", Path("/usr/share/man/man1/ssh.1.gz"), "openssh-client"),
]
MAN = {".gz"}
"""Manual pages, rendered to plain text (`man -l`, 80 columns, `col -bx`) as `NAME.txt`."""


def provider(path: Path) -> str | None:
    """The package `dpkg -S` says installed `path`, or None."""
    try:
        out = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return None
    return out.split(":", 1)[0].strip() or None


def render_man(path: Path) -> str:
    """A manual page as a terminal shows it at 80 columns, without its bold and underlining."""
    env = {**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0"}
    shown = subprocess.run(["man", "--nh", "--nj", "-l", str(path)], capture_output=True, env=env, check=True).stdout
    return subprocess.run(["col", "-bx"], input=shown, capture_output=True, check=True).stdout.decode()


def main() -> int:
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "out" / "realdocs"
    missing = []
    for folder, path, package in FILES:
        target = dest / folder / (path.name if folder != "markdown" else f"{package}-{path.name}")
        if not path.is_file():
            missing.append(f"missing {path} (apt-get install -y {package})")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in MAN:
            target = target.with_name(path.name.removesuffix(".gz") + ".txt")
            target.write_text(render_man(path), encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        print(f"{target.relative_to(dest)}\t{provider(path) or package + '?'}\t{path}")
    for line in missing:
        print(line, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
