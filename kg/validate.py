"""SHACL validation (pySHACL) of each document graph against shapes/, with the ontology as ont graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyshacl
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg import paths
from kg.errors import ShapesLoadError
from kg.store import Store, ontology_graph
from kg.vocab import DIP


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    graph = Graph()
    files = sorted(paths.SHAPES_DIR.glob("*.ttl"))
    if not files:
        raise ShapesLoadError("no shapes (*.ttl) found; restore shapes/ from git", path=paths.SHAPES_DIR)
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as error:
            raise ShapesLoadError(f"does not parse: {error}", path=path) from error
    return graph


@lru_cache(maxsize=1)
def _context() -> tuple[Graph, dict[Node, list[tuple[Node, Node, Node]]]]:
    """The schema (every triple about ontology terms) and, per reference node, its triples."""
    ontology = ontology_graph()
    schema = Graph()
    by_subject: dict[Node, list[tuple[Node, Node, Node]]] = {}
    for s, p, o in ontology:
        if (isinstance(s, URIRef) and str(s).startswith(str(DIP._NS))) or isinstance(s, BNode):
            schema.add((s, p, o))
        else:
            by_subject.setdefault(s, []).append((s, p, o))
    return schema, by_subject


def with_context(graph: Graph) -> Graph:
    """A copy of ``graph`` plus the ontology and the reference nodes it points to (countries, issues).

    pySHACL's own ont_graph mixing clones the whole reference data for every document (seconds each), so
    the data graph gets just what its shapes need.
    """
    schema, by_subject = _context()
    data = Graph()
    data += schema
    data += graph
    frontier = set(graph.objects())
    for _hop in range(2):  # countries, then their capitals
        following = set()
        for node in frontier:
            for triple in by_subject.get(node, ()):
                data.add(triple)
                following.add(triple[2])
        frontier = following
    return data


@dataclass(frozen=True)
class Finding:
    severity: str  # Violation, Warning, Info
    focus: str
    path: str | None
    value: str | None
    message: str
    component: str


@dataclass
class DocumentReport:
    document: str
    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    report: Graph | None = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]


def validate_graph(graph: Graph, *, document: str = "graph") -> DocumentReport:
    """Validate one document graph. Warnings and infos do not make it fail."""
    conforms, report, _text = pyshacl.validate(
        with_context(graph), shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        findings.append(
            Finding(
                severity=severity,
                focus=str(report.value(result, SH.focusNode)),
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                message=str(report.value(result, SH.resultMessage) or ""),
                component=str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            )
        )
    findings.sort(key=lambda f: (f.severity, f.focus, f.path or "", f.message))
    has_violation = any(f.severity == "Violation" for f in findings)
    del conforms  # pyshacl counts warnings against conformance only without allow_warnings
    return DocumentReport(document, not has_violation, findings, report)


def validate_store(store: Store, documents: list[str] | None = None) -> list[DocumentReport]:
    """Validate each document graph of the store (or just the given ones)."""
    return [
        validate_graph(store.graph(URIRef(doc)), document=doc)
        for doc in (documents if documents is not None else store.document_graphs())
    ]
