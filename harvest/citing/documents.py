"""Read drafts into numbered lines: plain text, Markdown, HTML, .docx, RIS and nbib; pure functions.

`read_document` returns (line number, text, is_reference_entry) tuples for
`harvest.citing.extract.extract_citations`. Anything that is none of these formats (a PDF, an
image, a spreadsheet, any binary file) raises FileFormatError naming the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import LxmlError

from harvest.errors import FileFormatError

Line = tuple[int, str, bool]
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".html", ".htm", ".docx", ".ris",
                     ".nbib")  # fmt: skip
FORMATS = "plain text, Markdown, HTML, .docx, RIS or nbib"
MAGIC = {
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "gzip-compressed",
    b"\xd0\xcf\x11\xe0": "an old binary Office file (.doc/.xls)",
    b"PK\x03\x04": "a ZIP archive",
    b"\x7fELF": "a program",
}
RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  - ?(.*)$")
NBIB_TAG = re.compile(r"^([A-Z][A-Z0-9 ]{1,3})- (.*)$")
BLOCK_TAGS = {"p", "li", "div", "td", "th", "tr", "br", "blockquote", "dd", "dt", "section",
              "article", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "caption", "figcaption",
              "ul", "ol", "table", "body", "footer", "header", "main", "nav", "aside"}  # fmt: skip
SKIP_TAGS = {"script", "style", "head", "title", "template", "noscript"}


def _reject(name: str, reason: str) -> FileFormatError:
    return FileFormatError(f"{name}: not a {FORMATS} document ({reason})")


def read_document(path: Path) -> list[Line]:
    """The numbered lines of a draft on disk."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_document(str(path), data)


def parse_document(name: str, data: bytes) -> list[Line]:
    """The numbered lines of a document given as bytes; `name` picks the format by suffix."""
    suffix = Path(name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        return parse_docx(name, data)
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            raise _reject(name, f"it is {what}")
    if suffix == ".docx":
        raise _reject(name, "not a valid .docx file")
    text = decode_text(name, data)
    head = text.lstrip()[:1000].lower()
    if suffix == ".ris" or re.match(r"ty  - ", head):
        return parse_ris(text)
    if suffix == ".nbib" or re.match(r"pmid- ?\d", head):
        return parse_nbib(text)
    if suffix in (".html", ".htm") or head.startswith(("<!doctype html", "<html")):
        return parse_html(text)
    return [(n, line, False) for n, line in enumerate(text.splitlines(), 1)]


def decode_text(name: str, data: bytes) -> str:
    """UTF-8 (or Windows-1252) text; control bytes or undecodable bytes mean a binary file."""
    if b"\x00" in data[:65536]:
        raise _reject(name, "it is a binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _reject(name, "it is a binary file") from None
    if re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", text[:65536]):
        raise _reject(name, "it is a binary file")
    return text


def parse_docx(name: str, data: bytes) -> list[Line]:
    """One line per paragraph (table cells included, in order); link targets are appended."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError, LxmlError):
        raise _reject(name, "a ZIP archive but not a Word .docx document") from None
    lines: list[Line] = []
    for paragraph in _paragraphs(document):
        text = paragraph.text
        if paragraph.style is not None and paragraph.style.name.lower().startswith("heading"):
            text = "# " + text
        for link in paragraph.hyperlinks:
            if link.address and link.address not in text:
                text += f" {link.address}"
        lines.append((len(lines) + 1, text, False))
    return lines


def _paragraphs(container) -> list[Paragraph]:
    """Paragraphs of a document or cell in reading order, descending into tables."""
    found: list[Paragraph] = []
    for item in container.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    found.extend(_paragraphs(cell))
        else:
            found.append(item)
    return found


class _HTMLLines(HTMLParser):
    """Collects the text of each block element with the source line where it starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str, bool]] = []
        self._parts: list[str] = []
        self._links: list[str] = []
        self._line = 0
        self._heading = False
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        for link in self._links:
            if link not in text:
                text = f"{text} {link}".strip()
        if text:
            self.blocks.append((self._line, ("# " if self._heading else "") + text, False))
        self._parts, self._links, self._line, self._heading = [], [], 0, False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIP_TAGS:
            self._skip += 1
        if tag in BLOCK_TAGS:
            self._flush()
            self._heading = tag in {"h1", "h2", "h3", "h4", "h5", "h6"}
        if tag == "a":
            href = dict(attrs).get("href")
            if href and re.search(r"pubmed|doi\.org|/pmc/|pmc\.ncbi|europepmc", href, re.I):
                self._links.append(href.strip())
                self._line = self._line or self.getpos()[0]

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS and self._skip:
            self._skip -= 1
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip or not data.strip():
            return
        if not self._line:
            leading = len(data) - len(data.lstrip("\n\r\t "))
            self._line = self.getpos()[0] + data[:leading].count("\n")
        self._parts.append(data)


