"""Citing: citation styles (AMA, APA, Vancouver) and reference exports."""

from harvest.citing.styles import citations, cite_ama, cite_apa, cite_vancouver, to_bibtex, to_ris

__all__ = ["citations", "cite_ama", "cite_apa", "cite_vancouver", "to_bibtex", "to_ris"]
