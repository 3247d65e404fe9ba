"""The main job: ingest documents into the store, validate them, reason, and count what was found."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg import paths
from kg.documents import find_documents
from kg.errors import DocumentError, KGError, StoreError
from kg.memory import release_free_memory
from kg.parallel import (
    Pending,
    Processed,
    ProgressCallback,
    changed_documents,
    process,
    save_validation,
    shapes_digest,
    validation_reports,
    write_processed,
)
from kg.pipeline import iris
from kg.reason import ReasoningResult, reason_store
from kg.store import Store
from kg.validate import DocumentReport
from kg.vocab import DIPID, GRAPH_INFERRED

# New documents go to the store in transactions of this many: fewer, larger writes are faster.
WRITE_BATCH = 200
TRIM_EVERY = 1000  # documents written between two returns of freed memory to the system


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[KGError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=lambda: {"convert": 0.0, "validate": 0.0})  # summed over workers

    @property
    def changed(self) -> list[str]:
        return self.added + self.replaced


def ingest(
    store: Store,
    sources: Iterable[Path | str],
    *,
    progress: ProgressCallback | None = None,
    jobs: int | None = None,
    shapes_source: Path | str = paths.SHAPES_DIR,
) -> IngestReport:
    """Convert, validate and store each document; unchanged ones (same content hash) are skipped unread.

    ``jobs`` worker processes convert and validate (default: one per core; see kg/parallel.py); the store
    ends the same for any number. Each changed document's validation is kept for ``validation_reports``.
    ``progress(done, total, path)`` is called as documents are done. A document that cannot be read or
    converted is reported in ``failed`` and the others go on; the store keeps whatever it held for it.
    """
    report = IngestReport()
    store.load_ontology()
    files: list[Path] = []
    seen: dict[str, Path] = {}
    for source in sources:
        if not Path(source).exists():
            report.failed.append(DocumentError("no such file or folder; check the path", path=source))
            continue
        for path in find_documents([source]):
            iri = document_iri_for(path)
            if seen.setdefault(iri, path) != path:  # two names, one slug: the second would replace the first
                report.failed.append(
                    DocumentError(f"names the same document as {seen[iri]} ({iri}); rename one of them", path=path)
                )
                continue
            files.append(path)
    found = bool(files)
    pending = changed_documents(store, files, failed=report.failed, skipped=report.skipped, warnings=report.warnings)
    total, done = len(files), len(files) - len(pending)
    if progress is not None:
        progress(done, total, "")
    digest = shapes_digest(shapes_source)
    batch: list[tuple[Pending, Processed]] = []
    written = 0
    for item, result in zip(pending, process(pending, jobs=jobs, shapes_source=shapes_source), strict=True):
        done += 1
        if progress is not None:
            progress(done, total, result.path)
        report.cpu["convert"] += result.cpu[0]
        report.cpu["validate"] += result.cpu[1]
        error = result.error
        if error is not None:
            report.failed.append(error)
            continue
        report.warnings.extend([*item.warnings, *result.warnings])
        if result.validation is not None:
            save_validation(store, result.content_hash, result.validation, shapes=digest)
        (report.replaced if item.previous_hash else report.added).append(item.iri)
        batch.append((item, result))
        if len(batch) >= WRITE_BATCH:
            write_processed(store, batch)
            batch = []
            written += WRITE_BATCH
            if written % TRIM_EVERY == 0:
                _release(store)
    write_processed(store, batch)
    _release(store)
    if not found and not report.failed:
        report.warnings.append("no .txt documents found in the given paths")
    return report


def _release(store: Store) -> None:
    """Write Oxigraph's in-memory tables to disk and give the freed memory back (kg/memory.py): without
    this the resident size of a build grew with the store, mostly memory freed but kept by the C heap."""
    store.oxigraph.flush()
    release_free_memory()


@dataclass
class RemoveReport:
    removed: list[str]
    reasoning: ReasoningResult


def document_iri_of(name: str) -> str:
    """A document named by its IRI, ``dipid:doc/...``, its NAME.txt path or its name, as an IRI."""
    if name.startswith(("http://", "https://")):
        return name
    if name.startswith("dipid:"):
        return str(DIPID[name.removeprefix("dipid:")])
    stem = Path(name).name.removesuffix(".txt").removeprefix("doc/")
    return str(iris.document_iri(stem))


def remove_documents(store: Store, names: Iterable[str]) -> RemoveReport:
    """Drop documents' graphs (in one transaction), then bring the inferred graph up to date.

    What other documents also state (people, meetings) stays. Raises StoreError naming every document
    that is not in the store, and then removes nothing.
    """
    wanted = {name: document_iri_of(name) for name in names}
    present = set(store.document_graphs())
    missing = [f"{name!r}" + (f" ({iri})" if iri != name else "") for name, iri in wanted.items() if iri not in present]
    if missing:
        raise StoreError(
            f"no document {', '.join(missing)} in the store; nothing was removed. Name documents by NAME.txt, "
            "NAME or IRI; `kg query 'SELECT ?d WHERE { ?d a dip:Document } ORDER BY ?d'` lists them",
            path=store.path,
        )
    removed = sorted(set(wanted.values()))
    store.drop_graphs(removed)
    return RemoveReport(removed, reason_store(store))


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
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds: ingest, validation, reasoning, summary

    @property
    def conforms(self) -> bool:
        return all(r.conforms for r in self.validation)


def build(
    store: Store,
    sources: Iterable[Path | str],
    *,
    progress: ProgressCallback | None = None,
    jobs: int | None = None,
    phase: Callable[[str], None] | None = None,
) -> BuildResult:
    """Ingest (converting and validating changed documents with ``jobs`` processes), collect every
    document's validation, reason (only changed documents are closed again), summarise.

    ``phase(name)`` is called as each phase starts; ``BuildResult.timings`` holds each phase's seconds.
    """
    timings: dict[str, float] = {}

    def start(name: str) -> float:
        if phase is not None:
            phase(name)
        return time.perf_counter()

    began = start("ingest")
    report = ingest(store, sources, progress=progress, jobs=jobs)
    timings["ingest"] = time.perf_counter() - began
    began = start("validation")
    validation, _validated = validation_reports(store)
    timings["validation"] = time.perf_counter() - began
    began = start("reasoning")
    reasoning = reason_store(store)
    _release(store)
    timings["reasoning"] = time.perf_counter() - began
    began = start("summary")
    summary = summarize(store)
    timings["summary"] = time.perf_counter() - began
    return BuildResult(report, validation, reasoning, summary, timings)


def document_iri_for(path: Path | str) -> str:
    return str(iris.document_iri(Path(path).name.removesuffix(".txt")))
