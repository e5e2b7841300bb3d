"""Flags of a study and notices as records (harvest.citing.flags)."""

import json
import sqlite3

from harvest.citing.flags import (
    FLAG_LABELS,
    FLAG_ORDER,
    flag_notes,
    is_notice,
    notice_kind,
    notice_targets,
    study_flags,
)

RETRACTION_IN = {
    "type": "RetractionIn",
    "source": "J Affect Disord. 2024;350:12",
    "pmid": 38000001,
    "note": None,
}
ERRATUM_IN = {"type": "ErratumIn", "source": "Cureus. 2020;12(6):c31", "pmid": None}
CONCERN_IN = {"type": "ExpressionOfConcernIn", "source": None, "pmid": 39000002}


def test_order_and_labels_are_the_contract():
    assert FLAG_ORDER == ("retracted", "expression_of_concern", "erratum")
    assert FLAG_LABELS == {
        "retracted": "Retracted",
        "expression_of_concern": "Expression of concern",
        "erratum": "Corrected (erratum)",
    }


def test_flags_from_columns_most_serious_first():
    row = {"retracted": 0, "erratum": 1, "expression_of_concern": 1}
    assert study_flags(row) == ["expression_of_concern", "erratum"]
    assert study_flags({"retracted": 0, "erratum": 0, "expression_of_concern": 0}) == []


def test_flags_from_links_of_an_untagged_record():
    record = {"comments_corrections": [ERRATUM_IN, RETRACTION_IN, CONCERN_IN]}
    assert study_flags(record) == ["retracted", "expression_of_concern", "erratum"]
    types = {"publication_types": [{"ui": "D016441", "name": "Retracted Publication"}]}
    assert study_flags(types) == ["retracted"]


def test_flag_notes_carry_source_and_pmid():
    record = {"retracted": 1, "comments_corrections": json.dumps([RETRACTION_IN, ERRATUM_IN])}
    assert flag_notes(record) == [
        "Retracted. Retraction in: J Affect Disord. 2024;350:12. PMID: 38000001",
        "Corrected (erratum). Erratum in: Cureus. 2020;12(6):c31",
    ]
    assert flag_notes({"comments_corrections": [CONCERN_IN]}) == [
        "Expression of concern. Expression of concern in: PMID: 39000002"
    ]
    assert flag_notes({"retracted": 1}) == ["Retracted"]
    assert flag_notes({"retracted": 0}) == []


def test_sqlite_row_is_read_like_a_dict():
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("create table s (retracted int, comments_corrections text)")
    conn.execute("insert into s values (1, ?)", [json.dumps([RETRACTION_IN])])
    row = conn.execute("select * from s").fetchone()
    assert study_flags(row) == ["retracted"]
    assert flag_notes(row)[0].endswith("PMID: 38000001")


def test_notices_are_recognised_and_point_to_their_study():
    notice = {
        "publication_types": json.dumps([{"ui": "D016440", "name": "Retraction of Publication"}]),
        "comments_corrections": [
            {"type": "RetractionOf", "source": "Lancet. 2020;1:2", "pmid": 123}
        ],
    }
    assert is_notice(notice) is True
    assert notice_kind(notice) == "retraction"
    assert notice_targets(notice) == [
        {"kind": "retraction", "source": "Lancet. 2020;1:2", "pmid": 123}
    ]
    assert study_flags(notice) == []
    erratum = {"publication_types": ["Published Erratum"], "comments_corrections": []}
    assert notice_kind(erratum) == "erratum"
    eoc = {"comments_corrections": [{"type": "ExpressionOfConcernFor", "pmid": 5}]}
    assert notice_kind(eoc) == "expression_of_concern"
    assert is_notice({"publication_types": ["Journal Article"]}) is False
