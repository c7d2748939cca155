"""Formats: text recall and speed of rag_app's loaders and the alternatives, per file format.

    python bench/formats.py CORPUS [--formats docx,pptx,...] [--cache DIR]

CORPUS is a folder of real documents gathered from public repositories' test files (see
bench/formats.md for which); nothing of it is committed. For each file a *reference* text is
taken independently of every extractor measured:

- OOXML (.docx, .pptx, .xlsx): every text run (`w:t`, `a:t`, shared and inline strings) of the parts
  that hold content: the body, footnotes, endnotes, comments, headers, footers, slides, notes;
  numbers in cells are left out (their display format differs from the stored value);
- OpenDocument: every paragraph and heading of the body, and the master pages' headers and footers;
- legacy .doc/.xls/.ppt and .rtf: LibreOffice (`soffice --convert-to docx|xlsx|pptx`), then as OOXML;
- EPUB: the text of each XHTML page in the spine; e-mail: every text part of every message
  (HTML reduced to its text); .msg: the subject and body properties read with olefile; CSV: the cells.

Recall is the share of the reference's words (lower-cased, counted with repeats) found in a
candidate's output; files whose reference is empty (encrypted, pictures only) are left out, and a
file a candidate fails on counts as 0 recall. Seconds are the candidate's total over the files.
Prints a Markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import io
import json
import logging
import re
import shutil
import subprocess
import sys
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_WORD = re.compile(r"\w+", re.UNICODE)
_LEGACY = {".doc": "docx", ".rtf": "docx", ".xls": "xlsx", ".ppt": "pptx"}


def tokens(text: str) -> Counter:
    return Counter(w.lower() for w in _WORD.findall(text or ""))


def recall(reference: Counter, found: Counter) -> tuple[int, int]:
    """(words of the reference found, words in the reference), counted with repeats."""
    return sum(min(n, found[w]) for w, n in reference.items()), sum(reference.values())


# -- references ---------------------------------------------------------------------------------


def _xml(data: bytes):
    from lxml import etree

    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True, recover=True))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _runs(root) -> list[str]:
    """The text of each paragraph (`w:p`, `a:p`, `si`): its runs (`t`) joined, leaving out mc:Fallback
    copies and phonetic guides (`rPh`); a text box's paragraphs are their own."""
    for drop in [e for e in root.iter() if _local(e.tag) in ("Fallback", "rPh")]:
        drop.getparent().remove(drop)
    paragraphs: dict[object, list[str]] = {}
    for run in root.iter():
        if _local(run.tag) != "t" or not run.text:
            continue
        owner = run.getparent()
        while owner is not None and _local(owner.tag) not in ("p", "si", "is"):
            owner = owner.getparent()
        paragraphs.setdefault(owner, []).append(run.text)
    return ["".join(texts) for texts in paragraphs.values()]


_OOXML_PARTS = {
    ".docx": re.compile(r"word/(document|footnotes|endnotes|comments|header\d*|footer\d*)\.xml$"),
    ".pptx": re.compile(r"ppt/(slides/slide\d+|notesSlides/notesSlide\d+|comments/\w+)\.xml$"),
    ".xlsx": re.compile(r"xl/(sharedStrings|worksheets/sheet\d+|comments\d*)\.xml$"),
}


def ooxml_reference(path: Path, kind: str) -> str:
    texts = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if _OOXML_PARTS[kind].match(name):
                root = _xml(archive.read(name))
                if kind == ".xlsx" and "worksheets/" in name:  # inline strings and formulas' text values only
                    for cell in root.iter():
                        if _local(cell.tag) == "c" and cell.get("t") in ("inlineStr", "str"):
                            texts += ["".join(v.itertext()) for v in cell if _local(v.tag) in ("v", "is")]
                    continue
                texts += _runs(root)
    return "\n".join(texts)


def odf_reference(path: Path) -> str:
    texts = []
    with zipfile.ZipFile(path) as archive:
        for part in ("content.xml", "styles.xml"):
            if part not in archive.namelist():
                continue
            root = _xml(archive.read(part))
            for element in root.iter():
                if _local(element.tag) not in ("p", "h") or "opendocument:xmlns:text" not in element.tag:
                    continue
                parent, inside, keep = element.getparent(), False, part == "content.xml"
                while parent is not None:
                    name = _local(parent.tag)
                    inside = inside or (name in ("p", "h") and "xmlns:text" in parent.tag)
                    keep = keep or name in (
                        "header",
                        "footer",
                        "header-left",
                        "footer-left",
                        "header-first",
                        "footer-first",
                    )
                    parent = parent.getparent()
                if keep and not inside:
                    texts.append("".join(element.itertext()))
    return "\n".join(texts)


