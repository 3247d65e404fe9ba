"""SHACL validation (pySHACL) of each document graph against shapes/, one document at a time.

Each document graph is validated together with the ontology's schema and the reference nodes it points to
(``with_context``), so that class checks such as ``sh:class dip:Country`` can see the countries' types.
Findings carry labels for their nodes and values, and the shape's message, which says how to fix it.
Violations make a document fail; warnings and infos do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH, SKOS
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg import paths
from kg.errors import ShapesLoadError
from kg.store import Store, ontology_graph
from kg.vocab import DIP, PREFIXES

SEVERITIES = ("Violation", "Warning", "Info")
_LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


def _shape_files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    files = sorted(source.glob("*.ttl"))
    if not files:
        raise ShapesLoadError("no shapes (*.ttl) found; restore shapes/ from git or pass another folder", path=source)
    return files


@lru_cache(maxsize=4)
def _load_shapes(source: Path) -> tuple[Graph, dict[str, Path]]:
    graph = Graph()
    owners: dict[str, Path] = {}  # shape IRI -> the file that defines it, to name it in errors
    for path in _shape_files(source):
        part = Graph()
        try:
            part.parse(path, format="turtle")
        except FileNotFoundError as error:
            raise ShapesLoadError("shapes file is missing; restore it from git", path=path) from error
        except Exception as error:  # rdflib raises several parser exception types
            line = getattr(error, "lines", None)
            raise ShapesLoadError(
                f"does not parse: {getattr(error, 'why', error)}; fix the Turtle syntax",
                path=path,
                line=line + 1 if isinstance(line, int) else None,
            ) from error
        for subject in part.subjects():
            if isinstance(subject, URIRef):
                owners.setdefault(str(subject), path)
        graph += part
    return graph, owners


def shapes_graph(source: Path | str = paths.SHAPES_DIR) -> Graph:
    """The shapes of ``source`` (a .ttl file or a folder of them) as one graph.

    Raises ShapesLoadError naming the file (and line) that does not parse.

    >>> (URIRef("https://w3id.org/dipkg/shapes#MeetingShape"), RDF.type, SH.NodeShape) in shapes_graph()
    True
    """
    return _load_shapes(Path(source))[0]


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


# -- findings ---------------------------------------------------------------------------------------------
def compact(node: Node | str) -> str:
    """An IRI with the project's prefixes (``dipid:person/…``), a literal in N-Triples-like form."""
    if isinstance(node, Literal):
        if node.language:
            return f'"{node}"@{node.language}'
        if node.datatype is not None:
            return f'"{node}"^^{compact(node.datatype)}'
        return f'"{node}"'
    text = str(node)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>" if isinstance(node, URIRef) else text


def label_of(graph: Graph, node: Node) -> str | None:
    """The node's rdfs:label (or skos:prefLabel, dct:title) in ``graph``, if it has one."""
    for predicate in _LABELS:
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return None


@dataclass(frozen=True)
class Finding:
    """One SHACL result, with labels for reading and the terms for comparing."""

    severity: str  # Violation, Warning, Info
    focus: str
    path: str | None
    value: str | None
    message: str
    component: str  # the local name, e.g. MinCountConstraintComponent
    focus_label: str | None = None
    value_text: str | None = None  # the value as a reader sees it: a label, or the literal with its datatype
    shape: str | None = None

    @property
    def node_text(self) -> str:
        """The focus node as a reader sees it: its label and compact IRI."""
        iri = compact(URIRef(self.focus))
        return f"{self.focus_label}  [{iri}]" if self.focus_label else iri


@dataclass
class DocumentReport:
    """The findings of one document graph; ``conforms`` is False only when there are violations."""

    document: str
    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    report: Graph | None = None
    title: str | None = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Info"]

    def by_node(self) -> dict[str, list[Finding]]:
        """Findings grouped by focus node, violations first within each group."""
        groups: dict[str, list[Finding]] = {}
        for finding in sorted(self.findings, key=lambda f: (SEVERITIES.index(f.severity), f.focus)):
            groups.setdefault(finding.focus, []).append(finding)
        return groups


