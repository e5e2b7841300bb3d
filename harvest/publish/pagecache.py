"""Whole pages kept until the catalog changes: a page staff open again (the default studies view,
a facet they click all day, the finder's usual selection) is sent from memory, and twenty
readers asking for the same page after a refresh commits cost one rendering.

A page is kept under the catalog's `PRAGMA data_version` read before it was rendered, and only
if no commit landed while it rendered, so a kept page always shows exactly the data of the
version it is served for (counts included). The current UTC minute is part of the key, for the
home page's freshness line. Only anonymous GETs of the listed staff pages that answer 200 with
no cookie are kept; `Cache-Control: no-cache` renders the page again (benchmarks/serve_bench.py
times both).

Stale while one render runs (like nginx's `proxy_cache_use_stale updating`): after a commit, the
first reader of a page renders it for the new version (so a reader who comes back after a
refresh sees its data at once); readers who ask while that render runs get the page's earlier
answer at once instead of queueing behind it, marked with `X-Catalog-Version` (the version it
shows), `X-Catalog-Updating` (the current one), `Age` (seconds since its data was last current)
and, on HTML, a one-line "updating: figures as of HH:MM:SS UTC" note. An earlier answer is one
whole rendering of one committed state, so its rows and counts agree. It is sent only while
that state was current less than `stale_seconds` ago (plugin setting, default 60), and only if
none of the studies it shows has had a flag changed since (retracted, expression of concern,
erratum, or the notices and publication types they are read from): one indexed query on the
PMIDs it shows, once per page and version. Otherwise the reader waits for the render. A page
renders once at a time: a reader whose page still renders for an earlier version waits for it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from harvest.catalog.db import read_only_connection
from harvest.publish.cells import FLAG_COLUMNS
from harvest.publish.facets import plugin_settings

PAGES = re.compile(
    r"^(?:/|/-/(?:evidence|search|map)|/-/evidence\.json|/catalog/studies(?:\.json)?"
    r"|/catalog/studies/\d+)$"
)
MAX_PAGE_BYTES = 2_000_000
MAX_TOTAL_BYTES = 64_000_000
STALE_SECONDS = 60  # an earlier answer is never sent once its data was replaced longer ago
MAX_SHOWN = 5000  # a page showing more studies than this is never sent stale
# Studies a page shows: links to their pages (HTML) and their pmid fields (JSON).
SHOWN = re.compile(rb'/catalog/studies/(\d+)|"pmid":\s*"?(\d+)')
FLAGS_SQL = "select pmid, {} from studies where pmid in ({})"
NOTE = (
    '<p class="catalog-updating" role="status" style="margin:0;padding:.2em 1em;'
    'font-size:.85em;background:#fff8e1">updating: figures as of {} UTC</p>'
)


@dataclass
class Page:
    """One kept answer: ASGI start message, body chunks, the version it shows, shown flags."""

    start: dict
    body: list[bytes]
    version: int = 0
    flags: dict | None = None  # {pmid: (flag values)}; None: may not be sent stale
    checked: dict = field(default_factory=dict)  # {later version: flags unchanged?}


class PageCache:
    """Rendered answers (status, headers, body) per (data version, minute, path, query)."""

    def __init__(self, db_path: str | None, immutable: bool = False) -> None:
        self.db_path = db_path
        self.immutable = immutable
        self.stale_seconds: float = STALE_SECONDS
        self.clock: Callable[[], float] = time.monotonic
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._latest: dict[tuple, tuple] = {}  # (path, query) -> key of its newest kept page
        self._seen: dict[int, tuple[float, float]] = {}  # version -> (monotonic, wall) last current
        self._bytes = 0
        self.counts: Counter = Counter()  # answers: kept, stale, waited, rendered
        self._pending: dict[tuple, asyncio.Future] = {}

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = read_only_connection(self.db_path, check_same_thread=False)
        return self._conn

    def version(self) -> int:
        """The catalog's data version: changes whenever another connection commits."""
        if self.immutable or not self.db_path:
            return 0
        with self._lock:
            version = self._connection().execute("pragma data_version").fetchone()[0]
            self._seen[version] = (self.clock(), time.time())
            while len(self._seen) > 64:
                del self._seen[min(self._seen)]
            return version

    def get(self, key: tuple) -> Page | None:
        """A kept answer, most recently used last."""
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple, page: Page) -> None:
        """Keep an answer, dropping the least recently used past MAX_TOTAL_BYTES."""
        size = sum(len(b) for b in page.body)
        if size > MAX_PAGE_BYTES or key in self._pages:
            return
        self._pages[key] = page
        self._latest[key[2:]] = key
        self._bytes += size
        while self._bytes > MAX_TOTAL_BYTES and self._pages:
            old_key, old = self._pages.popitem(last=False)
            self._bytes -= sum(len(b) for b in old.body)
            if self._latest.get(old_key[2:]) == old_key:
                del self._latest[old_key[2:]]

    def read_flags(self, pmids: list[int]) -> dict:
        """{pmid: (its flag columns)} of the given studies as they are now: the flags and the
        links and publication types flags are also read from (citing.flags.study_flags)."""
        columns = ", ".join(sorted(FLAG_COLUMNS))
        found: dict = {}
        with self._lock:
            conn = self._connection()
            for i in range(0, len(pmids), 500):
                chunk = pmids[i : i + 500]
                sql = FLAGS_SQL.format(columns, ", ".join("?" for _ in chunk))
                for pmid, *values in conn.execute(sql, chunk):
                    found[int(pmid)] = tuple(values)
        return found

    def shown_flags(self, page: Page, path: str) -> dict | None:
        """The flags of the studies page shows (None if it shows too many to check)."""
        pmids = {int(a or b) for a, b in SHOWN.findall(b"".join(page.body))}
        match = re.fullmatch(r"/catalog/studies/(\d+)", path)
        if match:
            pmids.add(int(match.group(1)))
        if len(pmids) > MAX_SHOWN:
            return None
        return self.read_flags(sorted(pmids))

    def rendering(self, key: tuple) -> bool:
        """True while key's page renders, for key's version or (a render that will not be
        kept) an earlier one: one render of a page at a time while commits keep landing."""
        return any(pending[2:] == key[2:] for pending in self._pending)

    def stale(self, key: tuple) -> tuple[Page, float] | None:
        """(an earlier answer for key's page, seconds since its data was last current), if it
        may be sent: within stale_seconds and no shown study's flags changed since."""
        earlier_key = self._latest.get(key[2:])
        page = self._pages.get(earlier_key) if earlier_key else None
        if page is None or page.flags is None or self.stale_seconds <= 0:
            return None
        seen = self._seen.get(page.version)
        age = self.clock() - seen[0] if seen else float("inf")
        if page.version == key[0]:  # only the minute changed: the same data
            age = 0.0
        if age > self.stale_seconds:
            return None
        if key[0] not in page.checked:
            page.checked[key[0]] = self.read_flags(sorted(page.flags)) == page.flags
        return (page, age) if page.checked[key[0]] else None


