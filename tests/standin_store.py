"""The E-utilities stand-in's state and semantics: records, history server, ESearch/EFetch/EPost.

No HTTP here: `EutilsBackend.answer(utility, params)` turns merged request parameters into a
`Reply`. A stand-in cannot evaluate PubMed query syntax, so every record with `in_search=True`
matches any non-empty `term`; the date limits, a history `query_key` and paging narrow a search.
One piece of query syntax is evaluated, as PubMed documents range searches: a trailing
`AND lo:hi[uid]` (or `[pmid]`) keeps PMIDs from lo to hi inclusive.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tests import standin_payloads as payloads
from tests.standin_payloads import CAP, Reply, SearchResult
from tests.standin_records import generate_corpus, record_dates

DATE_LABELS = {"edat": "Date - Entry", "pdat": "Date - Publication", "mdat": "Date - Modification"}
_UID_RANGE = re.compile(r"\s+AND\s+(\d+)\s*:\s*(\d+)\s*\[(?:uid|pmid)\]\s*$", re.I)
_DATE = re.compile(r"^(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?$")


@dataclass
class StoredRecord:
    """One record held by the stand-in: its XML, its three search dates and search membership."""

    pmid: int
    xml: str
    edat: date
    mdat: date
    pdat: date
    in_search: bool = True


class BadRequest(Exception):
    """A request answered with an ERROR document."""


class EutilsBackend:
    """Records, WebEnv history and the PubMed utilities, shared by the HTTP handler threads."""

    def __init__(self, *, history_ttl: float | None = None, today: date | None = None) -> None:
        self.history_ttl, self.today = history_ttl, today
        self.ignore_limits = False  # hostile mode: ESearch ignores date limits and PMID ranges
        self._records: dict[int, StoredRecord] = {}
        self._order: list[StoredRecord] | None = None
        self._history: dict[str, tuple[dict[int, list[int]], list[float]]] = {}
        self._lock = threading.RLock()

    # --- records ---------------------------------------------------------------------------------

    def add_record(
        self,
        xml: str,
        *,
        edat: date | None = None,
        mdat: date | None = None,
        pdat: date | None = None,
        in_search: bool = True,
    ) -> int:
        """Store one PubmedArticle/PubmedBookArticle; missing dates are read from its XML."""
        pmid, x_edat, x_mdat, x_pdat = record_dates(xml)
        edat = edat or x_edat or x_pdat or date(2000, 1, 1)
        mdat, pdat = mdat or x_mdat or edat, pdat or x_pdat or edat
        with self._lock:
            self._records[pmid] = StoredRecord(pmid, xml.strip(), edat, mdat, pdat, in_search)
            self._order = None
        return pmid

    def add_records(self, records: Iterable[tuple | str]) -> list[int]:
        """Store XML strings or `generate_corpus` tuples (pmid, xml, edat, mdat, pdat)."""
        pmids = []
        with self._lock:
            for item in records:
                if isinstance(item, str):
                    pmids.append(self.add_record(item))
                    continue
                pmid, xml, edat, mdat, pdat = item  # trusted tuple: no XML scanning
                self._records[pmid] = StoredRecord(pmid, xml, edat, mdat, pdat)
                pmids.append(pmid)
            self._order = None
        return pmids

    def load_corpus(self, n: int, seed: int = 0) -> list[int]:
        """Generate and store n synthetic records; return their PMIDs (oldest first)."""
        return self.add_records(generate_corpus(n, seed))

    def update_record(
        self,
        pmid: int,
        xml: str | None = None,
        *,
        edat: date | None = None,
        mdat: date | None = None,
        pdat: date | None = None,
        in_search: bool | None = None,
    ) -> StoredRecord:
        """Change a stored record; new XML without an explicit `mdat` sets mdat to today."""
        with self._lock:
            record = self._records[pmid]
            if xml is not None:
                record.xml, record.mdat = xml.strip(), self._today()
            if edat is not None:  # EDAT is the record's entrez date: keep its XML in step
                record.xml = _with_entry_date(record.xml, edat)
            changes = {"edat": edat, "mdat": mdat, "pdat": pdat, "in_search": in_search}
            for name, value in changes.items():
                if value is not None:
                    setattr(record, name, value)
            self._order = None
            return record

    def remove_from_search(self, pmid: int) -> None:
        """Keep the record fetchable by id but stop it matching searches."""
        self.update_record(pmid, in_search=False)

    def delete_record(self, pmid: int) -> None:
        """Forget a record entirely (EFetch then leaves it out, like an unknown PMID)."""
        with self._lock:
            self._records.pop(pmid, None)
            self._order = None

    def record(self, pmid: int) -> StoredRecord:
        """The stored record for a PMID (KeyError if absent)."""
        return self._records[pmid]

    def pmids(self, in_search_only: bool = True) -> list[int]:
        """Stored PMIDs in search order (newest entry date first, then highest PMID)."""
        return [r.pmid for r in self._sorted() if r.in_search or not in_search_only]

    def __len__(self) -> int:
        return len(self._records)

    def expire_history(self) -> None:
        """Forget every WebEnv; the next use answers "Unable to obtain query #N"."""
        with self._lock:
            self._history.clear()

    # --- the utilities ---------------------------------------------------------------------------

    def answer(self, utility: str, params: dict[str, str]) -> Reply:
        """Answer one esearch/efetch/epost request from its merged parameters."""
        db = params.get("db") or "pubmed"
        if db != "pubmed":
            return payloads.invalid_db(utility, db, json_mode=_json(params))
        with self._lock:
            self._expire_idle()
            if utility == "esearch":
                return self._esearch(params)
            return self._efetch(params) if utility == "efetch" else self._epost(params)

    def _esearch(self, p: dict[str, str]) -> Reply:
        json_mode = _json(p)
        term, query_key = p.get("term", "").strip(), p.get("query_key", "")
        term, uids = _uid_range(term)
        try:
            if not term and not query_key:
                raise BadRequest(payloads.EMPTY_TERM)
            window = self._date_window(p)
            pool = [r for r in self._sorted(p.get("sort", "")) if r.in_search or not term]
            if query_key:
                stored = self._lookup(_webenv(p), query_key)
                if stored is None:
                    raise BadRequest(f"Unable to obtain query #{query_key}")
                wanted = set(stored)
                pool = [r for r in pool if r.pmid in wanted]
        except BadRequest as exc:
            return payloads.esearch_error(str(exc), json_mode=json_mode)
        translation = term or f"#{query_key}"
        if self.ignore_limits:
            window = uids = None
        if window:
            kind, low, high = window
            pool = [r for r in pool if low <= getattr(r, kind) <= high]
            translation = f"({translation}) AND {low:%Y/%m/%d}:{high:%Y/%m/%d}[{DATE_LABELS[kind]}]"
        if uids:
            pool = [r for r in pool if uids[0] <= r.pmid <= uids[1]]
            translation = f"({translation}) AND {uids[0]}:{uids[1]}[UID]"
        return self._esearch_page(p, [r.pmid for r in pool], translation, term or f"#{query_key}")

    def _esearch_page(
        self, p: dict[str, str], ids: list[int], translation: str, phrase: str
    ) -> Reply:
        retstart, retmax = _int(p.get("retstart"), 0), _int(p.get("retmax"), 20)
        if retstart >= CAP and len(ids) > CAP:
            return payloads.esearch_error(payloads.RETSTART_ERROR, json_mode=_json(p))
        result = SearchResult(len(ids), retstart, translation=translation)
        if retstart + retmax > CAP:  # PubMed clamps the page to its 9,999-record window
            retmax = CAP - min(retstart, CAP)
            result.warnings.append(
                f"Restrictions achieved. start and count adjusted to {min(retstart, CAP)}, {retmax}"
            )
        result.ids = ids[retstart : retstart + retmax]
        if not ids:
            result.not_found, result.warnings = phrase, ["No items found."]
        if p.get("usehistory", "").lower() == "y":
            result.webenv, result.query_key = self._store(_webenv(p), ids)
        count_only = p.get("rettype", "").lower() == "count"
        return payloads.esearch_reply(result, json_mode=_json(p), count_only=count_only)

    def _efetch(self, p: dict[str, str]) -> Reply:
        query_key = p.get("query_key", "")
        if "id" in p or not (_webenv(p) or query_key):
            tokens = [t for t in re.split(r"[\s,]+", p.get("id", "")) if t]
            if not tokens:
                return payloads.efetch_error(payloads.EMPTY_ID)
            pmids = list(dict.fromkeys(int(t) for t in tokens if _valid_id(t, 2**63)))
            if not pmids:
                return payloads.efetch_error(payloads.NO_CORRECT_IDS, 400)
        else:
            stored = self._lookup(_webenv(p), query_key)
            if stored is None:
                return payloads.efetch_error(f"Unable to obtain query #{query_key or 0}")
            stored = stored[:CAP]  # history EFetch is also limited to the first 9,999 (obs)
            retstart, retmax = _int(p.get("retstart"), 0), min(_int(p.get("retmax"), 20), 10_000)
            if retstart >= len(stored):
                return payloads.history_out_of_range(retstart, len(stored))
            pmids = stored[retstart : retstart + retmax]
        found = [self._records[i] for i in pmids if i in self._records]
        rettype, retmode = p.get("rettype", "").lower(), p.get("retmode", "").lower()
        if rettype == "uilist" or retmode == "json":  # NCBI answers JSON efetch with PMIDs (obs)
            return Reply(200, "".join(f"{r.pmid}\n" for r in found).encode(), payloads.TEXT)
        if retmode == "text":  # MEDLINE/abstract text is not emulated: fail loudly, not wrongly
            return Reply(501, b"rettype=%s&retmode=text is not emulated\n" % rettype.encode(),
                         payloads.TEXT)  # fmt: skip
        return payloads.efetch_articles([r.xml for r in found])

    def _epost(self, p: dict[str, str]) -> Reply:
        tokens = [t for t in re.split(r"[\s,]+", p.get("id", "")) if t]
        valid = list(dict.fromkeys(int(t) for t in tokens if _valid_id(t, 2**64)))
        invalid = [t for t in tokens if not t.isdigit() or int(t) == 0]
        overflow = any(t.isdigit() and int(t) >= 2**64 for t in tokens)
        errors = [payloads.EPOST_OVERFLOW] if overflow else []
        if not valid:
            return payloads.epost_reply(None, None, invalid, [payloads.EPOST_EMPTY, *errors])
        webenv, query_key = self._store(_webenv(p), valid)
        return payloads.epost_reply(query_key, webenv, invalid, errors)

    # --- helpers ---------------------------------------------------------------------------------

    def _today(self) -> date:
        return self.today or date.today()

    def _sorted(self, sort: str = "") -> list[StoredRecord]:
        with self._lock:
            if self._order is None:
                by_entry = sorted(self._records.values(), key=lambda r: (r.edat, r.pmid))
                self._order = by_entry[::-1]
            if sort.lower().replace("+", "_").replace(" ", "_") == "pub_date":
                return sorted(self._order, key=lambda r: (r.pdat, r.pmid), reverse=True)
            return self._order

    def _date_window(self, p: dict[str, str]) -> tuple[str, date, date] | None:
        kind = (p.get("datetype") or "pdat").lower()
        low, high, rel = p.get("mindate", ""), p.get("maxdate", ""), p.get("reldate", "")
        if kind not in DATE_LABELS and (low or high or rel):
            raise BadRequest(f"Invalid datetype: {kind}")
        if bool(low) != bool(high):
            raise BadRequest("Both mindate and maxdate must be specified")
        if low:
            return kind, _parse_date(low, end=False), _parse_date(high, end=True)
        if not rel:
            return None
        if not rel.isdigit():
            raise BadRequest(f"Invalid reldate: {rel}")
        return kind, self._today() - timedelta(days=int(rel)), self._today()

    def _store(self, webenv: str, ids: list[int]) -> tuple[str, int]:
        if webenv not in self._history:  # unknown or expired: a new environment (unverified)
            webenv = "MCID_" + secrets.token_hex(12)
            self._history[webenv] = ({}, [time.monotonic()])
        keys, touched = self._history[webenv]
        touched[0] = time.monotonic()
        query_key = max(keys, default=0) + 1
        keys[query_key] = ids
        return webenv, query_key

    def _lookup(self, webenv: str, query_key: str) -> list[int] | None:
        env = self._history.get(webenv)
        if env is None or not query_key.isdigit() or int(query_key) not in env[0]:
            return None
        env[1][0] = time.monotonic()
        return env[0][int(query_key)]

    def _expire_idle(self) -> None:
        if self.history_ttl is not None:
            limit = time.monotonic() - self.history_ttl
            for webenv in [w for w, (_, touched) in self._history.items() if touched[0] < limit]:
                del self._history[webenv]


_ENTRY_DATE = re.compile(
    r'(PubStatus="(?:entrez|pubmed)"><Year>)\d+(</Year><Month>)\d+(</Month><Day>)\d+(</Day>)'
)


def _with_entry_date(xml: str, edat: date) -> str:
    """The record's XML with its entrez and pubmed history dates set to `edat`."""
    return _ENTRY_DATE.sub(
        lambda m: f"{m[1]}{edat.year}{m[2]}{edat.month}{m[3]}{edat.day}{m[4]}", xml
    )


