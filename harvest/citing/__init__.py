"""Citing: citation styles (AMA, APA, Vancouver), flags, and streamed reference exports."""

from harvest.citing.exports import stream_export, to_bibtex, to_csl_json, to_ris
from harvest.citing.flags import flag_notes, is_notice, study_flags
from harvest.citing.styles import citations, cite_ama, cite_apa, cite_vancouver

__all__ = [
    "citations",
    "cite_ama",
    "cite_apa",
    "cite_vancouver",
    "flag_notes",
    "is_notice",
    "stream_export",
    "study_flags",
    "to_bibtex",
    "to_csl_json",
    "to_ris",
]
