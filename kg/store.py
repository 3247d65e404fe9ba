"""The embedded store: Oxigraph on disk, one named graph per document.

Replacing a document's graph is one SPARQL update (drop, then insert), which Oxigraph runs as one
transaction: a reader sees the old graph or the new one, never half of either.

The store's default graph holds the union of all named graphs, each statement once (the RDF merge that
SPARQL's default graph stands for). Every write keeps it in step in the same transaction as the named
graph it changes. Queries read it: Oxigraph's own union default graph repeats a statement once per graph
that holds it, so a statement that a thousand documents share (a country's type, a post's country) was
matched a thousand times, and aggregates over the whole store grew with the square of the archive. The
file ``union-graph`` says whether the default graph is complete (``complete``); a writer that finds it
missing (a store made before this file existed) or not complete (an interrupted bulk load) rebuilds it, and
a reader then queries the named graphs' union instead.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg import paths
from kg.errors import OntologyLoadError, StoreError
from kg.lock import WriteLock
from kg.rdfio import rdflib_term, read_graph
from kg.vocab import DIP, GRAPH_INFERRED, GRAPH_ONTOLOGY, PREFIXES

DEFAULT_STORE = Path(".kg")
UNION_STATE_FILE = "union-graph"
UNION_COMPLETE = "complete"
UNION_PENDING = "rebuilding"  # written before a write that bypasses the default graph (a bulk load)
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DOCUMENT = ox.NamedNode(str(DIP.Document))
_UNION_BATCH = 250_000  # statements per bulk write when the default graph is rebuilt
UNION_OFF = "off"  # a writable server owns the store: its writes do not keep the default graph
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
        fix = "fix the Turtle syntax or restore it from git"
        read_graph(paths.ONTOLOGY_DIR / name, OntologyLoadError, fix, kind="ontology", into=graph)
    return graph


def to_ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt")


def _open_read_only(path: Path, *, attempts: int = 20) -> ox.Store:
    """Oxigraph's read-only view of ``path``, retried briefly: a writer that is creating the store or
    rewriting its files can make an open fail for a moment (RocksDB: "Column family not found")."""
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


# One token of SPARQL text, in the order that keeps strings, IRIs and comments whole.
_SPARQL_TOKEN = re.compile(
    r'''(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|\#[^\n]*)"""
    r"|(?P<variable>[?$][A-Za-z_0-9\u00B7-\uFFFF]+)|(?P<word>[A-Za-z]+)|(?P<brace>[{}])|(?P<paren>[()])",
)


def inline_bindings(sparql: str, bindings: Substitutions) -> str:
    """``sparql`` with each bound variable replaced by its term, the way the surrounding syntax needs it.

    In a SELECT projection the variable becomes ``(<term> AS ?v)``, so the column stays (inside a
    projected expression, the term); after ORDER BY
    or GROUP BY, ``(<term>)``; after AS (a BIND or a projection expression naming it) it is left alone;
    anywhere else the term itself. Strings, IRIs and comments are never touched.

    >>> inline_bindings('SELECT ?m ?a WHERE { ?m <p> ?a . FILTER(?a != "?a") } ORDER BY ?a',
    ...                 {ox.Variable("a"): ox.NamedNode("http://x/JP")})
    'SELECT ?m (<http://x/JP> AS ?a) WHERE { ?m <p> <http://x/JP> . FILTER(<http://x/JP> != "?a") } ORDER BY (<http://x/JP>)'
    """
    terms = {variable.value: str(term) for variable, term in bindings.items()}
    parts: list[str] = []
    position = 0
    context = "pattern"  # "projection" after SELECT, "ordering" after BY, else "pattern"
    after_as = False
    depth = 0  # parentheses open in a projection
    for match in _SPARQL_TOKEN.finditer(sparql):
        word, variable, brace = match.group("word"), match.group("variable"), match.group("brace")
        replacement = None
        if match.group("paren") is not None:
            depth = max(0, depth + (1 if match.group("paren") == "(" else -1))
        elif word is not None:
            keyword = word.upper()
            if keyword == "SELECT":
                context, depth = "projection", 0
            elif keyword == "BY":
                context = "ordering"
            elif keyword in ("WHERE", "FROM", "LIMIT", "OFFSET", "HAVING", "VALUES"):
                context = "pattern"
        elif brace is not None:
            context = "pattern"
        elif variable is not None and variable[1:] in terms and not after_as:
            term = terms[variable[1:]]
            if context == "projection" and depth == 0:
                replacement = f"({term} AS {variable})"
            else:
                replacement = f"({term})" if context == "ordering" and depth == 0 else term
        after_as = word is not None and word.upper() == "AS"
        if replacement is not None:
            parts.append(sparql[position : match.start()])
            parts.append(replacement)
            position = match.end()
    parts.append(sparql[position:])
    return "".join(parts)


