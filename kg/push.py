"""Push the store to a SPARQL server with the SPARQL 1.1 Graph Store HTTP Protocol.

Each document graph, the ontology graph and the inferred graph is sent with one ``PUT ?graph=IRI``,
which replaces what the server held under that name. The body is the graph's canonical N-Triples
(RDFC-1.0 blank node labels, sorted lines), so its sha256 names the graph's content: the hashes of the
last push to a graph store are kept in ``<store>/push-state.json`` and a graph whose hash did not change
is not sent again. A graph pushed before and gone from the store since is deleted on the server.

Blank nodes (the ontology's OWL lists and datatype unions) travel as blank nodes: a Graph Store PUT
scopes blank node labels to its body, so the server keeps the same structure under labels of its own
and the graph reads back isomorphic. Nothing is skolemised.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
import pyoxigraph as ox

from kg.errors import PushError
from kg.store import Store
from kg.vocab import GRAPH_INFERRED, GRAPH_ONTOLOGY

STATE_FILE = "push-state.json"
NTRIPLES = "application/n-triples"
AuthScheme = Literal["basic", "digest"]
Status = Literal["sent", "unchanged", "deleted"]
# Conventional Graph Store endpoints beside a SPARQL query endpoint: Oxigraph and Virtuoso.
_GRAPH_STORE_BESIDE = {"query": "store", "sparql": "sparql-graph-crud"}


@dataclass(frozen=True)
class PushAuth:
    """Credentials for the graph store: HTTP basic or digest (Virtuoso's ``-auth`` endpoints use digest)."""

    user: str
    password: str
    scheme: AuthScheme = "basic"

    def httpx_auth(self) -> httpx.Auth:
        if self.scheme == "digest":
            return httpx.DigestAuth(self.user, self.password)
        return httpx.BasicAuth(self.user, self.password)


@dataclass(frozen=True)
class GraphContent:
    """One graph as it is sent: canonical N-Triples, their sha256 and the number of triples."""

    iri: str
    body: bytes
    sha256: str
    triples: int


@dataclass(frozen=True)
class GraphPush:
    iri: str
    status: Status
    triples: int
    http_status: int | None = None


@dataclass
class PushReport:
    """What one push did, graph by graph (``dry_run``: what it would have done)."""

    endpoint: str
    graph_store: str
    graphs: list[GraphPush] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def of(self, status: Status) -> list[GraphPush]:
        return [g for g in self.graphs if g.status == status]

    @property
    def sent(self) -> list[GraphPush]:
        return self.of("sent")

    @property
    def unchanged(self) -> list[GraphPush]:
        return self.of("unchanged")

    @property
    def deleted(self) -> list[GraphPush]:
        return self.of("deleted")

    @property
    def triples_sent(self) -> int:
        return sum(g.triples for g in self.sent)


def graph_store_url(endpoint: str, *, auth: PushAuth | None = None) -> str:
    """The Graph Store endpoint beside a SPARQL endpoint, by the servers' conventions.

    ``.../query`` (Oxigraph) gives ``.../store``; ``.../sparql`` (Virtuoso) gives ``.../sparql-graph-crud``,
    or ``.../sparql-graph-crud-auth`` when credentials are given. Raises PushError for other endpoints.

    >>> graph_store_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/store'
    >>> graph_store_url("http://127.0.0.1:8890/sparql", auth=PushAuth("dba", "dba", "digest"))
    'http://127.0.0.1:8890/sparql-graph-crud-auth'
    """
    url = httpx.URL(endpoint)
    head, _, last = url.path.rstrip("/").rpartition("/")
    beside = _GRAPH_STORE_BESIDE.get(last)
    if beside is None:
        raise PushError(
            f"cannot tell the Graph Store endpoint of {endpoint}; pass --graph-store URL "
            "(Oxigraph: .../store, Virtuoso: .../sparql-graph-crud-auth, Fuseki: /DATASET/data)"
        )
    if beside == "sparql-graph-crud" and auth is not None:
        beside += "-auth"
    return str(url.copy_with(path=f"{head}/{beside}", query=None))


def canonical_ntriples(triples: list[ox.Triple]) -> bytes:
    """Sorted N-Triples with RDFC-1.0 blank node labels: equal graphs give equal bytes.

    >>> b = ox.BlankNode()
    >>> canonical_ntriples([ox.Triple(b, ox.NamedNode("http://e/p"), ox.Literal("x"))])
    b'_:c14n0 <http://e/p> "x" .\\n'
    """
    if any(isinstance(term, ox.BlankNode) for t in triples for term in (t.subject, t.object)):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in dataset]
    lines = sorted(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
    return "".join(lines).encode("utf-8")


def pushed_graphs(store: Store) -> list[str]:
    """The graphs a push sends: every document graph, then the ontology and the inferred graph."""
    return [*store.document_graphs(), str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED)]


