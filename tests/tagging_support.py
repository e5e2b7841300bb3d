"""The tagger tests' record: a normalised record with only a title, an abstract and publication
types (the fields the tagger reads from own-sentence cases), as harvest.pubmed.parse yields it."""

from pathlib import Path

from harvest.tagging.tag import Tags, tag_record

TAXONOMY = Path(__file__).resolve().parents[1] / "config" / "taxonomy.yml"


def record(title: str, abstract: str, pts=("Journal Article",)) -> dict:
    """A record of `title` and an unstructured `abstract`, no MeSH, publication types `pts`."""
    return {"pmid": 1, "title": title, "abstract": abstract, "abstract_sections": [],
            "publication_types": [{"ui": None, "name": p} for p in pts], "mesh": [],
            "keywords": [], "chemicals": [], "comments_corrections": []}  # fmt: skip


def edited_taxonomy(folder: Path, old: str, new: str) -> Path:
    """A copy of the checkout's taxonomy.yml in `folder` with `old` (which it must hold) replaced
    by `new`: a staff edit, for the load-time checks."""
    text = TAXONOMY.read_text(encoding="utf-8")
    assert old in text, old
    path = folder / "taxonomy.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def tags(taxonomy, title: str, abstract: str) -> Tags:
    """The tags of an own-sentence case: `record(title, abstract)` through `tag_record`."""
    return tag_record(record(title, abstract), taxonomy)
