"""OWL RL reasoning (owlrl) plus the SPARQL rules OWL RL cannot say, into the inferred graph only.

Asserted graphs are never changed: every closure runs on a copy, and only what it adds about data (not
about the vocabularies themselves) is written to https://w3id.org/dipkg/graph/inferred.

``reason_store`` works in four steps instead of closing the whole store at once:

1. the ontology graph (ontology, issue scheme, reference data) is closed once; the schema part of that
   closure (the TBox) is where every later step starts, and what the closure adds about reference nodes
   (countries, places, issues) is the ontology's share of the inferred graph;
2. each document graph is closed together with the TBox and the reference nodes it points to; what that
   adds is the document's share. Shares are cached on disk under a hash of the document graph and of the
   ontology, so a document is reasoned again only when its graph (or the ontology) changed;
3. what needs two documents is derived over all of them: the rules of ``ontology/rules`` run over the
   whole store, and OWL RL runs once more on the statements about the nodes that documents describe
   differently (an OWL RL rule whose premises come from two documents joins them in such a node);
4. the inferred graph becomes the ontology share, the document shares and the cross-document part, less
   whatever some graph asserts, written as one change.

``bench/reasoning.py`` checks that this gives the same triples as one closure over the whole union.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import owlrl
import pyoxigraph as ox
from owlrl.Namespaces import ERRNS
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg import paths
from kg.entailment import CompiledTBox, Facts, MemoryFacts, Term, Triple, compile_tbox, saturate
from kg.errors import OntologyLoadError
from kg.materialize import (
    State,
    StoreFacts,
    clear_journal,
    forget_state,
    is_data_level,
    neighbourhood,
    read_journal,
    read_state,
    store_needs_owlrl,
    write_state,
)
from kg.rdfio import graph_from_ntriples
from kg.store import ONTOLOGY_FILES, Store, ontology_graph
from kg.vocab import DIP, GRAPH_INFERRED, GRAPH_ONTOLOGY, OA, PREFIXES

# Bump when the way shares are computed changes: cached shares of older versions are then ignored.
REASONER_VERSION = "2"
CACHE_DIRNAME = "reasoning"

# owlrl writes inconsistencies as `[] a err:ErrorMessage ; err:error "..."` (it never uses owl:Nothing).
ERR = ERRNS

# Vocabulary namespaces: statements about their terms are schema, not data, and stay out of the result.
_SCHEMA_NAMESPACES = (
    str(DIP._NS),
    "http://www.w3.org/",
    "http://purl.org/dc/",
    "http://schema.org/",
    "https://schema.org/",
    "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "http://xmlns.com/foaf/",
    "http://purl.org/vocab/vann/",
)
_TRIVIAL_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}
# Large literals that no rule reads; dropping them keeps the closure small.
_IGNORED_PREDICATES = {DIP.text, OA.exact}
# Schema statements that carry no logic (names, comments, mappings): left out of the working TBox.
_LOGIC_NAMESPACES = (str(RDF), str(RDFS), str(OWL))
_ANNOTATIONS = {
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.versionInfo,
    OWL.versionIRI,
    OWL.priorVersion,
    OWL.imports,
}
_SAME_AS = OWL.sameAs
_TYPE = RDF.type
_RULE_FIELDS = ("rule", "infers", "why")


# -- rules ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One SPARQL CONSTRUCT rule of ``ontology/rules``; ``infers`` is its header's description."""

    name: str
    path: Path
    sparql: str
    infers: str = ""


def _rule_header(text: str) -> dict[str, str]:
    """The ``# key: value`` fields of the leading comment block (indented lines continue a value)."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        match = re.match(r"\s?([a-z]+):\s*(.*)$", body)
        if match and not body.startswith("  "):
            key = match.group(1)
            fields[key] = match.group(2).strip()
        elif key is not None and body.strip():
            fields[key] += " " + body.strip()
    return fields


def load_rules(directory: Path = paths.RULES_DIR) -> list[Rule]:
    """The CONSTRUCT rules of ontology/rules, one per file, each with a ``# rule:``/``# infers:``/``# why:`` header.

    Raises OntologyLoadError naming the file when a header field is missing or the query does not parse.

    >>> [rule.name for rule in load_rules()]
    ['met-with', 'represents']
    """
    from rdflib.plugins.sparql import prepareQuery

    rules = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = _rule_header(text)
        missing = [name for name in _RULE_FIELDS if not header.get(name)]
        if missing:
            raise OntologyLoadError(
                f"rule header lacks {', '.join('# ' + m + ':' for m in missing)}; start the file with them",
                path=path,
            )
        if header["rule"] != path.stem:
            raise OntologyLoadError(f"'# rule: {header['rule']}' must repeat the file name {path.stem!r}", path=path)
        try:
            prepared = prepareQuery(text)
        except Exception as error:  # pyparsing and rdflib raise several types
            raise OntologyLoadError(f"rule does not parse: {error}", path=path) from error
        if prepared.algebra.name != "ConstructQuery":
            raise OntologyLoadError("a rule file must hold one SPARQL CONSTRUCT query", path=path)
        rules.append(Rule(path.stem, path, text, header["infers"]))
    return rules


def _rules_signature(rules: list[Rule]) -> str:
    return "\n".join(f"{rule.name}\n{rule.sparql}" for rule in rules)


# -- one closure ----------------------------------------------------------------------------------------
def is_schema(node: Node) -> bool:
    """True for terms of the vocabularies (dip:, rdf:, owl:, schema.org ...), whose statements are schema."""
    return isinstance(node, URIRef) and str(node).startswith(_SCHEMA_NAMESPACES)


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
    if isinstance(o, BNode):  # e.g. membership of an anonymous restriction: meaningless outside the ontology
        return False
    return not (p == RDF.type and isinstance(o, URIRef) and str(o).startswith(str(XSD)))


class _DataSemantics(owlrl.OWLRL_Semantics):  # type: ignore[misc]
    """owlrl's OWL 2 RL rules, run faster for the ontology, document and cross-document closures.

    Two things owlrl does that cannot change the data-level result are left out: eq-ref, which adds
    ``x owl:sameAs x`` for every term of every triple (such a triple concludes nothing but itself under the
    other eq-* rules and is dropped from the result anyway, yet it doubles the graph every later cycle
    walks), and walking data statements that trigger no rule (see ``rules``). ``bench/reasoning.py``
    compares the outcome with plain owlrl over the whole union.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen_bnodes: set[BNode] = set()

    def store_triple(self, t: tuple[Node, Node, Node]) -> None:
        if t[0] == t[2] and t[1] == _SAME_AS:
            return
        super().store_triple(t)

    def rules(self, t: tuple[Node, Node, Node], cycle_num: int) -> None:
        """owlrl's dispatch, less the statements that can trigger no rule.

        Every OWL 2 RL rule in owlrl is triggered by a statement whose predicate is an RDF, RDFS or OWL
        term; a data statement (``x dip:participant y``, ``x rdf:type dip:Person``) is only ever read by
        the lookups those triggers make. Walking data statements in every cycle costs most of the time
        and concludes nothing, so they are skipped. Blank nodes are still collected in the first cycle
        for owlrl's post-processing (in a set: owlrl's list makes this quadratic).
        """
        if cycle_num == 1:
            for term in t:
                if isinstance(term, BNode) and term not in self._seen_bnodes:
                    self._seen_bnodes.add(term)
                    self.bnodes.append(term)
        p = t[1]
        if not str(p).startswith(_LOGIC_NAMESPACES):
            return
        if p == _TYPE and not str(t[2]).startswith(_LOGIC_NAMESPACES):
            return
        self._properties(t, cycle_num)
        self._equality(t, cycle_num)
        self._classes(t, cycle_num)
        self._class_axioms(t, cycle_num)
        self._schema_vocabulary(t, cycle_num)


