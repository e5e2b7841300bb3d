"""Whole pages kept until the catalog changes: a page staff open again (the default studies view,
a facet they click all day, the finder's usual selection) is sent from memory, and twenty
readers asking for the same page after a refresh commits cost one rendering.

A page is kept under the catalog's `PRAGMA data_version` read before it was rendered, and only
if no commit landed while it rendered, so a kept page always shows exactly the data of the
version it is served for (counts included). The current UTC minute is part of the key, for the
home page's freshness line. Only anonymous GETs of the listed staff pages that answer 200 with
no cookie are kept; `Cache-Control: no-cache` renders the page again (benchmarks/serve_bench.py
times both).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PAGES = re.compile(
    r"^(?:/|/-/(?:evidence|search|map)|/-/evidence\.json|/catalog/studies(?:\.json)?"
    r"|/catalog/studies/\d+)$"
)
MAX_PAGE_BYTES = 2_000_000
MAX_TOTAL_BYTES = 64_000_000


class PageCache:
    """Rendered answers (status, headers, body) per (data version, minute, path, query)."""

    def __init__(self, db_path: str | None, immutable: bool = False) -> None:
        self.db_path = db_path
        self.immutable = immutable
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple, tuple[dict, list[bytes]]] = OrderedDict()
        self._bytes = 0
        self._pending: dict[tuple, asyncio.Future] = {}

    def version(self) -> int:
        """The catalog's data version: changes whenever another connection commits."""
        if self.immutable or not self.db_path:
            return 0
        with self._lock:
            if self._conn is None:
                uri = f"{Path(self.db_path).resolve().as_uri()}?mode=ro"
                self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            return self._conn.execute("pragma data_version").fetchone()[0]

    def get(self, key: tuple) -> tuple[dict, list[bytes]] | None:
        """A kept answer, most recently used last."""
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple, start: dict, body: list[bytes]) -> None:
        """Keep an answer, dropping the least recently used past MAX_TOTAL_BYTES."""
        size = sum(len(b) for b in body)
        if size > MAX_PAGE_BYTES or key in self._pages:
            return
        self._pages[key] = (start, body)
        self._bytes += size
        while self._bytes > MAX_TOTAL_BYTES and self._pages:
            _, (_, old) = self._pages.popitem(last=False)
            self._bytes -= sum(len(b) for b in old)


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


def wrap_pages(app: Callable, datasette: Any, database: str) -> Callable:
    """ASGI middleware: answer a listed page from the cache, or render it once and keep it."""

    async def wrapped(scope: dict, receive: Callable, send: Callable) -> None:
        if not _cacheable(scope):
            await app(scope, receive, send)
            return
        cache = cache_for(datasette, database)
        version = cache.version()
        minute = datetime.now(timezone.utc).strftime("%Y%m%d%H%M")
        key = (version, minute, scope["path"], scope.get("query_string", b""))
        fresh = (b"cache-control", b"no-cache") in (scope.get("headers") or [])
        page = None if fresh else cache.get(key)
        if page is None and key in cache._pending and not fresh:
            page = await asyncio.shield(cache._pending[key])
        if page is not None:
            await _send_page(send, *page)
            return
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        cache._pending.setdefault(key, future)  # a second renderer (no-cache) leaves the first
        start: dict = {}
        body: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        kept = None
        try:
            await app(scope, receive, capture)
            headers = {k.lower() for k, _ in start.get("headers", [])}
            if start.get("status") == 200 and b"set-cookie" not in headers:
                kept = (dict(start), body)
                if cache.version() == version:  # no commit while it rendered
                    cache.put(key, *kept)
        finally:
            if cache._pending.get(key) is future:
                del cache._pending[key]
            future.set_result(kept)

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
        datasette.evidence_catalog_pages = cache
    return cache