def epub_reference(path: Path) -> str:
    from bs4 import BeautifulSoup

    with zipfile.ZipFile(path) as archive:
        container = _xml(archive.read("META-INF/container.xml"))
        opf_name = next(e.get("full-path") for e in container.iter() if _local(e.tag) == "rootfile")
        opf = _xml(archive.read(opf_name))
        base = opf_name.rsplit("/", 1)[0] + "/" if "/" in opf_name else ""
        items = {e.get("id"): e.get("href") for e in opf.iter() if _local(e.tag) == "item"}
        spine = [items.get(e.get("idref")) for e in opf.iter() if _local(e.tag) == "itemref"]
        texts = []
        for href in spine:
            if href:
                soup = BeautifulSoup(archive.read(base + href.split("#")[0]), "html.parser")
                for tag in soup(["head", "script", "style"]):
                    tag.decompose()
                texts.append(soup.get_text(" "))
    return "\n".join(texts)


def mail_reference(path: Path) -> str:
    import mailbox

    from bs4 import BeautifulSoup

    if path.suffix.lower() == ".mbox":
        messages = list(
            mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default))
        )
    else:
        messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)]
    texts = []
    for message in messages:
        texts.append(str(message.get("subject", "")))
        for part in message.walk():
            if part.get_content_maintype() == "text" and not part.get_filename():
                try:
                    content = part.get_content()
                except Exception:
                    content = (part.get_payload(decode=True) or b"").decode("latin-1")
                if part.get_content_subtype() == "html":
                    content = BeautifulSoup(content, "html.parser").get_text(" ")
                texts.append(content)
                break  # one body per message: the alternative parts repeat it
    return "\n".join(texts)


def msg_reference(path: Path) -> str:
    import olefile

    texts = []
    with olefile.OleFileIO(str(path)) as ole:
        for prop in ("0037", "1000"):  # subject, body
            for suffix, encoding in (("001F", "utf-16-le"), ("001E", "latin-1")):
                name = f"__substg1.0_{prop}{suffix}"
                if ole.exists(name):
                    texts.append(ole.openstream(name).read().decode(encoding, "replace"))
    return "\n".join(texts)


def csv_reference(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(" ".join(row) for row in csv.reader(io.StringIO(text)))


def converted(path: Path, cache: Path) -> Path:
    """`path` saved by LibreOffice in its OOXML counterpart (cached)."""
    kind = _LEGACY[path.suffix.lower()]
    target = cache / f"{path.name}.{kind}"
    if not target.exists():
        work = cache / "work"
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{cache}/profile",
                "--convert-to",
                kind,
                "--outdir",
                str(work),
                str(path),
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )
        made = work / f"{path.stem}.{kind}"
        if made.exists():
            made.rename(target)
        else:
            target.write_bytes(b"")
    return target


