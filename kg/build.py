"""The main job: ingest documents into the store, validate them, reason, and count what was found."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.convert import convert_file
from kg.documents import find_documents
from kg.errors import DocumentError, KGError
from kg.pipeline import iris
from kg.reason import ReasoningResult, reason_store
from kg.store import Store
from kg.validate import DocumentReport, validate_store
from kg.vocab import GRAPH_INFERRED


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[KGError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return self.added + self.replaced


def ingest(
    store: Store, sources: Iterable[Path | str], *, progress: Callable[[str], None] | None = None
) -> IngestReport:
    """Convert and store each document; unchanged ones (same content hash) are skipped.

    A document that cannot be read or converted is reported in ``failed`` and the others go on; the
    store keeps whatever it held for it.
    """
    report = IngestReport()
    store.load_ontology()
    found = False
    for source in sources:
        if not Path(source).exists():
            report.failed.append(DocumentError("no such file or folder; check the path", path=source))
            continue
        for path in find_documents([source]):
            found = True
            try:
                converted = convert_file(path)
            except KGError as error:
                report.failed.append(error)
                continue
            finally:
                if progress is not None:
                    progress(str(path))
            report.warnings.extend(converted.warnings)
            iri = converted.iri
            previous = store.content_hash(iri)
            if previous == converted.document.content_hash:
                report.skipped.append(iri)
                continue
            store.replace_graph(iri, converted.graph)
            (report.replaced if previous else report.added).append(iri)
    if not found and not report.failed:
        report.warnings.append("no .txt documents found in the given paths")
    return report


@dataclass
class Summary:
    documents: int
    meetings: int
    meetings_by_kind: dict[str, int]
    persons: int
    issues: int
    partnerships: int
    agreements: int
    inferred_triples: int


def summarize(store: Store) -> Summary:
    """Counts over the store (the `kg stats` figures)."""

    def count(sparql: str) -> int:
        rows = list(store.query(sparql))
        return int(rows[0]["n"].value) if rows else 0

    kinds = {}
    for row in store.query(
        "SELECT ?kind (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?m dip:participant ?p ; a ?kind } "
        "FILTER(?g != <https://w3id.org/dipkg/graph/inferred>) } GROUP BY ?kind ORDER BY ?kind"
    ):
        kinds[row["kind"].value.rsplit("#", 1)[-1]] = int(row["n"].value)
    return Summary(
        documents=len(store.document_graphs()),
        meetings=count(
            "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?m dip:participant ?p } "
            "FILTER(?g != <https://w3id.org/dipkg/graph/inferred>) }"
        ),
        meetings_by_kind=kinds,
        persons=count(
            "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?p a dip:Person } "
            "FILTER(?g != <https://w3id.org/dipkg/graph/inferred>) }"
        ),
        issues=count("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?m dip:discussed ?i }"),
        partnerships=count(
            "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x a dip:Partnership } "
            "FILTER(?g != <https://w3id.org/dipkg/graph/inferred>) }"
        ),
        agreements=count(
            "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x a dip:Agreement } "
            "FILTER(?g != <https://w3id.org/dipkg/graph/inferred>) }"
        ),
        inferred_triples=store.count(GRAPH_INFERRED),
    )


@dataclass
class BuildResult:
    ingest: IngestReport
    validation: list[DocumentReport]
    reasoning: ReasoningResult
    summary: Summary

    @property
    def conforms(self) -> bool:
        return all(r.conforms for r in self.validation)


def build(store: Store, sources: Iterable[Path | str], *, progress: Callable[[str], None] | None = None) -> BuildResult:
    """Ingest, validate every document graph, reason (only changed documents are closed again), summarise."""
    report = ingest(store, sources, progress=progress)
    validation = validate_store(store)
    reasoning = reason_store(store)
    return BuildResult(report, validation, reasoning, summarize(store))


def document_iri_for(path: Path | str) -> str:
    return str(iris.document_iri(Path(path).name.removesuffix(".txt")))
