"""What staff click, in Debian's headless Chromium driven by Playwright (no downloaded browser).

One `harvest serve` for the module; each test opens a fresh page. Skips when /usr/bin/chromium or
Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import rispy

from tests.catalog_factory import build_catalog
from tests.test_serve import harvest_serve

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot-studies.png"

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM} (apt install chromium)"
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """A running `harvest serve` on the test catalog."""
    db = build_catalog(tmp_path_factory.mktemp("browser") / "catalog.db")
    with harvest_serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url):
    """A fresh page with clipboard access, on the catalog's origin."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def shown_pmids(page) -> list[str]:
    """PMIDs in the first column of the results table, in order."""
    cells = page.locator("table.rows-and-columns td.col-pmid a:first-child")
    return [text.strip() for text in cells.all_inner_texts()]


def test_browse_by_facets(page):
    page.goto("/catalog/studies")
    assert page.locator("h3").filter(has_text="10 rows").count() == 1
    facet = page.locator(".facet-info").filter(has_text="modalities")
    facet.get_by_role("link", name="ketamine", exact=True).click()
    page.wait_for_url("**modalities__arraycontains=ketamine**")
    assert page.locator("h3").filter(has_text="5 rows").count() == 1
    page.locator(".facet-info").filter(has_text="design").get_by_role("link", name="rct").click()
    page.wait_for_url("**design=rct**")
    assert sorted(shown_pmids(page)) == ["24740528", "33397139", "36500006"]


def test_full_text_search(page):
    page.goto("/catalog/studies")
    page.fill("input[name=_search]", "midazolam")
    page.keyboard.press("Enter")
    page.wait_for_url("**_search=midazolam**")
    assert sorted(shown_pmids(page)) == ["24740528", "33397139", "36500001"]


def test_evidence_query(page):
    page.goto("/catalog/evidence")
    page.fill("input[name=condition]", "ptsd")
    page.fill("input[name=modality]", "ketamine")
    page.get_by_role("button", name="Run SQL").click()
    page.wait_for_url("**modality=ketamine**")
    assert shown_pmids(page) == ["36500001", "33397139", "24740528", "36500003"]
    levels = page.locator("table.rows-and-columns td.col-evidence_level").all_inner_texts()
    assert [t.strip() for t in levels] == ["1", "2", "2", "4"]


def test_study_page_copies_its_citation(page):
    page.goto("/catalog/studies/24740528")
    expected = page.locator("#citation-ama").inner_text()
    assert expected.startswith("Feder A, Parides MK, Murrough JW, et al. Efficacy of intravenous")
    button = page.locator("button[data-copy=citation-ama]")
    assert button.inner_text() == "Copy AMA citation"
    button.click()
    page.wait_for_function("document.querySelector('[data-copy=citation-ama]').dataset.copied")
    assert button.inner_text() == "Copied"
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert page.get_by_role("link", name="PubMed", exact=True).get_attribute("href") == (
        "https://pubmed.ncbi.nlm.nih.gov/24740528/"
    )
    assert page.get_by_role("link", name="doi.org").get_attribute("href") == (
        "https://doi.org/10.1001/jamapsychiatry.2014.62"
    )


def test_retracted_study_page_warns(page):
    page.goto("/catalog/studies/31065731")
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert alert.inner_text().startswith("⚠ Retracted. This study has been retracted.")


def test_ris_download(page, tmp_path):
    page.goto("/catalog/studies?_search=midazolam")
    with page.expect_download() as download:
        page.get_by_role("link", name="ris", exact=True).click()
    assert download.value.suggested_filename == "studies.ris"
    path = tmp_path / "studies.ris"
    download.value.save_as(path)
    entries = rispy.loads(path.read_text(encoding="utf-8"))
    assert sorted(e["accession_number"] for e in entries) == ["24740528", "33397139", "36500001"]


def test_screenshot_of_the_studies_page(page, tmp_path):
    """The README's picture: refreshed when missing or when UPDATE_SCREENSHOTS=1."""
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto("/catalog/studies")
    update = os.environ.get("UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists()
    path = SCREENSHOT if update else tmp_path / SCREENSHOT.name
    page.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
