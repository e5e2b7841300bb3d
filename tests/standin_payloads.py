"""Response bodies of the E-utilities stand-in: NCBI's envelopes, error texts and fault pages.

Shapes follow ../shared/ncbi-samples (esearch1/2/8.xml, epost1/3.xml, pubmed1.xml) and
../shared/eutils-notes.md §2-§5. Every function here is pure and returns a `Reply`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from tests.standin_records import DOCTYPE_PUBMED

XML = "text/xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
HTML = "text/html; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"

CAP = 9999  # PubMed ESearch/EFetch-history window (retstart 0..9998)
XML_DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n'
DOCTYPE_ESEARCH = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">'
)
DOCTYPE_EPOST = (
    '<!DOCTYPE ePostResult PUBLIC "-//NLM//DTD epost 20090526//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">'
)
DOCTYPE_EFETCH = (
    '<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">'
)

RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more than "
    "9,999 PubMed records, consider using EDirect that contains additional logic to batch PubMed "
    "search results automatically so that an arbitrary number can be retrieved. For details see "
    "https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
EMPTY_TERM = "Empty term and query_key - nothing todo"
EMPTY_ID = "Supplied id parameter is empty."
NO_CORRECT_IDS = "ID list is empty! Possibly it has no correct IDs."
EPOST_EMPTY = "Empty ID list; Nothing to store"
EPOST_OVERFLOW = (
    "Some IDs have invalid value and were omitted. Maximum ID value 18446744073709551615"
)
BACKEND_ERROR = "Search Backend failed: Unable to open connection to #PMQuerySrv?dbaf=pubmed"
EFETCH_BACKEND_ERROR = (
    "NCBI C++ Exception: Error: EUTILSAPP(CException::eInvalid) proxy_stream(): "
    "Failed to connect to PubOne service"
)
EFETCH_TIMEOUT = " Error: External viewer error: Empty Response. Bytes read: 0 Status: Timeout"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = XML
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class SearchResult:
    """What an ESearch answer reports (all counts already clamped)."""

    count: int
    retstart: int = 0
    ids: Sequence[int] = ()
    translation: str = ""
    query_key: int | None = None
    webenv: str | None = None
    warnings: list[str] = field(default_factory=list)
    not_found: str | None = None


def _xml(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode("utf-8"))


def esearch_reply(result: SearchResult, *, json_mode: bool, count_only: bool) -> Reply:
    """ESearch answer in XML (NCBI layout) or its JSON twin with string numbers."""
    if json_mode:
        return _esearch_json(result, count_only)
    if count_only:
        return _xml(f"{XML_DECL}{DOCTYPE_ESEARCH}\n<eSearchResult><Count>{result.count}</Count>"
                    "</eSearchResult>\n")  # fmt: skip
    hist = ""
    if result.query_key is not None:
        hist = f"<QueryKey>{result.query_key}</QueryKey><WebEnv>{result.webenv}</WebEnv>"
    ids = "".join(f"<Id>{i}</Id>\n" for i in result.ids)
    id_list = f"<IdList>\n{ids}</IdList>" if ids else "<IdList/>"
    tail = ""
    if result.not_found is not None:
        tail += (
            f"<ErrorList><PhraseNotFound>{escape(result.not_found)}</PhraseNotFound></ErrorList>"
        )
    if result.warnings:
        messages = "".join(f"<OutputMessage>{escape(m)}</OutputMessage>" for m in result.warnings)
        tail += f"<WarningList>{messages}</WarningList>"
    return _xml(
        f"{XML_DECL}{DOCTYPE_ESEARCH}\n<eSearchResult><Count>{result.count}</Count>"
        f"<RetMax>{len(result.ids)}</RetMax><RetStart>{result.retstart}</RetStart>{hist}{id_list}"
        f"<TranslationSet/><QueryTranslation>{escape(result.translation)}</QueryTranslation>"
        f"{tail}</eSearchResult>\n"
    )


def _esearch_json(result: SearchResult, count_only: bool) -> Reply:
    out: dict[str, object] = {"count": str(result.count)}
    if not count_only:
        out.update(retmax=str(len(result.ids)), retstart=str(result.retstart))
        if result.query_key is not None:
            out.update(querykey=str(result.query_key), webenv=result.webenv)
        out.update(idlist=[str(i) for i in result.ids], translationset=[])
        out["querytranslation"] = result.translation
        if result.not_found is not None:
            out["errorlist"] = {"phrasesnotfound": [result.not_found], "fieldsnotfound": []}
        if result.warnings:
            out["warninglist"] = {
                "phrasesignored": [],
                "quotedphrasesnotfound": [],
                "outputmessages": result.warnings,
            }
    doc = {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": out}
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    return Reply(200, (text + "\n").encode("utf-8"), JSON)


def esearch_error(message: str, *, json_mode: bool) -> Reply:
    """ESearch hard error, HTTP 200; in JSON the newline stays raw (not strict JSON, as NCBI)."""
    if json_mode:
        text = json.dumps(message, ensure_ascii=False).replace("\\n", "\n")
        body = (
            f'{{"header":{{"type":"esearch","version":"0.3"}},"esearchresult":{{"ERROR":{text}}}}}'
        )
        return Reply(200, (body + "\n").encode("utf-8"), JSON)
    return _xml(
        f"{XML_DECL}{DOCTYPE_ESEARCH}\n<eSearchResult><ERROR>{escape(message)}</ERROR>"
        "</eSearchResult>\n"
    )


def efetch_articles(articles: Sequence[str]) -> Reply:
    """EFetch PubMed XML: compact layout, all articles on the fourth line, no final newline."""
    return _xml(
        f'<?xml version="1.0" ?>\n{DOCTYPE_PUBMED}\n<PubmedArticleSet>\n'
        f"{''.join(articles)}</PubmedArticleSet>"
    )


def efetch_error(message: str, status: int = 200) -> Reply:
    """An `eFetchResult` ERROR document (HTTP 200 or 400 depending on the error)."""
    return _xml(
        f"{XML_DECL}{DOCTYPE_EFETCH}\n<eFetchResult>\n\t<ERROR>{escape(message)}</ERROR>\n"
        "</eFetchResult>\n",
        status,
    )


def history_out_of_range(retstart: int, available: int) -> Reply:
    """HTTP 400 for an EFetch `retstart` past the stored history set."""
    return efetch_error(
        f"Cannot retrieve history data: OUT OF RANGE. Parameter retstart={retstart} + 1 is greater "
        f"than number of records available in history. History includes {available} IDs.",
        400,
    )


def epost_reply(query_key: int | None, webenv: str | None, invalid: Sequence[str],
                errors: Sequence[str]) -> Reply:  # fmt: skip
    """EPost answer: optional InvalidIdList, QueryKey + WebEnv, ERROR lines (epost1/3.xml)."""
    parts = []
    if invalid:
        ids = "".join(f"<Id>{escape(i)}</Id>" for i in invalid)
        parts.append(f"\t<InvalidIdList>{ids}</InvalidIdList>\n")
    if query_key is not None:
        parts.append(f"\t<QueryKey>{query_key}</QueryKey>\n\t<WebEnv>{webenv}</WebEnv>\n")
    parts += [f"\t<ERROR>{escape(e)}</ERROR>\n" for e in errors]
    body = "".join(parts)
    body = body.rstrip("\n") if errors else body  # epost3.xml: no newline after the last ERROR
    return _xml(f"{XML_DECL}{DOCTYPE_EPOST}<ePostResult>\n{body}</ePostResult>\n")


def invalid_db(utility: str, db: str, *, json_mode: bool = False) -> Reply:
    """The answer to an unknown `db` (only pubmed is served)."""
    message = f"Invalid db name specified: {db}"
    if utility == "esearch":
        return esearch_error(message, json_mode=json_mode)
    if utility == "epost":
        return epost_reply(None, None, (), [message])
    return efetch_error(message)


def rate_limited(client: str, count: int, limit: int, retry_after: int | None) -> Reply:
    """HTTP 429 with NCBI's JSON body (sent whatever retmode was asked for)."""
    body = json.dumps(
        {"error": "API rate limit exceeded", "api-key": client, "count": str(count),
         "limit": str(limit)},
        separators=(",", ":"),
    )  # fmt: skip
    headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
    return Reply(429, body.encode(), "application/json", headers)


