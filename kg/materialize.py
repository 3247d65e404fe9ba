"""Keep https://w3id.org/dipkg/graph/inferred materialised with the compiled OWL RL rules (kg.entailment).

Two ways to bring the inferred graph up to date:

- **full**: every document graph's triples that a rule can read go into memory with the closed ontology's
  data, the compiled rules run over them once (each triple joined once with what is known), and the
  SPARQL rules of ontology/rules run over the store; used on the first run, after a document changed or
  was removed, and when the ontology changed;
- **incremental**: when documents were only added, their triples are the agenda and every join looks the
  other premises up in the store itself (document graphs, the ontology graph and the inferred graph, which
  already holds the closure of the older documents); the SPARQL rules run over the new documents' nodes
  and their neighbours. Adding one document to a store of thousands costs milliseconds, not a pass.

Which documents were reasoned is kept in ``<store>/reasoning/state.json``; the store appends the IRI of
every graph it writes to ``<store>/reasoning/journal`` *before* writing it, so a crash between the two
only makes the next run do more work, never less.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from kg.entailment import TYPE, CompiledTBox, MemoryFacts, Term, Triple

STATE_FILE = "state.json"
JOURNAL_FILE = "journal"
STATE_VERSION = 1

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SAME_AS = ox.NamedNode(_OWL + "sameAs")
_TRIVIAL_TYPES = {
    ox.NamedNode(_OWL + "Thing"),
    ox.NamedNode(_RDFS + "Resource"),
    ox.NamedNode(_OWL + "NamedIndividual"),
    ox.NamedNode(_RDFS + "Class"),
    ox.NamedNode(_OWL + "Class"),
}
# Statements in a document that change the rules themselves (schema) or need equality reasoning: a store
# whose documents hold any of them is reasoned with owlrl instead.
_SCHEMA_PREDICATES = [ox.NamedNode(_RDFS + name) for name in ("subClassOf", "subPropertyOf", "domain", "range")] + [
    ox.NamedNode(_OWL + name)
    for name in (
        "sameAs",
        "differentFrom",
        "equivalentClass",
        "equivalentProperty",
        "inverseOf",
        "propertyChainAxiom",
        "onProperty",
        "someValuesFrom",
        "allValuesFrom",
        "hasValue",
        "intersectionOf",
        "unionOf",
        "complementOf",
        "oneOf",
        "disjointWith",
        "propertyDisjointWith",
        "members",
        "distinctMembers",
        "hasKey",
        "maxCardinality",
        "maxQualifiedCardinality",
        "cardinality",
        "qualifiedCardinality",
        "sourceIndividual",
    )
]
_SCHEMA_TYPES = [
    ox.NamedNode(_OWL + name)
    for name in (
        "SymmetricProperty",
        "TransitiveProperty",
        "FunctionalProperty",
        "InverseFunctionalProperty",
        "IrreflexiveProperty",
        "AsymmetricProperty",
        "AllDisjointClasses",
        "AllDifferent",
        "AllDisjointProperties",
        "Restriction",
        "NegativePropertyAssertion",
    )
]


def is_data_level(triple: ox.Triple | Triple, schema_namespaces: tuple[str, ...]) -> bool:
    """The triples that belong in graph/inferred: about instances, not trivial, no blank node as object."""
    s, p, o = triple[0], triple[1], triple[2]
    if not isinstance(s, ox.NamedNode) or s.value.startswith(schema_namespaces):
        return False
    if isinstance(o, ox.BlankNode):
        return False
    if p == TYPE and (o in _TRIVIAL_TYPES or (isinstance(o, ox.NamedNode) and o.value.startswith(_XSD))):
        return False
    return not (p == _SAME_AS and s == o)


def needs_owlrl(quads: Iterable[ox.Quad]) -> str | None:
    """The first statement among ``quads`` that the compiled rules cannot take as data, as text; else None."""
    schema_types = set(_SCHEMA_TYPES)
    schema_predicates = set(_SCHEMA_PREDICATES)
    for quad in quads:
        if quad.predicate in schema_predicates or (quad.predicate == TYPE and quad.object in schema_types):
            return f"{quad.subject} {quad.predicate} {quad.object} (in {quad.graph_name})"
    return None


def store_needs_owlrl(store: ox.Store, documents: set[ox.NamedNode]) -> str | None:
    """Like ``needs_owlrl`` over the store's document graphs, by index lookups (no scan of the store)."""
    for predicate in _SCHEMA_PREDICATES:
        found = needs_owlrl(
            q for q in store.quads_for_pattern(None, predicate, None, None) if q.graph_name in documents
        )
        if found:
            return found
    for kind in _SCHEMA_TYPES:
        found = needs_owlrl(q for q in store.quads_for_pattern(None, TYPE, kind, None) if q.graph_name in documents)
        if found:
            return found
    return None


