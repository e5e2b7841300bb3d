"""Input files for `harvest import`: detect the format, open (gzip too), and stream items."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from harvest.errors import FileFormatError
from harvest.pubmed.medline import parse_medline
from harvest.pubmed.parse import parse_chunk, pubmed_chunks


def open_input(path: Path) -> tuple[str, io.IOBase]:
    """('xml' or 'medline', stream) for a PubMed XML (.xml, .xml.gz) or MEDLINE text file."""
    if not path.exists():
        raise FileFormatError(f"no such file: {path}")
    if path.is_dir():
        raise FileFormatError(f"{path} is a directory, not a PubMed file")
    try:
        raw = gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")
        head = raw.peek(2048)[:2048] if hasattr(raw, "peek") else b""
    except (OSError, EOFError) as exc:
        raise FileFormatError(f"cannot read {path}: {exc}") from None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "xml", raw
    if text.startswith(b"PMID-") or b"\nPMID-" in head:
        return "medline", io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
    raw.close()
    raise FileFormatError(
        f"{path} is not a PubMed file (expected PubMed XML, .xml.gz, or MEDLINE text)"
    )


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fp:
        return fp.read(2) == b"\x1f\x8b"


def read_units(paths: list[Path]) -> Iterator[tuple]:
    """Cheap units, one per record, in file order: raw XML chunks or parsed MEDLINE records.

    A unit becomes items with `realise`; splitting the two lets worker processes share a file.
    """
    for path in paths:
        kind, stream = open_input(path)
        with stream:
            try:
                if kind == "xml":
                    for chunk in pubmed_chunks(stream):
                        yield ("xml", *chunk)
                else:
                    for item in parse_medline(stream):
                        yield ("item", item)
            except (OSError, EOFError) as exc:
                raise FileFormatError(f"cannot read {path}: {exc}") from None
            except FileFormatError as exc:
                raise FileFormatError(f"{path}: {exc}") from None


def realise(unit: tuple) -> list:
    """The parsed items of one unit."""
    if unit[0] == "xml":
        return parse_chunk(*unit[1:])
    return [unit[1]]
