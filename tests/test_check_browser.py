"""The citation check page (/-/check) in Debian's headless Chromium: paste a draft, submit, read
the statuses; upload a .docx; the catalog file is never written. Skips without Chromium."""

from __future__ import annotations

import hashlib

import pytest

from tests.browser_support import BROWSER_MARKS
from tests.test_check import check_catalog
from tests.test_extract import make_docx
from tests.test_serve import harvest_serve

DRAFT = """Ketamine helped (PMID: 24740528).
Pooled phase 2 data: https://doi.org/10.1007/S00213-019-05249-5.
Single dose: https://pubmed.ncbi.nlm.nih.gov/36500006/?from_term=ketamine
Unknown: doi:10.9999/nothere.1
"""

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return check_catalog(tmp_path_factory.mktemp("check-browser") / "catalog.db")


@pytest.fixture(scope="module")
def base_url(catalog):
    with harvest_serve(catalog) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def results(page) -> list[tuple[str, str, str, str]]:
    """(line, found, status badge, study link) of each result row."""
    rows = []
    for row in page.locator("tr.ec-check-row").all():
        cells = row.locator("td")
        link = cells.nth(3).locator("a")
        rows.append(
            (
                cells.nth(0).inner_text(),
                cells.nth(1).inner_text(),
                cells.nth(2).locator(".ec-status").inner_text(),
                link.inner_text() if link.count() else "",
            )
        )
    return rows


def test_paste_submit_and_read_the_statuses(page, catalog):
    before = hashlib.sha256(catalog.read_bytes()).hexdigest()
    page.goto("/-/check")
    page.fill("#ec-check-text", DRAFT)
    page.click("#ec-check-submit")
    page.wait_for_selector("#ec-check-summary")
    assert results(page) == [
        ("1", "PMID: 24740528", "OK", "PMID 24740528"),
        ("2", "https://doi.org/10.1007/S00213-019-05249-5", "Retracted", "PMID 31065731"),
        ("3", "https://pubmed.ncbi.nlm.nih.gov/36500006/?from_term=ketamine",
         "Expression of concern", "PMID 36500006"),
        ("4", "doi:10.9999/nothere.1", "Not in the catalog", ""),
    ]  # fmt: skip
    summary = " ".join(page.inner_text("#ec-check-summary").split())
    assert summary.startswith(
        "pasted text: 4 citations: 1 retracted, 1 under an expression of concern, 0 with errata, "
        "1 not in the catalog, 0 uncertain."
    )
    assert "ec-check-failed" in page.get_attribute("#ec-check-summary", "class")
    assert page.input_value("#ec-check-text") == DRAFT.strip()  # the draft stays in the box
    page.click("tr.ec-check-row:nth-child(2) td:nth-child(4) a")
    page.wait_for_url("**/catalog/studies/31065731")
    assert hashlib.sha256(catalog.read_bytes()).hexdigest() == before


def test_upload_a_docx(page, tmp_path):
    page.goto("/-/check")
    page.set_input_files("#ec-check-file", str(make_docx(tmp_path / "draft.docx")))
    page.click("#ec-check-submit")
    page.wait_for_selector("#ec-check-summary")
    assert [(line, status, study) for line, _, status, study in results(page)] == [
        ("2", "OK", "PMID 24740528"),
        ("2", "OK", "PMID 33397139"),
        ("4", "OK", "PMID 36500001"),
        ("6", "Retracted", "PMID 31065731"),
    ]
    assert page.inner_text("#ec-check-summary").startswith("draft.docx: 4 citations")


def test_a_file_that_is_not_a_document_is_refused(page, tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n")
    page.goto("/-/check")
    page.set_input_files("#ec-check-file", str(pdf))
    page.click("#ec-check-submit")
    assert page.inner_text(".ec-check-error") == (
        "Error: paper.pdf: not a plain text, Markdown, HTML, .docx, RIS or nbib document "
        "(it is a PDF)"
    )
    assert page.locator("tr.ec-check-row").count() == 0
