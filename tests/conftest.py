"""Shared fixtures (session-scoped where building is slow). Only this file defines fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
