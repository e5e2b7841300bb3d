"""fetch_*: search PubMed with the history server, split past the 9,999 cap, efetch in batches.

Past the cap, windows are chosen from where the records are: PubMed lists a search newest entry
date first, so the first 9,999 ids of a search are its newest; the entry date of the last of them
(one efetch) is where the next window ends. N records then take about 1 + ceil(N/500) +
2 * ceil(N/9,999) requests. A single entry date over the cap is split by PMID ranges (`[uid]`).
A modification-date window over the cap falls back to the windows of a full run.
"""

from __future__ import annotations

import io
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from harvest.errors import FileFormatError, HistoryExpired, NCBIError
from harvest.pubmed.eutils import EutilsClient, Transient
from harvest.pubmed.parse import Deleted, Malformed, parse_pubmed_xml

log = logging.getLogger("harvest.pubmed.fetch")

SEARCH_CAP = 9999  # PubMed's esearch/efetch-from-history window since 2022
EARLIEST = date(1800, 1, 1)
LATEST = date(2099, 12, 31)  # open-ended upper bound: clocks and data can run ahead of ours
MAX_RESEARCHES = 2  # per window, when the history server keeps losing the WebEnv; then by id


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
    start: int = 0  # ids before this index were delivered by an earlier window
    uids: tuple[int, int] | None = None  # a PMID range ANDed to the term

    def query(self) -> str:
        """The term, with the PMID range if there is one."""
        if self.uids is None:
            return self.term
        return f"({self.term}) AND {self.uids[0]}:{self.uids[1]}[uid]"

    def params(self) -> dict:
        """esearch parameters for this search."""
        params = {"db": "pubmed", "term": self.query(), "usehistory": "y", "retmax": SEARCH_CAP}
        if self.datetype:
            params.update(
                datetype=self.datetype,
                mindate=self.mindate.strftime("%Y/%m/%d"),
                maxdate=self.maxdate.strftime("%Y/%m/%d"),
            )
        return params

    def describe(self) -> str:
        """Human-readable window, for logs and errors."""
        where = "whole search"
        if self.datetype:
            where = f"{self.datetype} {self.mindate.isoformat()}..{self.maxdate.isoformat()}"
        return f"{where}, PMIDs {self.uids[0]}..{self.uids[1]}" if self.uids else where


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


def _fresh(search: Search, delivered: set[int]) -> Search:
    """The search, starting at its first id that an earlier window has not delivered."""
    start = next((i for i, pmid in enumerate(search.ids) if pmid not in delivered), len(search.ids))
    return replace(search, start=start)


def fetch_entry_date(client: EutilsClient, pmid: int) -> date | None:
    """The entry date (EDAT) of one record, from its efetch XML; None if it has none."""
    items = client.call("efetch", {"db": "pubmed", "retmode": "xml", "id": str(pmid)}, parse_efetch)
    for item in items:
        if isinstance(item, dict) and item.get("entrez_date"):
            try:
                return date.fromisoformat(item["entrez_date"])
            except ValueError:
                return None
    return None


def fetch_windows(
    client: EutilsClient, term: str, *, datetype: str | None = None, since: date | None = None
) -> Iterator[Search]:
    """Yield searches (windows) that together cover the query, each under the 9,999 cap.

    With `datetype`/`since`, only records whose date of that type is on or after `since`.
    """
    first = Search(term, datetype, since, LATEST) if datetype else Search(term)
    first = fetch_search(client, first)
    if first.count <= SEARCH_CAP:
        yield first
        return
    if datetype not in (None, "edat"):
        log.warning(
            "%d records match %s: over PubMed's cap; fetching as a full run does",
            first.count,
            first.describe(),
        )
        yield from fetch_windows(client, term)
        return
    yield from _split_by_entry_date(client, first)


def _split_by_entry_date(client: EutilsClient, first: Search) -> Iterator[Search]:
    """Windows [low, boundary] by entry date, each boundary the date of the previous last id."""
    low = first.mindate or EARLIEST
    current, delivered = first, set()
    while True:
        yield _fresh(current, delivered)
        delivered.update(current.ids)
        if current.count <= SEARCH_CAP:
            return
        high = current.maxdate or LATEST
        boundary = fetch_entry_date(client, current.ids[-1])
        if boundary is None or not low <= boundary <= high:
            log.warning("no usable entry date for PMID %s; halving instead", current.ids[-1])
            yield from _halving(
                client, replace(current, datetype="edat", mindate=low, maxdate=high)
            )
            return
        if boundary == high and current.maxdate is not None:
            # The newest 9,999 of the window all have its last date: split that day by PMID.
            day = Search(first.term, "edat", high, high)
            yield from _split_day(client, day, current.ids, delivered)
            if high <= low:
                return
            current = fetch_search(client, Search(first.term, "edat", low, high - ONE_DAY))
            continue
        following = fetch_search(client, Search(first.term, "edat", low, boundary))
        listed = set(current.ids)
        overlap = sum(1 for pmid in following.ids if pmid in listed)
        if current.count - following.count != len(current.ids) - overlap:
            log.warning("the server does not list %s newest first; halving", current.describe())
            yield from _halving(
                client, replace(current, datetype="edat", mindate=low, maxdate=high)
            )
            return
        current = following


