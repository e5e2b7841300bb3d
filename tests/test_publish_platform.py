"""Publishing a snapshot on an existing platform through Datasette's own publishers, as far as
offline allows: datasette-publish-fly's --generate-dir writes the Dockerfile, fly.toml and files
a deploy would upload; the test checks they name the snapshot and the metadata and install the
plugin package (a wheel built from this checkout), then serves those files with plain Datasette
(`datasette -i`, as the container's CMD does) and compares it with `harvest serve`."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from harvest.cli import cli
from harvest.publish.serve import make_datasette
from tests.catalog_factory import STUDIES, build_catalog

ROOT = Path(__file__).resolve().parent.parent
DATASETTE = Path(sys.executable).with_name("datasette")
WHEEL = "evidence_catalog_harvest-0.1.0-py3-none-any.whl"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("datasette_publish_fly") is None or not DATASETTE.exists(),
    reason="datasette-publish-fly (the test extra) is not installed",
)


def build_wheel(dest: Path) -> Path:
    """The plugin package as pip would install it, built offline from a copy of the checkout."""
    source = dest / "src"
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "harvest", source / "harvest", ignore=shutil.ignore_patterns("__pycache__")
    )
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(dest / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.skip(
            f"cannot build the wheel offline (setuptools>=77 needed): {result.stderr[-300:]}"
        )
    return dest / "dist" / WHEEL


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict:
    """A snapshot of the test catalog and the files `datasette publish fly` generates for it."""
    tmp = tmp_path_factory.mktemp("publish")
    live = build_catalog(tmp / "live" / "catalog.db")
    result = CliRunner().invoke(cli, ["snapshot", str(tmp / "snapshots"), "--db", str(live)])
    assert result.exit_code == 0, result.output
    snapshot = next((tmp / "snapshots").glob("catalog-*.db"))
    wheel = build_wheel(tmp)
    # Datasette names a database after its file: publish the snapshot as catalog.db.
    (tmp / "publish").mkdir()
    os.link(snapshot, tmp / "publish" / "catalog.db")
    out = tmp / "generated"
    command = [
        str(DATASETTE), "publish", "fly", str(tmp / "publish" / "catalog.db"),
        "--metadata", str(tmp / "snapshots" / "metadata.json"),
        "--install", f"wheels/{WHEEL}", "--static", f"wheels:{wheel.parent}",
        "--app", "evidence-catalog", "--generate-dir", str(out),
    ]  # fmt: skip
    published = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp)
    assert published.returncode == 0, published.stderr
    return {"live": live, "snapshot": snapshot, "out": out}


def test_generated_files_name_the_snapshot_metadata_and_plugin(generated):
    out = generated["out"]
    assert sorted(p.name for p in out.iterdir()) == [
        "Dockerfile", "catalog.db", "fly.toml", "metadata.json", "wheels",
    ]  # fmt: skip
    dockerfile = (out / "Dockerfile").read_text()
    assert f"RUN pip install -U datasette wheels/{WHEEL}\n" in dockerfile
    assert "RUN datasette inspect catalog.db --inspect-file inspect-data.json\n" in dockerfile
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert " -i catalog.db " in cmd and " --metadata metadata.json " in cmd
    assert 'app = "evidence-catalog"' in (out / "fly.toml").read_text()
    digest = hashlib.sha256((out / "catalog.db").read_bytes()).hexdigest()
    assert digest == hashlib.sha256(generated["snapshot"].read_bytes()).hexdigest()
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["title"].startswith("Evidence catalog")
    assert metadata["plugins"]["evidence-catalog"]["tags"]["modalities"]["ketamine"][0] == (
        "Ketamine"
    )
    wheel = out / "wheels" / WHEEL
    assert wheel.stat().st_size > 10_000
    listing = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)], capture_output=True, text=True
    ).stdout
    assert "harvest/publish/plugin.py" in listing
    assert "harvest/publish/templates/_facet_results.html" in listing
    entry_points = subprocess.run(
        [sys.executable, "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
         "print(z.read(next(n for n in z.namelist() if n.endswith('entry_points.txt'))).decode())",
         str(wheel)],
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "[datasette]\nevidence_catalog = harvest.publish.plugin\n" in entry_points


def test_plain_datasette_serves_the_generated_files_as_harvest_serve_does(generated):
    out = generated["out"]
    metadata = json.loads((out / "metadata.json").read_text())
    plain = Datasette(immutables=[str(out / "catalog.db")], metadata=metadata)
    ours = make_datasette(generated["live"])
    pages = [
        "/catalog/studies.json?_shape=objects&_size=max",
        "/catalog/studies.json?conditions__arraycontains=ptsd&_shape=objects&_facet_size=max",
    ]
    for page in pages:
        mine, theirs = (asyncio.run(ds.client.get(page)) for ds in (ours, plain))
        assert theirs.status_code == mine.status_code == 200
        a, b = mine.json(), theirs.json()
        assert b["rows"] == a["rows"]
        assert b["filtered_table_rows_count"] == a["filtered_table_rows_count"]
        assert b.get("facet_results") == a.get("facet_results")
    count = asyncio.run(plain.client.get("/catalog/studies.json?_shape=objects&_size=max"))
    assert count.json()["filtered_table_rows_count"] == len(STUDIES)
    html = asyncio.run(plain.client.get("/catalog/studies", follow_redirects=True)).text
    assert "<strong>Conditions" in html and ">PTSD</a>" in html
    css = asyncio.run(plain.client.get("/-/evidence-catalog/catalog.css"))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    finder = [
        asyncio.run(ds.client.get("/-/evidence.json?condition=PTSD&modality=Ketamine")).json()
        for ds in (ours, plain)
    ]
    assert finder[1] == finder[0] and finder[0]["total"] > 0