def graph_contents(store: Store) -> Iterator[GraphContent]:
    """Each pushed graph that holds triples, as it is sent."""
    for iri in pushed_graphs(store):
        quads = store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(iri))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        if triples:
            body = canonical_ntriples(triples)
            yield GraphContent(iri, body, hashlib.sha256(body).hexdigest(), len(triples))


# -- state ------------------------------------------------------------------------------------------------
def _load_state(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PushError(
            f"cannot read the push state: {error}; delete the file to push everything", path=path
        ) from error
    if not isinstance(state, dict):
        raise PushError("the push state is not a JSON object; delete the file to push everything", path=path)
    return state


def _save_state(path: Path, state: dict[str, dict[str, str]]) -> None:
    # write then rename, so an interrupted push leaves the previous state rather than half a file
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


# -- HTTP -------------------------------------------------------------------------------------------------
def _request(
    client: httpx.Client,
    method: str,
    url: str,
    iri: str,
    *,
    body: bytes | None,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> httpx.Response:
    """One Graph Store request, retried on connection errors and 5xx; PushError when it cannot succeed."""
    attempt = 0
    while True:
        attempt += 1
        problem: str
        try:
            headers = {"Content-Type": NTRIPLES} if body is not None else {}
            response = client.request(method, url, params={"graph": iri}, content=body, headers=headers)
        except httpx.TransportError as error:
            problem = f"could not reach the server ({error.__class__.__name__}: {error})"
        else:
            if response.is_success or (method == "DELETE" and response.status_code == 404):
                return response
            excerpt = " ".join(response.text.split())[:300]
            problem = f"HTTP {response.status_code} {response.reason_phrase}" + (f": {excerpt}" if excerpt else "")
            if response.status_code in (401, 403):
                raise PushError(
                    f"{method} of graph <{iri}> refused at {url}: {problem}. Check --user, --password and "
                    "--auth (basic or digest), and that the user may write graphs"
                )
            if response.status_code < 500:
                raise PushError(f"{method} of graph <{iri}> failed at {url}: {problem}")
        if attempt > retries:
            raise PushError(
                f"{method} of graph <{iri}> failed at {url} after {attempt} attempts: {problem}. "
                "Is the server running, and is this its Graph Store endpoint (--graph-store)?"
            )
        sleep(backoff * 2 ** (attempt - 1))


def push_store(
    store: Store,
    endpoint: str,
    graph_store: str | None = None,
    auth: PushAuth | None = None,
    *,
    force: bool = False,
    dry_run: bool = False,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Send the graphs that changed since the last push to ``graph_store`` (derived from ``endpoint``).

    ``force`` sends every graph; ``dry_run`` sends nothing and reports what would be sent. The hashes of
    what the server now holds are saved after each graph, so an interrupted push resumes where it failed.
    Never prints.

    Raises PushError naming the endpoint, the graph and the HTTP status (or connection error) when a
    graph cannot be sent after ``retries`` retries with exponential backoff, at once on 401/403/4xx.
    """
    started = time.perf_counter()
    target = graph_store or graph_store_url(endpoint, auth=auth)
    report = PushReport(endpoint=endpoint, graph_store=target, dry_run=dry_run)
    state_path = store.path / STATE_FILE
    state = _load_state(state_path)
    pushed = dict(state.get(target, {}))
    contents = list(graph_contents(store))
    current = {c.iri for c in contents}
    with httpx.Client(auth=auth.httpx_auth() if auth else None, timeout=timeout) as client:

        def send(method: str, iri: str, body: bytes | None) -> int:
            response = _request(client, method, target, iri, body=body, retries=retries, backoff=backoff, sleep=sleep)
            return response.status_code

        for content in contents:
            if not force and pushed.get(content.iri) == content.sha256:
                report.graphs.append(GraphPush(content.iri, "unchanged", content.triples))
                continue
            code = None if dry_run else send("PUT", content.iri, content.body)
            report.graphs.append(GraphPush(content.iri, "sent", content.triples, code))
            if not dry_run:
                pushed[content.iri] = content.sha256
                _save_state(state_path, {**state, target: pushed})
        for iri in sorted(set(pushed) - current):
            code = None if dry_run else send("DELETE", iri, None)
            report.graphs.append(GraphPush(iri, "deleted", 0, code))
            if not dry_run:
                del pushed[iri]
                _save_state(state_path, {**state, target: pushed})
    report.seconds = time.perf_counter() - started
    return report