def apply_rules(graph: Graph, rules: list[Rule]) -> int:
    """Add the rules' conclusions to ``graph`` (rdflib's SPARQL engine); returns how many were new."""
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


def _owlrl(graph: Graph, semantics: type) -> None:
    owlrl.DeductiveClosure(semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)


def closure(asserted: Graph, rules: list[Rule]) -> Graph:
    """OWL RL closure of ``asserted`` with the rules, as a new graph; ``asserted`` is left as it was.

    This is plain owlrl with the rules run by rdflib, alternating until nothing new appears: the
    reference that the faster per-document path is measured against. Inconsistencies stay in the result
    as owlrl writes them (``[] a err:ErrorMessage``); see ``error_messages``.
    """
    working = Graph()
    for triple in asserted:
        if triple[1] not in _IGNORED_PREDICATES:
            working.add(triple)
    for _ in range(5):  # rules feed the closure and back, until nothing new appears
        _owlrl(working, owlrl.OWLRL_Semantics)
        if apply_rules(working, rules) == 0:
            break
    return working


def error_messages(graph: Graph) -> list[str]:
    """The inconsistencies a closure found: owlrl's error messages and members of owl:Nothing."""
    messages = {
        str(text)
        for message in graph.subjects(RDF.type, ERR.ErrorMessage)
        for text in graph.objects(message, ERR.error)
    }
    messages |= {f"{node} is a member of owl:Nothing" for node in graph.subjects(RDF.type, OWL.Nothing)}
    return sorted(messages)


def infer(asserted: Graph, rules: list[Rule] | None = None) -> Graph:
    """The data-level triples that reasoning adds to ``asserted``: plain owlrl over the whole graph.

    ``reason_store`` gets the same triples document by document; this is its reference.
    """
    closed = closure(asserted, load_rules() if rules is None else rules)
    inferred = Graph()
    for prefix, namespace in PREFIXES.items():
        inferred.bind(prefix, namespace)
    for s, p, o in closed:
        if (s, p, o) not in asserted and is_data_triple(s, p, o):
            inferred.add((s, p, o))
    return inferred


# -- terms between rdflib and Oxigraph -------------------------------------------------------------------
_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def literal_to_ox(term: Literal) -> ox.Literal:
    """An rdflib literal as an Oxigraph literal, language tag or datatype kept."""
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


class _Terms:
    """Converts terms both ways, keeping each blank node paired with one blank node on the other side."""

    def __init__(self) -> None:
        self._to_ox: dict[BNode, ox.BlankNode] = {}
        self._to_rdflib: dict[ox.BlankNode, BNode] = {}

    def to_ox(self, term: Node) -> OxTerm:
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, Literal):
            return literal_to_ox(term)
        if isinstance(term, BNode):
            if term not in self._to_ox:
                node = ox.BlankNode()
                self._to_ox[term] = node
                self._to_rdflib[node] = term
            return self._to_ox[term]
        raise TypeError(f"not an RDF term: {term!r}")

    def to_rdflib(self, term: object) -> Node:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            if term.language:
                return Literal(term.value, lang=term.language)
            if datatype in (_XSD_STRING, _LANG_STRING):
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(datatype))
        if isinstance(term, ox.BlankNode):
            if term not in self._to_rdflib:
                node = BNode()
                self._to_rdflib[term] = node
                self._to_ox[node] = term
            return self._to_rdflib[term]
        raise TypeError(f"not an RDF term: {term!r}")

    def ox_triple(self, triple: tuple[Node, Node, Node]) -> ox.Triple | None:
        """None for what RDF cannot hold (owlrl's statements about literals)."""
        s, p, o = triple
        if isinstance(s, Literal) or not isinstance(p, URIRef):
            return None
        return ox.Triple(cast(ox.NamedNode | ox.BlankNode, self.to_ox(s)), ox.NamedNode(str(p)), self.to_ox(o))

    def rdflib_triple(self, triple: ox.Triple) -> tuple[Node, Node, Node]:
        return (self.to_rdflib(triple.subject), URIRef(triple.predicate.value), self.to_rdflib(triple.object))


