"""Documents -> RDF, no store needed: the public face of the pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

from kg.documents import read_document
from kg.lexicon import load_lexicon
from kg.pipeline import iris
from kg.pipeline.model import Document, DocumentMeta, Extraction
from kg.pipeline.registry import extract, to_graph
from kg.vocab import PREFIXES


@dataclass
class Converted:
    """One converted document: what was read, what was found, the RDF, and any warnings."""

    document: Document
    extraction: Extraction
    graph: Graph
    warnings: list[str] = field(default_factory=list)

    @property
    def iri(self) -> str:
        return str(iris.document_iri(self.document.doc_id))


def convert_document(document: Document) -> Converted:
    """Run the pipeline over a document already read."""
    lexicon = load_lexicon()
    extraction = extract(document, lexicon)
    graph = to_graph(extraction, lexicon)
    warnings = []
    for meeting in extraction.events.meetings:
        if meeting.date is None:
            reason = f"'{meeting.date_expression}' cannot be resolved" if meeting.date_expression else "no date given"
            warnings.append(
                f"{document.path or document.doc_id}: a meeting has no date ({reason}"
                f"{'' if document.meta.date else '; add a publication date to the .meta.json'})"
            )
    if not extraction.events.meetings:
        warnings.append(f"{document.path or document.doc_id}: no meeting found; stored with what else it states")
    return Converted(document, extraction, graph, warnings)


def convert_file(path: Path | str) -> Converted:
    """Read NAME.txt (and NAME.meta.json beside it) and convert it.

    Raises DocumentError when the file cannot be read, ConversionError when a stage fails.
    """
    document, warnings = read_document(path)
    converted = convert_document(document)
    converted.warnings[:0] = warnings
    return converted


def convert_text(text: str, *, doc_id: str = "document", meta: DocumentMeta | None = None) -> Graph:
    """Convert a text given in Python.

    >>> g = convert_text("Foreign Minister Ana Lima held a meeting with Foreign Minister Ben Okoro.",
    ...                  meta=DocumentMeta(date="2024-05-02"))
    >>> len(g) > 0
    True
    """
    document = Document(
        doc_id=doc_id,
        text=text,
        meta=meta or DocumentMeta(),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    return convert_document(document).graph


def as_dataset(converted: list[Converted]) -> Dataset:
    """Each document's graph as a named graph of one dataset (for TriG and N-Quads output)."""
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    for item in converted:
        named = dataset.graph(iris.document_iri(item.document.doc_id))
        for triple in item.graph:
            named.add(triple)
    return dataset
