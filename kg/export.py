"""Export the store for other graph tools: a table of writers, one per format."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pyoxigraph as ox
from rdflib import Dataset

from kg.store import Store
from kg.vocab import PREFIXES


def _dataset_formats(quads: Iterable[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    return ox.serialize(quads, format=fmt) or b""


def _triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    seen: dict[ox.Triple, None] = {}
    for quad in quads:
        seen[ox.Triple(quad.subject, quad.predicate, quad.object)] = None
    return list(seen)


def _turtle(quads: Iterable[ox.Quad]) -> bytes:
    return ox.serialize(_triples(quads), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def _ntriples(quads: Iterable[ox.Quad]) -> bytes:
    return ox.serialize(_triples(quads), format=ox.RdfFormat.N_TRIPLES) or b""


def _nquads(quads: Iterable[ox.Quad]) -> bytes:
    return _dataset_formats(quads, ox.RdfFormat.N_QUADS)


def _trig(quads: Iterable[ox.Quad]) -> bytes:
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b""


def _jsonld(quads: Iterable[ox.Quad]) -> bytes:
    dataset = Dataset()
    dataset.parse(data=_nquads(quads).decode("utf-8"), format="nquads")
    context = dict(PREFIXES)
    return dataset.serialize(format="json-ld", context=context, indent=1).encode("utf-8")


# Turtle and N-Triples have no graphs: they carry the merge of the exported graphs.
WRITERS: Mapping[str, Callable[[Iterable[ox.Quad]], bytes]] = {
    "turtle": _turtle,
    "nt": _ntriples,
    "nquads": _nquads,
    "trig": _trig,
    "jsonld": _jsonld,
}


def export(store: Store, *, fmt: str = "trig", include_inferred: bool = False) -> bytes:
    """The store's asserted graphs (and the inferred graph when asked) in one of WRITERS' formats."""
    if fmt not in WRITERS:
        from kg.errors import InputError

        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(WRITERS)}")
    return WRITERS[fmt](list(store.quads(include_inferred=include_inferred)))
