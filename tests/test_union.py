"""The store's default graph holds the union of its named graphs, each statement once (kg/store.py).

Every write keeps it in step; queries read it, so a statement that many documents share is matched once.
A store without a complete union (made by an older dipkg, or a bulk load cut short) is still queried
correctly (over the named graphs), and the next writer rebuilds it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.reason import reason_store
from kg.store import UNION_COMPLETE, UNION_OFF, UNION_PENDING, UNION_STATE_FILE, Store, union_state
from kg.vocab import DIP, GRAPH_INFERRED

SEEDS = paths.CORPUS_DIR / "seeds"
REMOVED = SEEDS / "japan-mongolia-fm-meeting-2023-07.txt"
COUNTRIES = "SELECT ?c WHERE { ?c a dip:Country }"


def _copy(seed_store: Path, tmp_path: Path) -> Path:
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store)
    return store


def default_graph(store: Store) -> set[ox.Triple]:
    return {q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def named_union(store: Store) -> set[ox.Triple]:
    return {
        q.triple
        for q in store.oxigraph.quads_for_pattern(None, None, None, None)
        if not isinstance(q.graph_name, ox.DefaultGraph)
    }


def assert_union_complete(store: Store) -> None:
    assert store.union_state() == UNION_COMPLETE
    union = named_union(store)
    assert union, "the store holds nothing"
    assert default_graph(store) == union


def _rows(store: Store, sparql: str) -> list[str]:
    return [str(row[0]) for row in store.query(sparql)]


def test_built_store_has_the_union_in_its_default_graph(seed_store: Path) -> None:
    with Store(seed_store, read_only=True) as store:
        assert_union_complete(store)


def test_query_matches_a_shared_statement_once(seed_store: Path) -> None:
    with Store(seed_store, read_only=True) as store:
        rows = list(store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"))
        distinct = named_union(store)
        shared = store.select("SELECT ?s ?p ?o WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER(?a != ?b) }")
    assert len(rows) == len(distinct)
    assert shared, "no statement is held by two graphs: the test shows nothing"


def test_remove_keeps_what_another_graph_states(runner: CliRunner, seed_store: Path, tmp_path: Path) -> None:
    path = _copy(seed_store, tmp_path)
    result = runner.invoke(app, ["--store", str(path), "remove", str(REMOVED)])
    assert result.exit_code == 0, result.output
    with Store(path) as store:
        assert_union_complete(store)
        assert ox.Triple(
            ox.NamedNode("https://w3id.org/dipkg/id/country/MN"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(str(DIP.Country)),
        ) in default_graph(store)


def test_replace_and_drop_keep_the_union_with_blank_nodes(tmp_path: Path) -> None:
    doc_a, doc_b = "https://example.org/doc/a", "https://example.org/doc/b"
    shared = '<https://example.org/x> <https://example.org/p> "shared" .\n'
    with Store(tmp_path / "kg") as store:
        store.replace_graph_ntriples(doc_a, shared + '_:n <https://example.org/p> "only a" .\n')
        store.replace_graph_ntriples(doc_b, shared)
        assert_union_complete(store)
        [blank] = [
            q
            for q in store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())
            if isinstance(q.subject, ox.BlankNode)
        ]
        [named] = [
            q
            for q in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(doc_a))
            if isinstance(q.subject, ox.BlankNode)
        ]
        assert blank.subject == named.subject  # the same node, not a copy
        store.replace_graph_ntriples(doc_a, '<https://example.org/y> <https://example.org/p> "new a" .\n')
        assert_union_complete(store)
        assert len(default_graph(store)) == 2
        store.drop_graph(doc_b)
        assert_union_complete(store)
        assert [str(t.object) for t in default_graph(store)] == ['"new a"']
        store.drop_graphs([doc_a])
        assert default_graph(store) == set()


def test_change_graph_removes_only_what_no_other_graph_holds(tmp_path: Path) -> None:
    one = ox.Triple(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("1"))
    two = ox.Triple(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("2"))
    with Store(tmp_path / "kg") as store:
        store.change_graph(GRAPH_INFERRED, add=[one, two])
        store.replace_graph_ntriples("https://example.org/doc", str(one) + " .\n")
        store.change_graph(GRAPH_INFERRED, remove=[one, two])
        assert default_graph(store) == {one}
        assert_union_complete(store)
        with pytest.raises(ValueError, match="blank nodes"):
            store.change_graph(GRAPH_INFERRED, remove=[ox.Triple(ox.BlankNode(), one.predicate, one.object)])


def test_reasoning_keeps_the_union(seed_store: Path, tmp_path: Path) -> None:
    path = _copy(seed_store, tmp_path)
    with Store(path) as store:
        store.drop_graph("https://w3id.org/dipkg/id/doc/japan-mongolia-fm-meeting-2023-07")
        reason_store(store)
        assert_union_complete(store)
        inferred = {
            q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_INFERRED)))
        }
        assert inferred and inferred <= default_graph(store)


@pytest.mark.parametrize(
    "state", [None, UNION_PENDING, UNION_OFF], ids=["older-store", "interrupted-bulk-load", "after-writable-server"]
)
def test_incomplete_union_is_queried_over_named_graphs_then_rebuilt(
    seed_store: Path, tmp_path: Path, state: str | None
) -> None:
    path = _copy(seed_store, tmp_path)
    with Store(path, read_only=True) as store:
        expected = sorted(_rows(store, COUNTRIES))
        meetings = _rows(store, "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a dip:Meeting }")
    with Store(path) as store:
        store.oxigraph.update("DELETE WHERE { ?s ?p ?o }")  # half of the union is gone: an interrupted write
        store.oxigraph.update('INSERT DATA { <https://example.org/stale> <https://example.org/p> "x" }')
    marker = path / UNION_STATE_FILE
    if state is None:
        marker.unlink()
    else:
        marker.write_text(state + "\n", encoding="utf-8")
    with Store(path, read_only=True) as store:
        assert not store.union_ready
        assert sorted(set(_rows(store, COUNTRIES))) == expected
        assert _rows(store, "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a dip:Meeting }") == meetings
    with Store(path) as store:  # a writer rebuilds it
        assert_union_complete(store)
        assert sorted(_rows(store, COUNTRIES)) == expected
    assert union_state(path) == UNION_COMPLETE


def test_export_leaves_the_union_out(runner: CliRunner, seed_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    result = runner.invoke(
        app, ["--store", str(seed_store), "export", "--format", "nquads", "--inferred", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    with Store(seed_store, read_only=True) as store:
        named = sum(
            1
            for q in store.oxigraph.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph)
        )
    assert len(lines) == named
    parsed = list(ox.parse(out.read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert not any(isinstance(q.graph_name, ox.DefaultGraph) for q in parsed)


def test_replace_graph_from_rdflib_keeps_the_union(tmp_path: Path) -> None:
    graph = Graph()
    graph.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("x", lang="en")))
    with Store(tmp_path / "kg") as store:
        store.replace_graph("https://example.org/doc", graph)
        assert_union_complete(store)


def test_hand_over_empties_the_default_graph_for_a_writable_server(seed_store: Path, tmp_path: Path) -> None:
    path = _copy(seed_store, tmp_path)
    with Store(path) as store:
        store.hand_over_union()
        assert default_graph(store) == set()
    assert union_state(path) == UNION_OFF
    with Store(path) as store:
        assert_union_complete(store)


@pytest.mark.parametrize("blank", [False, True], ids=["iris", "with-blank-node"])
def test_drop_several_graphs_keeps_what_a_kept_graph_holds(tmp_path: Path, blank: bool) -> None:
    among = '<https://example.org/x> <https://example.org/p> "only the dropped two" .\n'
    kept = '<https://example.org/x> <https://example.org/p> "also in c" .\n'
    extra = '_:n <https://example.org/p> "blank" .\n' if blank else ""
    with Store(tmp_path / "kg") as store:
        store.replace_graph_ntriples("https://example.org/doc/a", among + kept + extra)
        store.replace_graph_ntriples("https://example.org/doc/b", among + kept)
        store.replace_graph_ntriples("https://example.org/doc/c", kept)
        store.drop_graphs(["https://example.org/doc/a", "https://example.org/doc/b"])
        assert_union_complete(store)
        assert [str(t.object) for t in default_graph(store)] == ['"also in c"']