def parse_html(text: str) -> list[Line]:
    """One line per block element (paragraph, list item, cell, heading) at its source line."""
    parser = _HTMLLines()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.blocks


def _records(text: str, tag: re.Pattern, end: str | None) -> list[tuple[int, dict[str, list]]]:
    """Tagged records (RIS, MEDLINE): (first line, {tag: [values]}); continuation lines joined."""
    records: list[tuple[int, dict[str, list]]] = []
    current: dict[str, list] = {}
    start, last = 0, None
    for number, raw in enumerate(text.splitlines(), 1):
        match = tag.match(raw)
        if match:
            key, value = match.group(1).strip(), match.group(2).strip()
            if not current:
                start = number
            if key == end:
                records.append((start, current))
                current, last = {}, None
                continue
            current.setdefault(key, []).append(value)
            last = key
        elif not raw.strip() and end is None and current:
            records.append((start, current))
            current, last = {}, None
        elif raw.startswith(" ") and last:
            current[last][-1] += " " + raw.strip()
    if current:
        records.append((start, current))
    return records


def _entry(authors: list, title: list, journal: list, year: list, ids: list[str]) -> str:
    first = authors[0] if authors else ""
    parts = [first, " ".join(title), " ".join(journal[:1]), (year or [""])[0][:4], *ids]
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())


def parse_ris(text: str) -> list[Line]:
    """One reference entry per RIS record, at the record's first line."""
    lines = []
    for start, rec in _records(text, RIS_TAG, "ER"):
        ids = [f"doi:{d}" for d in rec.get("DO", [])]
        ids += [f"PMID: {a}" for a in rec.get("AN", []) if a.isdigit()]
        ids += [f"PMCID: {v}" for v in rec.get("C2", []) if v.upper().startswith("PMC")]
        ids += [u for u in rec.get("UR", []) if re.search(r"pubmed|doi\.org|pmc", u, re.I)]
        title = rec.get("TI") or rec.get("T1") or []
        journal = rec.get("JO") or rec.get("T2") or rec.get("JF") or []
        authors = rec.get("AU") or rec.get("A1") or []
        year = rec.get("PY") or rec.get("Y1") or rec.get("DA") or []
        lines.append((start, _entry(authors, title, journal, year, ids), True))
    return lines


def parse_nbib(text: str) -> list[Line]:
    """One reference entry per MEDLINE (nbib) record, at the record's PMID line."""
    lines = []
    for start, rec in _records(text, NBIB_TAG, None):
        ids = [f"PMID: {p}" for p in rec.get("PMID", [])[:1]]
        ids += [f"doi:{v[:-6]}" for v in rec.get("LID", []) + rec.get("AID", [])
                if v.endswith("[doi]")][:1]  # fmt: skip
        ids += [f"PMCID: {v}" for v in rec.get("PMC", [])]
        lines.append(
            (
                start,
                _entry(
                    rec.get("AU", []), rec.get("TI", []), rec.get("TA", []), rec.get("DP", []), ids
                ),
                True,
            )  # fmt: skip
        )
    return lines
