"""Shared fixtures (session-scoped where building is slow). Only this file defines fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.convert import Converted, convert_file
from kg.queries import QueryStore
from kg.store import ontology_graph

SEEDS = sorted((paths.CORPUS_DIR / "seeds").glob("*.txt"))
GOLDEN_DIR = Path(__file__).parent / "golden"
FIXTURES_DIR = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden from the converter")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="session")
def converted_seeds() -> dict[str, Converted]:
    return {path.stem: convert_file(path) for path in SEEDS}


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store built from the seed documents with `kg build`."""
    store = tmp_path_factory.mktemp("seed-store") / "kg"
    result = CliRunner().invoke(app, ["--store", str(store), "build", str(paths.CORPUS_DIR / "seeds")])
    assert result.exit_code == 0, result.output
    yield store


@pytest.fixture(scope="session")
def seed_export(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The seed store exported with --inferred as N-Quads, read back: only the public contract."""
    target = tmp_path_factory.mktemp("export") / "all.nq"
    result = CliRunner().invoke(
        app, ["--store", str(seed_store), "export", "--format", "nquads", "--inferred", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    dataset = Dataset(default_union=True)
    dataset.parse(target, format="nquads")
    return dataset


@pytest.fixture(scope="session")
def seed_queries(seed_store: Path) -> Iterator[QueryStore]:
    """The seed store opened read-only for queries (stored queries, the shell, the Python API)."""
    with QueryStore(seed_store, read_only=True) as store:
        yield store


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the whole bundled corpus built with `kg build` (tests that change it work on a copy)."""
    store = tmp_path_factory.mktemp("corpus-store") / "kg"
    result = CliRunner().invoke(app, ["--store", str(store), "build"])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def sparql_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real SPARQL server on loopback (tests/servers.py); skips only when its binary is missing."""
    from tests import servers

    if request.param == "oxigraph" and servers.oxigraph_binary() is None:
        pytest.skip("the oxigraph binary is missing: pip install oxigraph")
    if request.param == "virtuoso" and servers.virtuoso_binary() is None:
        pytest.skip("virtuoso-t is missing: apt-get install virtuoso-opensource")
    start = servers.oxigraph_server if request.param == "oxigraph" else servers.virtuoso_server
    with start(tmp_path_factory.mktemp(request.param)) as server:
        yield server


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[object]:
    """A real Dask LocalCluster of two worker processes on loopback, shared by one test module."""
    from kg.distributed import local_cluster

    with local_cluster(2) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def dask_shards(dask_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus converted on `dask_cluster` into shards of five documents (`kg convert --engine dask`)."""
    folder = tmp_path_factory.mktemp("dask-shards")
    result = CliRunner().invoke(
        app,
        [
            "convert",
            "--engine",
            "dask",
            "--scheduler",
            dask_cluster.scheduler_address,
            "--partition-size",
            "5",
            str(paths.CORPUS_DIR / "seeds"),
            str(paths.CORPUS_DIR / "dev"),
            "-o",
            str(folder),
        ],
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def seed_page(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kg serve` (kg.serve.start) on a copy of the seed store, on a free loopback port: the page's URL."""
    import shutil

    from kg.serve import start

    copy = tmp_path_factory.mktemp("served-seeds") / "kg"
    shutil.copytree(seed_store, copy)
    with start(copy, "127.0.0.1", 0) as handle:
        yield handle.url + "/"