# -- state and journal ----------------------------------------------------------------------------------
@dataclass
class State:
    """What the last run reasoned: the ontology fingerprint and the documents whose closure is stored."""

    fingerprint: str
    documents: set[str] = field(default_factory=set)


def read_state(directory: Path) -> State | None:
    try:
        value = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        if value.get("version") != STATE_VERSION:
            return None
        return State(str(value["fingerprint"]), set(value["documents"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_state(directory: Path, state: State) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    value = {"version": STATE_VERSION, "fingerprint": state.fingerprint, "documents": sorted(state.documents)}
    temporary = directory / (STATE_FILE + ".tmp")
    temporary.write_text(json.dumps(value), encoding="utf-8")
    os.replace(temporary, directory / STATE_FILE)


def forget_state(directory: Path) -> None:
    (directory / STATE_FILE).unlink(missing_ok=True)


def note_changed(directory: Path, iris: Iterable[str]) -> None:
    """Append graph IRIs to the journal (before the store writes them): they are reasoned afresh."""
    lines = "".join(f"{iri}\n" for iri in iris)
    if not lines:
        return
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / JOURNAL_FILE, "a", encoding="utf-8") as journal:
        journal.write(lines)
        journal.flush()
        os.fsync(journal.fileno())


def read_journal(directory: Path) -> tuple[set[str], int]:
    """The IRIs written since the last run, and how many bytes of the journal they take."""
    try:
        data = (directory / JOURNAL_FILE).read_bytes()
    except OSError:
        return set(), 0
    end = data.rfind(b"\n") + 1  # a line cut by a crash is left for the next read
    return {line for line in data[:end].decode("utf-8", "replace").splitlines() if line}, end


def clear_journal(directory: Path, consumed: int) -> None:
    """Drop the first ``consumed`` bytes of the journal (what this run has taken into account)."""
    path = directory / JOURNAL_FILE
    try:
        rest = path.read_bytes()[consumed:]
    except OSError:
        return
    if not rest:
        path.unlink(missing_ok=True)
        return
    temporary = path.with_name(JOURNAL_FILE + ".tmp")
    temporary.write_bytes(rest)
    os.replace(temporary, path)


# -- facts looked up in the store -------------------------------------------------------------------------
class StoreFacts:
    """Facts as the store holds them (every graph), plus what this run derived and has not written yet.

    The store keeps only data-level triples in graph/inferred: memberships of anonymous classes (an
    owl:Restriction, a union) are not stored, so they are worked out again from the node's stored
    statements when a rule asks for one.
    """

    def __init__(self, store: ox.Store, tbox: CompiledTBox, graph: ox.DefaultGraph | None = None) -> None:
        self.store = store
        self.graph = graph  # where to look: the default graph when it holds the union, else every graph
        self.tbox = tbox
        self.overlay = MemoryFacts()
        self._anonymous: dict[Term, set[Term]] = {}

    def _stored(self, s: Term | None, p: ox.NamedNode | None, o: Term | None) -> Iterator[ox.Quad]:
        if isinstance(s, ox.Literal):
            return iter(())
        return self.store.quads_for_pattern(s, p, o, self.graph)

    def has(self, s: Term, p: ox.NamedNode, o: Term) -> bool:
        if self.overlay.has(s, p, o):
            return True
        if p == TYPE and isinstance(o, ox.BlankNode):
            return o in self.anonymous_types(s)
        return any(True for _ in self._stored(s, p, o))

    def objects(self, s: Term, p: ox.NamedNode) -> Iterable[Term]:
        found = {cast(Term, q.object) for q in self._stored(s, p, None)}
        found.update(self.overlay.objects(s, p))
        return found

    def subjects(self, p: ox.NamedNode, o: Term) -> Iterable[Term]:
        found = {cast(Term, q.subject) for q in self._stored(None, p, o)}
        found.update(self.overlay.subjects(p, o))
        return found

    def add(self, triple: Triple) -> bool:
        s, p, o = triple
        if self.overlay.has(s, p, o) or any(True for _ in self._stored(s, p, o)):
            return False
        # a membership of an anonymous class is never stored, so its consequences may not be either:
        # record it, and its consequences are drawn (those already stored are found known)
        return self.overlay.add(triple)

    def anonymous_types(self, node: Term) -> set[Term]:
        """The anonymous classes ``node`` belongs to, from its stored statements (cached for the run)."""
        if node in self._anonymous:
            return self._anonymous[node]
        self._anonymous[node] = set()  # a cycle through this node concludes nothing new
        tbox = self.tbox
        found: set[Term] = set()
        named = {cast(Term, q.object) for q in self._stored(node, TYPE, None)}
        for cls in named:
            found.update(c for c in tbox.super_classes.get(cls, ()) if isinstance(c, ox.BlankNode))
            found.update(c for c in tbox.unions.get(cls, ()) if isinstance(c, ox.BlankNode))
        for quad in self._stored(node, None, None):
            p, o = quad.predicate, cast(Term, quad.object)
            found.update(c for c in tbox.domains.get(p, ()) if isinstance(c, ox.BlankNode))
            for restriction, filler in tbox.svf_by_property.get(p, ()):
                if (
                    isinstance(restriction, ox.BlankNode)
                    and (filler.value == _OWL + "Thing" if isinstance(filler, ox.NamedNode) else False)
                ) or (isinstance(restriction, ox.BlankNode) and self.has(o, TYPE, filler)):
                    found.add(restriction)
            found.update(r for r in tbox.has_value_by_pair.get((p, o), ()) if isinstance(r, ox.BlankNode))
        for quad in self._stored(None, None, node):
            found.update(c for c in tbox.ranges.get(quad.predicate, ()) if isinstance(c, ox.BlankNode))
        # anonymous classes above anonymous classes, and intersections
        pending = list(found)
        while pending:
            cls = pending.pop()
            for sup in (*tbox.super_classes.get(cls, ()), *tbox.unions.get(cls, ())):
                if isinstance(sup, ox.BlankNode) and sup not in found:
                    found.add(sup)
                    pending.append(sup)
        for cls, members in tbox.intersection_members.items():
            if isinstance(cls, ox.BlankNode) and all(m in named or m in found for m in members):
                found.add(cls)
        self._anonymous[node] = found
        return found


# -- the SPARQL rules ---------------------------------------------------------------------------------------
RuleRunner = Callable[[ox.Store], Iterable[ox.Triple]]


def neighbourhood(
    store: ox.Store,
    nodes: Iterable[Term],
    extra: Iterable[Triple],
    schema: Iterable[ox.Triple],
    reads: frozenset[ox.NamedNode] | None = None,
    graph: ox.DefaultGraph | None = None,
) -> ox.Store:
    """An in-memory store with the statements that mention ``nodes``, the types of their neighbours,
    ``extra`` (derived, not yet written) and the ``schema``, in its default graph.

    With ``reads`` (the predicates and classes the rules mention) only statements with those predicates
    are taken: a rule cannot match any other, and a country's or an issue's every mention stays out.
    """
    predicates: list[ox.NamedNode | None] = [None] if reads is None else sorted(reads, key=str)
    found: set[ox.Triple] = set()
    neighbours: set[Term] = set()
    for node in nodes:
        if isinstance(node, ox.Literal):
            continue
        for predicate in predicates:
            for quad in store.quads_for_pattern(node, predicate, None, graph):
                found.add(quad.triple)
                neighbours.add(cast(Term, quad.object))
            for quad in store.quads_for_pattern(None, predicate, node, graph):
                found.add(quad.triple)
                neighbours.add(cast(Term, quad.subject))
    if reads is None or TYPE in reads:
        for node in neighbours:
            if not isinstance(node, ox.Literal):
                found.update(q.triple for q in store.quads_for_pattern(node, TYPE, None, graph))
    found.update(ox.Triple(s, p, o) for s, p, o in extra)
    found.update(schema)
    work = ox.Store()
    work.extend(ox.Quad(t.subject, t.predicate, t.object) for t in found)
    return work
