"""Hostile files: impossible PMIDs, records without their closing tag, an unclosed record before a
large tail, and failures that must name their PMID."""

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harvest.pubmed.fetch import fetch_records, fetch_windows
from harvest.pubmed.medline import parse_medline
from harvest.pubmed.parse import Deleted, Malformed, parse_pubmed_xml
from tests.standin_records import make_article, make_article_set

ROOT = Path(__file__).resolve().parent.parent
TOO_LARGE = "99999999999999999999"  # > 2**63-1


def parse(text: str) -> list:
    return list(parse_pubmed_xml(io.BytesIO(text.encode())))


def kinds(items) -> list:
    return [i["pmid"] if isinstance(i, dict) else i for i in items]


@pytest.mark.parametrize(
    "pmid, reason",
    [
        (TOO_LARGE, f"PMID {TOO_LARGE} is larger than a catalog key can be (2**63-1)"),
        (
            "9223372036854775808",
            "PMID 9223372036854775808 is larger than a catalog key can be (2**63-1)",
        ),
        ("0", "PMID 0 is not a positive number"),
        ("-5", "PMID -5 is not a positive number"),
        ("12a", "PMID '12a' is not a number"),
    ],
)
def test_an_impossible_pmid_in_xml_is_one_failed_record(pmid, reason):
    bad = make_article(7).replace('<PMID Version="1">7</PMID>', f'<PMID Version="1">{pmid}</PMID>')
    items = parse(make_article_set([make_article(1), bad, make_article(2)]))
    assert kinds(items) == [1, Malformed(pmid, f"PubmedArticle: {reason}"), 2]


def test_the_largest_sqlite_integer_is_a_valid_pmid():
    big = 2**63 - 1
    (item,) = parse(make_article_set([make_article(big)]))
    assert item["pmid"] == big


def test_a_referenced_pmid_too_large_is_dropped_not_fatal():
    record = make_article(3, comments_corrections=[("CommentIn", "J X. 2020", 5)])
    record = record.replace('<PMID Version="1">5</PMID>', f'<PMID Version="1">{TOO_LARGE}</PMID>')
    (item,) = parse(make_article_set([record]))
    assert item["pmid"] == 3
    assert [c["pmid"] for c in item["comments_corrections"]] == [None]


def test_impossible_pmids_in_a_delete_citation():
    items = parse(make_article_set([make_article(1)], deleted=[4, 0, TOO_LARGE]))
    assert items[1:] == [
        Deleted(4),
        Malformed("0", "DeleteCitation: PMID 0 is not a positive number"),
        Malformed(
            TOO_LARGE,
            f"DeleteCitation: PMID {TOO_LARGE} is larger than a catalog key can be (2**63-1)",
        ),
    ]


def medline(*pmids: str) -> str:
    return "\n".join(f"PMID- {p}\nTI  - Title {p}.\nDP  - 2020\n" for p in pmids)


@pytest.mark.parametrize(
    "pmid, reason",
    [
        (TOO_LARGE, f"PMID {TOO_LARGE} is larger than a catalog key can be (2**63-1)"),
        ("0", "PMID 0 is not a positive number"),
        ("-5", "PMID -5 is not a positive number"),
    ],
)
def test_an_impossible_pmid_in_medline_is_one_failed_record(pmid, reason):
    items = list(parse_medline(io.StringIO(medline("11", pmid, "12"))))
    assert kinds(items) == [11, Malformed(pmid, f"MEDLINE record: {reason}"), 12]


def test_a_record_without_its_closing_tag_does_not_swallow_the_next():
    unclosed = make_article(2).removesuffix("</PubmedArticle>")
    items = parse(make_article_set([make_article(1), unclosed, make_article(3)]))
    assert kinds(items) == [1, Malformed("2", "PubmedArticle without its closing tag"), 3]


def test_an_unclosed_last_record_is_still_a_truncated_file():
    from harvest.errors import FileFormatError

    unclosed = make_article(2).removesuffix("</PubmedArticle>")
    text = make_article_set([make_article(1), unclosed]).removesuffix("</PubmedArticleSet>")
    with pytest.raises(FileFormatError, match="truncated PubMed XML"):
        parse(text)


def test_a_malformed_record_keeps_its_pmid():
    no_article = (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        '<PMID Version="1">41000001</PMID></MedlineCitation></PubmedArticle>'
    )
    items = parse(make_article_set([no_article, make_article(5)]))
    assert kinds(items) == [Malformed("41000001", "PubmedArticle: no Article"), 5]


def test_a_malformed_record_from_efetch_is_counted_once_and_not_fetched_again(standin):
    standin.load_corpus(3, seed=2)
    broken = (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        '<PMID Version="1">41000001</PMID></MedlineCitation>'
        '<PubmedData><History><PubMedPubDate PubStatus="entrez"><Year>2024</Year><Month>1'
        "</Month><Day>2</Day></PubMedPubDate></History></PubmedData></PubmedArticle>"
    )
    standin.add_record(broken)
    from tests.test_fetch import client_for

    client = client_for(standin)
    (window,) = fetch_windows(client, "ketamine")
    items = list(fetch_records(client, window, 500))
    failed = [i for i in items if isinstance(i, Malformed)]
    assert failed == [Malformed("41000001", "PubmedArticle: no Article")]
    assert len(items) == 4
    assert [r.utility for r in standin.requests] == ["esearch", "efetch"]