def _cacheable(scope: dict) -> bool:
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    if not PAGES.match(scope.get("path") or ""):
        return False
    for name, value in scope.get("headers") or []:
        if name in (b"cookie", b"authorization") and (name == b"authorization" or b"ds_" in value):
            return False
    return True


async def _send_page(send: Callable, start: dict, body: list[bytes]) -> None:
    await send(start)
    for i, chunk in enumerate(body):
        await send({"type": "http.response.body", "body": chunk, "more_body": i < len(body) - 1})
    if not body:
        await send({"type": "http.response.body", "body": b""})


def _with_version(start: dict, version: int) -> dict:
    return {
        **start,
        "headers": [*start.get("headers", []), (b"x-catalog-version", b"%d" % version)],
    }


def _stale_answer(page: Page, age: float, current: int, seen_wall: float) -> tuple[dict, list]:
    """page's answer marked as earlier: headers, and a note on an HTML page."""
    headers = [(k, v) for k, v in page.start.get("headers", []) if k.lower() != b"content-length"]
    body = page.body
    content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
    if content_type.startswith(b"text/html"):
        html = b"".join(body)
        at = re.search(rb"<body[^>]*>", html)
        if at:
            as_of = datetime.fromtimestamp(seen_wall, timezone.utc).strftime("%H:%M:%S")
            note = NOTE.format(as_of).encode()
            body = [html[: at.end()] + note + html[at.end() :]]
    headers += [
        (b"content-length", b"%d" % sum(len(b) for b in body)),
        (b"x-catalog-version", b"%d" % page.version),
        (b"x-catalog-updating", b"%d" % current),
        (b"age", b"%d" % int(age)),
    ]
    return {**page.start, "headers": headers}, body


