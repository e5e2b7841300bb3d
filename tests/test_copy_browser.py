"""A retracted study's copy buttons, clicked in Debian's headless Chromium (Playwright).

The copied text carries the retraction, and only after the writer confirms the warning.
Skips when /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS
from tests.catalog_factory import build_catalog
from tests.test_serve import harvest_serve

RETRACTION = "Retracted in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510."

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """A running `harvest serve` on the test catalog (built by `harvest import`)."""
    db = build_catalog(tmp_path_factory.mktemp("copy") / "catalog.db", with_notice=True)
    with harvest_serve(db) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    """A fresh page with clipboard access."""
    context = browser.new_context(base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_copying_a_retracted_citation_asks_first_and_copies_the_retraction(page):
    page.goto("/catalog/studies/31065731")
    messages: list[str] = []

    def answer(dialog, accept: bool) -> None:
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.evaluate("navigator.clipboard.writeText('before')")
    button = page.locator("button[data-copy=citation-ama]")
    page.once("dialog", lambda d: answer(d, accept=False))
    button.click()
    page.wait_for_function("document.querySelector('[data-copy=citation-ama]').dataset.copied")
    assert button.inner_text() == "Not copied"
    assert page.evaluate("navigator.clipboard.readText()") == "before"

    vancouver = page.locator("button[data-copy=citation-vancouver]")
    page.once("dialog", lambda d: answer(d, accept=True))
    vancouver.click()
    page.wait_for_function(
        "document.querySelector('[data-copy=citation-vancouver]').dataset.copied === 'yes'"
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#citation-vancouver").inner_text()
    assert "Retraction in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510." in copied
    assert len(messages) == 2
    assert all(
        m.startswith("This study has been retracted. Copy its citation anyway?") for m in messages
    )
    assert RETRACTION in page.locator("#citation-ama").inner_text()


def test_an_ordinary_study_copies_without_asking(page):
    page.goto("/catalog/studies/24740528")
    page.on("dialog", lambda d: pytest.fail(f"unexpected dialog: {d.message}"))
    page.locator("button[data-copy=citation-ama]").click()
    page.wait_for_function("document.querySelector('[data-copy=citation-ama]').dataset.copied")
    assert page.evaluate("navigator.clipboard.readText()").startswith("Feder A, Parides MK")