# --- an unclosed record before a large tail: memory stays flat ------------------------------------

PROBE = """
import json, resource, sys
from harvest.pubmed.parse import Malformed, parse_pubmed_xml
with open(sys.argv[1], "rb") as fp:
    items = list(parse_pubmed_xml(fp))
failed = [(i.pmid, i.reason) for i in items if isinstance(i, Malformed)]
records = [i["pmid"] for i in items if isinstance(i, dict)]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"records": records, "failed": failed, "peak_rss_mb": peak}))
"""


def write_tail_file(path: Path, tail_mb: int) -> None:
    """A record, one whose title never ends (`tail_mb` MB of text), then one more record."""
    record = make_article(2)
    unclosed = record[: record.index("<ArticleTitle>")] + "<ArticleTitle>"
    with open(path, "w", encoding="utf-8") as fp:
        head = make_article_set([make_article(1), unclosed]).removesuffix("</PubmedArticleSet>")
        fp.write(head)
        line = "ketamine " * 113 + "\n"  # about 1 KB, no tags
        for _ in range(tail_mb * 1024):
            fp.write(line)
        fp.write(make_article(3) + "</PubmedArticleSet>")


def parse_in_subprocess(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_unclosed_record_before_a_large_tail(tmp_path, record_property):
    path = tmp_path / "tail.xml"
    write_tail_file(path, 60)
    assert path.stat().st_size > 50 << 20
    result = parse_in_subprocess(path)
    assert result["records"] == [1, 3]
    assert result["failed"] == [["2", "PubmedArticle without its closing tag"]]
    record_property("peak_rss_mb", result["peak_rss_mb"])  # reported, not asserted
    print(f"peak RSS parsing a {path.stat().st_size >> 20} MB tail: {result['peak_rss_mb']} MB")


def test_an_impossible_pmid_from_efetch_fails_once_and_is_not_fetched_again(standin):
    standin.load_corpus(3, seed=4)
    huge = make_article(8).replace(
        '<PMID Version="1">8</PMID>', f'<PMID Version="1">{TOO_LARGE}</PMID>'
    )
    standin.add_record(huge)
    from tests.test_fetch import client_for

    client = client_for(standin)
    (window,) = fetch_windows(client, "ketamine")
    assert int(TOO_LARGE) in window.ids
    items = list(fetch_records(client, window, 500))
    assert [i for i in items if isinstance(i, Malformed)] == [
        Malformed(
            TOO_LARGE,
            f"PubmedArticle: PMID {TOO_LARGE} is larger than a catalog key can be (2**63-1)",
        )
    ]
    assert len(items) == 4
    assert [r.utility for r in standin.requests] == ["esearch", "efetch"]


def test_import_of_a_hostile_file_keeps_every_good_record(tmp_path):
    bad = make_article(7).replace(
        '<PMID Version="1">7</PMID>', f'<PMID Version="1">{TOO_LARGE}</PMID>'
    )
    unclosed = make_article(2).removesuffix("</PubmedArticle>")
    path = tmp_path / "hostile.xml"
    path.write_text(make_article_set([make_article(1), unclosed, make_article(3), bad]))
    db = tmp_path / "catalog.db"
    done = subprocess.run(
        [sys.executable, "-m", "harvest", "import", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("import: 2 new, 0 updated, 0 unchanged, 2 failed;")
    conn = sqlite3.connect(db)
    try:
        studies = conn.execute("select pmid from studies order by pmid").fetchall()
        failed = conn.execute("select pmid, reason from failed_records order by id").fetchall()
    finally:
        conn.close()
    assert studies == [(1,), (3,)]
    assert failed == [
        ("2", "PubmedArticle without its closing tag"),
        (
            TOO_LARGE,
            f"PubmedArticle: PMID {TOO_LARGE} is larger than a catalog key can be (2**63-1)",
        ),
    ]


def test_an_unclosed_last_record_in_a_closed_file_is_one_failed_record():
    unclosed = make_article(2).removesuffix("</PubmedArticle>")
    items = parse(make_article_set([make_article(1), unclosed]))
    assert kinds(items) == [1, Malformed("2", "PubmedArticle without its closing tag")]


def test_resynchronising_across_read_blocks(monkeypatch):
    import harvest.pubmed.parse

    monkeypatch.setattr(harvest.pubmed.parse, "BLOCK", 97)
    monkeypatch.setattr(harvest.pubmed.parse, "MAX_RECORD", 3000)
    monkeypatch.setattr(harvest.pubmed.parse, "BROKEN_HEAD", 400)
    record = make_article(2)
    unclosed = record[: record.index("<ArticleTitle>")] + "<ArticleTitle>" + "text " * 2000
    items = parse(make_article_set([make_article(1), unclosed, make_article(3)]))
    assert kinds(items) == [1, Malformed("2", "PubmedArticle without its closing tag"), 3]
    items = parse(make_article_set([make_article(1), unclosed]))
    assert kinds(items) == [1, Malformed("2", "PubmedArticle without its closing tag")]
