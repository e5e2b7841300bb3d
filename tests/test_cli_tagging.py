"""`harvest import`, `evaluate` and `retag` end to end on the labelled corpus."""

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

    unchanged = harvest("retag", "--db", db)
    assert unchanged.stdout.startswith("retag: 0 new, 0 updated, 72 unchanged, 0 failed;")

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    taxonomy = (config / "taxonomy.yml").read_text()
    anchor = '          - {name: "Anti-Anxiety Agents", ui: D014151}\n        terms:\n'
    assert anchor in taxonomy
    (config / "taxonomy.yml").write_text(
        taxonomy.replace(anchor, anchor + "          - music festivals\n")
    )
    edited = harvest("retag", "--db", db, "--config", config)
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.startswith("retag: 0 new, 1 updated, 71 unchanged, 0 failed;")
    conn = sqlite3.connect(db)
    assert conn.execute(
        "select source, evidence from study_tags where pmid = 90000031 and tag = 'anxiety' "
        "order by source"
    ).fetchall() == [
        ("abstract", "objective: music festivals"),
        ("title", "title: music festivals"),
    ]
    assert (
        "anxiety"
        in conn.execute("select conditions from studies where pmid = 90000031").fetchone()[0]
    )


def test_evaluate_bad_labels_file(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "export.nbib", "--db", db).returncode == 0
    labels = tmp_path / "labels.json"
    labels.write_text("{not json")
    done = harvest("evaluate", labels, "--db", db)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1
