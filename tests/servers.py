"""Real SPARQL servers for the tests, started on free loopback ports in a temporary folder and stopped after.

- Oxigraph: the ``oxigraph`` binary of the pip package, ``serve`` on its own store folder; Graph Store at
  ``/store``, no authentication.
- Virtuoso: ``virtuoso-t`` of Debian's ``virtuoso-opensource``, with a ``virtuoso.ini`` written here
  (database, log and lock files in the folder, both ports on 127.0.0.1), run with ``+foreground``;
  Graph Store at ``/sparql-graph-crud-auth`` with digest authentication as ``dba``/``dba`` (the
  package's default account, which may update graphs).

The conftest fixtures skip a test only when a binary is missing (.ci/run installs both).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
from rdflib import Graph

from kg.push import PushAuth
from kg.queries import bind, python_value, stored_queries
from kg.serve import free_port, oxigraph_binary, prefix_block

VIRTUOSO = "virtuoso-t"
STARTUP_SECONDS = 120.0
JSON_RESULTS = "application/sparql-results+json"
QUERIES = stored_queries()


@dataclass(frozen=True)
class Server:
    """A running server: its SPARQL and Graph Store endpoints and the credentials that may write."""

    name: str
    version: str
    endpoint: str
    graph_store: str
    auth: PushAuth | None

    def client(self) -> httpx.Client:
        return httpx.Client(auth=self.auth.httpx_auth() if self.auth else None, timeout=60)

    def read_graph(self, iri: str) -> Graph:
        """One named graph as the server holds it, fetched with a Graph Store GET as N-Triples."""
        with self.client() as client:
            response = client.get(self.graph_store, params={"graph": iri}, headers={"Accept": "application/n-triples"})
        graph = Graph()
        if response.status_code == 404:
            return graph
        response.raise_for_status()
        graph.parse(data=response.text, format="nt")
        return graph


def stored_query_text(name: str) -> tuple[str, dict[str, str]]:
    """A stored query as any endpoint takes it (PREFIX lines, as /config.json gives it), with its example
    parameters bound the way `kg` binds them (a trailing VALUES clause of RDF terms), and those parameters."""
    query = QUERIES[name]
    examples = {p.name: p.example for p in query.params}
    sparql = prefix_block() + query.sparql
    if examples:
        terms = bind(query, examples)
        names = " ".join(f"?{v.value}" for v in terms)
        sparql += f"\nVALUES ({names}) {{ ({' '.join(str(t) for t in terms.values())}) }}"
    return sparql, examples


def result_rows(response: httpx.Response) -> list[dict[str, object]]:
    """The rows of a SPARQL JSON results answer, as Python values the way `kg.run_query` gives them."""
    assert response.status_code == 200, response.text[:1000]
    assert response.headers["content-type"].startswith(JSON_RESULTS)
    solutions = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    columns = [v.value for v in solutions.variables]
    return [{c: python_value(solution[c]) for c in columns} for solution in solutions]


def virtuoso_binary() -> str | None:
    return shutil.which(VIRTUOSO)


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS:.0f} s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def _running(command: list[str], url: str, folder: Path) -> Iterator[None]:
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        try:
            _wait_for(url, process, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[Server]:
    """An Oxigraph server on an empty store in ``folder``."""
    binary = oxigraph_binary()
    assert binary is not None, "the oxigraph binary is missing"
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # queries see the union of the graphs, as `kg query` and `kg serve` do (and Virtuoso by default)
    command = [str(binary), "serve", "--location", str(folder / "store"), "--bind", f"127.0.0.1:{port}"]
    command.append("--union-default-graph")
    with _running(command, base + "/query?query=ASK%7B%7D", folder):
        yield Server("oxigraph", version, base + "/query", base + "/store", None)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@contextlib.contextmanager
def virtuoso_server(folder: Path) -> Iterator[Server]:
    """A Virtuoso server on a new database in ``folder``."""
    binary = virtuoso_binary()
    assert binary is not None, "virtuoso-t is missing"
    answer = subprocess.run([binary, "-?"], capture_output=True, text=True)
    about = answer.stdout + answer.stderr
    version = next((line.strip() for line in about.splitlines() if line.startswith("Version")), "unknown")
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    base = f"http://127.0.0.1:{http_port}"
    with _running([binary, "+foreground", "+configfile", str(ini)], base + "/sparql?query=ASK%7B%7D", folder):
        yield Server(
            "virtuoso",
            f"Virtuoso {version}",
            base + "/sparql",
            base + "/sparql-graph-crud-auth",
            PushAuth("dba", "dba", "digest"),
        )