def reference(path: Path, cache: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _OOXML_PARTS:
        return ooxml_reference(path, suffix)
    if suffix in _LEGACY:
        target = converted(path, cache)
        return ooxml_reference(target, "." + _LEGACY[suffix]) if target.stat().st_size else ""
    if suffix in (".odt", ".ods", ".odp"):
        return odf_reference(path)
    if suffix == ".epub":
        return epub_reference(path)
    if suffix in (".eml", ".mbox"):
        return mail_reference(path)
    if suffix == ".msg":
        return msg_reference(path)
    if suffix in (".csv", ".tsv"):
        return csv_reference(path)
    raise ValueError(suffix)


# -- candidates ---------------------------------------------------------------------------------


def rag_app(path: Path) -> str:
    from rag_app.ingestion import formats

    return "\n".join(d.page_content for d in formats.load(path, path.name))


def python_docx_plain(path: Path) -> str:
    """python-docx as commonly used: body paragraphs and table cells."""
    import docx

    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def markitdown(path: Path) -> str:
    from markitdown import MarkItDown

    return MarkItDown(enable_plugins=False).convert(str(path)).text_content


def tool(*command: str) -> Callable[[Path], str]:
    def run(path: Path) -> str:
        done = subprocess.run([*command, str(path)], capture_output=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(done.stderr.decode(errors="replace")[:100])
        return done.stdout.decode("utf-8", "replace")

    run.__name__ = command[0]
    return run


def striprtf_plain(path: Path) -> str:
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(path.read_bytes().decode("latin-1"), errors="replace")


CANDIDATES: dict[str, list[tuple[str, Callable[[Path], str]]]] = {
    ".docx": [("rag_app (python-docx + its XML)", rag_app), ("python-docx paragraphs+tables", python_docx_plain), ("markitdown (mammoth)", markitdown)],
    ".pptx": [("rag_app (python-pptx)", rag_app), ("markitdown", markitdown)],
    ".xlsx": [("rag_app (openpyxl)", rag_app), ("markitdown (pandas)", markitdown)],
    ".doc": [("rag_app (antiword + catdoc)", rag_app), ("antiword", tool("antiword", "-w", "0")), ("catdoc", tool("catdoc", "-w", "-d", "utf-8"))],
    ".ppt": [("rag_app (olefile records)", rag_app), ("catppt", tool("catppt", "-d", "utf-8"))],
    ".xls": [("rag_app (xlrd)", rag_app), ("xls2csv (catdoc)", tool("xls2csv", "-d", "utf-8")), ("markitdown (pandas)", markitdown)],
    ".odt": [("rag_app (odfpy)", rag_app)],
    ".ods": [("rag_app (odfpy)", rag_app)],
    ".odp": [("rag_app (odfpy)", rag_app)],
    ".epub": [("rag_app (ebooklib + HTML loader)", rag_app), ("markitdown", markitdown)],
    ".rtf": [("rag_app (striprtf, destinations kept)", rag_app), ("striprtf plain", striprtf_plain)],
    ".eml": [("rag_app (email)", rag_app)],
    ".mbox": [("rag_app (mailbox)", rag_app)],
    ".msg": [("rag_app (extract-msg)", rag_app), ("markitdown (olefile)", markitdown)],
    ".csv": [("rag_app (csv)", rag_app), ("markitdown", markitdown)],
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--formats", default=",".join(s[1:] for s in CANDIDATES))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/rag-formats-reference"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    args.cache.mkdir(parents=True, exist_ok=True)
    wanted = {"." + s.strip().lstrip(".") for s in args.formats.split(",")}
    if any(s in _LEGACY for s in wanted) and shutil.which("soffice") is None:
        print("the references of .doc/.xls/.ppt/.rtf need LibreOffice (soffice)", file=sys.stderr)
        return 1
    rows, results = [], {}
    for suffix in [s for s in CANDIDATES if s in wanted]:
        files = sorted(p for p in args.corpus.iterdir() if p.suffix.lower() == suffix)
        refs = {}
        for path in files:
            try:
                ref = tokens(reference(path, args.cache))
            except Exception:
                continue
            if sum(ref.values()) >= 3:
                refs[path] = ref
        for name, candidate in CANDIDATES[suffix]:
            hit = total = failed = 0
            per_file = []
            seconds = 0.0
            for path, ref in refs.items():
                started = time.perf_counter()
                try:
                    found = tokens(candidate(path))
                except Exception:
                    found, failed = Counter(), failed + 1
                seconds += time.perf_counter() - started
                h, t = recall(ref, found)
                hit, total = hit + h, total + t
                per_file.append(h / t)
            score = hit / total if total else 0.0
            worst = min(per_file) if per_file else 0.0
            rows.append((suffix[1:], name, len(refs), failed, score, worst, seconds))
            results.setdefault(suffix[1:], {})[name] = {
                "files": len(refs),
                "failed": failed,
                "recall": round(score, 4),
                "worst_file": round(worst, 3),
                "seconds": round(seconds, 2),
            }
    print("| format | extractor | files | failed | recall | worst file | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for fmt, name, count, failed, score, worst, seconds in rows:
        print(f"| {fmt} | {name} | {count} | {failed} | {score:.3f} | {worst:.2f} | {seconds:.2f} |")
    print(json.dumps({"bench": "formats", "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
