"""Which HTML extractor gives the best answers on the real-document set.

    python bench/realdocs/html_extractors.py [EXTRACTOR...]    (after bench/realdocs/fetch.py)

For each extractor the HTML loader's `html_sections` is replaced, the corpus under
bench/out/realdocs/docs is ingested into its own fresh store, and the questions are evaluated
with answers. Extractors: `get_text` (BeautifulSoup's get_text("\\n"), the loader before issue 10),
`html2text` and `trafilatura` (Markdown output, cut at its headings like a Markdown file), `walk`
(rag_app's BeautifulSoup walk). Prints a Markdown table and one JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "realdocs"

Sections = tuple[str | None, list[tuple[list[str], str]]]


def get_text(html: str) -> Sections:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return None, [([], soup.get_text("\n", strip=True))]


def _markdown(markdown: str | None, title: str | None) -> Sections:
    from rag_app.ingestion.text import markdown_sections, unwrap

    return title, markdown_sections(unwrap(markdown or "", markdown=True))


def _title(html: str) -> str | None:
    from bs4 import BeautifulSoup

    tag = BeautifulSoup(html, "html.parser").find("title")
    return " ".join(tag.get_text().split()) if tag else None


def html2text_sections(html: str) -> Sections:
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width, converter.ignore_links, converter.ignore_images = 0, True, True
    return _markdown(converter.handle(html), _title(html))


def trafilatura_sections(html: str) -> Sections:
    import trafilatura

    text = trafilatura.extract(html, output_format="markdown", include_tables=True, favor_recall=True)
    return _markdown(text, _title(html))


def walk(html: str) -> Sections:
    from rag_app.ingestion.html import html_sections

    return html_sections(html)


EXTRACTORS: dict[str, Callable[[str], Sections]] = {
    "get_text": get_text,
    "html2text": html2text_sections,
    "trafilatura": trafilatura_sections,
    "walk": walk,
}


def main() -> None:
    import rag_app.ingestion.html as html_module
    from rag_app import RagService
    from rag_app.config import Settings
    from rag_app.eval.evaluate import evaluate, load_questions

    names = sys.argv[1:] or list(EXTRACTORS)
    questions = load_questions(Path(__file__).with_name("questions.jsonl"))
    rows = {}
    original = html_module.html_sections
    for name in names:
        store = OUT / f"store-{name}"
        shutil.rmtree(store, ignore_errors=True)
        html_module.html_sections = EXTRACTORS[name] if name != "walk" else original
        service = RagService(Settings.from_env({**os.environ, "RAG_PERSIST_DIR": str(store)}))
        report = service.ingest([str(OUT / "docs")])
        summary = evaluate(service, questions, answers=True)
        rows[name] = {"chunks": report.added, **summary}
        print(f"{name}: {json.dumps(rows[name])}", file=sys.stderr, flush=True)
    html_module.html_sections = original
    print("| HTML extractor | chunks | hit@1 | gold file in top 5 | contains gold (all 93) |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['chunks']} | {row['hit@1']:.3f} | {row['gold_source@5']:.3f} | {row['answer_contains_gold']:.3f} |"
        )
    print(json.dumps({n: [r["gold_source@5"], r["answer_contains_gold"]] for n, r in rows.items()}))


if __name__ == "__main__":
    main()
