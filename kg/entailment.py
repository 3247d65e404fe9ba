"""What a closed OWL RL TBox entails about data, compiled into rules and applied by forward chaining.

owlrl is slow on data because every cycle walks every triple. But once the ontology (the TBox) is closed,
each OWL 2 RL rule that concludes something about instances reads a handful of schema facts that no
longer change: ``C rdfs:subClassOf D`` (cax-sco), ``p rdfs:domain C`` (prp-dom), ``p owl:inverseOf q``
(prp-inv), a property chain (prp-spo2) ... ``compile_tbox`` turns those schema facts into lookup tables,
and ``saturate`` applies them to data triples one at a time (semi-naive: each new triple is joined once
with what is already known), which needs no further pass over the data.

What it covers: cax-sco, cax-eqc, prp-dom, prp-rng, prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp,
prp-spo2, cls-svf1/2, cls-avf, cls-hv1/2, cls-int1/2, cls-uni, and the inconsistency rules cax-dw,
cls-nothing2, cls-com, prp-irp, prp-asyp and prp-pdw. Rules that make two nodes equal (owl:sameAs from
functional or inverse functional properties, max cardinality, keys) are not compiled: ``unsupported``
names them, and ``kg.reason`` then uses owlrl itself. ``bench/reasoning.py`` checks the result against
owlrl over the whole union.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Subject = ox.NamedNode | ox.BlankNode
Triple = tuple[Subject, ox.NamedNode, Term]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"


def _rdf(name: str) -> ox.NamedNode:
    return ox.NamedNode(_RDF + name)


def _rdfs(name: str) -> ox.NamedNode:
    return ox.NamedNode(_RDFS + name)


def _owl(name: str) -> ox.NamedNode:
    return ox.NamedNode(_OWL + name)


TYPE = _rdf("type")
_FIRST, _REST, _NIL = _rdf("first"), _rdf("rest"), _rdf("nil")
THING, NOTHING, RESOURCE = _owl("Thing"), _owl("Nothing"), _rdfs("Resource")
_TRIVIAL_CLASSES = {THING, RESOURCE, _owl("NamedIndividual"), _rdfs("Class"), _owl("Class")}

# Schema constructs whose rules make nodes equal or need equality reasoning: owlrl handles those.
_EQUALITY_TYPES: dict[Term, str] = {
    _owl("FunctionalProperty"): "owl:FunctionalProperty (prp-fp)",
    _owl("InverseFunctionalProperty"): "owl:InverseFunctionalProperty (prp-ifp)",
}
_EQUALITY_PREDICATES = {
    _owl("maxCardinality"): "owl:maxCardinality (cls-maxc2)",
    _owl("maxQualifiedCardinality"): "owl:maxQualifiedCardinality (cls-maxqc)",
    _owl("cardinality"): "owl:cardinality",
    _owl("qualifiedCardinality"): "owl:qualifiedCardinality",
    _owl("hasKey"): "owl:hasKey (prp-key)",
    _owl("sameAs"): "owl:sameAs",
}


class Facts(Protocol):
    """What ``saturate`` reads and extends: every triple known so far, asserted or derived."""

    def has(self, s: Term, p: ox.NamedNode, o: Term) -> bool: ...

    def objects(self, s: Term, p: ox.NamedNode) -> Iterable[Term]: ...

    def subjects(self, p: ox.NamedNode, o: Term) -> Iterable[Term]: ...

    def add(self, triple: Triple) -> bool:
        """Record a derived triple; False when it was known already."""
        ...


class MemoryFacts:
    """Facts held in two Python indexes (subject-predicate and predicate-object)."""

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        self._sp: dict[tuple[Term, ox.NamedNode], set[Term]] = {}
        self._po: dict[tuple[ox.NamedNode, Term], set[Term]] = {}
        self.size = 0
        for triple in triples:
            self.add(triple)

    def has(self, s: Term, p: ox.NamedNode, o: Term) -> bool:
        found = self._sp.get((s, p))
        return found is not None and o in found

    def objects(self, s: Term, p: ox.NamedNode) -> Iterable[Term]:
        return tuple(self._sp.get((s, p), ()))

    def subjects(self, p: ox.NamedNode, o: Term) -> Iterable[Term]:
        return tuple(self._po.get((p, o), ()))

    def triples(self, predicates: Iterable[ox.NamedNode] | None = None) -> Iterator[Triple]:
        """Every triple held (with one of ``predicates`` when given), each once."""
        wanted = None if predicates is None else set(predicates)
        for (s, p), objects in self._sp.items():
            if wanted is None or p in wanted:
                for o in objects:
                    yield s, p, o  # type: ignore[misc]

    def add(self, triple: Triple) -> bool:
        s, p, o = triple
        objects = self._sp.setdefault((s, p), set())
        if o in objects:
            return False
        objects.add(o)
        self._po.setdefault((p, o), set()).add(s)
        self.size += 1
        return True


@dataclass
class CompiledTBox:
    """The schema facts each data rule reads, indexed by the class or property that triggers it."""

    super_classes: dict[Term, set[Term]] = field(default_factory=dict)  # cax-sco, cax-eqc
    super_properties: dict[Term, set[ox.NamedNode]] = field(default_factory=dict)  # prp-spo1, prp-eqp
    domains: dict[Term, set[Term]] = field(default_factory=dict)
    ranges: dict[Term, set[Term]] = field(default_factory=dict)
    inverses: dict[Term, set[ox.NamedNode]] = field(default_factory=dict)
    symmetric: set[Term] = field(default_factory=set)
    transitive: set[Term] = field(default_factory=set)
    # prp-spo2: member property -> (chain property, chain, position of the member)
    chains: dict[Term, list[tuple[ox.NamedNode, tuple[ox.NamedNode, ...], int]]] = field(default_factory=dict)
    svf_by_property: dict[Term, list[tuple[Term, Term]]] = field(default_factory=dict)  # p -> (R, filler)
    svf_by_filler: dict[Term, list[tuple[Term, ox.NamedNode]]] = field(default_factory=dict)  # D -> (R, p)
    avf_by_class: dict[Term, list[tuple[ox.NamedNode, Term]]] = field(default_factory=dict)  # R -> (p, D)
    avf_by_property: dict[Term, list[tuple[Term, Term]]] = field(default_factory=dict)  # p -> (R, D)
    has_value_by_class: dict[Term, list[tuple[ox.NamedNode, Term]]] = field(default_factory=dict)  # R -> (p, v)
    has_value_by_pair: dict[tuple[Term, Term], set[Term]] = field(default_factory=dict)  # (p, v) -> R
    intersections: dict[Term, list[tuple[Term, tuple[Term, ...]]]] = field(default_factory=dict)  # member -> (C, all)
    intersection_members: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # C -> members (cls-int2)
    unions: dict[Term, set[Term]] = field(default_factory=dict)  # member -> union classes
    # class -> (other class, the pair in the axiom's order): inconsistency when a node has both
    disjoint: dict[Term, set[tuple[Term, Term, Term]]] = field(default_factory=dict)
    complements: dict[Term, set[tuple[Term, Term, Term]]] = field(default_factory=dict)
    irreflexive: set[Term] = field(default_factory=set)
    asymmetric: set[Term] = field(default_factory=set)
    disjoint_properties: dict[Term, set[tuple[Term, Term, Term]]] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return not self.unsupported


class _Schema:
    """Lookups over the TBox triples, for compiling."""

    def __init__(self, triples: Iterable[tuple[Term, ox.NamedNode, Term]]) -> None:
        self.by_predicate: dict[ox.NamedNode, list[tuple[Term, Term]]] = {}
        self.sp: dict[tuple[Term, ox.NamedNode], list[Term]] = {}
        for s, p, o in triples:
            self.by_predicate.setdefault(p, []).append((s, o))
            self.sp.setdefault((s, p), []).append(o)

    def pairs(self, predicate: ox.NamedNode) -> list[tuple[Term, Term]]:
        return self.by_predicate.get(predicate, [])

    def value(self, subject: Term, predicate: ox.NamedNode) -> Term | None:
        found = self.sp.get((subject, predicate))
        return found[0] if found else None

    def members(self, head: Term | None) -> tuple[Term, ...]:
        items: list[Term] = []
        seen: set[Term] = set()
        while head is not None and head != _NIL and head not in seen:
            seen.add(head)
            first = self.value(head, _FIRST)
            if first is not None:
                items.append(first)
            head = self.value(head, _REST)
        return tuple(items)


def _named(term: Term) -> ox.NamedNode | None:
    return term if isinstance(term, ox.NamedNode) else None


def compile_tbox(triples: Iterable[tuple[Term, ox.NamedNode, Term]]) -> CompiledTBox:
    """Index the schema statements of a closed TBox by what triggers each data rule.

    >>> dip = "https://w3id.org/dipkg/ontology#"
    >>> tbox = compile_tbox([(ox.NamedNode(dip + "Minister"), _rdfs("subClassOf"), ox.NamedNode(dip + "Person"))])
    >>> [c.value for c in tbox.super_classes[ox.NamedNode(dip + "Minister")]]
    ['https://w3id.org/dipkg/ontology#Person']
    """
    schema = _Schema(triples)
    tbox = CompiledTBox()

    def link(table: dict[Term, set[Term]], key: Term, value: Term) -> None:
        if key != value:
            table.setdefault(key, set()).add(value)

    for sub, sup in schema.pairs(_rdfs("subClassOf")):
        if sup not in _TRIVIAL_CLASSES:
            link(tbox.super_classes, sub, sup)
    for one, other in schema.pairs(_owl("equivalentClass")):
        for a, b in ((one, other), (other, one)):
            if b not in _TRIVIAL_CLASSES:
                link(tbox.super_classes, a, b)
    for sub, sup in schema.pairs(_rdfs("subPropertyOf")):
        if isinstance(sup, ox.NamedNode) and sub != sup:
            tbox.super_properties.setdefault(sub, set()).add(sup)
    for one, other in schema.pairs(_owl("equivalentProperty")):
        for a, b in ((one, other), (other, one)):
            if isinstance(b, ox.NamedNode) and a != b:
                tbox.super_properties.setdefault(a, set()).add(b)
    for prop, cls in schema.pairs(_rdfs("domain")):
        if cls not in _TRIVIAL_CLASSES:
            tbox.domains.setdefault(prop, set()).add(cls)
    for prop, cls in schema.pairs(_rdfs("range")):
        if cls not in _TRIVIAL_CLASSES:
            tbox.ranges.setdefault(prop, set()).add(cls)
    for one, other in schema.pairs(_owl("inverseOf")):
        if isinstance(one, ox.NamedNode) and isinstance(other, ox.NamedNode):
            tbox.inverses.setdefault(one, set()).add(other)
            tbox.inverses.setdefault(other, set()).add(one)
    for prop, kind in schema.pairs(TYPE):
        if kind == _owl("SymmetricProperty"):
            tbox.symmetric.add(prop)
        elif kind == _owl("TransitiveProperty"):
            tbox.transitive.add(prop)
        elif kind == _owl("IrreflexiveProperty"):
            tbox.irreflexive.add(prop)
        elif kind == _owl("AsymmetricProperty"):
            tbox.asymmetric.add(prop)
        elif kind in _EQUALITY_TYPES:
            tbox.unsupported.append(_EQUALITY_TYPES[kind])
    for predicate, name in _EQUALITY_PREDICATES.items():
        if schema.pairs(predicate):
            tbox.unsupported.append(name)
    for prop, head in schema.pairs(_owl("propertyChainAxiom")):
        chain = tuple(m for m in schema.members(head) if isinstance(m, ox.NamedNode))
        if isinstance(prop, ox.NamedNode) and chain:
            for position, member in enumerate(chain):
                tbox.chains.setdefault(member, []).append((prop, chain, position))
    for restriction, prop in schema.pairs(_owl("onProperty")):
        if not isinstance(prop, ox.NamedNode):
            tbox.unsupported.append("a restriction on an inverse property expression")
            continue
        filler = schema.value(restriction, _owl("someValuesFrom"))
        if filler is not None:
            tbox.svf_by_property.setdefault(prop, []).append((restriction, filler))
            tbox.svf_by_filler.setdefault(filler, []).append((restriction, prop))
        filler = schema.value(restriction, _owl("allValuesFrom"))
        if filler is not None:
            tbox.avf_by_class.setdefault(restriction, []).append((prop, filler))
            tbox.avf_by_property.setdefault(prop, []).append((restriction, filler))
        value = schema.value(restriction, _owl("hasValue"))
        if value is not None:
            tbox.has_value_by_class.setdefault(restriction, []).append((prop, value))
            tbox.has_value_by_pair.setdefault((prop, value), set()).add(restriction)
    for intersection, head in schema.pairs(_owl("intersectionOf")):
        members = schema.members(head)
        tbox.intersection_members[intersection] = members
        for part in members:
            tbox.intersections.setdefault(part, []).append((intersection, members))
    for union, head in schema.pairs(_owl("unionOf")):
        for part in schema.members(head):
            tbox.unions.setdefault(part, set()).add(union)

    def pair(table: dict[Term, set[tuple[Term, Term, Term]]], first: Term, second: Term) -> None:
        if first != second:
            table.setdefault(first, set()).add((second, first, second))
            table.setdefault(second, set()).add((first, first, second))

    for one, other in schema.pairs(_owl("disjointWith")):
        pair(tbox.disjoint, one, other)
    for group, head in schema.pairs(_owl("members")):
        if _owl("AllDisjointClasses") in schema.sp.get((group, TYPE), []):
            members = schema.members(head)
            for index, one in enumerate(members):
                for other in members[index + 1 :]:
                    pair(tbox.disjoint, one, other)
    for one, other in schema.pairs(_owl("complementOf")):
        pair(tbox.complements, one, other)
    for one, other in schema.pairs(_owl("propertyDisjointWith")):
        pair(tbox.disjoint_properties, one, other)
    return tbox


def _text(term: Term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _chain_ends(
    facts: Facts, chain: tuple[ox.NamedNode, ...], position: int, s: Term, o: Term
) -> Iterator[tuple[Term, Term]]:
    """The (start, end) of every full chain that passes through the edge ``s chain[position] o``."""
    starts: list[Term] = [s]
    for prop in reversed(chain[:position]):
        starts = [x for node in starts for x in facts.subjects(prop, node)]
        if not starts:
            return
    ends: list[Term] = [o]
    for prop in chain[position + 1 :]:
        ends = [x for node in ends for x in facts.objects(node, prop)]
        if not ends:
            return
    for start in starts:
        for end in ends:
            yield start, end


def _consequences(tbox: CompiledTBox, facts: Facts, triple: Triple, errors: set[str]) -> Iterator[Triple]:
    """Every conclusion whose premises are ``triple`` and facts already known (one join, as owlrl's rules)."""
    s, p, o = triple
    if p == TYPE:
        cls = o
        for sup in tbox.super_classes.get(cls, ()):
            if not isinstance(sup, ox.Literal):
                yield s, TYPE, sup
        for union in tbox.unions.get(cls, ()):
            if not isinstance(union, ox.Literal):
                yield s, TYPE, union
        for prop, value in tbox.has_value_by_class.get(cls, ()):
            yield s, prop, value
        for prop, filler in tbox.avf_by_class.get(cls, ()):
            for value in facts.objects(s, prop):
                if not isinstance(value, ox.Literal) and not isinstance(filler, ox.Literal):
                    yield value, TYPE, filler
        for restriction, prop in tbox.svf_by_filler.get(cls, ()):
            if not isinstance(restriction, ox.Literal):
                for subject in facts.subjects(prop, s):
                    if not isinstance(subject, ox.Literal):
                        yield subject, TYPE, restriction
        for intersection, members in tbox.intersections.get(cls, ()):
            if not isinstance(intersection, ox.Literal) and all(
                member in (cls, THING) or facts.has(s, TYPE, member) for member in members
            ):
                yield s, TYPE, intersection
        for member in tbox.intersection_members.get(cls, ()):
            if not isinstance(member, ox.Literal) and member not in _TRIVIAL_CLASSES:
                yield s, TYPE, member
        # the messages are owlrl's, so that both ways of reasoning report the same inconsistencies
        for other, first, second in tbox.disjoint.get(cls, ()):
            if facts.has(s, TYPE, other):
                errors.add(f"Disjoint classes {_text(first)} and {_text(second)} have a common individual {_text(s)}")
        for other, first, second in tbox.complements.get(cls, ()):
            if facts.has(s, TYPE, other):
                errors.add(
                    f"Violation of complementarity for classes {_text(first)} and {_text(second)} on element {_text(s)}"
                )
        if cls == NOTHING:
            errors.add(f"{_text(s)} is defined of type 'Nothing'")
            errors.add(f"{_text(s)} is a member of owl:Nothing")
        return
    resource = not isinstance(o, ox.Literal)
    for sup in tbox.super_properties.get(p, ()):
        yield s, sup, o
    for cls in tbox.domains.get(p, ()):
        if not isinstance(cls, ox.Literal):
            yield s, TYPE, cls
    if resource:
        obj: Subject = o  # type: ignore[assignment]
        for cls in tbox.ranges.get(p, ()):
            if not isinstance(cls, ox.Literal):
                yield obj, TYPE, cls
        for inverse in tbox.inverses.get(p, ()):
            yield obj, inverse, s
        if p in tbox.symmetric:
            yield obj, p, s
        if p in tbox.transitive:
            for end in facts.objects(o, p):
                yield s, p, end
            for start in facts.subjects(p, s):
                if not isinstance(start, ox.Literal):
                    yield start, p, o
        for chained, chain, position in tbox.chains.get(p, ()):
            for start, end in _chain_ends(facts, chain, position, s, o):
                if not isinstance(start, ox.Literal):
                    yield start, chained, end
        if p in tbox.asymmetric and facts.has(o, p, s):
            errors.add(f"Erroneous usage of asymmetric property {p.value} on {_text(s)} and {_text(o)}")
            errors.add(f"Erroneous usage of asymmetric property {p.value} on {_text(o)} and {_text(s)}")
    for restriction, filler in tbox.svf_by_property.get(p, ()):
        if not isinstance(restriction, ox.Literal) and (filler == THING or facts.has(o, TYPE, filler)):
            yield s, TYPE, restriction
    for restriction, filler in tbox.avf_by_property.get(p, ()):
        if resource and not isinstance(filler, ox.Literal) and facts.has(s, TYPE, restriction):
            yield o, TYPE, filler  # type: ignore[misc]
    for restriction in tbox.has_value_by_pair.get((p, o), ()):
        if not isinstance(restriction, ox.Literal):
            yield s, TYPE, restriction
    if p in tbox.irreflexive and s == o:
        errors.add(f"Irreflexive property used on {_text(s)} with {p.value}")
    for other, first, second in tbox.disjoint_properties.get(p, ()):
        if isinstance(other, ox.NamedNode) and facts.has(s, other, o):
            names = f"{_text(first)} and {_text(second)} on {_text(s)} and {_text(o)}"
            errors.add(f"Erroneous usage of disjoint properties {names}")


def saturate(tbox: CompiledTBox, facts: Facts, agenda: Iterable[Triple], errors: set[str]) -> list[Triple]:
    """Apply the compiled rules until nothing new follows; returns the triples added to ``facts``.

    ``agenda`` holds the triples whose consequences are still to be drawn (new documents' triples, or every
    asserted triple on a cold run); each derived triple joins the agenda once. Inconsistencies found go
    into ``errors``.
    """
    queue: deque[Triple] = deque(agenda)
    added: list[Triple] = []
    while queue:
        triple = queue.popleft()
        for conclusion in _consequences(tbox, facts, triple, errors):
            if facts.add(conclusion):
                added.append(conclusion)
                queue.append(conclusion)
    return added
