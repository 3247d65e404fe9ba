"""The compiled OWL RL rules give what owlrl gives on data, rule by rule, inconsistencies included."""

from __future__ import annotations

import owlrl
import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.entailment import MemoryFacts, compile_tbox, saturate
from kg.materialize import is_data_level
from kg.reason import _SCHEMA_NAMESPACES, _Terms, error_messages, is_data_triple

VOCABULARY = "https://example.org/x#"  # the test TBoxes' terms: statements about them are schema
PREFIXES = """@prefix : <https://example.org/x#> .
@prefix d: <https://example.org/data/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

# name -> (TBox, data): one construct each, then a mix
CASES = {
    "cax-sco": (":A rdfs:subClassOf :B . :B rdfs:subClassOf :C .", "d:x a :A ."),
    "cax-eqc": (":A owl:equivalentClass :B .", "d:x a :B ."),
    "prp-dom-rng": (":p rdfs:domain :A ; rdfs:range :B .", "d:x :p d:y . d:z :p 'literal' ."),
    "prp-spo1": (":p rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :r .", "d:x :p d:y ."),
    "prp-eqp": (":p owl:equivalentProperty :q .", "d:x :q d:y ."),
    "prp-inv": (":p owl:inverseOf :q .", "d:x :p d:y . d:z :q d:w ."),
    "prp-symp": (":p a owl:SymmetricProperty .", "d:x :p d:y ."),
    "prp-trp": (":p a owl:TransitiveProperty .", "d:a :p d:b . d:b :p d:c . d:c :p d:d ."),
    "prp-spo2": (":r owl:propertyChainAxiom ( :p :q :s ) .", "d:a :p d:b . d:b :q d:c . d:c :s d:d . d:b :q d:e ."),
    "cls-svf": (
        "[ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :B ] rdfs:subClassOf :A .",
        "d:x :p d:y . d:y a :B . d:z :p d:w .",
    ),
    "cls-svf-thing": (
        "[ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom owl:Thing ] rdfs:subClassOf :A .",
        "d:x :p d:y .",
    ),
    "cls-avf": (
        ":A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :p ; owl:allValuesFrom :B ] .",
        "d:x a :A ; :p d:y .",
    ),
    "cls-hv": (
        ":A owl:equivalentClass [ a owl:Restriction ; owl:onProperty :p ; owl:hasValue d:v ] .",
        "d:x a :A . d:y :p d:v .",
    ),
    "cls-int": (":C owl:intersectionOf ( :A :B ) .", "d:x a :A , :B . d:y a :C . d:z a :A ."),
    "cls-uni": (":C owl:unionOf ( :A :B ) .", "d:x a :A . d:y a :B ."),
    "cax-dw": (":A owl:disjointWith :B .", "d:x a :A , :B ."),
    "all-disjoint": ("[] a owl:AllDisjointClasses ; owl:members ( :A :B :C ) .", "d:x a :A . d:x a :C ."),
    "prp-irp": (":p a owl:IrreflexiveProperty .", "d:x :p d:x ."),
    "prp-asyp": (":p a owl:AsymmetricProperty .", "d:x :p d:y . d:y :p d:x ."),
    "prp-pdw": (":p owl:propertyDisjointWith :q .", "d:x :p d:y ; :q d:y ."),
    "mix": (
        """:Minister rdfs:subClassOf :Person . :holds rdfs:domain :Person ; owl:inverseOf :heldBy .
        :represents owl:propertyChainAxiom ( :holds :postOf ) . :metWith a owl:SymmetricProperty .
        [ a owl:Restriction ; owl:onProperty :holds ; owl:someValuesFrom :MinisterPost ] rdfs:subClassOf :Minister .
        :Person owl:disjointWith :Country .""",
        """d:a :holds d:post . d:post a :MinisterPost ; :postOf d:jp . d:a :metWith d:b .
        d:b :holds d:post2 . d:post2 :postOf d:mn . d:jp a :Country .""",
    ),
}


def _owlrl(tbox: str, data: str) -> tuple[set[ox.Triple], list[str]]:
    graph = Graph().parse(data=PREFIXES + tbox + "\n" + data, format="turtle")
    asserted = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    terms = _Terms()
    found = {
        terms.ox_triple(t)
        for t in graph
        if t not in asserted and is_data_triple(*t) and not str(t[0]).startswith(VOCABULARY)
    }
    return {t for t in found if t is not None}, error_messages(graph)


def _compiled(tbox: str, data: str) -> tuple[set[ox.Triple], list[str]]:
    schema = Graph().parse(data=PREFIXES + tbox, format="turtle")
    # the TBox closed by owlrl first, as kg.reason does
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(schema)
    terms = _Terms()
    compiled = compile_tbox(
        (t.subject, t.predicate, t.object)  # type: ignore[misc]
        for t in map(terms.ox_triple, schema)
        if t is not None
    )
    facts_graph = Graph().parse(data=PREFIXES + data, format="turtle")
    asserted = [terms.ox_triple(t) for t in facts_graph]
    triples = [(t.subject, t.predicate, t.object) for t in asserted if t is not None]
    facts = MemoryFacts()
    agenda = [t for t in triples if facts.add(t)]  # type: ignore[arg-type]
    errors: set[str] = set()
    derived = saturate(compiled, facts, agenda, errors)  # type: ignore[arg-type]
    found = {ox.Triple(*t) for t in derived if is_data_level(t, _SCHEMA_NAMESPACES)}
    return found, sorted(errors)


@pytest.mark.issue(9)
@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_rules_equal_owlrl(case: str) -> None:
    tbox, data = CASES[case]
    expected, expected_errors = _owlrl(tbox, data)
    found, errors = _compiled(tbox, data)
    assert found == expected, f"only owlrl: {expected - found}\nonly compiled: {found - expected}"
    assert errors == expected_errors


@pytest.mark.issue(9)
def test_compiled_rules_derive_something_in_every_case() -> None:
    """Each case is meant to exercise its rule: an empty result would make the comparison vacuous."""
    empty = [name for name, (tbox, data) in CASES.items() if not any(_compiled(tbox, data))]
    assert empty == []


@pytest.mark.issue(9)
@pytest.mark.parametrize(
    ("tbox", "construct"),
    [
        (":p a owl:FunctionalProperty .", "owl:FunctionalProperty"),
        (":p a owl:InverseFunctionalProperty .", "owl:InverseFunctionalProperty"),
        (":A owl:hasKey ( :p ) .", "owl:hasKey"),
        (":A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :p ; owl:maxCardinality 1 ] .", "maxCardinality"),
    ],
)
def test_equality_constructs_are_left_to_owlrl(tbox: str, construct: str) -> None:
    schema = Graph().parse(data=PREFIXES + tbox, format="turtle")
    terms = _Terms()
    compiled = compile_tbox(
        (t.subject, t.predicate, t.object)  # type: ignore[misc]
        for t in map(terms.ox_triple, schema)
        if t is not None
    )
    assert not compiled.supported
    assert any(construct in name for name in compiled.unsupported)