def _uid_range(term: str) -> tuple[str, tuple[int, int] | None]:
    """Split `(term) AND lo:hi[uid]` into the term and the PMID range."""
    match = _UID_RANGE.search(term)
    if not match:
        return term, None
    inner = term[: match.start()].strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].strip()
    return inner, (int(match.group(1)), int(match.group(2)))


def _webenv(p: dict[str, str]) -> str:
    return next((v for k, v in p.items() if k.lower() == "webenv"), "")


def _json(p: dict[str, str]) -> bool:
    return p.get("retmode", "").lower() == "json"


def _int(text: str | None, default: int) -> int:
    return max(0, int(text)) if text and text.strip().lstrip("-").isdigit() else default


def _valid_id(token: str, limit: int) -> bool:
    return token.isdigit() and 0 < int(token) < limit


def _parse_date(text: str, *, end: bool) -> date:
    """Read YYYY, YYYY/MM or YYYY/MM/DD as the first (or, with end, the last) day it covers."""
    match = _DATE.match(text.strip())
    if not match:
        raise BadRequest(f"Invalid date format: {text}")
    year, month, day = (int(g) if g else 0 for g in match.groups())
    try:
        if day:
            return date(year, month, day)
        if not month:
            return date(year, 12, 31) if end else date(year, 1, 1)
        first = date(year, month, 1)
        next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return next_month - timedelta(days=1) if end else first
    except ValueError as exc:
        raise BadRequest(f"Invalid date format: {text}") from exc
