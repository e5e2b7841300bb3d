"""The tagger tests' record: a normalised record with only a title, an abstract and publication
types (the fields the tagger reads from own-sentence cases), as harvest.pubmed.parse yields it."""


def record(title: str, abstract: str, pts=("Journal Article",)) -> dict:
    """A record of `title` and an unstructured `abstract`, no MeSH, publication types `pts`."""
    return {"pmid": 1, "title": title, "abstract": abstract, "abstract_sections": [],
            "publication_types": [{"ui": None, "name": p} for p in pts], "mesh": [],
            "keywords": [], "chemicals": [], "comments_corrections": []}  # fmt: skip