def union_state(store: Path) -> str | None:
    """What the store's ``union-graph`` file says (``complete``, ``rebuilding``, ``off``); None when there is
    no such file (a store made before it existed, or a new empty one)."""
    try:
        return (store / UNION_STATE_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _forget_from_union(graphs: list[str]) -> str:
    """A SPARQL update removing from the default graph what only ``graphs`` hold (before they change)."""
    values = " ".join(f"<{g}>" for g in graphs)
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other NOT IN ({', '.join(values.split())})) }} }}"
    )


def _ntriples(triples: Iterable[ox.Triple]) -> str:
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


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

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        wait: float = 0.0,
        command: str = "",
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Open (a writer first takes the write lock, waiting up to ``wait`` s: see kg/lock.py).

        Raises StoreLockedError when another writer holds the lock, StoreError when it cannot be opened.
        """
        self.path = Path(path)
        self._lock: WriteLock | None = None
        try:
            if read_only:
                if not self.path.exists():
                    raise StoreError(
                        "no store here; run `kg build` or `kg ingest` first, or pass --store", path=self.path
                    )
                self._store = _open_read_only(self.path)
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._lock = WriteLock(self.path, wait=wait, command=command, on_wait=on_wait)
                self._lock.acquire()
                self._store = ox.Store(str(self.path))
                if self.union_state() != UNION_COMPLETE:
                    self.rebuild_union()
        except (OSError, RuntimeError) as error:  # Oxigraph reports RocksDB errors as either
            self._release_lock()
            raise StoreError(
                f"cannot open the store: {error}. Is another program writing to it? Wait for it to "
                "finish, or pass another --store",
                path=self.path,
            ) from error
        except StoreError:
            self._release_lock()
            raise

    def _release_lock(self) -> None:
        lock, self._lock = getattr(self, "_lock", None), None
        if lock is not None:
            lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if hasattr(self, "_store"):
            with contextlib.suppress(OSError, AttributeError, RuntimeError):  # read-only stores cannot flush
                self._store.flush()
            # RocksDB's lock goes with the last reference to the handle; a reference cycle (a parser's
            # cached exception keeps the frames that held it) would keep the folder locked until the next
            # garbage collection, so collect then (a fifth of a second): the same process may open the
            # store again
            shared = sys.getrefcount(self._store) > 2  # this attribute and getrefcount's own argument
            del self._store
            if shared:
                gc.collect()
        self._release_lock()

    @property
    def oxigraph(self) -> ox.Store:
        return self._store

    # -- the default graph: every named graph's statements, each once -----------------------------------
    def union_state(self) -> str | None:
        return union_state(self.path)

    def _set_union_state(self, state: str) -> None:
        target = self.path / UNION_STATE_FILE
        temporary = target.with_name(UNION_STATE_FILE + ".tmp")
        temporary.write_text(state + "\n", encoding="utf-8")
        os.replace(temporary, target)

    @property
    def union_ready(self) -> bool:
        """True when the default graph holds the union of the named graphs (queries then read it)."""
        return self.union_state() == UNION_COMPLETE

    def mark_union_stale(self) -> None:
        """Call before writing past this class's methods (a bulk load); ``rebuild_union`` afterwards."""
        self._set_union_state(UNION_PENDING)

    def rebuild_union(self, added: Iterable[URIRef | str] | None = None) -> None:
        """Fill the default graph with the named graphs' statements again (for a store made by an older
        dipkg, or after an interruption); with ``added``, only add those graphs' statements (after a bulk
        load of new graphs). Not one transaction: ``union-graph`` says ``rebuilding`` until it is done."""
        self._set_union_state(UNION_PENDING)
        if added is None:
            self._store.update("DROP SILENT DEFAULT")
            graphs = list(self._store.named_graphs())
        else:
            graphs = [ox.NamedNode(str(iri)) for iri in added]
        # Oxigraph's bulk loader writes files per call: a few large calls, not one per graph (minutes at
        # 10,000 documents); each batch is read completely before it is written
        batch: set[ox.Quad] = set()
        for graph in graphs:
            batch.update(
                ox.Quad(q.subject, q.predicate, q.object)
                for q in self._store.quads_for_pattern(None, None, None, graph)
            )
            if len(batch) >= _UNION_BATCH:
                self._store.bulk_extend(batch)
                batch = set()
        self._store.bulk_extend(batch)
        self._store.flush()
        self._set_union_state(UNION_COMPLETE)

    def hand_over_union(self) -> None:
        """Empty the default graph for a writable server, whose writes would not keep it (the next writer
        that opens the store rebuilds it)."""
        self._set_union_state(UNION_OFF)
        self._store.update("DROP SILENT DEFAULT")
        self._store.flush()

    def dataset(self) -> dict[str, Any]:
        """Keyword arguments for Oxigraph's ``query`` that read "everything": the default graph when it is
        complete, else the union of the named graphs."""
        if self.union_ready:
            return {}
        return {"default_graph": list(self._store.named_graphs())}

    # -- graphs ---------------------------------------------------------------------------------------
    def note_changed(self, iris: Iterable[URIRef | str]) -> None:
        """Tell reasoning that these graphs are (about to be) rewritten: called before every write.

        Writers that bypass the methods below (a bulk loader) call it themselves.
        """
        from kg.materialize import note_changed

        note_changed(self.path / "reasoning", [str(iri) for iri in iris])

    def replace_graph(self, iri: URIRef | str, graph: Graph) -> None:
        """Put ``graph`` in the named graph ``iri``, replacing what it held, in one transaction."""
        self.replace_graph_ntriples(iri, to_ntriples(graph))

    def replace_graph_ntriples(self, iri: URIRef | str, data: str) -> None:
        """Put the N-Triples ``data`` in the named graph ``iri``, replacing what it held, in one transaction
        (with the default graph: what only the old graph said leaves it, the new statements join it)."""
        self.note_changed([iri])
        self.rewrite_graph(str(iri), data)

    def rewrite_graph(self, iri: str, data: str) -> None:
        """``replace_graph_ntriples`` without telling reasoning: for reasoning's own graph."""
        parts = [_forget_from_union([iri]), f"DROP SILENT GRAPH <{iri}>"]
        if data.strip():
            # one INSERT DATA for both copies, so that a blank node label names the same node in both
            parts.append(f"INSERT DATA {{\n{data}\nGRAPH <{iri}> {{\n{data}\n}} }}")
        self._store.update(" ;\n".join(parts))

    def add_graphs(self, nquads: str) -> None:
        """Add new named graphs given as N-Quads (and their statements to the default graph), in one
        transaction. For graphs the store does not hold yet: an existing graph would be merged with."""
        if not nquads.strip():
            return
        quads = list(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
        self.note_changed({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
        self._store.extend([*quads, *(ox.Quad(q.subject, q.predicate, q.object) for q in quads)])

    def change_graph(
        self, iri: URIRef | str, *, add: Iterable[ox.Triple] = (), remove: Iterable[ox.Triple] = ()
    ) -> None:
        """Add and remove statements of one named graph (and keep the default graph in step), in one
        transaction. Statements to remove may not contain blank nodes (SPARQL cannot name them): rewrite the
        graph with ``replace_graph_ntriples`` instead."""
        graph = ox.NamedNode(str(iri))
        added, removed = list(add), list(remove)
        if any(isinstance(term, ox.BlankNode) for triple in removed for term in triple):
            raise ValueError("cannot remove statements with blank nodes one by one; replace the graph")
        parts = []
        if removed:
            parts.append(f"DELETE DATA {{ GRAPH {graph} {{\n{_ntriples(removed)}\n}} }}")
            alone = [t for t in removed if not self._held_elsewhere(t, graph)]
            if alone:
                parts.append(f"DELETE DATA {{\n{_ntriples(alone)}\n}}")
        if added:
            data = _ntriples(added)
            parts.append(f"INSERT DATA {{\n{data}\nGRAPH {graph} {{\n{data}\n}} }}")
        if parts:
            self._store.update(" ;\n".join(parts))

    def _held_elsewhere(self, triple: ox.Triple, graph: ox.NamedNode) -> bool:
        return any(
            q.graph_name != graph and not isinstance(q.graph_name, ox.DefaultGraph)
            for q in self._store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        )

    def drop_graph(self, iri: URIRef | str) -> None:
        self.drop_graphs([iri])

    def drop_graphs(self, iris: Iterable[URIRef | str]) -> None:
        """Drop several named graphs in one transaction: all of them go, or none."""
        names = [str(iri) for iri in iris]
        if not names:
            return
        self.note_changed(names)
        statements = [f"DROP SILENT GRAPH <{iri}>" for iri in names]
        alone = self._held_only_by({ox.NamedNode(name) for name in names})
        if alone is None:  # blank nodes, which DELETE DATA cannot name: let SPARQL find them
            statements.insert(0, _forget_from_union(names))
        elif alone:
            statements.append(f"DELETE DATA {{\n{_ntriples(alone)}\n}}")
        self._store.update(" ;\n".join(statements))

    def _held_only_by(self, graphs: set[ox.NamedNode]) -> list[ox.Triple] | None:
        """The statements that no named graph but ``graphs`` holds (they leave the default graph with
        them); None when one has a blank node. Looked up here rather than in SPARQL, whose NOT IN over
        thousands of dropped graphs would be checked for every statement."""
        candidates: set[ox.Triple] = set()
        for graph in graphs:
            candidates.update(q.triple for q in self._store.quads_for_pattern(None, None, None, graph))
        if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in candidates):
            return None
        return [
            t
            for t in candidates
            if not any(
                not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name not in graphs
                for q in self._store.quads_for_pattern(t.subject, t.predicate, t.object, None)
            )
        ]

    def content_hash(self, doc: URIRef | str) -> str | None:
        rows = self.select(f"SELECT ?h WHERE {{ GRAPH <{doc}> {{ <{doc}> <{DIP.contentHash}> ?h }} }}")
        return str(rows[0]["h"].value) if rows else None

    def document_graphs(self) -> list[str]:
        """The IRIs of the document graphs (a graph that says it is a dip:Document), sorted."""
        # an index lookup: the SPARQL form (GRAPH ?g { ?g a dip:Document }) took most of a second at 10,000
        quads = self._store.quads_for_pattern(None, _RDF_TYPE, _DOCUMENT, None)
        return sorted(
            {q.subject.value for q in quads if q.graph_name == q.subject and isinstance(q.subject, ox.NamedNode)}
        )

    def graph(self, iri: URIRef | str) -> Graph:
        """A copy of one named graph as an rdflib graph."""
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        # term by term, not through rdflib's N-Triples parser: that one is quadratic in the length of a line,
        # and a document's dip:text is one line (a 10 MB document would take minutes)
        for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(str(iri))):
            graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object)))
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
        if self.count(GRAPH_ONTOLOGY) == len(graph):
            return False
        self.replace_graph_ntriples(GRAPH_ONTOLOGY, to_ntriples(graph))
        return True

    def asserted_ntriples(self, *, include_ontology: bool = True) -> str:
        """Every asserted triple (document graphs, and the ontology graph when asked) as N-Triples."""
        parts = [self._serialize_graph(g) for g in self.document_graphs()]
        if include_ontology:
            parts.append(self._serialize_graph(GRAPH_ONTOLOGY))
        return "".join(parts)

    def quads(self, *, include_inferred: bool) -> Iterator[ox.Quad]:
        for quad in self._store.quads_for_pattern(None, None, None, None):
            if isinstance(quad.graph_name, ox.DefaultGraph):  # the union copy (see the module's docstring)
                continue
            if (
                not include_inferred
                and isinstance(quad.graph_name, ox.NamedNode)
                and quad.graph_name.value == str(GRAPH_INFERRED)
            ):
                continue
            yield quad

    def query(self, sparql: str, *, bindings: Substitutions | None = None) -> Any:
        """Run SPARQL over the union of all graphs (each statement once) with the project's prefixes bound.

        ``bindings`` are written into the query in place of their variables (``inline_bindings``) as RDF
        terms serialised by Oxigraph, so a value can never change the query's structure; the engine then
        starts from the bound node, where a trailing VALUES clause is joined only after the whole pattern
        was evaluated (a person's or a country's query scanned the whole store).
        """
        if bindings:
            sparql = inline_bindings(sparql, bindings)
        return self._store.query(sparql, prefixes=PREFIXES, **self.dataset())

    def select(self, sparql: str) -> list[ox.QuerySolution]:
        """Rows of a SELECT query run on the raw store (GRAPH patterns see every named graph)."""
        result = self._store.query(sparql)
        assert isinstance(result, ox.QuerySolutions)
        return list(result)

    def graphs_info(self, iris: Iterable[str]) -> list[GraphInfo]:
        return [GraphInfo(iri, self.count(iri)) for iri in iris]
