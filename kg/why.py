"""Why is a triple in the graph? The rule and asserted triples behind an inferred one, the evidence of an asserted one.

``explain(store, s, p, o)`` looks the triple up in the store. An asserted triple is explained by the
document graphs that state it and by the sentences they were read from (``dip:evidence`` →
``oa:Annotation`` → target → the quote and the character offsets). An inferred triple (one in
https://w3id.org/dipkg/graph/inferred) is explained by the rule that derives it, either a rule file of
``ontology/rules`` or an OWL 2 RL rule applied to an axiom of the ontology, and by the premises the rule
used, each explained in turn down to asserted triples and their evidence.

Terms are full IRIs (``https://…``, ``<…>``), prefixed names with the project's prefixes (``dip:metWith``,
``rdf:type``, ``a``), ``dipid:`` shorthand with slashes (``dipid:person/kenji-tanaka``), or literals
in Turtle form (``"2022-05-01"^^xsd:date``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Literal, URIRef
from rdflib.namespace import SKOS, XSD, NamespaceManager
from rdflib.paths import Path as RDFPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable
from rdflib.util import from_n3

from kg.errors import InputError
from kg.reason import Rule, literal_to_ox, load_rules
from kg.store import Store
from kg.validate import compact
from kg.vocab import DIP, GRAPH_INFERRED, PREFIXES

Triple = tuple[Node, Node, Node]
MAX_DERIVATIONS = 5  # shown for the triple asked about; premises get their first one
MAX_DEPTH = 4
MAX_COUNTED = 50  # derivations counted for "... and N more"


# -- reading terms ----------------------------------------------------------------------------------------
def parse_term(text: str) -> Node:
    """An RDF term from what a user types: an IRI, a prefixed name, ``a``, or a Turtle literal.

    >>> parse_term("dipid:person/kenji-tanaka")
    rdflib.term.URIRef('https://w3id.org/dipkg/id/person/kenji-tanaka')
    >>> parse_term("a") == RDF.type, parse_term("<https://example.org/x>")
    (True, rdflib.term.URIRef('https://example.org/x'))
    """
    token = text.strip()
    if token == "a":
        return RDF.type
    if token.startswith("<") and token.endswith(">"):
        return URIRef(token[1:-1])
    if re.match(r"^[a-z][a-z0-9+.-]*://", token, re.IGNORECASE) or token.startswith("urn:"):
        return URIRef(token)
    if token.startswith(('"', "'")):
        manager = NamespaceManager(_graph_with_prefixes())
        try:
            term = from_n3(token, nsm=manager)
        except Exception as error:  # from_n3 raises several types
            raise InputError(f"cannot read {token!r} as a literal: {error}") from error
        if isinstance(term, Literal):
            return term
    prefix, colon, local = token.partition(":")
    if colon and prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    raise InputError(
        f"cannot read {token!r} as an RDF term: write a full IRI, <IRI>, a prefixed name "
        f"({', '.join(sorted(PREFIXES))}), 'a', or a quoted literal"
    )


def _graph_with_prefixes() -> Any:
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


# -- the answer ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """A sentence a statement was read from."""

    annotation: str
    document: str
    start: int | None
    end: int | None
    quote: str


@dataclass
class Derivation:
    """One way a rule derives the triple: which rule, from which axioms, from which premises."""

    rule: str  # an OWL 2 RL rule name (prp-inv1 ...) or "rule file ontology/rules/<name>.rq"
    says: str  # what the rule does, in words
    axioms: list[Triple] = field(default_factory=list)  # ontology statements the rule applied
    premises: list[Explanation] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # premises that are paths or filters, as text


@dataclass
class Explanation:
    """Why ``triple`` is in the store; ``str()`` renders it for reading."""

    triple: Triple
    asserted_in: list[str] = field(default_factory=list)  # document graphs (or the ontology graph)
    inferred: bool = False
    derivations: list[Derivation] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    more: int = 0  # derivations found but not shown
    labels: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def asserted(self) -> bool:
        return bool(self.asserted_in)

    def lines(self, indent: str = "") -> list[str]:
        """The explanation as indented lines of text."""
        out = [indent + self._statement(self.triple)]
        inner = indent + "  "
        if self.asserted_in:
            shown = ", ".join(compact(URIRef(graph)) for graph in self.asserted_in[:3])
            rest = len(self.asserted_in) - 3
            out.append(f"{inner}asserted in {shown}" + (f" and {rest} more graphs" if rest > 0 else ""))
        for item in self.evidence:
            where = f"{compact(URIRef(item.document))} [{item.start}:{item.end}]" if item.start is not None else ""
            out.append(f'{inner}evidence {where}: "{item.quote}"')
        if self.inferred:
            out.append(f"{inner}inferred (in {GRAPH_INFERRED})")
        for number, derivation in enumerate(self.derivations, 1):
            count = (
                f" ({number} of {len(self.derivations) + self.more})" if len(self.derivations) + self.more > 1 else ""
            )
            out.append(f"{inner}by {derivation.rule}{count}: {derivation.says}")
            for axiom in derivation.axioms:
                out.append(f"{inner}  axiom: {self._statement(axiom)}")
            if derivation.premises or derivation.conditions:
                out.append(f"{inner}  because:")
            for premise in derivation.premises:
                out.extend(premise.lines(inner + "    "))
            for condition in derivation.conditions:
                out.append(f"{inner}    {condition}")
        if self.more:
            out.append(f"{inner}... and {self.more} more derivation" + ("s" if self.more > 1 else ""))
        return out

    def _name(self, node: Node) -> str:
        label = self.labels.get(str(node))
        return f"{label} [{compact(node)}]" if label else compact(node)

    def _statement(self, triple: Triple) -> str:
        s, p, o = triple
        return f"{self._name(s)}  {compact(p)}  {self._name(o)}"

    def __str__(self) -> str:
        return "\n".join(self.lines())


# -- looking things up ------------------------------------------------------------------------------------
def _ox(term: Any) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):  # blank nodes come back as they were
        return term
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        return literal_to_ox(term)
    raise InputError(f"cannot look up {term!r}: only IRIs and literals can be named")


def _rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return cast(Node, term)


def _distinct(nodes: Iterator[Node]) -> list[Node]:
    return sorted(set(nodes), key=str)


class _Lookup:
    """Read-only questions to the store."""

    def __init__(self, store: Store) -> None:
        self.store = store.oxigraph
        self.dataset = store.dataset()
        self.labels: dict[str, str] = {}
        self.inferred_graph = ox.NamedNode(str(GRAPH_INFERRED))

    def graphs(self, triple: Triple) -> list[str]:
        s, p, o = (_ox(t) for t in triple)
        if isinstance(s, ox.Literal):
            return []
        return sorted(
            {
                quad.graph_name.value
                for quad in self.store.quads_for_pattern(s, cast(ox.NamedNode, p), o, None)
                if isinstance(quad.graph_name, ox.NamedNode)
            }
        )

    def holds(self, triple: Triple) -> bool:
        return bool(self.graphs(triple))

    def select(self, sparql: str, **bindings: Node) -> list[dict[str, Node]]:
        if bindings:
            names = " ".join(f"?{name}" for name in bindings)
            values = " ".join(str(_ox(term)) for term in bindings.values())
            sparql = f"{sparql}\nVALUES ({names}) {{ ({values}) }}"
        result = self.store.query(sparql, prefixes=PREFIXES, **self.dataset)
        rows = []
        for solution in cast(ox.QuerySolutions, result):
            row = {}
            for variable in cast(ox.QuerySolutions, result).variables:
                value = solution[variable]
                if value is not None:
                    row[variable.value] = _rdflib(value)
            rows.append(row)
        return rows

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """Distinct objects over every graph, in a stable order."""
        quads = self.store.quads_for_pattern(_ox(subject), _ox(predicate), None, None)  # type: ignore[arg-type]
        return _distinct(_rdflib(q.object) for q in quads)

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        """Distinct subjects over every graph, in a stable order."""
        quads = self.store.quads_for_pattern(None, _ox(predicate), _ox(obj), None)  # type: ignore[arg-type]
        return _distinct(_rdflib(q.subject) for q in quads)

    def label(self, node: Node) -> None:
        if not isinstance(node, URIRef) or str(node) in self.labels:
            return
        for predicate in (RDFS.label, SKOS.prefLabel):
            found = self.objects(node, predicate)
            if found:
                self.labels[str(node)] = str(sorted(found, key=str)[0])
                return

    def evidence(self, triple: Triple, graphs: list[str]) -> list[Evidence]:
        """The sentences behind an asserted statement: of the node that records it, else of its subject."""
        s, p, o = triple
        holders: list[Node] = []
        if p == DIP.participant:
            holders = self._recorders(s, DIP.participation, DIP.agent, o)
        elif p == DIP.participatedIn:
            holders = self._recorders(o, DIP.participation, DIP.agent, s)
        elif p == DIP.holdsPost:
            holders = [h for h in self.subjects(DIP.holder, s) if o in self.objects(h, DIP.post)]
        found: list[Evidence] = []
        # the nodes that record the statement itself first; the subject's own evidence only without them
        for holder in [*holders, None, s]:
            if holder is None:
                if found:
                    break
                continue
            for row in self.select(
                """SELECT ?annotation ?document ?start ?end ?exact WHERE {
                    ?holder dip:evidence ?annotation .
                    ?annotation oa:hasTarget ?target .
                    ?target oa:hasSource ?document ; oa:hasSelector ?quote .
                    ?quote oa:exact ?exact .
                    OPTIONAL { ?target oa:hasSelector ?position . ?position oa:start ?start ; oa:end ?end }
                } ORDER BY ?document ?start""",
                holder=holder,
            ):
                document = str(row["document"])
                start, end = row.get("start"), row.get("end")
                item = Evidence(
                    str(row["annotation"]),
                    document,
                    int(cast(Literal, start).toPython()) if start is not None else None,
                    int(cast(Literal, end).toPython()) if end is not None else None,
                    str(row["exact"]),
                )
                if item not in found:
                    found.append(item)
        # the sentences of the documents that assert the statement come first
        return sorted(found, key=lambda item: (item.document not in graphs, item.document, item.start or 0))

    def _recorders(self, owner: Node, link: Node, agent_property: Node, agent: Node) -> list[Node]:
        return [n for n in self.objects(owner, link) if agent in self.objects(n, agent_property)]


# -- rules --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _RuleQuery:
    rule: Rule
    template: list[Triple]
    patterns: list[tuple[Node, Any, Node]]  # the WHERE's triple patterns (predicates may be paths)
    select: str  # the WHERE as SELECT *


def _patterns(node: Any) -> Iterator[tuple[Node, Any, Node]]:
    if isinstance(node, CompValue):
        if node.name == "BGP":
            yield from node["triples"]
            return
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def _rule_queries(rules: list[Rule]) -> list[_RuleQuery]:
    queries = []
    for rule in rules:
        algebra = prepareQuery(rule.sparql).algebra
        text = rule.sparql
        start = text.upper().index("CONSTRUCT")
        opening = text.index("{", start)
        depth, position = 0, opening
        for position in range(opening, len(text)):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            if depth == 0:
                break
        select = text[:start] + "SELECT *" + text[position + 1 :]
        queries.append(_RuleQuery(rule, list(algebra["template"]), list(_patterns(algebra["p"])), select))
    return queries


def _unify(pattern: Triple, triple: Triple) -> dict[str, Node] | None:
    bindings: dict[str, Node] = {}
    for part, value in zip(pattern, triple, strict=True):
        if isinstance(part, Variable):
            if bindings.get(str(part), value) != value:
                return None
            bindings[str(part)] = value
        elif part != value:
            return None
    return bindings


def _path_text(predicate: Any) -> str:
    if isinstance(predicate, RDFPath):
        return str(predicate.n3(_graph_with_prefixes().namespace_manager))
    return compact(predicate)


# -- the explainer ----------------------------------------------------------------------------------------
class _Explainer:
    def __init__(self, store: Store, rules: list[Rule]) -> None:
        self.look = _Lookup(store)
        self.rules = _rule_queries(rules)

    def explain(self, triple: Triple, depth: int = 0, seen: frozenset[Triple] = frozenset()) -> Explanation:
        for term in triple:
            self.look.label(term)
        graphs = self.look.graphs(triple)
        asserted = [g for g in graphs if g != str(GRAPH_INFERRED)]
        explanation = Explanation(triple, asserted, str(GRAPH_INFERRED) in graphs, labels=self.look.labels)
        if asserted:
            explanation.evidence = self.look.evidence(triple, asserted)
            return explanation
        if depth >= MAX_DEPTH or not explanation.inferred:
            return explanation
        # the triple asked about gets several derivations and a count of the rest; a premise gets its first
        limit = MAX_DERIVATIONS if depth == 0 else 1
        found = 0
        for derivation in self._derivations(triple, seen | {triple}, depth):
            found += 1
            if found <= limit:
                explanation.derivations.append(derivation)
            elif depth > 0 or found > MAX_COUNTED:
                break
        explanation.more = max(0, found - limit) if depth == 0 else 0
        return explanation

    def _premise(self, triple: Triple, seen: frozenset[Triple], depth: int) -> Explanation | None:
        if triple in seen or not self.look.holds(triple):
            return None
        return self.explain(triple, depth + 1, seen)

    def _derive(
        self, rule: str, says: str, axioms: list[Triple], premises: list[Triple], seen: frozenset[Triple], depth: int
    ) -> Derivation | None:
        explained = []
        for premise in premises:
            item = self._premise(premise, seen, depth)
            if item is None:
                return None
            explained.append(item)
        for axiom in axioms:
            for term in axiom:
                self.look.label(term)
        return Derivation(rule, says, axioms, explained)

    def _derivations(self, triple: Triple, seen: frozenset[Triple], depth: int) -> Iterator[Derivation]:
        yield from self._by_rule_files(triple, seen, depth)
        yield from self._by_owl(triple, seen, depth)

    def _by_rule_files(self, triple: Triple, seen: frozenset[Triple], depth: int) -> Iterator[Derivation]:
        for query in self.rules:
            for template in query.template:
                bindings = _unify(template, triple)
                if bindings is None:
                    continue
                done: set[tuple[Triple, ...]] = set()
                for row in self.look.select(query.select, **bindings):
                    values: dict[str, Node] = {**row, **bindings}
                    premises: list[Triple] = []
                    conditions: list[str] = []
                    for s, p, o in query.patterns:
                        subject = values.get(str(s), s) if isinstance(s, Variable) else s
                        obj = values.get(str(o), o) if isinstance(o, Variable) else o
                        if (
                            isinstance(p, URIRef)
                            and not isinstance(subject, Variable)
                            and not isinstance(obj, Variable)
                        ):
                            premises.append((subject, p, obj))
                        else:
                            for term in (subject, obj):
                                self.look.label(term)
                            conditions.append(
                                f"{self._name(subject)}  {_path_text(p)}  {self._name(obj)}   (holds in the store)"
                            )
                    if tuple(premises) in done:  # paths give one row per way they hold
                        continue
                    done.add(tuple(premises))
                    derivation = self._derive(
                        f"rule file {query.rule.path.parent.parent.name}/{query.rule.path.parent.name}/"
                        f"{query.rule.path.name}",
                        query.rule.infers,
                        [],
                        premises,
                        seen,
                        depth,
                    )
                    if derivation is not None:
                        derivation.conditions = conditions
                        yield derivation

    def _name(self, node: Node) -> str:
        label = self.look.labels.get(str(node))
        return f"{label} [{compact(node)}]" if label else compact(node)

    def _by_owl(self, triple: Triple, seen: frozenset[Triple], depth: int) -> Iterator[Derivation]:
        s, p, o = triple
        look = self.look
        # prp-inv1/2: p is the inverse of q, and o q s holds
        for q in {*look.objects(p, OWL.inverseOf), *look.subjects(OWL.inverseOf, p)}:
            axiom = (p, OWL.inverseOf, q) if q in look.objects(p, OWL.inverseOf) else (q, OWL.inverseOf, p)
            found = self._derive(
                "OWL RL prp-inv", "a property's inverse holds in the other direction", [axiom], [(o, q, s)], seen, depth
            )
            if found:
                yield found
        # prp-symp: p is symmetric
        if OWL.SymmetricProperty in look.objects(p, RDF.type):
            found = self._derive(
                "OWL RL prp-symp",
                "a symmetric property holds both ways",
                [(p, RDF.type, OWL.SymmetricProperty)],
                [(o, p, s)],
                seen,
                depth,
            )
            if found:
                yield found
        # prp-spo1: a sub-property holds
        for q in look.subjects(RDFS.subPropertyOf, p):
            if q != p:
                found = self._derive(
                    "OWL RL prp-spo1",
                    "what a sub-property says, its super-property says too",
                    [(q, RDFS.subPropertyOf, p)],
                    [(s, q, o)],
                    seen,
                    depth,
                )
                if found:
                    yield found
        # prp-spo2: a property chain
        for chain in look.objects(p, OWL.propertyChainAxiom):
            members = self._list(chain)
            if len(members) == 2:
                for middle in look.objects(s, members[0]):
                    if look.holds((middle, members[1], o)):
                        found = self._derive(
                            "OWL RL prp-spo2",
                            f"{compact(p)} is the property chain {' then '.join(map(compact, members))} "
                            "(owl:propertyChainAxiom)",
                            [],
                            [(s, members[0], middle), (middle, members[1], o)],
                            seen,
                            depth,
                        )
                        if found:
                            yield found
        # prp-trp: a transitive property
        if OWL.TransitiveProperty in look.objects(p, RDF.type):
            for middle in look.objects(s, p):
                if middle != o and look.holds((middle, p, o)):
                    found = self._derive(
                        "OWL RL prp-trp",
                        "a transitive property carries over",
                        [(p, RDF.type, OWL.TransitiveProperty)],
                        [(s, p, middle), (middle, p, o)],
                        seen,
                        depth,
                    )
                    if found:
                        yield found
        # eq-sym, eq-rep-s, eq-rep-o: sameAs
        if p == OWL.sameAs:
            found = self._derive("OWL RL eq-sym", "owl:sameAs holds both ways", [], [(o, p, s)], seen, depth)
            if found:
                yield found
        for other in {*look.objects(s, OWL.sameAs), *look.subjects(OWL.sameAs, s)} - {s}:
            found = self._derive(
                "OWL RL eq-rep-s",
                "what holds of a node holds of the same node",
                [],
                [self._same(other, s), (other, p, o)],
                seen,
                depth,
            )
            if found:
                yield found
        equal_objects = (
            set() if isinstance(o, Literal) else {*look.objects(o, OWL.sameAs), *look.subjects(OWL.sameAs, o)}
        )
        for other in equal_objects - {o}:
            found = self._derive(
                "OWL RL eq-rep-o",
                "what holds of a node holds of the same node",
                [],
                [self._same(other, o), (s, p, other)],
                seen,
                depth,
            )
            if found:
                yield found
        if p == RDF.type:
            yield from self._types(s, o, seen, depth)

    def _same(self, one: Node, other: Node) -> Triple:
        """The owl:sameAs statement linking the two nodes, the asserted direction first."""
        forward, backward = (one, OWL.sameAs, other), (other, OWL.sameAs, one)
        if any(g != str(GRAPH_INFERRED) for g in self.look.graphs(forward)):
            return forward
        if any(g != str(GRAPH_INFERRED) for g in self.look.graphs(backward)):
            return backward
        return forward if self.look.holds(forward) else backward

    def _types(self, s: Node, cls: Node, seen: frozenset[Triple], depth: int) -> Iterator[Derivation]:
        look = self.look
        # cax-sco: s has a subclass type
        for sub in look.subjects(RDFS.subClassOf, cls):
            if isinstance(sub, URIRef) and sub != cls:
                found = self._derive(
                    "OWL RL cax-sco",
                    "a member of a class is a member of its superclasses",
                    [(sub, RDFS.subClassOf, cls)],
                    [(s, RDF.type, sub)],
                    seen,
                    depth,
                )
                if found:
                    yield found
        # prp-dom / prp-rng
        for prop in look.subjects(RDFS.domain, cls):
            for value in look.objects(s, prop)[:1]:
                found = self._derive(
                    "OWL RL prp-dom",
                    "the subject of a property belongs to its domain",
                    [(prop, RDFS.domain, cls)],
                    [(s, prop, value)],
                    seen,
                    depth,
                )
                if found:
                    yield found
        for prop in look.subjects(RDFS.range, cls):
            for value in look.subjects(prop, s)[:1]:
                found = self._derive(
                    "OWL RL prp-rng",
                    "the object of a property belongs to its range",
                    [(prop, RDFS.range, cls)],
                    [(value, prop, s)],
                    seen,
                    depth,
                )
                if found:
                    yield found
        # cls-svf1 then cax-sco: "holds some post of this kind" restrictions
        for restriction in look.subjects(RDFS.subClassOf, cls):
            if isinstance(restriction, URIRef):
                continue
            properties = look.objects(restriction, OWL.onProperty)
            fillers = look.objects(restriction, OWL.someValuesFrom)
            for prop in properties:
                for filler in fillers:
                    for value in look.objects(s, prop):
                        if look.holds((value, RDF.type, filler)):
                            found = self._derive(
                                "OWL RL cls-svf1 + cax-sco",
                                f"whatever has some {compact(prop)} that is a {compact(filler)} is a {compact(cls)}",
                                [],
                                [(s, prop, value), (value, RDF.type, filler)],
                                seen,
                                depth,
                            )
                            if found:
                                yield found

    def _list(self, head: Node) -> list[Node]:
        members = []
        while head != RDF.nil:
            first = self.look.objects(head, RDF.first)
            rest = self.look.objects(head, RDF.rest)
            if not first or not rest:
                break
            members.append(first[0])
            head = rest[0]
        return members


def explain(store: Store, subject: Node | str, predicate: Node | str, obj: Node | str) -> Explanation:
    """Why the triple (subject, predicate, obj) is in the store.

    Terms may be rdflib terms or text as ``parse_term`` reads it. Raises InputError when a term cannot be
    read or the triple is in no graph of the store.
    """
    triple = tuple(t if isinstance(t, Node) else parse_term(t) for t in (subject, predicate, obj))
    s, p, o = triple
    if not isinstance(p, URIRef) or isinstance(s, Literal):
        raise InputError("the predicate must be an IRI and the subject an IRI")
    explainer = _Explainer(store, load_rules())
    if not explainer.look.holds((s, p, o)):
        raise InputError(
            f"the triple {compact(s)} {compact(p)} {compact(o)} is not in the store (neither asserted nor "
            "inferred); check the terms, or run `kg reason` if it should be inferred"
        )
    return explainer.explain((s, p, o))
