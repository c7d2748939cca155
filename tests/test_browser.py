"""The web page in a real browser: Debian's chromium, headless, driven by selenium through chromedriver.

`.ci/run` installs chromium and chromium-driver when they are missing; on a machine without them
these tests are skipped, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.serving import start_server, stop_server

CHROMEDRIVER = "/usr/bin/chromedriver"
KEY = "rk-browser-test-91c4"


def browser_missing() -> str | None:
    if not shutil.which("chromium") or not Path(CHROMEDRIVER).exists():
        return "needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
    return None


if browser_missing() and os.environ.get("CI"):
    raise RuntimeError(browser_missing())
pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@pytest.fixture
def page_url(workdir, run, monkeypatch):
    """data/ ingested with the offline defaults (bundled model, extractive answerer), served with an API key."""
    monkeypatch.setenv("RAG_PERSIST_DIR", str(workdir / "store"))
    assert run("ingest", str(DATA)).code == 0
    monkeypatch.setenv("RAG_API_KEY", KEY)
    process, url, _ = start_server({**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, workdir)
    yield url
    stop_server(process)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="rag-chromium-")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1000,1100",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def text_of(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


def ask(driver, question: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "ask").click()


def test_ask_upload_ask_delete_in_a_real_browser(page_url, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(page_url)
    key_box = wait_for(
        browser, lambda d: d.find_element(By.ID, "key-input").is_displayed() and d.find_element(By.ID, "key-input")
    )
    key_box.send_keys(KEY)  # the page asks for the key once, then keeps it
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()
    wait_for(browser, lambda d: "5 chunks from 4 documents" in text_of(d, "stats"))

    ask(browser, "When was Michael Jordan born?")
    wait_for(browser, lambda d: "1963" in text_of(d, "answer") and d.find_elements(By.CSS_SELECTOR, "#sources li"))
    first = browser.find_element(By.CSS_SELECTOR, "#sources li summary")
    assert first.text.startswith("famous_birthdays.txt (score ")
    first.click()  # a source opens to its chunk's text
    chunk = browser.find_element(By.CSS_SELECTOR, "#sources li pre")
    wait_for(browser, lambda d: chunk.is_displayed())
    assert "Michael Jeffrey Jordan was born on 17 February 1963" in chunk.text
    # The asked-for value is marked in the answer, and the quoted sentence inside the opened chunk.
    assert browser.find_element(By.CSS_SELECTOR, "#answer mark.span").text == "17 February 1963"
    quote = browser.find_element(By.CSS_SELECTOR, "#sources li pre mark.quote")
    assert quote.is_displayed() and quote.text in text_of(browser, "answer")
    assert quote.text.startswith("Michael Jeffrey Jordan was born on 17 February 1963")
    screenshot = tmp_path / "page.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get(
        "SERVE_SCREENSHOT"
    ):  # README's picture: SERVE_SCREENSHOT=docs/serve.png pytest tests/test_browser.py
        shutil.copyfile(screenshot, os.environ["SERVE_SCREENSHOT"])

    notes = tmp_path / "okapi_notes.md"
    notes.write_text("# Okapi\n\nThe okapi is a giraffid that lives in the rainforests of the Congo.\n")
    browser.find_element(By.ID, "file-input").send_keys(str(notes))
    wait_for(browser, lambda d: "1 file(s) read, 1 chunk(s) stored" in text_of(d, "upload-status"))
    wait_for(browser, lambda d: "okapi_notes.md (1 chunk)" in text_of(d, "documents"))
    ask(browser, "Where does the okapi live?")
    wait_for(browser, lambda d: "Congo" in text_of(d, "answer"))
    assert "okapi_notes.md" in browser.find_element(By.CSS_SELECTOR, "#sources li summary").text

    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Delete okapi_notes.md']").click()
    wait_for(browser, lambda d: "okapi_notes.md" not in text_of(d, "documents"))
    wait_for(browser, lambda d: "5 chunks from 4 documents" in text_of(d, "stats"))
    request = urllib.request.Request(f"{page_url}/v1/documents", headers={"Authorization": f"Bearer {KEY}"})
    assert b"okapi" not in urllib.request.urlopen(request).read()

    # What the CLI prints after an ingest (here: an HTML file whose text is a sliver of its size) shows on the page.
    scripted = tmp_path / "scripted.html"
    scripted.write_text(
        f"<html><body><p>A short text about the okapi.</p><script>{'x' * 20_000}</script></body></html>"
    )
    browser.find_element(By.ID, "file-input").send_keys(str(scripted))
    wait_for(browser, lambda d: "note: scripted.html: only" in text_of(d, "upload-status"))
    assert "was most of it lost?" in text_of(browser, "upload-status")


def test_the_page_fits_a_phone(page_url, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    # The key goes into local storage from a page of the same origin that calls no API: the page itself would
    # answer its first 401 by clearing the key, racing with the test's setItem on a slow machine.
    browser.get(f"{page_url}/health")
    browser.execute_script(f"localStorage.setItem('rag_app.api_key', '{KEY}')")
    browser.get(page_url)
    wait_for(browser, lambda d: "documents" in text_of(d, "stats"))
    ask(browser, "When was Michael Jordan born?")
    wait_for(browser, lambda d: "1963" in text_of(d, "answer"))
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert (
        browser.find_element(By.ID, "ask").is_displayed() and browser.find_element(By.ID, "file-input").is_displayed()
    )
