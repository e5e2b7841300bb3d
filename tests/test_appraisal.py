"""harvest.citing.appraisal: the clinician's one-liner from a studies row."""

from harvest.citing.appraisal import appraisal_line


def test_the_issue_example():
    row = {
        "design": "rct",
        "sample_size": 158,
        "comparators": '["placebo"]',
        "doses": '[{"drug": "ketamine", "amount": 0.2, "unit": "mg/kg"},'
        ' {"drug": "ketamine", "amount": 0.5, "unit": "mg/kg"}]',
        "routes": '["intravenous"]',
        "sessions": 8,
        "safety": '["dissociation", "cardiovascular"]',
        "funding": "public",
    }
    assert appraisal_line(row) == (
        "RCT \u00b7 n = 158 \u00b7 vs placebo \u00b7 ketamine 0.2 and 0.5 mg/kg IV \u00b7 "
        "8 infusions \u00b7 reported: dissociation, cardiovascular \u00b7 funding: public"
    )


def test_parts_left_out_when_unknown():
    assert appraisal_line({"design": "observational", "funding": "unknown", "safety": "[]"}) == (
        "Observational study"
    )
    assert appraisal_line({}) == ""
    row = {"design": "rct", "doses": [{"drug": "mdma", "amount": 120, "unit": "mg"}],
           "sessions": 1, "comparators": ["active-placebo", "dose-comparison"]}  # fmt: skip
    assert appraisal_line(row) == (
        "RCT \u00b7 vs active placebo / other doses \u00b7 MDMA 120 mg \u00b7 1 session"
    )


def test_a_route_added_to_the_taxonomy_is_named_by_its_slug():
    """A route staff add later (say `rectal`) still shows in the one-liner, unabbreviated."""
    row = {"doses": [{"drug": "ketamine", "amount": 1, "unit": "mg/kg"}],
           "routes": ["rectal", "oral"], "sessions": 2}  # fmt: skip
    assert appraisal_line(row) == "ketamine 1 mg/kg rectal oral \u00b7 2 sessions"
