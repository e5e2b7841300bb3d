"""Parse PubMed XML (efetch output, baseline and update files) into normalised record dicts.

Streaming: records are cut from the byte stream and parsed one by one with ElementTree's C
parser, so memory stays flat whatever the file size. Biopython's
`Entrez.parse` cannot stream a `PubmedArticleSet` and `Entrez.read` holds the whole document,
so it is used for MEDLINE text only (see `medline.py`). This module cuts the stream;
`parse_record` reads one element, `parse_text` its text, dates and PMIDs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from harvest.errors import FileFormatError
from harvest.pubmed.parse_record import parse_article, parse_book
from harvest.pubmed.parse_text import check_pmid, parse_free_date, text_of


@dataclass(frozen=True)
class Deleted:
    """A `DeleteCitation` entry: PubMed withdrew this PMID."""

    pmid: int


@dataclass(frozen=True)
class Malformed:
    """A record that could not be read; logged and counted, never silently dropped."""

    pmid: str | None
    reason: str


__all__ = [
    "Deleted",
    "Malformed",
    "check_pmid",
    "parse_article",
    "parse_book",
    "parse_chunk",
    "parse_free_date",
    "parse_pubmed_xml",
    "pubmed_chunks",
    "text_of",
]

PARSERS = {b"PubmedArticle": parse_article, b"PubmedBookArticle": parse_book}
TOP_LEVEL = re.compile(rb"<(PubmedArticle|PubmedBookArticle|DeleteCitation)[\s>]")
PMID_BYTES = re.compile(rb"<PMID[^>]*>([^<]{0,64})</PMID>")
ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s>/]")
ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([\w.-]+)[\"']")
MATHML = b'<wrap xmlns:mml="http://www.w3.org/1998/Math/MathML">'
EMPTY_SET = re.compile(rb"<PubmedArticleSet[^>]*/>")
# Reads of 64 kB: blocks of megabytes come from fresh mmap pages, each one faulted in by the
# kernel (a third of the cutter's time over a 290 MB file, in every worker).
BLOCK = 1 << 16
# No real record comes near this; a record whose end tag is not found within it is broken, and
# the reader moves on to the next record start without holding more of the file.
MAX_RECORD = 1 << 25
BROKEN_HEAD = 1 << 16  # bytes of a broken record passed on, enough to name its PMID


def _root_tag(head: bytes) -> bytes | None:
    """The document element's name, skipping the XML declaration, DOCTYPE and comments."""
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", b"", head, flags=re.S)
    match = ROOT_TAG.search(body)
    return match.group(1) if match else None


def _without_references(chunk: bytes) -> bytes:
    """Drop PubmedData's trailing ReferenceList(s): the catalog does not store cited works."""
    start = chunk.find(b"<ReferenceList")
    if start < 0:
        return chunk
    end = chunk.rfind(b"</ReferenceList>")
    if end < start:
        return chunk
    return chunk[:start] + chunk[end + len(b"</ReferenceList>") :]


def _element(chunk: bytes, declaration: bytes) -> ET.Element:
    chunk = _without_references(chunk)
    try:
        return ET.fromstring(declaration + chunk)
    except ET.ParseError as exc:
        if "unbound prefix" not in str(exc):
            raise
        return ET.fromstring(declaration + MATHML + chunk + b"</wrap>")[0]


