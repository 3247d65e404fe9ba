"""The embedded store: Oxigraph on disk, one named graph per document.

Replacing a document's graph is one SPARQL update (drop, then insert), which Oxigraph runs as one
transaction: a reader sees the old graph or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg import paths
from kg.errors import OntologyLoadError, StoreError
from kg.vocab import DIP, GRAPH_INFERRED, GRAPH_ONTOLOGY, PREFIXES

DEFAULT_STORE = Path(".kg")
Substitutions = dict[ox.Variable, ox.NamedNode | ox.Literal]
ONTOLOGY_FILES = ("dipkg.ttl", "issues.ttl", "reference/countries.ttl")


def store_path(explicit: Path | str | None = None) -> Path:
    """--store wins, then KG_STORE, then ./.kg."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("KG_STORE") or DEFAULT_STORE)


def ontology_graph() -> Graph:
    """The ontology, issue scheme and reference data as one rdflib graph."""
    graph = Graph()
    for name in ONTOLOGY_FILES:
        path = paths.ONTOLOGY_DIR / name
        try:
            graph.parse(path, format="turtle")
        except FileNotFoundError as error:
            raise OntologyLoadError("ontology file is missing; restore it from git", path=path) from error
        except Exception as error:  # rdflib raises several parser exception types
            raise OntologyLoadError(f"does not parse: {error}", path=path) from error
    return graph


def to_ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt")


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int


class Store:
    """A dipkg store on disk. Use as a context manager, or call ``close``.

    >>> import tempfile
    >>> with Store(tempfile.mkdtemp()) as store:
    ...     store.document_graphs()
    []
    """

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        try:
            if read_only:
                if not self.path.exists():
                    raise StoreError(
                        "no store here; run `kg build` or `kg ingest` first, or pass --store", path=self.path
                    )
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as error:
            raise StoreError(
                f"cannot open the store: {error}. Is another `kg` writing to it? Wait for it to "
                "finish, or pass another --store",
                path=self.path,
            ) from error

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if hasattr(self, "_store"):
            with contextlib.suppress(OSError, AttributeError, RuntimeError):  # read-only stores cannot flush
                self._store.flush()
            del self._store

    @property
    def oxigraph(self) -> ox.Store:
        return self._store

    # -- graphs ---------------------------------------------------------------------------------------
    def replace_graph(self, iri: URIRef | str, graph: Graph) -> None:
        """Put ``graph`` in the named graph ``iri``, replacing what it held, in one transaction."""
        data = to_ntriples(graph)
        self._store.update(f"DROP SILENT GRAPH <{iri}> ; INSERT DATA {{ GRAPH <{iri}> {{\n{data}\n}} }}")

    def replace_graph_ntriples(self, iri: URIRef | str, data: str) -> None:
        self._store.update(f"DROP SILENT GRAPH <{iri}> ; INSERT DATA {{ GRAPH <{iri}> {{\n{data}\n}} }}")

    def drop_graph(self, iri: URIRef | str) -> None:
        self._store.update(f"DROP SILENT GRAPH <{iri}>")

    def content_hash(self, doc: URIRef | str) -> str | None:
        rows = self.select(f"SELECT ?h WHERE {{ GRAPH <{doc}> {{ <{doc}> <{DIP.contentHash}> ?h }} }}")
        return str(rows[0]["h"].value) if rows else None

    def document_graphs(self) -> list[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{DIP.Document}> }} }} ORDER BY ?g")
        return [row["g"].value for row in rows]

    def graph(self, iri: URIRef | str) -> Graph:
        """A copy of one named graph as an rdflib graph."""
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        data = self._serialize_graph(iri)
        if data:
            graph.parse(data=data, format="nt")
        return graph

    def _serialize_graph(self, iri: URIRef | str) -> str:
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(str(iri)))
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")

    def count(self, iri: URIRef | str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"].value)

    def load_ontology(self) -> bool:
        """Load the ontology, issue scheme and reference data into their graph; True when it changed."""
        graph = ontology_graph()
        data = to_ntriples(graph)
        current = self.count(GRAPH_ONTOLOGY)
        if current == len(graph):
            return False
        self.replace_graph_ntriples(GRAPH_ONTOLOGY, data)
        return True

    def asserted_ntriples(self, *, include_ontology: bool = True) -> str:
        """Every asserted triple (document graphs, and the ontology graph when asked) as N-Triples."""
        parts = [self._serialize_graph(g) for g in self.document_graphs()]
        if include_ontology:
            parts.append(self._serialize_graph(GRAPH_ONTOLOGY))
        return "".join(parts)

    def quads(self, *, include_inferred: bool) -> Iterator[ox.Quad]:
        for quad in self._store.quads_for_pattern(None, None, None, None):
            if (
                not include_inferred
                and isinstance(quad.graph_name, ox.NamedNode)
                and quad.graph_name.value == str(GRAPH_INFERRED)
            ):
                continue
            yield quad

    def query(self, sparql: str, *, bindings: Substitutions | None = None) -> Any:
        """Run SPARQL over the union of all graphs with the project's prefixes bound.

        ``bindings`` become a trailing VALUES clause built from RDF terms (serialised by Oxigraph, so a
        value can never change the query's structure).
        """
        if bindings:
            names = " ".join(f"?{variable.value}" for variable in bindings)
            terms = " ".join(str(term) for term in bindings.values())
            sparql = f"{sparql}\nVALUES ({names}) {{ ({terms}) }}"
        return self._store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)

    def select(self, sparql: str) -> list[ox.QuerySolution]:
        """Rows of a SELECT query run on the raw store (GRAPH patterns see every named graph)."""
        result = self._store.query(sparql)
        assert isinstance(result, ox.QuerySolutions)
        return list(result)

    def graphs_info(self, iris: Iterable[str]) -> list[GraphInfo]:
        return [GraphInfo(iri, self.count(iri)) for iri in iris]
