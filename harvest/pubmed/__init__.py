"""PubMed in: the E-utilities client, searches and fetches, and the XML and MEDLINE parsers."""

from harvest.pubmed.eutils import EutilsClient
from harvest.pubmed.fetch import fetch_by_ids, fetch_records, fetch_windows
from harvest.pubmed.medline import parse_medline
from harvest.pubmed.parse import Deleted, Malformed, parse_pubmed_xml
from harvest.pubmed.sources import open_input, read_units

__all__ = [
    "Deleted",
    "EutilsClient",
    "Malformed",
    "fetch_by_ids",
    "fetch_records",
    "fetch_windows",
    "open_input",
    "parse_medline",
    "parse_pubmed_xml",
    "read_units",
]