def _apply_rules_ox(graph: Graph, rules: list[Rule]) -> int:
    """Add the rules' conclusions to ``graph``, running them in an in-memory Oxigraph; how many were new."""
    terms = _Terms()
    engine = ox.Store()
    engine.extend(ox.Quad(t.subject, t.predicate, t.object) for t in map(terms.ox_triple, graph) if t is not None)
    added = 0
    for rule in rules:
        try:
            result = engine.query(rule.sparql)
        except (SyntaxError, OSError, ValueError) as error:
            raise OntologyLoadError(f"rule does not run: {error}", path=rule.path) from error
        for found in cast(Iterable[ox.Triple], result):
            triple = terms.rdflib_triple(found)
            if triple not in graph:
                graph.add(triple)
                added += 1
    return added


def _close_fast(working: Graph, rules: list[Rule]) -> None:
    """Close ``working`` in place: rules first (they rarely need the closure), then owlrl and rules in turn."""
    _apply_rules_ox(working, rules)
    for _ in range(5):
        _owlrl(working, _DataSemantics)
        if _apply_rules_ox(working, rules) == 0:
            break


# -- the ontology, closed once ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OntologyContext:
    """The closed ontology graph, split the way the document closures use it."""

    fingerprint: str
    asserted: Graph  # the ontology graph as loaded
    closed: Graph  # its closure (including the asserted triples)
    tbox: Graph  # the schema statements of the closure that carry logic (trivial ones left out)
    share: Graph  # what the closure adds about reference nodes: part of graph/inferred
    references: dict[Node, list[tuple[Node, Node, Node]]]  # reference node -> its useful closed triples
    axiom_terms: frozenset[Node]  # every term the TBox mentions: only these predicates can trigger a rule
    joinable: frozenset[Node]  # predicates that OWL RL rules with two data premises read
    joins_objects: bool  # whether some rule joins two premises at their objects (inverse functional, keys)
    errors: tuple[str, ...]


def fingerprint(rules: list[Rule]) -> str:
    """A hash of everything a share depends on besides its document: ontology files, rules, reasoner."""
    digest = hashlib.sha256()
    digest.update(f"{REASONER_VERSION} owlrl {getattr(owlrl, '__version__', '?')}\n".encode())
    for name in ONTOLOGY_FILES:
        path = paths.ONTOLOGY_DIR / name
        digest.update(name.encode() + b"\n")
        if path.exists():
            digest.update(path.read_bytes())
    digest.update(_rules_signature(rules).encode("utf-8"))
    return digest.hexdigest()


# Declarations only feed the scm-cls/scm-op rules, whose conclusions (C subClassOf C, C subClassOf
# owl:Thing, p subPropertyOf p ...) are trivial; dropping them saves every document closure a round.
_DECLARATIONS = {
    OWL.Class,
    RDFS.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    RDF.Property,
    OWL.AnnotationProperty,
    OWL.OntologyProperty,
    OWL.Ontology,
    RDFS.Datatype,
    OWL.NamedIndividual,
}
_REFLEXIVE = {RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty, OWL.sameAs}


def _carries_logic(triple: tuple[Node, Node, Node]) -> bool:
    s, p, o = triple
    if p in _ANNOTATIONS or not str(p).startswith(_LOGIC_NAMESPACES):
        return False
    if p == RDF.type and o in _DECLARATIONS:
        return isinstance(s, BNode) and o == RDFS.Datatype  # keep the anonymous datatype unions
    if p in _REFLEXIVE and s == o:
        return False
    if p in (RDFS.subClassOf, RDFS.domain, RDFS.range) and o in (OWL.Thing, RDFS.Resource):
        return False
    return not (p == RDFS.subClassOf and s == OWL.Nothing)


def _useful(triple: tuple[Node, Node, Node], axiom_terms: frozenset[Node]) -> bool:
    """A triple whose predicate the TBox never mentions cannot take part in any rule (barring sameAs)."""
    p = triple[1]
    return p == _TYPE or (p in axiom_terms and p not in _IGNORED_PREDICATES)


def _list_members(graph: Graph, head: Node) -> list[Node]:
    members: list[Node] = []
    current: Node | None = head
    while current is not None and current != RDF.nil:
        first = graph.value(current, RDF.first)
        if first is not None:
            members.append(first)
        current = graph.value(current, RDF.rest)
    return members


def _joinable_predicates(tbox: Graph) -> frozenset[Node]:
    """Predicates that OWL RL rules with two or more data premises read, given this TBox."""
    found: set[Node] = {RDF.type, OWL.sameAs, OWL.differentFrom}
    for _prop, chain in tbox.subject_objects(OWL.propertyChainAxiom):
        found.update(_list_members(tbox, chain))
    found.update(tbox.objects(None, OWL.onProperty))
    for kind in (
        OWL.TransitiveProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.IrreflexiveProperty,
        OWL.AsymmetricProperty,
    ):
        found.update(tbox.subjects(RDF.type, kind))
    for p1, p2 in tbox.subject_objects(OWL.propertyDisjointWith):
        found.update((p1, p2))
    for _cls, keys in tbox.subject_objects(OWL.hasKey):
        found.update(_list_members(tbox, keys))
    for group in tbox.subjects(RDF.type, OWL.AllDisjointProperties):
        for members in tbox.objects(group, OWL.members):
            found.update(_list_members(tbox, members))
    return frozenset(found)


