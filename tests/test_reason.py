"""Reasoning writes only to the inferred graph, never changes what documents assert, reasons each document
once, and gives the same triples as one owlrl closure of the whole union."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import to_isomorphic
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.convert import Converted, convert_file
from kg.errors import OntologyLoadError
from kg.reason import _Terms, closure, error_messages, infer, is_data_triple, load_rules, reason_store
from kg.store import Store, ontology_graph
from kg.vocab import DIP, GRAPH_INFERRED

HAYASHI = URIRef("https://w3id.org/dipkg/id/person/yoshimasa-hayashi")


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
    assert HAYASHI in people
    assert all((p, DIP.metWith, p) not in inferred for p in people)


# Small documents whose consequences need two of them: a meeting whose participants are named in two
# documents, a post typed in one and held in another, its country in a third, a sameAs link, and a person
# typed country elsewhere (an inconsistency).
_PREFIXES = """@prefix dip: <https://w3id.org/dipkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix meeting: <https://w3id.org/dipkg/id/meeting/> .
@prefix person: <https://w3id.org/dipkg/id/person/> .
@prefix post: <https://w3id.org/dipkg/id/post/> .
@prefix country: <https://w3id.org/dipkg/id/country/> .
"""
SPLIT = {
    "a": "meeting:m1 a dip:Meeting ; dip:participant person:pa . person:pa a dip:Person ; dip:holdsPost post:XX-1 .",
    "b": "meeting:m1 dip:participant person:pb . person:pb a dip:Person . post:XX-1 a dip:ForeignMinisterPost .",
    "c": "post:XX-1 dip:postOf country:JP .",
    "d": "person:pe owl:sameAs person:pa ; dip:participatedIn meeting:m2 .",
    "e": "meeting:m2 dip:participant person:pf . person:pf a dip:Person .",
}
INCONSISTENT = {"f": "person:pb a dip:Country ."}


def _split_graph(name: str, body: str) -> Graph:
    doc = f"<https://w3id.org/dipkg/id/doc/{name}>"
    return Graph().parse(data=f"{_PREFIXES}{doc} a dip:Document .\n{body}", format="turtle")


def _load(store: Store, documents: dict[str, str]) -> Graph:
    store.load_ontology()
    union = ontology_graph()
    for name, body in documents.items():
        graph = _split_graph(name, body)
        store.replace_graph(f"https://w3id.org/dipkg/id/doc/{name}", graph)
        union += graph
    return union


def _union_inferred(union: Graph) -> tuple[set[ox.Triple], list[str]]:
    closed = closure(union, load_rules())
    terms = _Terms()
    found = {terms.ox_triple(t) for t in closed if t not in union and is_data_triple(*t)}
    return {t for t in found if t is not None}, error_messages(closed)


def _stored_inferred(store: Store) -> set[ox.Triple]:
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    return {quad.triple for quad in store.oxigraph.quads_for_pattern(None, None, None, graph)}


@pytest.mark.issue(5)
@pytest.mark.parametrize("documents", [SPLIT, {**SPLIT, **INCONSISTENT}], ids=["split", "split-inconsistent"])
def test_reason_per_document_equals_union_closure(tmp_path: Path, documents: dict[str, str]) -> None:
    with Store(tmp_path / "kg") as store:
        union = _load(store, documents)
        result = reason_store(store)
        stored = _stored_inferred(store)
    expected, errors = _union_inferred(union)
    assert stored == expected, f"only union: {expected - stored}\nonly per document: {stored - expected}"
    assert result.inconsistent == errors
    assert result.cross_document_triples > 0
    met = ox.Triple(
        ox.NamedNode("https://w3id.org/dipkg/id/person/pa"),
        ox.NamedNode(str(DIP.metWith)),
        ox.NamedNode("https://w3id.org/dipkg/id/person/pb"),
    )
    assert met in stored


@pytest.mark.issue(5)
@pytest.mark.parametrize("changed", ["b", "c"], ids=["participant-document", "country-document"])
def test_reason_reasons_only_changed_documents_and_forgets_removed_ones(tmp_path: Path, changed: str) -> None:
    with Store(tmp_path / "kg") as store:
        _load(store, SPLIT)
        first = reason_store(store)
        assert len(first.reasoned) == len(SPLIT)
        again = reason_store(store)
        assert again.reasoned == [] and again.added == 0 and again.removed == 0
        # change one document: only it is reasoned again, and the result is the union closure's
        iri = f"https://w3id.org/dipkg/id/doc/{changed}"
        store.replace_graph(iri, _split_graph(changed, ""))
        third = reason_store(store)
        assert third.reasoned == [iri]
        union = ontology_graph()
        for doc in store.document_graphs():
            union += store.graph(doc)
        assert _stored_inferred(store) == _union_inferred(union)[0]
        # remove it: its share goes
        store.drop_graph(iri)
        reason_store(store)
        union = ontology_graph()
        for doc in store.document_graphs():
            union += store.graph(doc)
        assert _stored_inferred(store) == _union_inferred(union)[0]
        cached = [p for p in (tmp_path / "kg" / "reasoning").glob("*.json") if not p.name.startswith("ontology-")]
        assert len(cached) == len(SPLIT) - 1


@pytest.mark.slow
@pytest.mark.issue(5)
@pytest.mark.parametrize("folders", [("seeds", "dev")], ids=["corpus"])
def test_reason_corpus_is_consistent(tmp_path: Path, folders: tuple[str, ...]) -> None:
    files = [path for folder in folders for path in sorted((paths.CORPUS_DIR / folder).glob("*.txt"))]
    with Store(tmp_path / "kg") as store:
        store.load_ontology()
        for path in files:
            item = convert_file(path)
            store.replace_graph(item.iri, item.graph)
        result = reason_store(store)
        nothing = store.query("ASK { ?x a owl:Nothing }")
    assert result.inconsistent == []
    assert not bool(nothing)


@pytest.mark.issue(5)
@pytest.mark.parametrize("cls", ["Country"], ids=["person-typed-country"])
def test_reason_person_typed_country_is_inconsistent(
    tmp_path: Path, runner: CliRunner, seed_store: Path, cls: str
) -> None:
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store)
    doc = "https://w3id.org/dipkg/id/doc/japan-fm-urges-mongolia-2022-05"
    with Store(store) as opened:
        opened.note_changed([doc])  # a write that bypasses Store's methods says so
        opened.oxigraph.update(f"INSERT DATA {{ GRAPH <{doc}> {{ <{HAYASHI}> a <{DIP[cls]}> }} }}")
        result = reason_store(opened)
    assert [m for m in result.inconsistent if str(HAYASHI) in m and "Disjoint classes" in m]
    cli = runner.invoke(app, ["--store", str(store), "reason"])
    assert cli.exit_code == 1, cli.output
    assert "inconsistent" in cli.output and "yoshimasa-hayashi" in cli.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }", "rule header lacks"),
        (
            "# rule: other\n# infers: x\n# why: y\nCONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }",
            "must repeat the file name",
        ),
        ("# rule: bad\n# infers: x\n# why: y\nSELECT * WHERE { ?a ?b ?c }", "CONSTRUCT"),
        ("# rule: bad\n# infers: x\n# why: y\nCONSTRUCT { ?a ?b } WHERE { ?a ?b ?c }", "does not parse"),
    ],
    ids=["no-header", "wrong-name", "not-construct", "syntax"],
)
def test_reason_rule_files_need_a_header_and_a_construct(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.rq").write_text(text, encoding="utf-8")
    with pytest.raises(OntologyLoadError, match=message) as caught:
        load_rules(tmp_path)
    assert "bad.rq" in str(caught.value)


@pytest.mark.parametrize("name", ["met-with", "represents"], ids=["met-with", "represents"])
def test_reason_rule_headers_name_what_they_infer(name: str) -> None:
    rules = {rule.name: rule for rule in load_rules()}
    assert name in rules and rules[name].infers


# -- the compiled path: incremental additions, journal, fallback ---------------------------------------------
SEEDS = sorted((paths.CORPUS_DIR / "seeds").glob("*.txt"))


def _seed_union(store: Store) -> Graph:
    union = ontology_graph()
    for doc in store.document_graphs():
        union += store.graph(doc)
    return union


@pytest.mark.issue(9)
def test_reason_added_document_is_joined_incrementally(tmp_path: Path) -> None:
    first, second = (convert_file(path) for path in SEEDS)
    with Store(tmp_path / "kg") as store:
        store.load_ontology()
        store.replace_graph(first.iri, first.graph)
        assert reason_store(store).method == "compiled, from scratch"
        store.replace_graph(second.iri, second.graph)
        added = reason_store(store)
        incremental = _stored_inferred(store)
        assert added.method == "compiled, incremental"
        assert added.reasoned == [second.iri]
        assert reason_store(store).method == "nothing to do"
        scratch = reason_store(store, full=True)
        assert scratch.method == "compiled, from scratch" and (scratch.added, scratch.removed) == (0, 0)
        union = _seed_union(store)
    assert incremental == _stored_inferred_after(tmp_path) == _union_inferred(union)[0]


def _stored_inferred_after(tmp_path: Path) -> set[ox.Triple]:
    with Store(tmp_path / "kg") as store:
        return _stored_inferred(store)


@pytest.mark.issue(9)
def test_reason_rewritten_or_removed_document_recomputes(tmp_path: Path) -> None:
    first, second = (convert_file(path) for path in SEEDS)
    with Store(tmp_path / "kg") as store:
        store.load_ontology()
        store.replace_graph(first.iri, first.graph)
        store.replace_graph(second.iri, second.graph)
        reason_store(store)
        # the journal tells reasoning that a graph was written again, even with the same content
        store.replace_graph(second.iri, second.graph)
        again = reason_store(store)
        assert again.method == "compiled, from scratch" and (again.added, again.removed) == (0, 0)
        store.drop_graph(second.iri)
        removed = reason_store(store)
        assert removed.method == "compiled, from scratch" and removed.removed > 0
        assert _stored_inferred(store) == _union_inferred(_seed_union(store))[0]
    journal = tmp_path / "kg" / "reasoning" / "journal"
    assert not journal.exists()


@pytest.mark.issue(9)
def test_reason_falls_back_to_owlrl_for_same_as(tmp_path: Path) -> None:
    with Store(tmp_path / "kg") as store:
        _load(store, {"a": SPLIT["a"], "d": SPLIT["d"]})
        result = reason_store(store)
    assert result.method.startswith("owlrl per document: ")
    assert "sameAs" in result.method


@pytest.mark.issue(9)
def test_reason_crash_between_journal_and_write_only_costs_work(tmp_path: Path) -> None:
    first, _second = (convert_file(path) for path in SEEDS)
    with Store(tmp_path / "kg") as store:
        store.load_ontology()
        store.replace_graph(first.iri, first.graph)
        reason_store(store)
        before = _stored_inferred(store)
        # a writer noted a graph and died before writing it: the next run recomputes, and finds the same
        store.note_changed([first.iri])
        result = reason_store(store)
        assert result.method == "compiled, from scratch"
        assert _stored_inferred(store) == before
