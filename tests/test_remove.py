"""`kg remove DOC...`: a document's graph goes, with the inferences that depended on it; what other documents
also state stays. Removing a document leaves the store as if it had never been ingested."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import paths
from kg.build import remove_documents
from kg.cli import app
from kg.store import Store
from tests.test_bad_inputs import assert_same_graphs, snapshot

SEEDS = paths.CORPUS_DIR / "seeds"
KEPT = SEEDS / "japan-fm-urges-mongolia-2022-05.txt"
REMOVED = SEEDS / "japan-mongolia-fm-meeting-2023-07.txt"
REMOVED_IRI = "https://w3id.org/dipkg/id/doc/japan-mongolia-fm-meeting-2023-07"
INFERRED = "<https://w3id.org/dipkg/graph/inferred>"
PERSON = "https://w3id.org/dipkg/id/person/"


def _copy(seed_store: Path, tmp_path: Path) -> Path:
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store)
    return store


def _ask(store: Path, sparql: str) -> bool:
    with Store(store, read_only=True) as opened:
        return bool(opened.query(sparql))


def test_remove_seed_drops_what_only_it_states(runner: CliRunner, seed_store: Path, tmp_path: Path) -> None:
    store = _copy(seed_store, tmp_path)
    result = runner.invoke(app, ["--store", str(store), "remove", str(REMOVED)])
    assert result.exit_code == 0, result.output
    assert f"removed {REMOVED_IRI}" in result.stdout
    assert "removed: 1 documents" in result.stdout
    # only the removed seed named Kishida and the 2022-11 and 2023-07-13 meetings: gone from every graph
    assert not _ask(store, f"ASK {{ {{ <{PERSON}fumio-kishida> ?p ?o }} UNION {{ ?s ?p <{PERSON}fumio-kishida> }} }}")
    assert not _ask(store, "ASK { ?m dip:date ?d FILTER(STR(?d) IN ('2022-11', '2023-07-13')) }")
    assert not _ask(store, f"ASK {{ GRAPH {INFERRED} {{ <{PERSON}ukhnaa-khurelsukh> dip:metWith ?x }} }}")
    assert not _ask(store, f"ASK {{ GRAPH <{REMOVED_IRI}> {{ ?s ?p ?o }} }}")
    # the other seed also states Hayashi, Battsetseg, Khurelsukh and the 2022-05-01 meeting: they stay
    for person in ("yoshimasa-hayashi", "batmunkh-battsetseg", "ukhnaa-khurelsukh"):
        assert _ask(store, f"ASK {{ <{PERSON}{person}> a dip:Person }}"), person
    assert _ask(
        store, f"ASK {{ ?m dip:date ?d ; dip:participant <{PERSON}yoshimasa-hayashi> FILTER(STR(?d) = '2022-05-01') }}"
    )
    assert _ask(
        store,
        f"ASK {{ GRAPH {INFERRED} {{ <{PERSON}yoshimasa-hayashi> dip:metWith <{PERSON}batmunkh-battsetseg> }} }}",
    )


def test_remove_leaves_the_store_as_if_never_ingested(runner: CliRunner, seed_store: Path, tmp_path: Path) -> None:
    """Remove a seed = build the other alone; ingest it again + reason = the store from before."""
    store = _copy(seed_store, tmp_path)
    original = snapshot(runner, store)
    assert runner.invoke(app, ["--store", str(store), "remove", str(REMOVED)]).exit_code == 0
    alone = tmp_path / "alone"
    assert runner.invoke(app, ["--store", str(alone), "build", str(KEPT)]).exit_code == 0
    assert_same_graphs(snapshot(runner, alone), snapshot(runner, store))
    assert runner.invoke(app, ["--store", str(store), "ingest", str(REMOVED)]).exit_code == 0
    assert runner.invoke(app, ["--store", str(store), "reason"]).exit_code == 0
    assert_same_graphs(original, snapshot(runner, store))


@pytest.mark.parametrize(
    "name",
    [str(REMOVED), REMOVED.name, REMOVED.stem, "dipid:doc/japan-mongolia-fm-meeting-2023-07", REMOVED_IRI],
    ids=["path", "file-name", "name", "prefixed-iri", "iri"],
)
def test_remove_documents_accepts_every_way_of_naming_one(seed_store: Path, tmp_path: Path, name: str) -> None:
    store = _copy(seed_store, tmp_path)
    with Store(store) as opened:
        report = remove_documents(opened, [name])
        assert report.removed == [REMOVED_IRI]
        assert opened.document_graphs() == ["https://w3id.org/dipkg/id/doc/japan-fm-urges-mongolia-2022-05"]
        assert report.reasoning.removed > 0


@pytest.mark.parametrize(
    "names",
    [["no-such-document"], [REMOVED.stem, "no-such-document"], ["https://example.org/not/here"]],
    ids=["unknown", "one-known-one-unknown", "unknown-iri"],
)
def test_remove_unknown_document_exits_2_and_changes_nothing(
    runner: CliRunner, seed_store: Path, tmp_path: Path, names: list[str]
) -> None:
    store = _copy(seed_store, tmp_path)
    before = snapshot(runner, store)
    result = runner.invoke(app, ["--store", str(store), "remove", *names])
    assert result.exit_code == 2, result.output
    assert f"{store}: no document" in result.output
    assert repr(names[-1]) in result.output
    assert "nothing was removed" in result.output
    assert "lists them" in result.output
    assert_same_graphs(before, snapshot(runner, store))


def test_remove_needs_a_document_name(runner: CliRunner, seed_store: Path, tmp_path: Path) -> None:
    store = _copy(seed_store, tmp_path)
    result = runner.invoke(app, ["--store", str(store), "remove"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output
