"""Shared pytest fixtures. Each block is owned by the module it serves; add new blocks below."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvest.cli import cli
from harvest.tagging.taxonomy import load_taxonomy
from tests.browser_support import ARGS, CHROMIUM
from tests.standin import EutilsStandin
from tests.standin_ctgov import CtgovStandin
from tests.standin_records import (
    Markup,
    generate_corpus,
    make_article,
    make_article_set,
    make_book_article,
)
from tests.tagging_support import TAXONOMY


@pytest.fixture(scope="session")
def taxonomy():
    """The checkout's config/taxonomy.yml, compiled once for every tagger test (it is frozen)."""
    return load_taxonomy(TAXONOMY)


@pytest.fixture(scope="session")
def generated_catalog(tmp_path_factory) -> Path:
    """300 generated PubMed records imported by `harvest import` (read it; copy it to write)."""
    folder = tmp_path_factory.mktemp("generated")
    corpus = folder / "corpus.xml"
    corpus.write_text(make_article_set(xml for _, xml, *_ in generate_corpus(300, seed=11)))
    db = folder / "catalog.db"
    result = CliRunner().invoke(cli, ["import", str(corpus), "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    return db


# === E-utilities stand-in (tests/standin.py) ======================================================


class RecordFactory:
    """Calling it is `make_article`; the other record builders hang off it as attributes."""

    def __call__(self, pmid: int, **fields: object) -> str:
        """Build one `<PubmedArticle>` (see `tests.standin_records.make_article`)."""
        return make_article(pmid, **fields)  # type: ignore[arg-type]

    make_article = staticmethod(make_article)
    make_book_article = staticmethod(make_book_article)
    make_article_set = staticmethod(make_article_set)
    generate_corpus = staticmethod(generate_corpus)
    Markup = Markup


@pytest.fixture
def standin() -> Iterator[EutilsStandin]:
    """A running, empty E-utilities stand-in on 127.0.0.1 (NCBI's 3 requests/s limit is on)."""
    with EutilsStandin() as server:
        yield server


@pytest.fixture
def record_factory() -> RecordFactory:
    """Record builders: `record_factory(pmid, title=...)` is `make_article`."""
    return RecordFactory()


@pytest.fixture
def eutils_env(standin: EutilsStandin, ctgov: CtgovStandin) -> dict[str, str]:
    """Environment for a subprocess/CliRunner run against the stand-ins (no real API key):
    E-utilities, and ClinicalTrials.gov (empty unless a test adds trials to `ctgov`)."""
    env = {k: v for k, v in os.environ.items() if k != "NCBI_API_KEY"}
    env.update(NCBI_EUTILS_URL=standin.url, NCBI_EMAIL="test@example.org", CTGOV_API_URL=ctgov.url)
    return env


@pytest.fixture
def ctgov() -> Iterator[CtgovStandin]:
    """A running, empty ClinicalTrials.gov API v2 stand-in on 127.0.0.1."""
    with CtgovStandin() as server:
        yield server


# === end of E-utilities stand-in fixtures =========================================================


# === Configuration for CLI tests ==================================================================


@pytest.fixture
def fast_config(tmp_path: Path) -> Path:
    """A copy of the project's config/ with short backoffs, so failing runs do not sleep long."""
    folder = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", folder)
    text = (folder / "harvest.yml").read_text()
    text = text.replace("backoff_base: 1.0", "backoff_base: 0.1").replace(
        "backoff_max: 60", "backoff_max: 2"
    )
    (folder / "harvest.yml").write_text(text)
    trials = (folder / "trials.yml").read_text()
    trials = trials.replace("min_interval: 1.2", "min_interval: 0.06")
    trials = trials.replace("backoff_base: 2.0", "backoff_base: 0.1").replace(
        "backoff_max: 60", "backoff_max: 2"
    )
    (folder / "trials.yml").write_text(trials)
    return folder


# === Browser tests (tests/browser_support.py) =====================================================


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for one test module (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