def pubmed_chunks(stream: IO[bytes]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """Yield (declaration, tag, bytes) for each top-level record of a PubmedArticleSet.

    Records are cut out at the byte level and parsed one by one with ElementTree's C parser:
    faster than iterparse's per-element events, memory bounded by one block, and one broken
    record cannot take the rest of the file with it.
    """
    buffer = stream.read(BLOCK)
    root = _root_tag(buffer)
    while root is None and len(buffer) < (1 << 20):
        more = stream.read(BLOCK)
        if not more:
            break
        buffer += more
        root = _root_tag(buffer)
    if root is None:
        raise FileFormatError("empty file or no XML found")
    if root != b"PubmedArticleSet":
        raise FileFormatError(
            f"not a PubMed XML file (root element <{root.decode(errors='replace')}>, "
            "expected <PubmedArticleSet>)"
        )
    encoding = ENCODING.match(buffer)
    declaration = b""
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        declaration = b'<?xml version="1.0" encoding="' + encoding.group(1) + b'"?>'
    pos, eof, closed = 0, False, False
    while True:
        match = TOP_LEVEL.search(buffer, pos)
        if match is None:
            if eof:
                break
            keep = max(pos, len(buffer) - 64)
            closed = closed or b"</PubmedArticleSet>" in buffer[pos:keep]
            more = stream.read(BLOCK)
            eof = not more
            buffer, pos = buffer[keep:] + more, 0
            continue
        tag, start = match.group(1), match.start()
        closing = b"</" + tag + b">"
        scan, ended = match.end(), False
        while True:
            end = buffer.find(closing, scan)
            following = TOP_LEVEL.search(buffer, scan, end if end >= 0 else len(buffer))
            if following is not None:  # the next record starts before this one ended
                cut = min(following.start(), start + BROKEN_HEAD)
                yield declaration, tag, buffer[start:cut]
                pos = following.start()
                break
            if end >= 0:
                pos = end + len(closing)
                yield declaration, tag, buffer[start:pos]
                break
            ended = ended or b"</PubmedArticleSet>" in buffer[scan:]  # the file ends in it
            if len(buffer) - start > MAX_RECORD or (eof and ended):  # resynchronise further on
                yield declaration, tag, buffer[start : start + BROKEN_HEAD]
                closed, pos = closed or ended, len(buffer) if eof else len(buffer) - 64
                break
            if eof:
                raise FileFormatError(
                    "truncated PubMed XML: the file ends inside a record or before "
                    "</PubmedArticleSet>"
                )
            more = stream.read(max(BLOCK, len(buffer) - start))  # doubling: a long record
            eof = not more  # costs linear time, not quadratic
            scan = max(scan, len(buffer) - 64) - start
            buffer, start = buffer[start:] + more, 0
    tail = buffer[pos:]
    closed = closed or b"</PubmedArticleSet>" in tail or EMPTY_SET.search(buffer) is not None
    if not closed:
        raise FileFormatError(
            "truncated PubMed XML: the file ends inside a record or before </PubmedArticleSet>"
        )


def _pmid_text(chunk: bytes) -> str | None:
    """The first PMID's text in a record's bytes (for failures), or None."""
    found = PMID_BYTES.search(chunk)
    text = found.group(1).decode("utf-8", "replace").strip() if found else ""
    return text or None


def parse_chunk(declaration: bytes, tag: bytes, chunk: bytes) -> list[dict | Deleted | Malformed]:
    """Parse one top-level element cut out by `pubmed_chunks`; failures name their PMID."""
    name = tag.decode()
    if not chunk.rstrip().endswith(b"</" + tag + b">"):
        return [Malformed(_pmid_text(chunk), f"{name} without its closing tag")]
    try:
        elem = _element(chunk, declaration)
    except ET.ParseError as exc:
        return [Malformed(_pmid_text(chunk), f"malformed XML: {exc}")]
    if tag == b"DeleteCitation":
        return [_deleted(text_of(pmid)) for pmid in elem.findall("PMID")]
    try:
        return [PARSERS[tag](elem)]
    except (ValueError, AttributeError, TypeError) as exc:
        return [Malformed(_pmid_text(chunk), f"{name}: {exc}")]


def _deleted(text: str | None) -> Deleted | Malformed:
    try:
        return Deleted(check_pmid(text))
    except ValueError as exc:
        return Malformed(text, f"DeleteCitation: {exc}")


def parse_pubmed_xml(stream: IO[bytes]) -> Iterator[dict | Deleted | Malformed]:
    """Yield records, `Deleted` and `Malformed` items from a PubMed XML stream, in file order.

    Raises FileFormatError when the stream is not a PubmedArticleSet or ends mid-record.
    """
    for declaration, tag, chunk in pubmed_chunks(stream):
        yield from parse_chunk(declaration, tag, chunk)