def _build_context(digest: str, rules: list[Rule], cache_dir: Path | None) -> OntologyContext:
    asserted = ontology_graph()
    cache_file = cache_dir / f"ontology-{digest[:32]}.json" if cache_dir is not None else None
    cached = _read_json(cache_file) if cache_file is not None else None
    closed = Graph()
    if cached is not None:
        closed = graph_from_ntriples(cached["triples"])
        errors = tuple(cached["errors"])
    else:
        for triple in asserted:
            if triple[1] not in _IGNORED_PREDICATES:
                closed.add(triple)
        _close_fast(closed, rules)
        errors = tuple(error_messages(closed))
        for message in list(closed.subjects(RDF.type, ERR.ErrorMessage)):
            closed.remove((message, None, None))
        for triple in list(closed.triples((None, None, None))):
            if isinstance(triple[0], Literal):  # owlrl's statements about literals have no place in RDF
                closed.remove(triple)
        if cache_file is not None:
            text = closed.serialize(format="nt")
            _write_json(cache_file, {"version": REASONER_VERSION, "triples": text, "errors": list(errors)})
    tbox = Graph()
    share = Graph()
    data: list[tuple[Node, Node, Node]] = []
    for s, p, o in closed:
        if isinstance(s, BNode) or is_schema(s):
            if _carries_logic((s, p, o)):
                tbox.add((s, p, o))
        else:
            data.append((s, p, o))
            if (s, p, o) not in asserted and is_data_triple(s, p, o):
                share.add((s, p, o))
    axiom_terms = frozenset(term for triple in tbox for term in triple if isinstance(term, URIRef))
    references: dict[Node, list[tuple[Node, Node, Node]]] = {}
    for triple in data:
        if _useful(triple, axiom_terms) and not (triple[1] == _SAME_AS and triple[0] == triple[2]):
            references.setdefault(triple[0], []).append(triple)
    joinable = _joinable_predicates(tbox)
    joins_objects = any(True for _ in tbox.triples((None, OWL.hasKey, None))) or any(
        True for _ in tbox.triples((None, RDF.type, OWL.InverseFunctionalProperty))
    )
    return OntologyContext(
        digest, asserted, closed, tbox, share, references, axiom_terms, joinable, joins_objects, errors
    )


@lru_cache(maxsize=2)
def _context_for(digest: str, rules: tuple[Rule, ...], cache_dir: Path | None) -> OntologyContext:
    return _build_context(digest, list(rules), cache_dir)


def ontology_context(rules: list[Rule] | None = None, *, cache_dir: Path | None = None) -> OntologyContext:
    """The closed ontology: computed once per process, and once per ontology version with ``cache_dir``."""
    rules = load_rules() if rules is None else rules
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    return _context_for(fingerprint(rules), tuple(rules), cache_dir)


# -- one document ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Share:
    """What reasoning adds for one document (``triples``: N-Triples) and the inconsistencies it found."""

    triples: str
    errors: tuple[str, ...] = ()


def document_share(graph: Graph, context: OntologyContext, rules: list[Rule]) -> Share:
    """The data-level triples that the closure of (TBox + reference nodes + ``graph``) adds.

    Nothing asserted by ``graph`` or the ontology is in the result; ``graph`` is not changed.
    """
    working = Graph()
    for triple in context.tbox:
        working.add(triple)
    keep_all = any(True for _ in graph.triples((None, OWL.sameAs, None))) or any(
        True for _ in graph.triples((None, OWL.differentFrom, None))
    )
    nodes: set[Node] = set()
    for triple in graph:
        if triple[1] in _IGNORED_PREDICATES:
            continue
        if keep_all or _useful(triple, context.axiom_terms):
            working.add(triple)
        nodes.add(triple[0])
        nodes.add(triple[2])
    for _hop in range(2):  # countries, then their capitals
        following: set[Node] = set()
        for node in nodes:
            for triple in context.references.get(node, ()):
                working.add(triple)
                following.add(triple[2])
        nodes = following
    _close_fast(working, rules)
    terms = _Terms()
    share = [terms.ox_triple(t) for t in working if is_data_triple(*t) and t not in graph and t not in context.closed]
    return Share(_to_nt(t for t in share if t is not None), tuple(error_messages(working)))


# -- the store -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReasoningResult:
    """What ``reason_store`` did: triples in graph/inferred, inconsistencies, and how the work was split."""

    inferred_triples: int
    inconsistent: list[str]
    documents: int = 0
    reasoned: list[str] = field(default_factory=list)  # documents whose share was computed afresh
    cross_document_triples: int = 0
    added: int = 0
    removed: int = 0
    # how: "compiled, incremental", "compiled, from scratch", "owlrl per document" (and why), "nothing to do"
    method: str = ""

    @property
    def reused(self) -> int:
        """Documents whose cached share was still valid."""
        return self.documents - len(self.reasoned)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(value, dict) or value.get("version") != REASONER_VERSION:
        return None
    return value


def _write_json(path: Path, value: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value), encoding="utf-8")
    os.replace(temporary, path)


_KEPT_FILES = {"state.json", "inconsistencies.json"}