PAGE_500 = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>NCBI/eutils.ncbi.nlm.nih.gov - WWW Error 500 Diagnostic</title></head>
<body><div id="main"><h1>Error 500 - Internal Server Error</h1>
<p>The server encountered an internal error or misconfiguration and was unable to complete your
request. This could be a temporary condition, so please try the query again.</p>
<p class="details">Server: eutils101 &#160; Client: 127.0.0.1 &#160; Status: 500</p>
</div></body></html>
"""
PAGE_502 = (
    "<html><head><title>Bad Gateway!</title></head><body><h1>Bad Gateway!</h1><p>The proxy "
    "server received an invalid response from an upstream server.</p><p>Error 502</p></body>"
    "</html>\n"
)
PAGE_MAINTENANCE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>NCBI - National Center for Biotechnology
Information</title></head><body><h1>Service temporarily unavailable</h1>
<p>We are performing maintenance. Please try again later.<br>
</body></html>
"""


def fault_reply(kind: str, utility: str, params: dict[str, str]) -> Reply:
    """The canned answer for an injected fault that replaces the real one."""
    json_mode = params.get("retmode", "").lower() == "json"
    if kind == "500":
        return Reply(500, PAGE_500.encode(), HTML)
    if kind == "502":
        return Reply(502, PAGE_502.encode(), HTML)
    if kind == "503":
        return Reply(503, b"", HTML)
    if kind == "html200":
        return Reply(200, PAGE_MAINTENANCE.encode(), HTML)
    status = 400 if kind == "error400" else 200
    if utility == "esearch":
        reply = esearch_error(BACKEND_ERROR, json_mode=json_mode)
        return Reply(status, reply.body, reply.content_type)
    if utility == "epost":
        return Reply(status, epost_reply(None, None, (), [BACKEND_ERROR]).body)
    return efetch_error(EFETCH_TIMEOUT if status == 400 else EFETCH_BACKEND_ERROR, status)


def truncate(body: bytes) -> bytes:
    """Cut a body a few bytes into the first tag past its middle, like a dropped stream."""
    middle = len(body) // 2
    tag = body.find(b"<", middle)
    return body[: tag + 3] if 0 <= tag < len(body) - 20 else body[: max(middle, 1)]


def not_found_page(path: str) -> Reply:
    """HTTP 404 for paths the stand-in does not serve."""
    return Reply(404, f"<html><body><h1>404 Not Found</h1><p>{escape(path)}</p></body></html>\n"
                 .encode(), HTML)  # fmt: skip
