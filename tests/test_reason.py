"""Reasoning writes only to the inferred graph and never changes what documents assert."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.compare import to_isomorphic

from kg.convert import Converted
from kg.reason import infer, reason_store
from kg.store import Store, ontology_graph
from kg.vocab import DIP, GRAPH_INFERRED


def test_reason_infer_leaves_input_unchanged(converted_seeds: dict[str, Converted]) -> None:
    asserted = Graph()
    for item in converted_seeds.values():
        asserted += item.graph
    asserted += ontology_graph()
    before = to_isomorphic(asserted)
    inferred = infer(asserted)
    assert to_isomorphic(asserted) == before
    assert len(inferred) > 0
    assert all(triple not in asserted for triple in inferred)


def test_reason_store_keeps_document_graphs(tmp_path: Path, converted_seeds: dict[str, Converted]) -> None:
    with Store(tmp_path / "kg") as store:
        store.load_ontology()
        for item in converted_seeds.values():
            store.replace_graph(item.iri, item.graph)
        before = {doc: to_isomorphic(store.graph(doc)) for doc in store.document_graphs()}
        result = reason_store(store)
        after = {doc: to_isomorphic(store.graph(doc)) for doc in store.document_graphs()}
        inferred = store.graph(GRAPH_INFERRED)
    assert before == after
    assert result.inferred_triples == len(inferred)
    assert result.inconsistent == []
    people = set(inferred.subjects(DIP.metWith, None))
    assert URIRef("https://w3id.org/dipkg/id/person/yoshimasa-hayashi") in people
    assert all((p, DIP.metWith, p) not in inferred for p in people)