class ShareCache:
    """Document shares on disk, one JSON file per hash of (document graph, ontology, rules, reasoner).

    A share depends on nothing else, so a file stays valid for as long as it exists; ``prune`` removes the
    files that no current document used in this run (removed or changed documents).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.used: set[str] = set()

    def get(self, key: str) -> Share | None:
        self.used.add(key)
        value = _read_json(self.directory / f"{key}.json")
        if value is None:
            return None
        return Share(value["triples"], tuple(value["errors"]))

    def put(self, key: str, document: str, share: Share) -> None:
        self.used.add(key)
        value = {"version": REASONER_VERSION, "document": document, "triples": share.triples}
        _write_json(self.directory / f"{key}.json", {**value, "errors": list(share.errors)})

    def prune(self, fingerprint: str) -> None:
        for path in self.directory.glob("*.json"):
            if path.name.startswith("ontology-"):
                if not path.name.startswith(f"ontology-{fingerprint[:32]}"):
                    path.unlink(missing_ok=True)
            elif path.stem not in self.used and path.name not in _KEPT_FILES:
                path.unlink(missing_ok=True)


def _document_key(digest: str, ntriples: str) -> str:
    lines = sorted(line for line in ntriples.splitlines() if line)
    return hashlib.sha256((digest + "\n" + "\n".join(lines)).encode("utf-8")).hexdigest()


def _parse_nt(text: str) -> list[ox.Triple]:
    if not text.strip():
        return []
    return [cast(ox.Quad, q).triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


def _to_nt(triples: Iterable[ox.Triple]) -> str:
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _present(store: ox.Store, triple: ox.Triple) -> bool:
    return any(True for _ in store.quads_for_pattern(triple.subject, triple.predicate, triple.object))


def _instance(node: object) -> bool:
    return isinstance(node, ox.NamedNode) and not node.value.startswith(_SCHEMA_NAMESPACES)


class _Workspace:
    """An in-memory Oxigraph holding what the cross-document step reads: every graph and every share."""

    CROSS = ox.NamedNode("urn:dipkg:reasoning:cross")

    def __init__(self) -> None:
        self.store = ox.Store()
        self.asserted_graphs: set[ox.NamedNode] = set()
        self.source: dict[ox.NamedNode, str] = {}  # graph -> the document (or "ontology") it comes from

    def add(self, graph: ox.NamedNode, source: str, triples: Iterable[ox.Triple], *, asserted: bool) -> None:
        self.source[graph] = source
        if asserted:
            self.asserted_graphs.add(graph)
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def load(self, graph: ox.NamedNode, source: str, ntriples: bytes) -> None:
        """Add an asserted graph given as N-Triples."""
        self.source[graph] = source
        self.asserted_graphs.add(graph)
        if ntriples:
            self.store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)

    def is_asserted(self, triple: ox.Triple) -> bool:
        return any(
            quad.graph_name in self.asserted_graphs
            for quad in self.store.quads_for_pattern(triple.subject, triple.predicate, triple.object)
        )

    def joined_nodes(self, joinable: Iterable[ox.NamedNode], *, any_shared: bool) -> set[ox.NamedNode]:
        """Instance nodes at which an OWL RL rule could join premises that no single document holds.

        A rule with two data premises joins them at a node that both mention: as subject of both, or as
        object of one and subject of the other (``any_shared`` covers the TBoxes whose rules also join two
        objects: inverse functional properties, keys). When every document that mentions a node also holds
        the same joinable statements *about* it (the ontology's count for every document, which is closed
        with the reference nodes it points to), any such join is already inside one document's closure.
        """
        about: dict[ox.NamedNode, dict[str, set[ox.Triple]]] = {}
        mentioned: dict[ox.NamedNode, set[str]] = {}
        for predicate in joinable:
            for quad in self.store.quads_for_pattern(None, predicate, None, None):
                source = self.source.get(cast(ox.NamedNode, quad.graph_name), "cross")
                if _instance(quad.subject):
                    subject = cast(ox.NamedNode, quad.subject)
                    about.setdefault(subject, {}).setdefault(source, set()).add(quad.triple)
                    mentioned.setdefault(subject, set()).add(source)
                if _instance(quad.object):
                    mentioned.setdefault(cast(ox.NamedNode, quad.object), set()).add(source)
        joined = set()
        for node, sources in mentioned.items():
            documents = sources - {"ontology"}
            if not documents or (len(documents) == 1 and "ontology" not in sources):
                continue
            if any_shared and len(documents) > 1:
                joined.add(node)
                continue
            views = about.get(node, {})
            common = frozenset(views.get("ontology", ()))
            seen = {common | views.get(document, set()) for document in documents}
            if len(seen) > 1 or ("ontology" in sources and seen != {common}):
                joined.add(node)
        return joined

    def equal_nodes(self) -> set[ox.NamedNode]:
        """Nodes named in owl:sameAs statements: eq-rep-s/o join them with statements of any predicate."""
        nodes: set[ox.NamedNode] = set()
        for quad in self.store.quads_for_pattern(None, _OX_SAME_AS, None, None):
            nodes.update(cast(ox.NamedNode, n) for n in (quad.subject, quad.object) if _instance(n))
        return nodes

    def statements_about(
        self, nodes: Iterable[ox.NamedNode], predicates: set[ox.NamedNode], equal: set[ox.NamedNode]
    ) -> set[ox.Triple]:
        """The statements with one of ``predicates`` (any predicate for ``equal`` nodes) mentioning ``nodes``."""
        found = set()
        for node in nodes:
            every = node in equal
            for quad in self.store.quads_for_pattern(node, None, None, None):
                if every or quad.predicate in predicates:
                    found.add(quad.triple)
            for quad in self.store.quads_for_pattern(None, None, node, None):
                if every or quad.predicate in predicates:
                    found.add(quad.triple)
        return found


def _cross_document(work: _Workspace, context: OntologyContext, rules: list[Rule]) -> tuple[set[ox.Triple], list[str]]:
    """Triples that only several documents together give: the rules over everything, then OWL RL on the joins."""
    found: set[ox.Triple] = set()
    errors: set[str] = set()
    joinable = {ox.NamedNode(str(p)) for p in context.joinable}
    focus = work.joined_nodes(joinable, any_shared=context.joins_objects)
    for _round in range(10):
        equal = work.equal_nodes()
        focus |= equal
        fresh: set[ox.Triple] = set()
        for rule in rules:
            try:
                result = work.store.query(rule.sparql, use_default_graph_as_union=True)
            except (SyntaxError, OSError, ValueError) as error:
                raise OntologyLoadError(f"rule does not run in the store: {error}", path=rule.path) from error
            for triple in cast(Iterable[ox.Triple], result):
                if triple not in found and not _present(work.store, triple):
                    fresh.add(triple)
        work.add(work.CROSS, "cross", fresh, asserted=False)
        found |= fresh
        # OWL RL over the joinable statements about shared nodes, and everything concluded so far
        focus.update(cast(ox.NamedNode, n) for t in fresh for n in (t.subject, t.object) if _instance(n))
        if not focus:
            break
        terms = _Terms()
        working = Graph()
        for schema_triple in context.tbox:
            working.add(schema_triple)
        for statement in found | work.statements_about(focus, joinable, equal):
            working.add(terms.rdflib_triple(statement))
        _owlrl(working, _DataSemantics)
        errors.update(error_messages(working))
        concluded: set[ox.Triple] = set()
        for closed_triple in working:
            if is_data_triple(*closed_triple) and closed_triple not in context.closed:
                converted = terms.ox_triple(closed_triple)
                if converted is not None and converted not in found and not _present(work.store, converted):
                    concluded.add(converted)
        work.add(work.CROSS, "cross", concluded, asserted=False)
        found |= concluded
        focus.update(cast(ox.NamedNode, n) for t in concluded for n in (t.subject, t.object) if _instance(n))
        if not concluded and not fresh:
            break
    return found, sorted(errors)


_OX_SAME_AS = ox.NamedNode(str(OWL.sameAs))
_ONTOLOGY_ADDED = ox.NamedNode("urn:dipkg:reasoning:ontology-closure")


def cache_directory(store: Store) -> Path:
    """Where a store keeps its reasoning cache: a folder inside the store folder."""
    return store.path / CACHE_DIRNAME


def reason_store_with_owlrl(
    store: Store, *, rules: list[Rule] | None = None, progress: Callable[[str], None] | None = None
) -> ReasoningResult:
    """``reason_store`` with owlrl itself: for ontologies or documents the compiled rules do not cover.

    Documents whose graph did not change since the last run reuse their cached share; the
    cross-document step and the final difference run over the whole store. Asserted graphs are read,
    never written. Raises OntologyLoadError when an ontology or rule file cannot be used.
    """
    rules = load_rules() if rules is None else rules
    directory = cache_directory(store)
    context = ontology_context(rules, cache_dir=directory)
    cache = ShareCache(directory)
    work = _Workspace()
    terms = _Terms()
    # the closed ontology, split into what the ontology graph asserts (schema with its blank nodes
    # included) and what its closure adds
    known: list[ox.Triple] = []
    added: list[ox.Triple] = []
    for triple in context.closed:
        converted = terms.ox_triple(triple)
        if converted is not None:
            bnode = any(isinstance(term, BNode) for term in triple)
            (known if bnode or triple in context.asserted else added).append(converted)
    work.add(ox.NamedNode(str(GRAPH_ONTOLOGY)), "ontology", known, asserted=True)
    work.add(_ONTOLOGY_ADDED, "ontology", added, asserted=False)
    candidates: set[ox.Triple] = {t for t in map(terms.ox_triple, context.share) if t is not None}
    errors: set[str] = set(context.errors)
    documents = store.document_graphs()
    reasoned = []
    for doc in documents:
        node = ox.NamedNode(doc)
        # the graph travels as N-Triples from store to workspace: no Python object per triple
        data = store.oxigraph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node) or b""
        key = _document_key(context.fingerprint, data.decode("utf-8"))
        share = cache.get(key)
        if share is None:
            graph = Graph()
            for statement in _parse_nt(data.decode("utf-8")):
                graph.add(terms.rdflib_triple(statement))
            share = document_share(graph, context, rules)
            cache.put(key, doc, share)
            reasoned.append(doc)
            if progress is not None:
                progress(doc)
        work.load(node, doc, data)
        share_triples = _parse_nt(share.triples)
        work.add(ox.NamedNode(f"urn:dipkg:reasoning:share:{doc}"), doc, share_triples, asserted=False)
        candidates.update(share_triples)
        errors.update(share.errors)
    cross, cross_errors = _cross_document(work, context, rules)
    errors.update(cross_errors)
    candidates |= cross
    final = {t for t in candidates if not work.is_asserted(t)}
    added_count, removed_count = _write_inferred(store, final)
    cache.prune(context.fingerprint)
    return ReasoningResult(
        inferred_triples=len(final),
        inconsistent=sorted(errors),
        documents=len(documents),
        reasoned=reasoned,
        cross_document_triples=len(cross & final),
        added=added_count,
        removed=removed_count,
    )


def _write_inferred(store: Store, final: set[ox.Triple], *, current: set[ox.Triple] | None = None) -> tuple[int, int]:
    """Make graph/inferred hold exactly ``final``, changing only the difference, in one update."""
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    if current is None:
        current = {q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, graph)}
    to_remove = current - final
    to_add = final - current
    if not to_remove and not to_add:
        return 0, 0
    if any(isinstance(term, ox.BlankNode) for triple in to_remove for term in triple):
        # DELETE DATA cannot name blank nodes (left by older versions): rewrite the whole graph instead
        store.rewrite_graph(graph.value, _to_nt(final))
        return len(final), len(current)
    store.change_graph(graph.value, add=to_add, remove=to_remove)
    return len(to_add), len(to_remove)


# -- the compiled path ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompiledContext:
    """The closed ontology as the compiled rules use it: rule tables, and its data in Oxigraph terms."""

    tbox: CompiledTBox
    schema: tuple[ox.Triple, ...]  # the TBox triples, for the SPARQL rules' class hierarchy
    reference: tuple[ox.Triple, ...]  # the ontology closure's data triples that a rule can read
    share: frozenset[ox.Triple]  # what the ontology closure adds about reference nodes
    useful: frozenset[ox.NamedNode]  # predicates a compiled rule can read


_COMPILED: dict[str, CompiledContext] = {}


def _compile(context: OntologyContext) -> CompiledContext:
    terms = _Terms()  # one mapping, so that the TBox's blank nodes are the same nodes everywhere
    schema = tuple(t for t in map(terms.ox_triple, context.tbox) if t is not None)
    tbox = compile_tbox(_as_triple(t) for t in schema)
    reference = tuple(
        t
        for triples in context.references.values()
        for t in map(terms.ox_triple, triples)
        if t is not None and not isinstance(t.subject, ox.Literal)
    )
    share = frozenset(t for t in map(terms.ox_triple, context.share) if t is not None)
    useful = frozenset(ox.NamedNode(str(p)) for p in context.axiom_terms if str(p) and p not in _IGNORED_PREDICATES)
    return CompiledContext(tbox, schema, reference, share, useful | {ox.NamedNode(str(RDF.type))})


def compiled_context(context: OntologyContext) -> CompiledContext:
    """The compiled rules of a closed ontology (computed once per ontology version and process)."""
    if context.fingerprint not in _COMPILED:
        _COMPILED.clear()
        _COMPILED[context.fingerprint] = _compile(context)
    return _COMPILED[context.fingerprint]


def _run_rules(engine: ox.Store, rules: list[Rule], *, union: bool) -> Iterator[ox.Triple]:
    for rule in rules:
        try:
            result = engine.query(rule.sparql, use_default_graph_as_union=union)
        except (SyntaxError, OSError, ValueError) as error:
            raise OntologyLoadError(f"rule does not run: {error}", path=rule.path) from error
        yield from cast(Iterable[ox.Triple], result)


def _as_triple(triple: ox.Triple) -> Triple:
    return cast(Triple, (triple.subject, triple.predicate, triple.object))


def _document_triples(store: Store, documents: Iterable[str], useful: frozenset[ox.NamedNode]) -> list[Triple]:
    """The statements of ``documents`` that a compiled rule can read (texts, quotes and offsets are not)."""
    found: list[Triple] = []
    for doc in documents:
        for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(doc)):
            if quad.predicate in useful:
                found.append(cast(Triple, (quad.subject, quad.predicate, quad.object)))
    return found


def _asserted_anywhere(store: Store, triple: ox.Triple) -> bool:
    inferred = ox.NamedNode(str(GRAPH_INFERRED))
    return any(
        q.graph_name != inferred and not isinstance(q.graph_name, ox.DefaultGraph)  # not the union copy
        for q in store.oxigraph.quads_for_pattern(triple.subject, triple.predicate, triple.object)
    )


@lru_cache(maxsize=64)
def _rule_reads(sparql: str) -> frozenset[ox.NamedNode] | None:
    """The IRIs a rule's WHERE clause mentions (predicates and classes); None when a predicate is a variable."""
    from rdflib.plugins.sparql import prepareQuery

    found: set[ox.NamedNode] = set()
    variable_predicate = _collect_iris(prepareQuery(sparql, initNs=PREFIXES).algebra.get("p"), found)
    return None if variable_predicate else frozenset(found)


