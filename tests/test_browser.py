"""What staff click, in Debian's headless Chromium driven by Playwright (no downloaded browser).

One `harvest serve` for the module, on a catalog built by `harvest import`; each test opens a
fresh page. Screenshots are test artifacts, written to $ARTIFACT_DIR (or a temporary folder),
never into the repository. Skips when /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import rispy

from tests.browser_support import BROWSER_MARKS
from tests.staff_catalog import build_staff_catalog
from tests.test_serve import harvest_serve

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """A running `harvest serve` on the test catalog."""
    db = build_staff_catalog(tmp_path_factory.mktemp("browser"))
    with harvest_serve(db) as url:
        yield url


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


def artifact_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $ARTIFACT_DIR when set, else the test's temporary folder."""
    folder = Path(os.environ.get("ARTIFACT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_default_view_then_show_all(page):
    page.goto("/catalog/studies")
    page.wait_for_url("**/catalog/studies?on_topic=1&human=1")
    assert page.locator("h3").filter(has_text="11 rows").count() == 1
    page.get_by_role("link", name="Show all studies").click()
    page.wait_for_url("**_studies=all**")
    assert page.locator("h3").filter(has_text="15 rows").count() == 1


def test_browse_by_facets(page):
    page.goto("/catalog/studies?on_topic=1&human=1&design=rct")
    assert sorted(shown_pmids(page)) == [
        "24740528", "33397139", "33972795", "34000001", "34000002", "36500006",
    ]  # fmt: skip


def test_full_text_search(page):
    page.goto("/catalog/studies?_studies=all")
    page.fill("input[name=_search]", "midaz*")
    page.keyboard.press("Enter")
    page.wait_for_url("**_search=midaz**")
    assert sorted(shown_pmids(page)) == ["24740528", "33397139", "36500006"]


def test_evidence_query_accepts_labels(page):
    page.goto("/catalog/evidence?condition=PTSD&modality=Ketamine")
    assert shown_pmids(page) == ["36500001", "33397139", "24740528", "36500003"]


def test_study_page_copies_its_citation(page):
    page.goto("/catalog/studies/24740528")
    expected = page.locator("#citation-ama").inner_text()
    assert expected.startswith("Feder A, Parides MK. Efficacy of intravenous ketamine")
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
        "https://doi.org/10.5555/test.24740528"
    )


def test_retracted_study_page_warns(page):
    page.goto("/catalog/studies/31065731")
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert alert.inner_text().startswith("⚠ Retracted. This study has been retracted.")


def test_ris_download(page, tmp_path):
    page.goto("/catalog/studies?_search=midazolam&_studies=all")
    with page.expect_download() as download:
        page.get_by_role("link", name="ris", exact=True).click()
    assert download.value.suggested_filename == "studies.ris"
    path = tmp_path / "studies.ris"
    download.value.save_as(path)
    entries = rispy.loads(path.read_text(encoding="utf-8"))
    assert sorted(e["accession_number"] for e in entries) == ["24740528", "33397139", "36500006"]


def test_screenshot_of_the_studies_page(page, tmp_path):
    """A picture of the studies page, as a test artifact outside the repository."""
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto("/catalog/studies")
    path = artifact_dir(tmp_path) / "studies-1400.png"
    page.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(__file__).resolve().parent.parent not in path.resolve().parents
