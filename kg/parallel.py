"""Converting and validating many documents with N worker processes on one machine.

Each worker converts a document, serialises its graph as N-Quads (the document's named graph) and validates
it with the SHACL shapes (``kg.validate.validate_graph``), so validation runs in parallel with conversion.
Results come back in input order, so the store ends the same whatever the number of processes. Only
documents whose content hash changed are sent to the workers (``changed_documents``); unchanged ones are
never converted or validated again.

Each document's validation findings are kept in ``<store>/validation/<content hash>.json`` together with a
digest of the shapes they were checked against: ``validation_reports`` reads them for every document of the
store and validates again only documents without a record for the current shapes (a store built before
this cache, or shapes that changed). Records of documents no longer in the store are deleted.

>>> [len(chunk) for chunk in chunks(list(range(5)), 2)]
[2, 2, 1]
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import URIRef

from kg import paths
from kg.convert import convert_document
from kg.documents import read_document
from kg.errors import DocumentError, KGError
from kg.pipeline import iris
from kg.pipeline.model import Document
from kg.store import Store, to_ntriples
from kg.validate import DocumentReport, Finding, validate_graph
from kg.vocab import DIP

VALIDATION_DIRNAME = "validation"
# Documents per task sent to a worker: large enough to keep pickling overhead small, small enough that the
# progress bar moves and the last tasks balance across workers.
CHUNK_SIZE = 8
# Below this many changed documents a pool costs more to start (each worker loads the lexicon and shapes,
# one to two seconds) than it saves, so they are converted in this process.
MIN_PARALLEL_DOCUMENTS = 24
T = TypeVar("T")
# progress(done, total, path): documents done (skipped ones count at once) out of all documents found.
ProgressCallback = Callable[[int, int, str], None]


def default_jobs() -> int:
    """One worker per CPU core."""
    return os.cpu_count() or 1


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Pending:
    """A document read from disk whose content changed since the store last saw it."""

    document: Document
    iri: str
    previous_hash: str | None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Processed:
    """What a worker returns for one document: its graph as N-Quads and its validation, or the error."""

    path: str
    iri: str
    content_hash: str
    nquads: str = ""
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    validation: dict[str, Any] | None = None
    cpu: tuple[float, float] = (0.0, 0.0)  # CPU seconds the worker spent converting, then validating
    # An exception pickles as its class called with its message, which KGError subclasses with keyword-only
    # arguments (ConversionError) refuse: so the class, message and attributes travel, and ``error`` rebuilds it.
    failure: tuple[type[KGError], str, dict[str, Any]] | None = None

    @property
    def error(self) -> KGError | None:
        if self.failure is None:
            return None
        cls, message, attributes = self.failure
        error = cls.__new__(cls)
        Exception.__init__(error, message)
        error.__dict__.update(attributes)
        return error


# -- the worker side ---------------------------------------------------------------------------------------
def convert_and_validate(document: Document, shapes_source: str) -> Processed:
    """Convert one document, serialise its named graph and validate it (a top-level, spawn-safe function)."""
    iri = str(iris.document_iri(document.doc_id))
    path = document.path or document.doc_id
    began = time.process_time()
    try:
        converted = convert_document(document)
        converted_at = time.process_time()
        report = validate_graph(converted.graph, document=iri, shapes_source=shapes_source)
    except KGError as error:
        return Processed(path, iri, document.content_hash, failure=(type(error), str(error), dict(error.__dict__)))
    graph = ox.NamedNode(iri)
    triples = ox.parse(to_ntriples(converted.graph), format=ox.RdfFormat.N_TRIPLES)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    data = (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
    cpu = (converted_at - began, time.process_time() - converted_at)
    record = report_to_json(report, document)
    return Processed(path, iri, document.content_hash, data, len(quads), converted.warnings, record, cpu)


def exit_with_parent(parent: int, *, interval: float = 1.0) -> None:
    """Worker initializer: end this worker when the process that started it is gone (killed with
    SIGKILL, it cannot stop its pool; the workers would otherwise wait for work forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _convert_chunk(documents: Sequence[Document], shapes_source: str) -> list[Processed]:
    return [convert_and_validate(document, shapes_source) for document in documents]


def process(
    pending: Sequence[Pending],
    *,
    jobs: int | None = None,
    shapes_source: Path | str = paths.SHAPES_DIR,
) -> Iterator[Processed]:
    """Convert and validate ``pending`` documents with ``jobs`` processes; results in input order.

    ``jobs`` defaults to the number of cores; with one job, or few documents, no pool is started.
    """
    documents = [item.document for item in pending]
    jobs = default_jobs() if jobs is None else max(1, jobs)
    source = str(shapes_source)
    if jobs == 1 or len(documents) < MIN_PARALLEL_DOCUMENTS:
        for document in documents:
            yield convert_and_validate(document, source)
        return
    size = max(1, min(CHUNK_SIZE, len(documents) // (jobs * 4) or 1))
    # spawn: workers start clean (no copy of an open store or its threads) on every platform.
    context = get_context("spawn")
    with ProcessPoolExecutor(jobs, context, initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
        batches = list(chunks(documents, size))
        for results in pool.map(_convert_chunk, batches, [source] * len(batches)):
            yield from results


# -- reading and skipping -----------------------------------------------------------------------------------
def stored_hashes(store: Store) -> dict[str, str]:
    """Document IRI -> content hash, for every document graph of the store (one query)."""
    quads = store.oxigraph.quads_for_pattern(None, ox.NamedNode(str(DIP.contentHash)), None, None)
    return {
        q.subject.value: q.object.value
        for q in quads
        if q.graph_name == q.subject and isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    }


def changed_documents(
    store: Store, files: Iterable[Path], *, failed: list[KGError], skipped: list[str], warnings: list[str]
) -> list[Pending]:
    """Read each file; those whose content hash the store already holds go to ``skipped``, bad ones to ``failed``."""
    known = stored_hashes(store)
    pending = []
    for path in files:
        try:
            document, read_warnings = read_document(path)
        except DocumentError as error:
            failed.append(error)
            continue
        iri = str(iris.document_iri(document.doc_id))
        previous = known.get(iri)
        if previous == document.content_hash:
            skipped.append(iri)
            warnings.extend(read_warnings)
            continue
        pending.append(Pending(document, iri, previous, read_warnings))
    return pending


# -- validation records ---------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def shapes_digest(source: Path | str = paths.SHAPES_DIR) -> str:
    """A SHA-256 of the shapes files' bytes: a validation record is valid for these shapes only."""
    location = Path(source)
    files = [location] if location.is_file() else sorted(location.glob("*.ttl"))
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode("utf-8") + b"\x00" + file.read_bytes())
    return digest.hexdigest()


def report_to_json(report: DocumentReport, document: Document | None = None) -> dict[str, Any]:
    """A validation report as JSON-ready data (the raw report graph is not kept)."""
    return {
        "document": report.document,
        "content_hash": document.content_hash if document is not None else None,
        "conforms": report.conforms,
        "title": report.title,
        "findings": [asdict(finding) for finding in report.findings],
    }


def report_from_json(data: dict[str, Any]) -> DocumentReport:
    """The inverse of ``report_to_json``."""
    findings = [Finding(**finding) for finding in data["findings"]]
    return DocumentReport(data["document"], bool(data["conforms"]), findings, None, data.get("title"))


def validation_dir(store: Store) -> Path:
    return store.path / VALIDATION_DIRNAME


def save_validation(store: Store, content_hash: str, record: dict[str, Any], *, shapes: str) -> None:
    """Keep a document's validation record under its content hash (written atomically)."""
    folder = validation_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{content_hash}.json"
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({**record, "shapes": shapes}, ensure_ascii=False), encoding="utf-8")
    temporary.replace(target)


def validation_reports(
    store: Store, *, shapes_source: Path | str = paths.SHAPES_DIR, prune: bool = True
) -> tuple[list[DocumentReport], int]:
    """Every document's validation report, from its record or validated now; and how many were validated now.

    Records of documents no longer in the store are deleted when ``prune`` is set.
    """
    digest = shapes_digest(shapes_source)
    hashes = stored_hashes(store)
    folder = validation_dir(store)
    reports = []
    validated = 0
    for iri in sorted(hashes):
        content_hash = hashes[iri]
        record = _read_record(folder / f"{content_hash}.json")
        if record is None or record.get("shapes") != digest or record.get("document") != iri:
            report = validate_graph(store.graph(URIRef(iri)), document=iri, shapes_source=shapes_source)
            record = report_to_json(report)
            save_validation(store, content_hash, record, shapes=digest)
            validated += 1
        reports.append(report_from_json(record))
    if prune and folder.is_dir():
        keep = {f"{h}.json" for h in hashes.values()}
        for file in folder.glob("*.json"):
            if file.name not in keep:
                file.unlink(missing_ok=True)
    return reports, validated


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or half-written: validate again
        return None
    return data if isinstance(data, dict) else None


# -- writing ---------------------------------------------------------------------------------------------------
def write_processed(store: Store, batch: Sequence[tuple[Pending, Processed]]) -> None:
    """Put converted documents in the store: new ones in one transaction, replaced ones one by one.

    A replaced document's old graph goes in the same transaction as its new one comes in
    (``Store.replace_graph_ntriples``); new documents have nothing to drop, so they load together.
    """
    new = [done for item, done in batch if item.previous_hash is None]
    if new:
        store.add_graphs("".join(done.nquads for done in new))
    for item, done in batch:
        if item.previous_hash is not None:
            triples = ox.parse(done.nquads, format=ox.RdfFormat.N_QUADS)
            data = ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in triples), format=ox.RdfFormat.N_TRIPLES
            )
            store.replace_graph_ntriples(item.iri, (data or b"").decode("utf-8"))