def _collect_iris(node: object, found: set[ox.NamedNode]) -> bool:
    """Add the IRIs under a SPARQL algebra node to ``found``; True when a triple pattern's predicate is a variable."""
    from rdflib.paths import Path as PropertyPath
    from rdflib.term import Variable

    variable_predicate = False
    if isinstance(node, URIRef):
        found.add(ox.NamedNode(str(node)))
    elif isinstance(node, PropertyPath):
        for value in vars(node).values():
            variable_predicate |= _collect_iris(value, found)
    elif isinstance(node, dict):
        triples = node.get("triples")
        for triple in triples if isinstance(triples, list) else ():
            if isinstance(triple, tuple) and len(triple) == 3:
                variable_predicate |= isinstance(triple[1], Variable)
        for value in node.values():
            variable_predicate |= _collect_iris(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            variable_predicate |= _collect_iris(value, found)
    return variable_predicate


def _rules_reads(rules: list[Rule]) -> frozenset[ox.NamedNode] | None:
    """What the rules read together (``_rule_reads``), None when one of them may read any predicate."""
    reads: frozenset[ox.NamedNode] | None = frozenset()
    for rule in rules:
        rule_reads = _rule_reads(rule.sparql)
        reads = None if rule_reads is None or reads is None else reads | rule_reads
    return reads


def _distinct(store: Store, predicate: ox.NamedNode) -> set[ox.Triple]:
    """The statements with ``predicate`` in the document and ontology graphs, each once."""
    inferred = ox.NamedNode(str(GRAPH_INFERRED))
    return {
        q.triple
        for q in store.oxigraph.quads_for_pattern(None, predicate, None, None)
        if q.graph_name != inferred and not isinstance(q.graph_name, ox.DefaultGraph)
    }


def _rules_until_stable(
    store: Store,
    compiled: CompiledContext,
    rules: list[Rule],
    facts: Facts,
    errors: set[str],
    engine_for: Callable[[set[ox.Triple]], tuple[ox.Store, bool]],
    found: set[ox.Triple],
) -> None:
    """Run the SPARQL rules, feed what they add to the compiled rules, and again, until nothing is new.

    Another round runs only when the last one gave a triple with a predicate (or class) some rule reads.
    """
    reads = _rules_reads(rules)
    for _round in range(10):
        engine, union = engine_for(found)
        fresh = [
            _as_triple(t)
            for t in set(_run_rules(engine, rules, union=union))
            if not facts.has(*_as_triple(t)) and not _present(store.oxigraph, t)
        ]
        new = [t for t in fresh if facts.add(t)]
        if not new:
            return
        new += saturate(compiled.tbox, facts, new, errors)
        found.update(ox.Triple(*t) for t in new if is_data_level(t, _SCHEMA_NAMESPACES))
        if reads is not None and reads.isdisjoint({t[1] for t in new} | {t[2] for t in new}):
            return


def _full(
    store: Store, compiled: CompiledContext, rules: list[Rule], documents: list[str]
) -> tuple[int, int, set[str]]:
    """Recompute graph/inferred from scratch with the compiled rules; (added, removed, inconsistencies)."""
    errors: set[str] = set()
    facts = MemoryFacts(_as_triple(t) for t in compiled.reference)
    agenda = [t for t in _document_triples(store, documents, compiled.useful) if facts.add(t)]
    derived = saturate(compiled.tbox, facts, agenda, errors)
    del agenda
    found = {ox.Triple(*t) for t in derived if is_data_level(t, _SCHEMA_NAMESPACES)}
    found |= {t for t in compiled.share if not _asserted_anywhere(store, t)}
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    before = {q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, graph)}
    # the SPARQL rules run on the store itself, so graph/inferred first gets what is derived so far (the
    # rules' own earlier conclusions leave it until the rules give them again)
    _write_inferred(store, found, current=before)
    written = set(found)

    def write_new(current: set[ox.Triple]) -> None:
        new = current - written
        if new:
            store.change_graph(graph.value, add=new)
            written.update(new)

    reads = _rules_reads(rules)

    def engine_for(current: set[ox.Triple]) -> tuple[ox.Store, bool]:
        write_new(current)
        if reads is None:  # a rule with a variable predicate may read anything: the store itself
            return store.oxigraph, not store.union_ready
        # Every statement a rule can match, each once. Over the store's union default graph a statement
        # that a thousand documents repeat (a shared post's country, a person's type) is matched once per
        # graph, which made the rules' joins grow with the square of the store.
        engine = ox.Store()
        engine.bulk_extend(ox.Quad(s, p, o) for s, p, o in facts.triples(reads))
        for predicate in reads - compiled.useful:  # read by a rule but by no compiled rule: not in memory
            engine.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in _distinct(store, predicate))
        engine.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in compiled.schema)
        return engine, False

    _rules_until_stable(store, compiled, rules, facts, errors, engine_for, found)
    write_new(found)
    return len(found - before), len(before - found), errors


