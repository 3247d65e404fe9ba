"""A plain wheel carries the data directories, so an installed `kg` works from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kg import paths


@pytest.mark.slow
def test_packaging_wheel_ships_data(tmp_path: Path) -> None:
    root = paths.PACKAGE_DIR.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("dipkg-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "kg/_data/ontology/dipkg.ttl",
        "kg/_data/ontology/issues.ttl",
        "kg/_data/ontology/reference/countries.ttl",
        "kg/_data/ontology/reference/titles.tsv",
        "kg/_data/ontology/rules/met-with.rq",
        "kg/_data/shapes/dipkg-shapes.ttl",
        "kg/_data/queries/meetings-between.rq",
        "kg/_data/corpus/seeds/japan-mongolia-fm-meeting-2023-07.txt",
        "kg/lexicon/patterns.json",
        "kg/py.typed",
    ):
        assert required in names, required
