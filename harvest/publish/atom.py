"""Atom feeds from rows with atom_* columns (the columns datasette-atom uses); pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from harvest.citing.flags import FLAG_LABELS, NOTICE_LABELS, notice_kind, study_flags

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_COLUMNS = ("atom_id", "atom_title", "atom_updated")


def rfc3339(value: object) -> str:
    """An Atom timestamp from a date or datetime string ("2024-05-01" -> ...T00:00:00Z)."""
    text = str(value).strip().replace(" ", "T")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text + "T00:00:00Z"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        return text + ("Z" if text.count(":") == 2 else ":00Z")
    return text


def entry_title(row: Mapping) -> str:
    """An entry's title, badged "[Retracted] ..." / "[Retraction notice, not evidence] ..."."""
    marks = [FLAG_LABELS[f] for f in study_flags(row)]
    kind = notice_kind(row)
    marks += [f"{NOTICE_LABELS[kind]}, not evidence"] if kind else []
    title = str(row["atom_title"] or "")
    return "".join(f"[{m}] " for m in marks) + title


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append an Atom element."""
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    element.text = text
    return element


def to_atom(rows: Iterable[Mapping], feed_id: str, title: str, html: bool = True) -> str:
    """An Atom 1.0 document, one entry per row; atom_content_html is text unless html=True."""
    rows = list(rows)
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    stamps = [rfc3339(r["atom_updated"]) for r in rows if r["atom_updated"]]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _sub(feed, "updated", max(stamps) if stamps else now)
    _sub(feed, "link", href=feed_id, rel="self")
    _sub(feed, "generator", "evidence-catalog")
    for row in rows:
        keys = row.keys()
        entry = _sub(feed, "entry")
        _sub(entry, "id", str(row["atom_id"]))
        _sub(entry, "title", entry_title(row))
        _sub(entry, "updated", rfc3339(row["atom_updated"]) if row["atom_updated"] else now)
        if "atom_link" in keys and row["atom_link"]:
            _sub(entry, "link", href=str(row["atom_link"]))
        if "atom_author_name" in keys and row["atom_author_name"]:
            _sub(_sub(entry, "author"), "name", str(row["atom_author_name"]))
        if "atom_content_html" in keys and row["atom_content_html"]:
            kind = "html" if html else "text"
            _sub(entry, "content", str(row["atom_content_html"]), type=kind)
        elif "atom_content" in keys and row["atom_content"]:
            _sub(entry, "content", str(row["atom_content"]), type="text")
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"
