"""SHACL validation (pySHACL) of each document graph against shapes/, one document at a time.

Each document graph is validated together with the part of the ontology's schema and the reference nodes it
reaches (``with_context``), so that class checks such as ``sh:class dip:Country`` can see the countries' types.
Findings carry labels for their nodes and values, and the shape's message, which says how to fix it.
Violations make a document fail; warnings and infos do not.

Validation runs once per document, so what does not depend on the document is done once per process: the
shapes are parsed and turned into pySHACL's shape objects once per shapes folder (``_shapes_engine``), and
SPARQL constraint texts are parsed once (``_prepared_sparql``); and pySHACL writes no text descriptions
of its results, which only its text report uses (``_without_descriptions``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import pyshacl
from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.consts import SH_JSFunction, SH_SHACLFunction, SH_SPARQLFunction
from pyshacl.entrypoints import make_default_logger
from pyshacl.errors import ReportableRuntimeError
from pyshacl.graph_abstraction import DataGraph
from pyshacl.monkey import apply_patches
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.target import SH_Target
from pyshacl.validator import Validator
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH, SKOS
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg import paths
from kg.errors import ShapesLoadError
from kg.rdfio import read_graph
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
        part = read_graph(path, ShapesLoadError, "fix the Turtle syntax", kind="shapes")
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


Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class _Context:
    """The ontology split for ``with_context``: schema triples by subject, reference triples by subject."""

    schema: tuple[Triple, ...]  # every triple about an ontology term (dip:) or a blank node, in one fixed order
    about: dict[Node, tuple[int, ...]]  # schema subject -> the positions of its triples in ``schema``
    references: dict[Node, list[Triple]]  # reference node (country, capital, issue, ...) -> its triples


@lru_cache(maxsize=1)
def _context() -> _Context:
    ontology = ontology_graph()
    schema: list[Triple] = []
    about: dict[Node, list[int]] = {}
    references: dict[Node, list[Triple]] = {}
    for s, p, o in ontology:
        if (isinstance(s, URIRef) and str(s).startswith(str(DIP._NS))) or isinstance(s, BNode):
            about.setdefault(s, []).append(len(schema))
            schema.append((s, p, o))
        else:
            references.setdefault(s, []).append((s, p, o))
    return _Context(tuple(schema), {s: tuple(at) for s, at in about.items()}, references)


def with_context(graph: Graph) -> Graph:
    """A copy of ``graph`` plus the reference nodes it points to (countries, issues) and the schema it reaches.

    pySHACL's own ont_graph mixing clones the whole reference data for every document (seconds each), so
    the data graph gets just what its shapes can read. Of the schema, that is the triples of every ontology
    term the document or its reference nodes mention (a class it types a node with), and of every term those
    lead to (its superclasses, for ``sh:class`` and ``sh:targetClass``). The findings are those the whole
    schema gives: no path of the data leads to the terms left out, and on their own they give no finding
    (tests/test_validate.py checks that, and the equality); but the shape that checks every typed node
    (``dsh:KnownClassShape``) no longer visits each class and property of the ontology in each document.
    """
    context = _context()
    references: list[Triple] = []
    frontier = set(graph.objects())
    for _hop in range(2):  # countries, then their capitals
        following = set()
        for node in frontier:
            for triple in context.references.get(node, ()):
                references.append(triple)
                following.add(triple[2])
        frontier = following
    mentioned = {node for s, _p, o in graph for node in (s, o)}
    mentioned.update(node for s, _p, o in references for node in (s, o))
    keep: set[int] = set()
    pending = [node for node in mentioned if node in context.about]
    reached = set(pending)
    while pending:
        for index in context.about[pending.pop()]:
            keep.add(index)
            value = context.schema[index][2]
            if value in context.about and value not in reached:
                reached.add(value)
                pending.append(value)
    data = Graph()
    # the schema first, then the document, then its references: the order the whole context was built in
    for index in sorted(keep):
        data.add(context.schema[index])
    data += graph
    for triple in references:
        data.add(triple)
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


def _no_description(_component: ConstraintComponent, *_args: Any, **_kwargs: Any) -> str:
    return ""


@contextmanager
def _without_descriptions() -> Iterator[None]:
    """Have pySHACL write no text description of its results while it runs.

    pySHACL writes one for every result, also for the many that ``sh:or``, ``sh:not`` and ``sh:xone``
    compute and throw away (a fifth of a document's validation), and uses it only for its text report,
    which dipkg does not read: the report graph, which the findings come from, is the same. (Another
    thread's ``pyshacl.validate`` meanwhile would get a text report without descriptions; dipkg validates
    on one thread.)
    """
    original = ConstraintComponent.make_v_result_description
    ConstraintComponent.make_v_result_description = _no_description  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        ConstraintComponent.make_v_result_description = original  # type: ignore[method-assign]


# pySHACL registers these on its shapes graph in each run, bound to that run: such shapes are built anew each time
_RUN_BOUND_TYPES = (SH_SPARQLFunction, SH_SHACLFunction, SH_JSFunction)


@lru_cache(maxsize=4)
def _shapes_engine(source: Path) -> ShapesGraph | None:
    """pySHACL's shapes graph for ``source``, its shape objects built: once per shapes folder and process.

    ``pyshacl.validate`` builds it in every call, finding each shape, its targets and its messages again.
    A ShapesGraph holds nothing about the data graph (the
    constraint objects are made in each run), so one serves every document. None when the shapes declare
    SHACL functions or target types, which pySHACL registers on the shapes graph per run.
    """
    shapes = _load_shapes(source)[0]
    if (
        any((None, RDF.type, kind) in shapes for kind in _RUN_BOUND_TYPES)
        or (None, RDFS.subClassOf, SH_Target) in shapes
    ):
        return None
    apply_patches()  # type: ignore[no-untyped-call]  # what pyshacl.validate does before each run
    engine = ShapesGraph(shapes, False, _pyshacl_logger())
    _ = engine.shapes  # raises pySHACL's ShapeLoadError now, for a malformed shape
    return engine


@lru_cache(maxsize=1)
def _pyshacl_logger() -> logging.Logger:
    return make_default_logger(name="pyshacl-validate", debug=False)  # the logger pyshacl.validate sets up


def _run(data: Graph, source: Path) -> Graph:
    """Validate ``data`` (a fresh copy: pySHACL may work in it) as ``pyshacl.validate`` would, reusing the shapes."""
    shapes, owners = _load_shapes(source)
    try:
        engine = _shapes_engine(source)
        with _prepared_sparql(), _without_descriptions():
            if engine is None:
                _conforms, report, _text = pyshacl.validate(
                    data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=True
                )
            else:
                options = {"inference": "none", "advanced": True, "allow_warnings": True, "inplace": True}
                # A Validator always builds a ShapesGraph of its own: it gets an empty one, then the built one.
                validator = Validator(
                    DataGraph.from_rdflib(data), shacl_graph=Graph(), options={**options, "logger": _pyshacl_logger()}
                )
                validator.shacl_graph = engine
                _conforms, report, _text = validator.run()  # type: ignore[no-untyped-call]
    except ReportableRuntimeError as error:
        message = str(getattr(error, "message", error))
        culprit = next((path for iri, path in owners.items() if iri in message), None)
        files = _shape_files(source)
        raise ShapesLoadError(
            f"pySHACL cannot use the shapes: {message}",
            path=culprit or (files[0] if len(files) == 1 else source),
        ) from error
    return cast(Graph, report)


def findings_of(report: Graph, data: Graph) -> list[Finding]:
    """The findings of a pySHACL report graph, labelled from ``data`` (the graph validated), in a fixed order.

    Sorted by severity, focus node, path and message, then by every other field, so that the order does not
    depend on the order in which pySHACL happened to visit the nodes.
    """
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
    findings.sort(key=_finding_order)
    return findings


def _finding_order(f: Finding) -> tuple[int | str, ...]:
    rest = (f.focus, f.path, f.message, f.component, f.value, f.shape, f.value_text, f.focus_label)
    return (SEVERITIES.index(f.severity), *(text or "" for text in rest))


def validate_graph(
    graph: Graph, *, document: str = "graph", shapes_source: Path | str = paths.SHAPES_DIR
) -> DocumentReport:
    """Validate one document graph (with its context). Warnings and infos do not make it fail.

    Raises ShapesLoadError naming the shapes file when the shapes cannot be read or used.
    """
    source = Path(shapes_source)
    data = with_context(graph)
    report = _run(data, source)
    findings = findings_of(report, data)
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