def _value_text(data: Graph, value: Node | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Literal):
        return compact(value)
    label = label_of(data, value)
    return f"{label} [{compact(value)}]" if label else compact(value)


_PARSED: dict[tuple[Any, ...], Query] = {}


@contextmanager
def _prepared_sparql() -> Iterator[None]:
    """Parse each SPARQL text once while pySHACL runs.

    pySHACL hands rdflib the same constraint query text for every focus node of every document, and
    rdflib parses it anew each time: about half of a document's validation time. A parsed query is
    reusable (rdflib's own ``prepareQuery`` returns one), so the processor is given the parsed form, kept
    across documents in ``_PARSED``.
    """
    original = SPARQLProcessor.query
    parsed = _PARSED
    if len(parsed) > 256:  # the shapes hold a handful of queries; bound it for other shapes folders
        parsed.clear()

    def query(self: SPARQLProcessor, text: Any, bindings: Any = None, ns: Any = None, base: Any = None) -> Any:
        if isinstance(text, str):
            key = (text, base, tuple(sorted((ns or {}).items())))
            if key not in parsed:
                parsed[key] = translateQuery(parseQuery(text), base, ns)
            text = parsed[key]
        return original(self, text, bindings, ns, base)

    SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        SPARQLProcessor.query = original  # type: ignore[method-assign]


def _run(data: Graph, shapes: Graph, owners: dict[str, Path], source: Path) -> Graph:
    try:
        with _prepared_sparql():  # data is a fresh copy (with_context), so pySHACL need not clone it again
            _conforms, report, _text = pyshacl.validate(
                data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=True
            )
    except ReportableRuntimeError as error:
        message = str(getattr(error, "message", error))
        culprit = next((path for iri, path in owners.items() if iri in message), None)
        files = _shape_files(source)
        raise ShapesLoadError(
            f"pySHACL cannot use the shapes: {message}",
            path=culprit or (files[0] if len(files) == 1 else source),
        ) from error
    return cast(Graph, report)


def validate_graph(
    graph: Graph, *, document: str = "graph", shapes_source: Path | str = paths.SHAPES_DIR
) -> DocumentReport:
    """Validate one document graph (with its context). Warnings and infos do not make it fail.

    Raises ShapesLoadError naming the shapes file when the shapes cannot be read or used.
    """
    source = Path(shapes_source)
    shapes, owners = _load_shapes(source)
    data = with_context(graph)
    report = _run(data, shapes, owners, source)
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        findings.append(
            Finding(
                severity=severity,
                focus=str(focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=str(value) if value is not None else None,
                message=str(report.value(result, SH.resultMessage) or ""),
                component=str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                focus_label=label_of(data, focus) if focus is not None else None,
                value_text=_value_text(data, value) if value != focus else None,
                shape=compact(shape) if isinstance(shape, URIRef) else None,
            )
        )
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.focus, f.path or "", f.message))
    has_violation = any(f.severity == "Violation" for f in findings)
    title = graph.value(URIRef(document), DCTERMS.title)
    return DocumentReport(document, not has_violation, findings, report, str(title) if title else None)


def validate_store(
    store: Store, documents: list[str] | None = None, *, shapes_source: Path | str = paths.SHAPES_DIR
) -> list[DocumentReport]:
    """Validate each document graph of the store (or just the given ones), each on its own."""
    return [
        validate_graph(store.graph(URIRef(doc)), document=doc, shapes_source=shapes_source)
        for doc in (documents if documents is not None else store.document_graphs())
    ]


def combined_report(reports: list[DocumentReport]) -> Graph:
    """Every document's raw SHACL report in one graph; each report names its document with dct:source."""
    combined = Graph()
    for prefix, namespace in (("sh", str(SH)), ("dct", str(DCTERMS)), *PREFIXES.items()):
        combined.bind(prefix, namespace)
    for report in reports:
        if report.report is None:
            continue
        combined += report.report
        for node in report.report.subjects(RDF.type, SH.ValidationReport):
            combined.add((node, DCTERMS.source, URIRef(report.document)))
    return combined
