"""OWL RL reasoning (owlrl) plus the SPARQL rules OWL RL cannot say, into the inferred graph only.

Asserted graphs are never changed: the closure runs on a copy, and only what it adds about data (not
about the vocabularies themselves) is written to https://w3id.org/dipkg/graph/inferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

import owlrl
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from kg import paths
from kg.errors import OntologyLoadError
from kg.store import Store
from kg.vocab import DIP, GRAPH_INFERRED, PREFIXES

# Vocabulary namespaces: statements about their terms are schema, not data, and stay out of the result.
_SCHEMA_NAMESPACES = (
    str(DIP._NS),
    "http://www.w3.org/",
    "http://purl.org/dc/",
    "http://schema.org/",
    "https://schema.org/",
    "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "http://xmlns.com/foaf/",
)
_TRIVIAL_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}
# Large literals that no rule reads; dropping them keeps the closure small.
_IGNORED_PREDICATES = {DIP.text, URIRef("http://www.w3.org/ns/oa#exact")}


@dataclass(frozen=True)
class Rule:
    name: str
    path: Path
    sparql: str


def load_rules(directory: Path = paths.RULES_DIR) -> list[Rule]:
    """The CONSTRUCT rules of ontology/rules, one per file."""
    rules = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if "CONSTRUCT" not in text.upper():
            raise OntologyLoadError("a rule file must hold one SPARQL CONSTRUCT query", path=path)
        rules.append(Rule(path.stem, path, text))
    return rules


def is_data_triple(s: Node, p: Node, o: Node) -> bool:
    """Keep triples about instances; drop schema-level and trivial ones (owl:Thing, x sameAs x)."""
    if isinstance(s, Literal) or not isinstance(s, URIRef):
        return False
    if str(s).startswith(_SCHEMA_NAMESPACES):
        return False
    if p == RDF.type and o in _TRIVIAL_OBJECTS:
        return False
    if p == OWL.sameAs and s == o:
        return False
    return not (p == RDF.type and isinstance(o, URIRef) and str(o).startswith("http://www.w3.org/2001/XMLSchema#"))


def apply_rules(graph: Graph, rules: list[Rule]) -> int:
    """Add the rules' conclusions to ``graph``; returns how many were new."""
    added = 0
    for rule in rules:
        try:
            result = graph.query(rule.sparql, initNs=PREFIXES)
        except Exception as error:
            raise OntologyLoadError(f"rule does not run: {error}", path=rule.path) from error
        for row in result:
            triple = cast(tuple[Node, Node, Node], row)
            if triple not in graph:
                graph.add(triple)
                added += 1
    return added


def closure(asserted: Graph, rules: list[Rule]) -> Graph:
    """OWL RL closure of ``asserted`` with the rules, as a new graph; ``asserted`` is left as it was."""
    working = Graph()
    for triple in asserted:
        if triple[1] not in _IGNORED_PREDICATES:
            working.add(triple)
    for _ in range(5):  # rules feed the closure and back, until nothing new appears
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(working)
        if apply_rules(working, rules) == 0:
            break
    return working


def infer(asserted: Graph, rules: list[Rule] | None = None) -> Graph:
    """The data-level triples that reasoning adds to ``asserted``."""
    closed = closure(asserted, load_rules() if rules is None else rules)
    inferred = Graph()
    for prefix, namespace in PREFIXES.items():
        inferred.bind(prefix, namespace)
    for s, p, o in closed:
        if (s, p, o) not in asserted and is_data_triple(s, p, o):
            inferred.add((s, p, o))
    return inferred


@dataclass(frozen=True)
class ReasoningResult:
    inferred_triples: int
    inconsistent: list[str]


def reason_store(store: Store) -> ReasoningResult:
    """Recompute graph/inferred from every document graph and the ontology graph."""
    asserted = Graph()
    asserted.parse(data=store.asserted_ntriples(), format="nt")
    # Reference data literals (names, demonyms) carry nothing the rules use.
    inferred = infer(asserted)
    store.replace_graph(GRAPH_INFERRED, inferred)
    nothing = sorted(str(s) for s in inferred.subjects(RDF.type, OWL.Nothing))
    return ReasoningResult(len(inferred), nothing)
