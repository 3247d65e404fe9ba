"""RDF files into rdflib graphs, parsed by Oxigraph.

rdflib is the graph API of conversion, reasoning and validation, but its Turtle and N-Triples parsers are
slow: the ontology alone took 0.7 s to parse, once per command and again in each step that needed it, a
large share of adding one document to the store. Oxigraph parses the same files in milliseconds and its
terms become rdflib's term by term. When Oxigraph refuses a file, rdflib parses it again to give its own
message (it names the line and what it expected), so errors read as they always did.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, Literal, URIRef

from kg.errors import KGError


def rdflib_term(term: Any) -> Any:
    """An Oxigraph term as the rdflib term rdflib's own parsers would make of it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))
    raise TypeError(f"not an RDF term of a named graph: {term!r}")


def add_triples(graph: Graph, triples: Iterable[Any]) -> Graph:
    """Add Oxigraph triples (or quads, whose graph is ignored) to ``graph``; returns it."""
    graph.addN((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object), graph) for t in triples)
    return graph


def graph_from_ntriples(data: str | bytes) -> Graph:
    """An rdflib graph of N-Triples text."""
    text = data.encode("utf-8") if isinstance(data, str) else data
    if not text.strip():
        return Graph()
    # fresh blank nodes for each parse, as rdflib's parsers make them
    return add_triples(Graph(), ox.parse(text, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=True))


def read_graph(path: Path, error: type[KGError], fix: str, *, kind: str, into: Graph | None = None) -> Graph:
    """The Turtle file ``path`` as an rdflib graph (added to ``into`` when given).

    Raises ``error`` naming the file (and line) when it is missing or does not parse: "``kind`` file is
    missing", or "does not parse: ...; ``fix``".
    """
    graph = Graph() if into is None else into
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))
    except FileNotFoundError as missing:
        raise error(f"{kind} file is missing; restore it from git", path=path) from missing
    except (SyntaxError, ValueError, OSError):
        return _read_with_rdflib(path, graph, error, fix, kind)
    return add_triples(graph, triples)


def _read_with_rdflib(path: Path, graph: Graph, error: type[KGError], fix: str, kind: str) -> Graph:
    """rdflib's parse, for its error message; its graph if it reads what Oxigraph did not."""
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError as missing:
        raise error(f"{kind} file is missing; restore it from git", path=path) from missing
    except Exception as failure:  # rdflib raises several parser exception types
        line = getattr(failure, "lines", None)
        raise error(
            f"does not parse: {getattr(failure, 'why', failure)}; {fix}",
            path=path,
            line=line + 1 if isinstance(line, int) else None,
        ) from failure
    return graph