ONE_DAY = timedelta(days=1)


def _split_day(
    client: EutilsClient, day: Search, listed: tuple[int, ...], delivered: set[int]
) -> Iterator[Search]:
    """Windows of one entry date by PMID range, each below the smallest PMID listed so far."""
    while True:
        below = min(listed) - 1
        part = fetch_search(client, replace(day, uids=(1, below)))
        if part.ids and max(part.ids) > below:
            raise NCBIError(
                f"more than {SEARCH_CAP} records on {day.mindate.isoformat()} ({day.datetype}) "
                "and the server ignores PMID ranges: the search cannot be split"
            )
        yield _fresh(part, delivered)
        delivered.update(part.ids)
        if part.count <= SEARCH_CAP:
            return
        listed = part.ids


def _halves(search: Search) -> tuple[Search, Search]:
    span = (search.maxdate - search.mindate).days
    middle = search.mindate + timedelta(days=span // 2)
    cleared = {"count": 0, "ids": (), "webenv": None, "query_key": None, "start": 0}
    return (
        replace(search, maxdate=middle, **cleared),
        replace(search, mindate=middle + ONE_DAY, **cleared),
    )


def _halving(client: EutilsClient, window: Search) -> Iterator[Search]:
    """Halve `window` (whose count exceeds the cap) until each part fits: the slow fallback."""
    parts = [fetch_search(client, part) for part in _halves(window)]
    if all(part.count == window.count for part in parts):
        raise NCBIError(
            f"{window.count} records match but the search cannot be split into date windows "
            f"of at most {SEARCH_CAP} (the server ignores date filters)"
        )
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
            yield from _halving(client, part)


def parse_efetch(body: bytes) -> list:
    """Parse a whole efetch answer; truncated XML is Transient so the batch is asked again."""
    if not body.rstrip().endswith((b"</PubmedArticleSet>", b"<PubmedArticleSet/>")):
        raise Transient("truncated efetch answer")
    try:
        return list(parse_pubmed_xml(io.BytesIO(body)))
    except FileFormatError as exc:
        raise Transient(f"unreadable efetch answer: {exc}") from None


def pmid_of(item) -> int | None:
    """The PMID an item stands for (a record, a Deleted, or a Malformed that names one)."""
    if isinstance(item, dict):
        return item.get("pmid")
    if isinstance(item, Deleted):
        return item.pmid
    if isinstance(item, Malformed) and item.pmid:
        try:  # any integer, even one too large to store: it still marks that id as seen
            return int(item.pmid)
        except ValueError:
            return None
    return None


def fetch_records(client: EutilsClient, search: Search, batch_size: int) -> Iterator:
    """Yield parsed items (records, Deleted, Malformed) for every id of `search`, once each.

    Batches come from the history server from `search.start`; an expired history re-runs the
    search (at most MAX_RESEARCHES times), then the window's remaining ids are fetched by id, as
    are ids the history batches did not deliver, so nothing is silently skipped.
    """
    earlier = set(search.ids[: search.start])
    wanted = set(search.ids) - earlier
    seen: set[int] = set()
    retstart, researches = search.start, 0
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
            if researches >= MAX_RESEARCHES:
                log.warning(
                    "history expired %d times for %s; fetching its ids by id",
                    researches + 1,
                    search.describe(),
                )
                break
            researches += 1
            log.warning("history expired for %s; searching again", search.describe())
            search = fetch_search(client, search)
            wanted |= set(search.ids) - earlier
            continue
        for item in items:
            pmid = pmid_of(item)
            if pmid is not None:
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
            pmid = pmid_of(item)
            if pmid in seen:
                continue
            if pmid is not None:
                seen.add(pmid)
            yield item
        for pmid in chunk:
            if pmid not in seen:
                seen.add(pmid)
                yield Malformed(str(pmid), "listed by esearch but not returned by efetch")
