"""`harvest import`, `evaluate` and `retag` end to end on the labelled corpus."""

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def harvest(*args):
    return subprocess.run(
        [sys.executable, "-m", "harvest", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_evaluate_and_retag_after_a_taxonomy_edit(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "tagging_corpus.xml", "--db", db).returncode == 0
    report = harvest("evaluate", FIXTURES / "tagging_labels.json", "--db", db)
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0] == "Evaluated 72 labelled records"
    assert lines[3].split()[0] == "conditions" and float(lines[3].split()[3]) >= 0.92
    assert lines[4].split()[0] == "modalities" and float(lines[4].split()[3]) >= 0.95
    assert lines[5].split()[0] == "routes" and float(lines[5].split()[3]) >= 0.90
    assert "design accuracy: " in report.stdout and "Wrong (" in report.stdout
    summary = harvest("evaluate", FIXTURES / "tagging_labels.json", "--db", db, "--summary")
    assert summary.returncode == 0, summary.stderr
    counted = next(line for line in lines if line.startswith("Wrong ("))
    wrong = [line for line in summary.stdout.splitlines() if line.startswith("Wrong (")]
    assert wrong == [f"{counted} not listed (--summary)"]
    assert "  9000" not in summary.stdout  # no record's errors (the corpus's PMIDs are 9000xxxx)

    unchanged = harvest("retag", "--db", db)
    assert unchanged.stdout.startswith("retag: 0 new, 0 updated, 72 unchanged, 0 failed;")

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    taxonomy = (config / "taxonomy.yml").read_text()
    anchor = '          - {name: "Anti-Anxiety Agents", ui: D014151}\n        terms:\n'
    assert anchor in taxonomy
    (config / "taxonomy.yml").write_text(
        taxonomy.replace(anchor, anchor + "          - after childbirth\n")
    )
    edited = harvest("retag", "--db", db, "--config", config)
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.startswith("retag: 0 new, 1 updated, 71 unchanged, 0 failed;")
    conn = sqlite3.connect(db)
    assert conn.execute(
        "select source, evidence from study_tags where pmid = 90000008 and tag = 'anxiety' "
        "order by source"
    ).fetchall() == [
        ("abstract", "objective: after childbirth"),
        ("title", "title: after childbirth"),
    ]
    assert (
        "anxiety"
        in conn.execute("select conditions from studies where pmid = 90000008").fetchone()[0]
    )


def test_evaluate_bad_labels_file(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "export.nbib", "--db", db).returncode == 0
    labels = tmp_path / "labels.json"
    labels.write_text("{not json")
    done = harvest("evaluate", labels, "--db", db)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1


ADDED_CONDITION = """      end-of-life-distress:
        label: End-of-life distress
        description: Psychological distress of people receiving hospice or palliative care.
        terms: [hospice care, palliative care]
"""


def _edited_config(tmp_path, edit):
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    path = config / "taxonomy.yml"
    path.write_text(edit(path.read_text()))
    return config


def test_added_condition_dry_run_status_then_retag(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "tagging_corpus.xml", "--db", db).returncode == 0
    status = harvest("status", "--db", db)
    assert "Tags: current (tagger " in status.stdout

    anchor = "  modalities:\n    label: Modalities\n"
    config = _edited_config(tmp_path, lambda t: t.replace(anchor, ADDED_CONDITION + anchor, 1))
    before = db.read_bytes()
    dry = harvest("retag", "--db", db, "--config", config, "--dry-run", "-q")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("retag --dry-run (tagger ")
    assert lines[0].endswith(
        "): 1 of 72 studies would change tags; 72 were tagged by another tagger version; "
        "nothing written"
    )
    assert lines[1].split() == ["facet", "tag", "gain", "lose", "sample", "PMIDs"]
    assert lines[2].split() == ["conditions", "end-of-life-distress", "1", "0", "+90000066"]
    assert len(lines) == 3
    assert db.read_bytes() == before  # nothing written

    due = harvest("status", "--db", db, "--config", config)
    assert "Tags: RETAG DUE: 72 of 72 studies were tagged by another taxonomy or tagger" in (
        due.stdout
    )
    done = harvest("retag", "--db", db, "--config", config)
    assert done.stdout.startswith("retag: 0 new, 1 updated, 71 unchanged, 0 failed;")
    conn = sqlite3.connect(db)
    assert json.loads(
        conn.execute("select conditions from studies where pmid = 90000066").fetchone()[0]
    ) == ["depression", "anxiety", "end-of-life-distress"]
    assert conn.execute(
        "select source, evidence from study_tags where pmid = 90000066 "
        "and tag = 'end-of-life-distress' order by source"
    ).fetchall() == [("title", "title: hospice care")]  # the abstract's mention is background
    assert "Tags: current (tagger " in harvest("status", "--db", db, "--config", config).stdout


def test_renaming_a_tag_the_rules_need_is_a_clear_error(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "export.nbib", "--db", db).returncode == 0
    config = _edited_config(
        tmp_path, lambda t: t.replace("      physical-injury:\n", "      injury:\n", 1)
    )
    done = harvest("retag", "--db", db, "--config", config)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("Error: ")
    assert "roles.trauma.injury names 'physical-injury', which is not a conditions tag" in (
        done.stderr
    )


def test_evaluate_text_only(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "tagging_corpus.xml", "--db", db).returncode == 0
    report = harvest("evaluate", FIXTURES / "tagging_labels.json", "--db", db, "--text-only")
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0] == (
        "Evaluated 72 labelled records (text only: MeSH and publication types removed)"
    )
    assert lines[3].split()[0] == "conditions" and float(lines[3].split()[3]) >= 0.95
    assert "design accuracy: " in report.stdout


def test_a_details_rules_edit_makes_a_retag_due(tmp_path):
    """Staff edit study-details rules (details.yml) as they edit the taxonomy: status says so."""
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "export.nbib", "--db", db).returncode == 0
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    assert "Tags: current (tagger " in harvest("status", "--db", db, "--config", config).stdout
    details = config / "details.yml"
    details.write_text(details.read_text() + "\n# a reviewer's note\n")
    due = harvest("status", "--db", db, "--config", config).stdout
    assert "Tags: RETAG DUE: " in due
    done = harvest("retag", "--db", db, "--config", config)
    assert done.returncode == 0, done.stderr
    assert "Tags: current (tagger " in harvest("status", "--db", db, "--config", config).stdout


def test_details_naming_a_design_the_taxonomy_lacks_is_a_clear_error(tmp_path):
    """details.yml picks designs by taxonomy slug: a stale one is an error, not a dead rule."""
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "export.nbib", "--db", db).returncode == 0
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    details = config / "details.yml"
    text = details.read_text()
    assert "\npooled_designs: [meta-analysis, systematic-review]\n" in text
    details.write_text(text.replace("[meta-analysis, systematic-review]", "[meta-analysis, x]"))
    done = harvest("retag", "--db", db, "--config", config)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {details}: pooled_designs names 'x', which is not a design tag of the "
        "taxonomy (renamed or removed in taxonomy.yml?)\n"
    )
