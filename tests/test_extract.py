"""Finding citations in drafts (harvest/citing/extract.py) and reading drafts into lines
(harvest/citing/documents.py): every identifier form, reference entries, every input format."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from harvest.citing.documents import parse_document, read_document
from harvest.citing.extract import Found, extract_citations, find_identifiers, trim_identifier
from harvest.errors import FileFormatError

DRAFTS = Path(__file__).parent / "fixtures" / "drafts"


def ids(text: str) -> list[tuple[str, str, str]]:
    return [(f.kind, f.value, f.found) for f in find_identifiers(text, 1)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(PMID: 24740528)", [("pmid", "24740528", "PMID: 24740528")]),
        ("PMID 24740528.", [("pmid", "24740528", "PMID 24740528")]),
        ("pmid:24740528", [("pmid", "24740528", "pmid:24740528")]),
        ("PMID- 24740528", [("pmid", "24740528", "PMID- 24740528")]),
        ("PubMed ID 24740528", [("pmid", "24740528", "PubMed ID 24740528")]),
        (
            "see https://pubmed.ncbi.nlm.nih.gov/24740528/.",
            [("pmid", "24740528", "https://pubmed.ncbi.nlm.nih.gov/24740528/")],
        ),
        (
            "https://pubmed.ncbi.nlm.nih.gov/24740528/?from_term=ketamine&from_pos=2),",
            [
                (
                    "pmid",
                    "24740528",
                    "https://pubmed.ncbi.nlm.nih.gov/24740528/?from_term=ketamine&from_pos=2",
                )
            ],
        ),
        (
            "http://www.ncbi.nlm.nih.gov/pubmed/24740528",
            [("pmid", "24740528", "http://www.ncbi.nlm.nih.gov/pubmed/24740528")],
        ),
        (
            "pubmed.ncbi.nlm.nih.gov/36500002",
            [("pmid", "36500002", "pubmed.ncbi.nlm.nih.gov/36500002")],
        ),
        (
            "10.1001/jamapsychiatry.2014.62.",
            [("doi", "10.1001/jamapsychiatry.2014.62", "10.1001/jamapsychiatry.2014.62")],
        ),
        (
            "DOI: 10.1001/JAMAPSYCHIATRY.2014.62;",
            [("doi", "10.1001/jamapsychiatry.2014.62", "DOI: 10.1001/JAMAPSYCHIATRY.2014.62")],
        ),
        ("doi:10.1000/XYZ.1,", [("doi", "10.1000/xyz.1", "doi:10.1000/XYZ.1")]),
        (
            "(https://doi.org/10.1176/appi.ajp.2020.20050596)",
            [
                (
                    "doi",
                    "10.1176/appi.ajp.2020.20050596",
                    "https://doi.org/10.1176/appi.ajp.2020.20050596",
                )
            ],
        ),
        (
            "https://DX.DOI.ORG/10.1016/S0140-6736(20)30123-4).",
            [
                (
                    "doi",
                    "10.1016/s0140-6736(20)30123-4",
                    "https://DX.DOI.ORG/10.1016/S0140-6736(20)30123-4",
                )
            ],
        ),
        (
            "https://doi.org/10.1007%2Fs00213-019-05249-5",
            [("doi", "10.1007/s00213-019-05249-5", "https://doi.org/10.1007%2Fs00213-019-05249-5")],
        ),
        (
            "[Feder 2021](https://doi.org/10.1176/appi.ajp.2020.20050596)",
            [
                (
                    "doi",
                    "10.1176/appi.ajp.2020.20050596",
                    "https://doi.org/10.1176/appi.ajp.2020.20050596",
                )
            ],
        ),
        ("PMCID: PMC8205851.", [("pmcid", "PMC8205851", "PMCID: PMC8205851")]),
        ("pmc8205851", [("pmcid", "PMC8205851", "pmc8205851")]),
        (
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8205851/",
            [("pmcid", "PMC8205851", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8205851/")],
        ),
        (
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC8205851/?report=reader",
            [
                (
                    "pmcid",
                    "PMC8205851",
                    "https://pmc.ncbi.nlm.nih.gov/articles/PMC8205851/?report=reader",
                )
            ],
        ),
        ("a trial in 2014 with 41 patients; see page 10.5 of 2020/21", []),
        ("https://pubmed.ncbi.nlm.nih.gov/?term=ketamine", []),
        ("https://pubmed.ncbi.nlm.nih.gov/?term=ketamine+2014", []),
        (
            "https://www.ncbi.nlm.nih.gov/pubmed/?term=24740528",
            [("pmid", "24740528", "https://www.ncbi.nlm.nih.gov/pubmed/?term=24740528")],
        ),
        (
            "https://europepmc.org/article/MED/24740528",
            [("pmid", "24740528", "https://europepmc.org/article/MED/24740528")],
        ),
    ],
)
def test_identifier_forms(text, expected):
    assert ids(text) == expected


def test_several_identifiers_on_a_line_come_in_order():
    text = (
        "Ketamine (doi:10.1/x is not one; PMID: 24740528) and PMC8205851, "
        "then 10.1038/s41591-021-01336-3"
    )
    assert [(f.kind, f.value) for f in find_identifiers(text, 7)] == [
        ("pmid", "24740528"),
        ("pmcid", "PMC8205851"),
        ("doi", "10.1038/s41591-021-01336-3"),
    ]


def test_trailing_punctuation_keeps_balanced_brackets():
    assert trim_identifier("10.1016/S0140-6736(20)30123-4).") == "10.1016/S0140-6736(20)30123-4"
    assert trim_identifier("10.1000/abc\u201d.") == "10.1000/abc"
    assert trim_identifier("10.1000/abc_(x)") == "10.1000/abc_(x)"


def test_reference_entries_without_identifiers():
    lines = [
        (1, "Ketamine was studied in 2014 by several groups in New York.", False),
        (2, "Feder A, Parides MK. Efficacy of intravenous ketamine. JAMA Psychiatry. 2014.", False),
        (3, "## References", False),
        (4, "1. Some Group. Psilocybin in veterans: a pilot study. 2025;3:1-9.", False),
        (5, "2. Doe J. With an identifier. 2020. PMID: 36500004", False),
        (6, "## Next steps", False),
        (7, "Call the clinic in 2025 to ask about the study.", False),
        (8, "Mitchell, J. M., & Bogenschutz, M. (2021). MDMA-assisted therapy. Nat Med.", False),
    ]
    found = extract_citations(lines)
    assert [(f.line, f.kind, f.value) for f in found] == [
        (
            2,
            "reference",
            "Feder A, Parides MK. Efficacy of intravenous ketamine. JAMA Psychiatry. 2014.",
        ),
        (4, "reference", "Some Group. Psilocybin in veterans: a pilot study. 2025;3:1-9."),
        (5, "pmid", "36500004"),
        (
            8,
            "reference",
            "Mitchell, J. M., & Bogenschutz, M. (2021). MDMA-assisted therapy. Nat Med.",
        ),
    ]


def test_reference_records_mark_their_identifiers_as_one_entry():
    found = extract_citations(
        [(3, "Nobody N. Title here. 2020. PMID: 88888888. doi:10.5555/x", True)]
    )
    assert found == [
        Found(3, "PMID: 88888888", "pmid", "88888888", entry=True),
        Found(3, "doi:10.5555/x", "doi", "10.5555/x", entry=True),
    ]


# --- documents -----------------------------------------------------------------------------------


def test_markdown_and_text_keep_their_line_numbers():
    lines = read_document(DRAFTS / "draft.md")
    assert lines[2] == (
        3,
        "Ketamine helped (PMID: 24740528). Repeated infusions too: "
        "https://pubmed.ncbi.nlm.nih.gov/33397139/?from_term=ketamine&page=2.",
        False,
    )
    assert len(lines) == 12
    assert read_document(DRAFTS / "draft.txt")[0] == (
        1,
        "Ketamine and PTSD: a note for patients",
        False,
    )


def test_html_blocks_at_their_source_line_with_link_targets_and_no_scripts():
    lines = read_document(DRAFTS / "draft.html")
    assert lines == [
        (6, "# MDMA-assisted therapy", False),
        (
            7,
            "A phase 3 trial found benefit (Mitchell 2021). "
            "https://pubmed.ncbi.nlm.nih.gov/33972795/?utm_source=site&utm_medium=web",
            False,
        ),
        (
            9,
            "Pooled phase 2 data were published in 2019. https://doi.org/10.1007/S00213-019-05249-5",
            False,
        ),
        (10, "Full text: PMC. https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8205851/", False),
        (11, "# References", False),
        (
            13,
            "Feder A, Parides MK, Murrough JW, et al. Efficacy of Intravenous Ketamine for "
            "Treatment of Chronic Posttraumatic Stress Disorder - A Randomized Clinical Trial. "
            "JAMA Psychiatry. 2014.",
            False,
        ),
        (
            15,
            "Rossi L, Bianchi G. Esketamine for depression with PTSD. Cureus. 2020. "
            "doi:10.7759/cureus.7760.",
            False,
        ),
    ]


def make_docx(path: Path) -> Path:
    """A .docx with a heading, a paragraph, a hyperlink-free reference list and a table."""
    document = docx.Document()
    document.add_heading("Ketamine for PTSD", level=1)
    document.add_paragraph(
        "Ketamine helped (PMID: 24740528) and DOI:10.1176/APPI.AJP.2020.20050596."
    )
    document.add_heading("References", level=2)
    document.add_paragraph(
        "Almeida TM, Lacerda Á, Nguyen H. KETAMINE AND ESKETAMINE FOR POSTTRAUMATIC STRESS "
        "DISORDER: A SYSTEMATIC REVIEW AND META-ANALYSIS. J Affect Disord. 2023;325:110-119."
    )
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Retracted pooled analysis"
    table.cell(0, 1).text = "https://pubmed.ncbi.nlm.nih.gov/31065731/"
    document.save(path)
    return path


def test_docx_paragraphs_and_table_cells(tmp_path):
    lines = read_document(make_docx(tmp_path / "draft.docx"))
    assert lines == [
        (1, "# Ketamine for PTSD", False),
        (2, "Ketamine helped (PMID: 24740528) and DOI:10.1176/APPI.AJP.2020.20050596.", False),
        (3, "# References", False),
        (
            4,
            "Almeida TM, Lacerda Á, Nguyen H. KETAMINE AND ESKETAMINE FOR POSTTRAUMATIC STRESS "
            "DISORDER: A SYSTEMATIC REVIEW AND META-ANALYSIS. J Affect Disord. 2023;325:110-119.",
            False,
        ),
        (5, "Retracted pooled analysis", False),
        (6, "https://pubmed.ncbi.nlm.nih.gov/31065731/", False),
    ]


def test_ris_and_nbib_records_become_reference_entries():
    assert read_document(DRAFTS / "references.ris") == [
        (
            1,
            "Feder, A. A randomized controlled trial of repeated ketamine administration for "
            "chronic posttraumatic stress disorder. Am J Psychiatry. 2021. "
            "doi:10.1176/appi.ajp.2020.20050596",
            True,
        ),
        (
            11,
            "Mithoefer, M. C. MDMA-assisted psychotherapy for treatment of PTSD. 2019. "
            "PMID: 31065731",
            True,
        ),
        (
            18,
            "Almeida, T. M. Ketamine and esketamine for posttraumatic stress disorder: a "
            "systematic review and meta-analysis. J Affect Disord. 2023",
            True,
        ),
    ]
    assert read_document(DRAFTS / "references.nbib") == [
        (
            1,
            "Kowalski P. Single-dose ketamine for treatment-resistant depression: a randomized "
            "trial. 2019. PMID: 36500006",
            True,
        ),
        (
            6,
            "Nobody N. A study the catalog does not hold. 2020. PMID: 88888888. "
            "doi:10.5555/not.held",
            True,
        ),
    ]


def zip_bytes(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "it is a PDF"),
        ("figure.png", b"\x89PNG\r\n\x1a\n\x00\x00", "it is a PNG image"),
        ("draft.md", b"text\x00\x01\x02 more", "it is a binary file"),
        ("draft.txt", b"\x81\x8d\x8f\x90\x9d", "it is a binary file"),
        (
            "draft.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "it is an old binary Office file (.doc/.xls)",
        ),
        ("notes.zip", zip_bytes("notes.txt"), "a ZIP archive but not a Word .docx document"),
        ("draft.docx", b"<html>not really a docx</html>", "not a valid .docx file"),
        ("program", b"\x7fELF\x02\x01\x01", "it is a program"),
    ],
)
def test_files_that_are_not_documents_are_refused_with_the_reason(name, data, reason):
    with pytest.raises(FileFormatError) as caught:
        parse_document(name, data)
    assert str(caught.value) == (
        f"{name}: not a plain text, Markdown, HTML, .docx, RIS or nbib document ({reason})"
    )


def test_windows_1252_text_is_read():
    assert parse_document("old.txt", "Caf\u00e9 PMID: 1 \u2013 x".encode("cp1252")) == [
        (1, "Caf\u00e9 PMID: 1 \u2013 x", False)
    ]


def test_missing_file_is_a_format_error(tmp_path):
    with pytest.raises(FileFormatError, match=r"^cannot read .*nothere\.md: No such file"):
        read_document(tmp_path / "nothere.md")


@pytest.mark.parametrize(
    "text, entry",
    [
        ("Feder A, Parides MK. Efficacy of ketamine. JAMA Psychiatry. 2014;71:681.", True),
        ("Feder AB et al. Efficacy of ketamine for PTSD. JAMA Psychiatry. 2014.", True),
        ("Mitchell, J. M., & Bogenschutz, M. (2021). MDMA-assisted therapy. Nat Med.", True),
        ("Aan Het Rot M, Collins KA. Ketamine for depression. Biol Psychiatry. 2010.", True),
        ("The FDA approved esketamine nasal spray in 2019 for depression.", False),
        ("In 2021, Smith JA and colleagues reported a larger trial of MDMA.", False),
        ("PTSD affects about 6 in 100 people at some point (2023 figures).", False),
        ("MDMA-assisted therapy was refused approval by the FDA in 2024.", False),
    ],
)
def test_what_reads_like_a_reference_entry_outside_a_references_section(text, entry):
    assert bool(extract_citations([(1, text, False)])) is entry