def _incremental(
    store: Store, compiled: CompiledContext, rules: list[Rule], new_documents: list[str]
) -> tuple[int, int, set[str]]:
    """Add what ``new_documents`` entail, joining them with the store; (added, removed, inconsistencies)."""
    errors: set[str] = set()
    union = ox.DefaultGraph() if store.union_ready else None  # every statement once, or every graph
    facts = StoreFacts(store.oxigraph, compiled.tbox, union)
    agenda = _document_triples(store, new_documents, compiled.useful)
    derived = saturate(compiled.tbox, facts, agenda, errors)
    found = {ox.Triple(*t) for t in derived if is_data_level(t, _SCHEMA_NAMESPACES)}
    nodes: set[Term] = set()
    for doc in new_documents:
        for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(doc)):
            nodes.update(cast(Term, n) for n in (quad.subject, quad.object) if _instance(n))

    reads = _rules_reads(rules)

    def engine_for(current: set[ox.Triple]) -> tuple[ox.Store, bool]:
        nodes.update(cast(Term, n) for t in current for n in (t.subject, t.object) if _instance(n))
        extra = [_as_triple(t) for t in current]
        return neighbourhood(store.oxigraph, nodes, extra, compiled.schema, reads, union), False

    _rules_until_stable(store, compiled, rules, facts, errors, engine_for, found)
    # statements the new documents assert are no longer inferred
    inferred = ox.NamedNode(str(GRAPH_INFERRED))
    now_asserted = {
        t
        for doc in new_documents
        for q in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(doc))
        for t in (q.triple,)
        if any(True for _ in store.oxigraph.quads_for_pattern(t.subject, t.predicate, t.object, inferred))
    }
    removed = _remove_inferred(store, now_asserted)
    added = _add_inferred(store, found)
    return added, removed, errors


