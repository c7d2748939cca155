"""`map`: the HTML holds the stored chunks (sources, hover texts, the query and its neighbours), on
Chroma and Deep Lake; bad input; the PNG; and the page rendered in headless chromium."""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.test_browser import CHROMEDRIVER, browser_missing, wait_for

needs_browser = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@pytest.fixture
def browser(tmp_path):
    """Headless chromium (as tests/test_browser.py starts it) that keeps the page's console log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--no-first-run", "--disable-background-networking"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=1100,800")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def plotted(path) -> tuple[list[dict], dict]:
    """The traces and layout plotly's `newPlot` call in the HTML file draws."""
    html = path.read_text()
    start = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*', html).end()
    decoder = json.JSONDecoder()
    traces, end = decoder.raw_decode(html, start)
    layout, _ = decoder.raw_decode(html, html.index("{", end))
    return traces, layout


def first_words(text: str) -> str:
    words = text.split()
    return " ".join(words[:12]) + (" …" if len(words) > 12 else "")


@pytest.fixture
def stored(fake_env, docs, run, monkeypatch):
    """data/ ingested with fake embeddings (5 chunks from 4 sources); vector retrieval, so `search` ranks as `map` does."""
    monkeypatch.setenv("RAG_RETRIEVER", "vector")
    assert run("ingest", str(docs)).code == 0
    return run("search", "anything", "--k", "5", "--json").json()["results"]


def test_html_holds_every_chunk_coloured_by_source_with_first_words(stored, run, workdir):
    result = run("map", "-o", "store.html")
    assert result.code == 0, result.err
    assert result.out == "wrote store.html: 5 of 5 chunks from 4 sources (PCA, 2-D)\n"
    html = (workdir / "store.html").read_text()
    assert re.findall(r"<script[^>]*\bsrc=", html) == [] and len(html) > 3_000_000  # plotly.js inlined, no CDN
    traces, layout = plotted(workdir / "store.html")
    assert all(t["type"] == "scatter" and "z" not in t for t in traces)
    points = [(t["name"], c[0], c[1]) for t in traces for c in t["customdata"]]
    assert len(points) == 5 == sum(len(t["x"]) for t in traces)
    assert {source for _, source, _ in points} == {r["source"] for r in stored}
    assert sorted(hover for _, _, hover in points) == sorted(first_words(r["text"]) for r in stored)
    for name, source, _ in points:  # each point sits in its source's trace, named with its count
        assert name == f"{source} ({sum(1 for r in stored if r['source'] == source)})"
    assert layout["title"]["text"] == "5 of 5 chunks, PCA of fake:256"


def test_query_and_its_neighbours_are_marked(stored, run, workdir):
    result = run("map", "--query", "Eiffel Tower", "--k", "2", "--3d", "-o", "q.html")
    assert result.code == 0, result.err
    assert "the query and its 2 nearest chunks marked" in result.out and "3-D" in result.out
    traces, _ = plotted(workdir / "q.html")
    assert all(t["type"] == "scatter3d" and len(t["z"]) == len(t["x"]) for t in traces)
    by_name = {t["name"]: t for t in traces}
    query = by_name["query"]
    assert query["customdata"] == [["Eiffel Tower"]] and len(query["x"]) == 1
    ranked = run("search", "Eiffel Tower", "--k", "2", "--json").json()["results"]
    marked = by_name["top 2 for the query"]
    assert marked["text"] == ["1", "2"]
    assert [(c[1], c[2]) for c in marked["customdata"]] == [(r["source"], first_words(r["text"])) for r in ranked]


def test_limit_samples_and_the_neighbours_come_on_top(stored, run, workdir):
    assert run("map", "--limit", "2", "-o", "two.html").out.startswith("wrote two.html: 2 of 5 chunks")
    traces, _ = plotted(workdir / "two.html")
    assert sum(len(t["x"]) for t in traces) == 2
    again = run("map", "--limit", "2", "-o", "again.html")
    assert again.code == 0 and plotted(workdir / "again.html")[0] == traces  # same seed, same sample
    assert run("map", "--limit", "1", "--query", "coffee", "--k", "3", "-o", "q.html").code == 0
    traces, _ = plotted(workdir / "q.html")
    sampled = [t for t in traces if t["name"] not in ("query", "top 3 for the query")]
    assert 3 <= sum(len(t["x"]) for t in sampled) <= 4  # 1 sampled + the 3 neighbours not among it
    assert len({t["name"]: t for t in traces}["top 3 for the query"]["x"]) == 3


