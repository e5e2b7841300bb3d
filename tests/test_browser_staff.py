"""Staff tasks in a real browser (Debian's Chromium through Playwright), each within a click
budget, plus screenshots at 1400 px and 400 px written as artifacts outside the repository.

Every click, choice and typed field counts against the budget. Skips without Chromium/Playwright.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.browser_support import BROWSER_MARKS
from tests.staff_catalog import build_staff_catalog
from tests.test_evidence import harm_catalog
from tests.test_serve import harvest_serve

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = BROWSER_MARKS


class Budget:
    """Counts what a user does on a page: clicks, choices in drop-downs, typed fields."""

    def __init__(self, page, limit: int):
        self.page, self.limit, self.used = page, limit, 0

    def _spend(self) -> None:
        self.used += 1
        assert self.used <= self.limit, f"over the budget of {self.limit} actions"

    def click(self, locator) -> None:
        self._spend()
        locator.click()

    def choose(self, selector: str, value: str) -> None:
        self._spend()
        self.page.select_option(selector, value)

    def type(self, selector: str, text: str) -> None:
        self._spend()
        self.page.fill(selector, text)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    db = build_staff_catalog(tmp_path_factory.mktemp("browser-staff"))
    with harvest_serve(db) as url:
        yield url


def new_page(browser, base_url, width: int):
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, base_url):
    context, page = new_page(browser, base_url, 1400)
    yield page
    context.close()


@pytest.fixture
def phone(browser, base_url):
    context, page = new_page(browser, base_url, 400)
    yield page
    context.close()


def artifacts(tmp_path: Path) -> Path:
    """$ARTIFACT_DIR when set, else the test's temporary folder; never inside the repository."""
    folder = Path(os.environ.get("ARTIFACT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert ROOT not in folder.resolve().parents and folder.resolve() != ROOT
    return folder


def result_pmids(page) -> list[str]:
    return page.locator("li.ec-result").evaluate_all("els => els.map(e => e.dataset.pmid)")


def test_strongest_evidence_on_ketamine_for_ptsd_within_3_clicks(page):
    budget = Budget(page, 3)
    page.goto("/")
    budget.click(page.locator("a.ec-map-cell[data-condition=ptsd][data-modality=ketamine]"))
    page.wait_for_url("**/-/evidence?condition=ptsd&modality=ketamine")
    first_group = page.locator("section.ec-level h2").first
    assert first_group.inner_text() == "1 · Systematic reviews and meta-analyses (1)"
    assert result_pmids(page)[0] == "36500001"
    assert page.locator("li.ec-result").first.locator(".ec-citation-text").inner_text() == (
        "Almeida TM. Ketamine for posttraumatic stress disorder: a systematic review and "
        "meta-analysis. J Affect Disord. 2023;310. doi:10.5555/test.36500001"
    )


def test_rcts_of_psilocybin_for_depression_since_2020(page):
    budget = Budget(page, 5)
    page.goto("/")
    budget.click(page.get_by_role("link", name="Evidence finder").first)
    page.wait_for_url("**/-/evidence")
    budget.choose("select[name=condition]", "depression")
    budget.choose("select[name=modality]", "psilocybin")
    budget.choose("select[name=design]", "rct")
    budget.type("input[name=year_from]", "2020")
    page.keyboard.press("Enter")
    page.wait_for_url("**year_from=2020**")
    assert result_pmids(page) == ["34000001"]
    assert page.locator(".ec-summary").inner_text() == (
        "1 study on Depression · Psilocybin · Randomised controlled trial since 2020: "
        "1 randomised controlled trial with 104 participants"
    )


def test_copy_a_citation_from_the_finder(page):
    page.goto("/-/evidence?condition=PTSD&modality=Ketamine")
    budget = Budget(page, 1)
    item = page.locator("li.ec-result[data-pmid='24740528']")
    expected = item.locator(".ec-citation-text").inner_text()
    button = item.locator("button[data-copy=cite-24740528]")
    assert button.inner_text() == "Copy citation"
    budget.click(button)
    page.wait_for_function("document.querySelector('[data-copy=cite-24740528]').dataset.copied")
    assert button.inner_text() == "Copied"
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert expected.startswith("Feder A, Parides MK. Efficacy of intravenous ketamine")


def test_a_retracted_citation_warns_before_it_copies(page):
    page.goto("/-/evidence?condition=ptsd&modality=mdma&include_retracted=1")
    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.locator("button[data-copy=cite-31065731]").click()
    page.wait_for_function("document.querySelector('[data-copy=cite-31065731]').dataset.copied")
    assert messages == [
        "This study has been retracted. Copy its citation, with the retraction notice, anyway?"
    ]
    copied = page.evaluate("navigator.clipboard.readText()")
    notice = "Retracted in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510."
    assert copied.endswith(notice)


def test_map_cell_mdma_for_ptsd_leads_to_those_studies(page, base_url):
    budget = Budget(page, 2)
    page.goto("/")
    budget.click(page.get_by_role("link", name="Evidence map and charts"))
    page.wait_for_url("**/-/map")
    cell = page.locator("a.ec-map-cell[data-condition=ptsd][data-modality=mdma]")
    count = int(cell.locator("strong").inner_text())
    budget.click(cell)
    page.wait_for_url("**/-/evidence?condition=ptsd&modality=mdma")
    with urlopen(f"{base_url}/-/evidence.json?condition=ptsd&modality=mdma") as response:
        expected = [str(r["pmid"]) for r in json.load(response)["results"]]
    assert result_pmids(page) == expected == ["33972795", "36500005"]
    assert count == len(expected)
    assert "31065731" not in result_pmids(page)  # retracted: only with the toggle


def test_charts_render_offline(page):
    page.goto("/-/map")
    for chart in ("chart-treatments", "chart-designs", "chart-new"):
        box = page.locator(f"#{chart} svg").bounding_box()
        assert box["width"] > 300 and box["height"] > 100
    assert page.locator("#chart-treatments circle").count() > 0


def test_column_descriptions_on_hover(page):
    page.goto("/catalog/studies")
    header = page.locator("th[data-column=evidence_level]")
    assert header.get_attribute("title").startswith("Level of evidence, 1")
    assert header.inner_text().startswith("Evidence level")


PHONE_PAGES = {
    "home": "/",
    "finder": "/-/evidence?condition=ptsd&modality=ketamine",
    "study": "/catalog/studies/24740528",
    "map": "/-/map",
    "search": "/-/search?q=ketamine",
}


def test_phone_pages_fit_without_sideways_scrolling(phone, tmp_path):
    folder = artifacts(tmp_path)
    for name, url in PHONE_PAGES.items():
        phone.goto(url)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
        phone.screenshot(path=str(folder / f"{name}-400.png"), full_page=True)


def test_phone_table_values_sit_under_their_own_labels(phone, tmp_path):
    phone.goto("/catalog/studies")
    row = phone.locator("table.rows-and-columns tbody tr").first
    cells = row.locator("td")
    headers = phone.locator("table.rows-and-columns thead th")
    assert cells.count() == headers.count()
    for i in range(cells.count()):
        cell = cells.nth(i)
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        column = headers.nth(i).get_attribute("data-column")
        assert label.strip('"') == headers.nth(i).inner_text().replace("▼", "").strip(), column
    title = row.locator("td.col-title").evaluate("td => getComputedStyle(td, '::before').content")
    assert title == '"Title"'
    phone.screenshot(path=str(artifacts(tmp_path) / "studies-400.png"), full_page=True)


def test_screenshots_at_1400(page, tmp_path):
    folder = artifacts(tmp_path)
    for name, url in PHONE_PAGES.items():
        page.goto(url)
        path = folder / f"{name}-1400.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def harms_url(tmp_path_factory):
    """The staff catalog with known safety tags (tests/test_evidence.py harm_catalog)."""
    with harvest_serve(harm_catalog(tmp_path_factory)) as url:
        yield url


def test_harms_reported_for_ketamine_open_to_their_sentences(browser, harms_url, tmp_path):
    context, page = new_page(browser, harms_url, 1400)
    budget = Budget(page, 2)
    page.goto("/-/evidence?modality=ketamine")
    topics = page.locator("section.ec-harms details summary")
    assert topics.all_inner_texts() == [
        "Dissociation (3 studies)", "Blood pressure and heart (cardiovascular) (1 study)",
    ]  # fmt: skip
    sentence = page.get_by_text("Dissociation peaked at 40 minutes.")
    assert not sentence.is_visible()
    budget.click(topics.first)
    assert sentence.is_visible()
    concern = page.locator('details[data-harm=dissociation] li[data-pmid="36500006"] .ec-badge')
    assert concern.inner_text() == "⚠ Expression of concern"
    page.screenshot(path=str(artifacts(tmp_path) / "finder-harms-1400.png"), full_page=True)
    budget.click(page.locator('details[data-harm=dissociation] li[data-pmid="36500001"] a'))
    page.wait_for_url("**/catalog/studies/36500001")
    context.close()