def _add_inferred(store: Store, triples: Iterable[ox.Triple]) -> int:
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    new = [
        t
        for t in triples
        if not any(True for _ in store.oxigraph.quads_for_pattern(t.subject, t.predicate, t.object, graph))
    ]
    store.change_graph(graph.value, add=new)
    return len(new)


def _remove_inferred(store: Store, triples: set[ox.Triple]) -> int:
    if not triples:
        return 0
    store.change_graph(str(GRAPH_INFERRED), remove=triples)
    return len(triples)


def reason_store(
    store: Store,
    *,
    rules: list[Rule] | None = None,
    progress: Callable[[str], None] | None = None,
    full: bool = False,
) -> ReasoningResult:
    """Bring https://w3id.org/dipkg/graph/inferred up to date with the store's document graphs.

    With the compiled rules (kg.entailment) when the ontology and the documents allow it: new documents
    are joined with the store incrementally; a changed or removed document, a changed ontology or
    ``full=True`` recompute the graph from scratch. Otherwise owlrl itself, document by document
    (``reason_store_with_owlrl``). Asserted graphs are read, never written. Raises OntologyLoadError when an
    ontology or rule file cannot be used.
    """
    rules = load_rules() if rules is None else rules
    directory = cache_directory(store)
    context = ontology_context(rules, cache_dir=directory)
    compiled = compiled_context(context)
    documents = store.document_graphs()
    journal, consumed = read_journal(directory)
    state = read_state(directory)
    known = set(documents)
    cold = (
        full
        or state is None
        or state.fingerprint != context.fingerprint
        or bool(state.documents - known)  # removed
        or bool(journal & state.documents)  # rewritten
    )
    new_documents = documents if cold else [doc for doc in documents if doc not in state.documents]  # type: ignore[union-attr]
    reason_why = None
    if not compiled.tbox.supported:
        reason_why = "the ontology uses " + ", ".join(compiled.tbox.unsupported)
    else:
        reason_why = store_needs_owlrl(store.oxigraph, {ox.NamedNode(d) for d in new_documents})
    if reason_why is not None:
        forget_state(directory)
        result = reason_store_with_owlrl(store, rules=rules, progress=progress)
        clear_journal(directory, consumed)
        return replace(result, method=f"owlrl per document: {reason_why}")
    if cold:
        method = "compiled, from scratch"
        added, removed, errors = _full(store, compiled, rules, documents)
    elif new_documents:
        method = "compiled, incremental"
        added, removed, errors = _incremental(store, compiled, rules, new_documents)
    else:
        method = "nothing to do"
        added, removed, errors = 0, 0, set()
    errors |= set(context.errors)
    if not cold:
        errors |= set(_read_errors(directory))
    write_state(directory, State(context.fingerprint, known))
    _write_errors(directory, errors)
    clear_journal(directory, consumed)
    if progress is not None:
        for doc in new_documents:
            progress(doc)
    return ReasoningResult(
        inferred_triples=store.count(GRAPH_INFERRED),
        inconsistent=sorted(errors),
        documents=len(documents),
        reasoned=list(new_documents),
        cross_document_triples=0,
        added=added,
        removed=removed,
        method=method,
    )


_ERRORS_FILE = "inconsistencies.json"


def _read_errors(directory: Path) -> list[str]:
    try:
        value = json.loads((directory / _ERRORS_FILE).read_text(encoding="utf-8"))
        return [str(v) for v in value] if isinstance(value, list) else []
    except (OSError, ValueError):
        return []


def _write_errors(directory: Path, errors: set[str]) -> None:
    temporary = directory / (_ERRORS_FILE + ".tmp")
    temporary.write_text(json.dumps(sorted(errors)), encoding="utf-8")
    os.replace(temporary, directory / _ERRORS_FILE)