def test_deep_lake_store(fake_env, docs, run, monkeypatch, workdir):
    monkeypatch.setenv("DEEPLAKE_DATASET_PATH", str(workdir / "lake"))
    assert run("ingest", str(docs)).code == 0
    result = run("map", "--query", "coffee", "--k", "1", "-o", "lake.html")
    assert result.code == 0, result.err
    traces, _ = plotted(workdir / "lake.html")
    sources = {c[0] for t in traces if t["name"] not in ("query", "top 1 for the query") for c in t["customdata"]}
    assert sources == {"coffee.html", "famous_birthdays.txt", "landmarks.pdf", "solar_system.md"}
    assert sum(len(t["x"]) for t in traces) == 5 + 1 + 1  # chunks, the neighbour's ring, the query
    one = run("map", "--limit", "1", "-o", "one.html")
    assert one.code == 2 and one.err == "error: a map needs at least 2 chunks; the sample has 1\n"


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["--limit", "0"], 2, "error: --limit must be at least 1, not 0"),
        (["--method", "tsne"], 2, "error: unknown projection method 'tsne': choose one of pca, umap"),
        (["--query", "x", "--k", "0"], 2, "error: k must be at least 1, not 0"),
        (["--query", "   "], 2, "error: the text is empty"),
        (["-o", "missing/dir/map.html"], 1, "error: cannot write missing/dir/map.html"),
    ],
)
def test_bad_input_is_one_line(stored, run, workdir, argv, code, message):
    result = run("map", *argv)
    assert result.code == code and result.err.startswith(message) and result.err.count("\n") == 1
    assert "Traceback" not in result.err and not (workdir / "map.html").exists()


def test_umap_without_umap_learn_says_how_to_install_it(stored, run, monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap -> ImportError
    result = run("map", "--method", "umap")
    assert result.code == 2 and result.err.startswith("error: --method umap needs umap-learn: pip install")


def test_png_without_kaleido_says_how_to_install_it(stored, run, monkeypatch, workdir):
    monkeypatch.setitem(sys.modules, "kaleido", None)  # import kaleido -> ImportError
    result = run("map", "--png")
    assert result.code == 2 and result.err == "error: --png needs kaleido: pip install 'rag_app[map-png]'\n"
    assert not (workdir / "map.png").exists()


def test_empty_store_is_an_error_and_writes_nothing(fake_env, run, workdir):
    result = run("map")
    assert result.code == 1 and result.err.startswith("error: nothing ingested yet in ") and "ingest PATH" in result.err
    assert not (workdir / "map.html").exists()


@needs_browser
def test_png_is_written(stored, run, workdir):
    result = run("map", "--png", "--query", "coffee")
    assert result.code == 0, result.err
    data = (workdir / "map.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 700)


@needs_browser
@pytest.mark.parametrize("dimensions", ["2d", "3d"])
def test_the_page_renders_in_chromium_without_errors(stored, run, workdir, browser, dimensions):
    extra = ["--3d"] if dimensions == "3d" else []
    assert run("map", "--query", "coffee", "--k", "2", *extra, "-o", "page.html").code == 0
    browser.get((workdir / "page.html").as_uri())
    wait_for(browser, lambda d: d.execute_script("return !!document.querySelector('.js-plotly-plot .main-svg')"))
    if dimensions == "2d":  # SVG: one path per point (5 chunks, 2 rings, the star)
        count = "return document.querySelectorAll('.scatterlayer .trace .points path').length"
        assert wait_for(browser, lambda d: d.execute_script(count) == 8)
    else:  # WebGL: the scene's canvas is drawn
        assert wait_for(browser, lambda d: d.execute_script("return !!document.querySelector('.gl-container canvas')"))
    legend = browser.execute_script("return [...document.querySelectorAll('.legendtext')].map(e => e.textContent)")
    assert "coffee.html (1)" in legend and "query" in legend
    shot = workdir / f"map-{dimensions}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_map_without_plotly_says_how_to_install_it(stored, run, monkeypatch, workdir):
    monkeypatch.setitem(sys.modules, "plotly", None)  # import plotly -> ImportError
    result = run("map")
    assert result.code == 2 and result.err == "error: map needs plotly: pip install 'rag_app[map]'\n"
    assert not (workdir / "map.html").exists()
