"""fetch_*: search PubMed with the history server, split past the 9,999 cap, efetch in batches."""

from __future__ import annotations

import io
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from harvest.errors import FileFormatError, HistoryExpired, NCBIError
from harvest.pubmed.eutils import EutilsClient, Transient
from harvest.pubmed.parse import Malformed, parse_pubmed_xml

log = logging.getLogger("harvest.pubmed.fetch")

SEARCH_CAP = 9999  # PubMed's esearch/efetch-from-history window since 2022
EARLIEST = date(1800, 1, 1)
LATEST = date(2099, 12, 31)  # open-ended upper bound: clocks and data can run ahead of ours
DATETYPES = ("edat", "pdat")  # tried in order when a result set must be split by date


@dataclass(frozen=True)
class Search:
    """One esearch: its parameters, and what the history server answered."""

    term: str
    datetype: str | None = None
    mindate: date | None = None
    maxdate: date | None = None
    count: int = 0
    ids: tuple[int, ...] = ()
    webenv: str | None = None
    query_key: str | None = None

    def params(self) -> dict:
        """esearch parameters for this search."""
        params = {"db": "pubmed", "term": self.term, "usehistory": "y", "retmax": SEARCH_CAP}
        if self.datetype:
            params.update(
                datetype=self.datetype,
                mindate=self.mindate.strftime("%Y/%m/%d"),
                maxdate=self.maxdate.strftime("%Y/%m/%d"),
            )
        return params

    def describe(self) -> str:
        """Human-readable window, for logs and errors."""
        if not self.datetype:
            return "whole search"
        return f"{self.datetype} {self.mindate.isoformat()}..{self.maxdate.isoformat()}"


def parse_esearch(body: bytes) -> dict:
    """Count, ids, WebEnv and QueryKey from an esearch XML answer."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise Transient(f"truncated or malformed esearch answer ({exc})") from None
    if root.tag != "eSearchResult":
        raise Transient(f"unexpected esearch answer <{root.tag}>")
    count = root.findtext("Count")
    if count is None or not count.strip().isdigit():
        raise Transient("esearch answer without a Count")
    ids = tuple(int(x.text) for x in root.findall("IdList/Id") if x.text and x.text.isdigit())
    return {
        "count": int(count),
        "ids": ids,
        "webenv": root.findtext("WebEnv"),
        "query_key": root.findtext("QueryKey"),
    }


def fetch_search(client: EutilsClient, search: Search) -> Search:
    """Run one esearch with usehistory=y; returns the search with count, ids and WebEnv."""
    answer = client.call("esearch", search.params(), parse_esearch)
    return replace(search, **answer)


def _halves(search: Search) -> tuple[Search, Search]:
    span = (search.maxdate - search.mindate).days
    middle = search.mindate + timedelta(days=span // 2)
    return (
        replace(search, maxdate=middle, count=0, ids=(), webenv=None, query_key=None),
        replace(search, mindate=middle + timedelta(days=1), count=0, ids=(), webenv=None),
    )


def fetch_windows(
    client: EutilsClient, term: str, *, datetype: str | None = None, since: date | None = None
) -> Iterator[Search]:
    """Yield searches (date windows) that together cover the query, each under the 9,999 cap.

    With `datetype`/`since`, only records whose date of that type is on or after `since`.
    """
    first = Search(term, datetype, since, LATEST) if datetype else Search(term)
    first = fetch_search(client, first)
    if first.count <= SEARCH_CAP:
        yield first
        return
    candidates = [datetype] if datetype else list(DATETYPES)
    for kind in candidates:
        top = replace(first, datetype=kind, mindate=since or EARLIEST, maxdate=LATEST)
        try:
            yield from _split(client, top, first.count, top_level=True)
            return
        except _FilterIgnored:
            log.warning("the server ignored datetype=%s; trying another date type", kind)
    raise NCBIError(
        f"{first.count} records match but the search cannot be split into date windows "
        f"of at most {SEARCH_CAP} (the server ignores date filters)"
    )


class _FilterIgnored(Exception):
    pass


def _split(
    client: EutilsClient, window: Search, parent_count: int, top_level: bool = False
) -> Iterator[Search]:
    """Halve `window` (whose count exceeds the cap) until each part fits."""
    left, right = _halves(window)
    parts = [fetch_search(client, left), fetch_search(client, right)]
    if top_level and all(p.count == parent_count for p in parts):
        raise _FilterIgnored
    for part in parts:
        if part.count <= SEARCH_CAP:
            if part.count:
                yield part
        elif part.mindate >= part.maxdate:
            raise NCBIError(
                f"{part.count} records on {part.mindate.isoformat()} ({part.datetype}) "
                f"exceed PubMed's {SEARCH_CAP}-record window"
            )
        else:
            yield from _split(client, part, part.count)


def parse_efetch(body: bytes) -> list:
    """Parse a whole efetch answer; truncated XML is Transient so the batch is asked again."""
    if not body.rstrip().endswith((b"</PubmedArticleSet>", b"<PubmedArticleSet/>")):
        raise Transient("truncated efetch answer")
    try:
        return list(parse_pubmed_xml(io.BytesIO(body)))
    except FileFormatError as exc:
        raise Transient(f"unreadable efetch answer: {exc}") from None


def fetch_records(client: EutilsClient, search: Search, batch_size: int) -> Iterator:
    """Yield parsed items (records, Deleted, Malformed) for every id of `search`, once each.

    Batches come from the history server; an expired history re-runs the search. Ids the history
    batches did not deliver are fetched by id at the end, so nothing is silently skipped.
    """
    wanted = set(search.ids)
    seen: set[int] = set()
    retstart = 0
    while retstart < min(search.count, SEARCH_CAP):
        params = {
            "db": "pubmed",
            "retmode": "xml",
            "WebEnv": search.webenv,
            "query_key": search.query_key,
            "retstart": retstart,
            "retmax": batch_size,
        }
        try:
            items = client.call("efetch", params, parse_efetch)
        except HistoryExpired:
            log.warning("history expired for %s; searching again", search.describe())
            search = fetch_search(client, search)
            wanted |= set(search.ids)
            continue
        for item in items:
            pmid = item.get("pmid") if isinstance(item, dict) else getattr(item, "pmid", None)
            if isinstance(pmid, int):
                if pmid in seen:
                    continue
                seen.add(pmid)
            yield item
        retstart += batch_size
    missing = sorted(wanted - seen)
    if missing:
        log.warning("%d ids missing from history batches; fetching them by id", len(missing))
        yield from fetch_by_ids(client, missing, batch_size, seen)


def fetch_by_ids(client: EutilsClient, pmids: list[int], batch_size: int, seen: set[int]):
    """efetch records by id (POST for long lists); ids PubMed no longer has are reported."""
    for start in range(0, len(pmids), batch_size):
        chunk = pmids[start : start + batch_size]
        params = {"db": "pubmed", "retmode": "xml", "id": ",".join(map(str, chunk))}
        try:
            items = client.call("efetch", params, parse_efetch)
        except NCBIError as exc:
            if "id list is empty" not in str(exc).lower():
                raise
            items = []
        for item in items:
            pmid = item.get("pmid") if isinstance(item, dict) else None
            if pmid in seen:
                continue
            if pmid is not None:
                seen.add(pmid)
            yield item
        for pmid in chunk:
            if pmid not in seen:
                yield Malformed(str(pmid), "listed by esearch but not returned by efetch")