def wrap_pages(app: Callable, datasette: Any, database: str) -> Callable:
    """ASGI middleware: answer a listed page from the cache, or render it once and keep it;
    while it renders, other readers get its earlier answer if that may be sent."""

    async def render(
        cache: PageCache, key: tuple, scope: dict, receive: Callable, send: Callable
    ) -> None:
        """Render scope's page, sending it on; keep it if no commit landed meanwhile."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        cache._pending.setdefault(key, future)  # a second renderer (no-cache) leaves the first
        start: dict = {}
        body: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                message = _with_version(message, key[0])
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        kept = None
        try:
            await app(scope, receive, capture)
            headers = {k.lower() for k, _ in start.get("headers", [])}
            if start.get("status") == 200 and b"set-cookie" not in headers:
                kept = Page(dict(start), body, key[0])
                kept.flags = cache.shown_flags(kept, scope["path"])
                if cache.version() == key[0]:  # no commit while it rendered
                    cache.put(key, kept)
        finally:
            if cache._pending.get(key) is future:
                del cache._pending[key]
            future.set_result(kept)

    async def wrapped(scope: dict, receive: Callable, send: Callable) -> None:
        if not _cacheable(scope):
            await app(scope, receive, send)
            return
        cache = cache_for(datasette, database)
        fresh = (b"cache-control", b"no-cache") in (scope.get("headers") or [])
        while True:
            version = cache.version()
            minute = datetime.now(timezone.utc).strftime("%Y%m%d%H%M")
            key = (version, minute, scope["path"], scope.get("query_string", b""))
            page = None if fresh else cache.get(key)
            rendering = page is None and not fresh and cache.rendering(key)
            if not rendering:
                break
            earlier = cache.stale(key)  # another reader is rendering this page: don't queue
            if earlier is not None:
                cache.counts["stale"] += 1
                old, age = earlier
                if old.version == version:  # only the minute changed: the same data
                    await _send_page(send, _with_version(old.start, old.version), old.body)
                    return
                seen_wall = cache._seen.get(old.version, (0.0, time.time()))[1]
                await _send_page(send, *_stale_answer(old, age, version, seen_wall))
                return
            if key in cache._pending:
                break
            # A render for an earlier version runs: wait for it rather than render the page
            # twice at once (their shared queries would hold every SQL thread), then look again.
            cache.counts["queued"] += 1
            older = next(f for k, f in cache._pending.items() if k[2:] == key[2:])
            await asyncio.shield(older)
        if rendering and key in cache._pending:
            cache.counts["waited"] += 1
            page = await asyncio.shield(cache._pending[key])
        elif page is not None:
            cache.counts["kept"] += 1
        if page is not None:
            await _send_page(send, _with_version(page.start, page.version), page.body)
            return
        cache.counts["rendered"] += 1
        await render(cache, key, scope, receive, send)

    return wrapped


def cache_for(datasette: Any, database: str) -> PageCache:
    """The page cache of one Datasette instance's catalog (created on first use)."""
    cache = getattr(datasette, "evidence_catalog_pages", None)
    if cache is None:
        try:
            db = datasette.get_database(database)
            cache = PageCache(db.path, immutable=not db.is_mutable)
        except KeyError:
            cache = PageCache(None)
        cache.stale_seconds = float(plugin_settings(datasette).get("stale_seconds", STALE_SECONDS))
        datasette.evidence_catalog_pages = cache
    return cache
