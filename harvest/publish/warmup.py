"""Staff pages rendered ahead of their first reader, by `harvest serve`.

After a restart, or once a refresh has committed its last batch, the first reader of the default
studies view or the evidence finder would wait for cold facet counts and summaries: 1.4-2.4 s at
50,000 studies, against 50-100 ms once they are kept (harvest.publish.facets keeps them per
catalog version; harvest.publish.pagecache keeps whole pages). A background task renders those
pages at start-up and again each time the catalog has been still for `still` seconds after it
changed (a refresh commits batch by batch: the pages are rendered once, after its last commit,
not after every batch). It reads the catalog only, through the server's own client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from harvest.publish.pagecache import cache_for

log = logging.getLogger("harvest")
# The pages a person waits for first: home, the default studies view, the finder, map, search,
# and the studies view filtered by each of the catalog's own conditions and substances (the
# facet clicks staff make all day).
CLICKS = [("conditions", c) for c in ("ptsd", "depression", "treatment-resistant-depression",
          "anxiety", "suicidality")] + [("modalities", m) for m in ("ketamine", "esketamine",
          "psilocybin", "mdma")]  # fmt: skip
WARM_PATHS = (
    "/",
    "/catalog/studies?on_topic=1&human=1",
    "/-/evidence",
    "/-/map",
    "/-/search",
    *(f"/catalog/studies?{facet}__arraycontains={tag}" for facet, tag in CLICKS),
)
POLL_SECONDS = 5.0  # how often the catalog's data version is read
STILL_SECONDS = 10.0  # how long it must not have changed before pages are rendered for it
ATTRIBUTE = "evidence_catalog_warm"  # on the Datasette instance: (poll, still) when enabled


def enable_warmup(datasette: Any, poll: float = POLL_SECONDS, still: float = STILL_SECONDS):
    """Have this Datasette render the staff pages ahead (started by the plugin's startup)."""
    setattr(datasette, ATTRIBUTE, (poll, still))


def start_warmup(datasette: Any, database: str) -> asyncio.Task | None:
    """Start the background task if enabled for this Datasette; the task, kept on it."""
    timing = getattr(datasette, ATTRIBUTE, None)
    if timing is None or getattr(datasette, ATTRIBUTE + "_task", None) is not None:
        return None
    task = asyncio.get_running_loop().create_task(warm_pages(datasette, database, *timing))
    setattr(datasette, ATTRIBUTE + "_task", task)
    return task


async def warm_pages(datasette: Any, database: str, poll: float, still: float) -> None:
    """Render WARM_PATHS now and after every change once the catalog has been still."""
    cache = cache_for(datasette, database)
    loop = asyncio.get_running_loop()
    warmed = seen = None
    since = float("-inf")  # at start-up: render at once
    while True:
        try:
            version = await loop.run_in_executor(None, cache.version)
            if version != seen:
                seen, since = version, (since if seen is None else time.monotonic())
            if version != warmed and time.monotonic() - since >= still:
                for path in WARM_PATHS:
                    response = await datasette.client.get(path)
                    if response.status_code != 200:
                        log.warning("warming %s: HTTP %s", path, response.status_code)
                warmed = version
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let a warm-up take the server down
            log.warning("warming the staff pages failed: %s", exc)
        await asyncio.sleep(poll)
