"""`kg serve`: the store as a SPARQL 1.1 Protocol endpoint, with the web page in front.

The SPARQL work is done by the Oxigraph server (the ``oxigraph`` binary of the pip package of that
name), started on the store folder on a private loopback port: ``serve-read-only`` by default, which
lets other readers (``kg query``) share the store, or ``serve`` with ``writable=True``, which takes the
store's lock. This process never opens the store itself. A small stdlib HTTP server in front of it
serves the page of ``kg/web/``, ``/config.json`` (the endpoint, the stored queries and the prefixes),
and forwards ``/query`` (and ``/update``, ``/store`` when writable) to Oxigraph, streaming the answer.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kg import paths
from kg.errors import ServeError, StoreError
from kg.store import UNION_COMPLETE, Store, union_state
from kg.vocab import DIPID, ISSUE, PREFIXES

WEB_DIR = paths.PACKAGE_DIR / "web"
XSD = "http://www.w3.org/2001/XMLSchema#"
READ_ROUTES = ("/query",)
WRITE_ROUTES = ("/update", "/store")
_FORWARDED_REQUEST_HEADERS = ("Accept", "Content-Type")
_FORWARDED_RESPONSE_HEADERS = ("Content-Type", "Content-Disposition", "Vary")
_CHUNK = 64 * 1024
_NO_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>dipkg</title><p>The web page is not installed "
    b"(kg/web/ is missing). The SPARQL endpoint is at <a href=/query>/query</a>.</p>"
)
# How each stored-query parameter type becomes an RDF term (kg.queries.bind does the same in Python).
_PARAM_TERMS: dict[str, dict[str, Any]] = {
    "country": {"kind": "iri", "base": f"{DIPID}country/", "uppercase": True},
    "person": {"kind": "iri", "base": f"{DIPID}person/"},
    "meeting": {"kind": "iri", "base": f"{DIPID}meeting/"},
    "document": {"kind": "iri", "base": f"{DIPID}doc/"},
    "issue": {"kind": "iri", "base": str(ISSUE)},
    "iri": {"kind": "iri"},
    "integer": {"kind": "literal", "datatype": f"{XSD}integer"},
    "date": {"kind": "literal", "datatype": f"{XSD}date"},
    "string": {"kind": "literal"},
}


def oxigraph_binary() -> Path | None:
    """The Oxigraph server binary: beside this Python (a venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return beside
    found = shutil.which("oxigraph")
    return Path(found) if found else None


def prefix_block() -> str:
    """PREFIX declarations for the project's prefixes, so that stored queries run on any endpoint."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


def site_config() -> dict[str, Any]:
    """What ``/config.json`` holds: the endpoint path, every stored query (self-contained), the prefixes."""
    from kg.queries import stored_queries

    queries = [
        {
            "name": query.name,
            "title": query.name.replace("-", " ").capitalize(),
            "description": query.summary,
            "sparql": prefix_block() + query.sparql,
            "columns": list(query.columns),
            "parameters": [
                {"name": p.name, "type": p.type, "example": p.example, "term": _PARAM_TERMS[p.type]}
                for p in query.params
            ],
        }
        for query in stored_queries().values()
    ]
    return {"endpoint": "/query", "queries": queries, "prefixes": dict(PREFIXES)}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _is_store(path: Path) -> bool:
    return (path / "CURRENT").is_file()


class _Oxigraph:
    """The Oxigraph server subprocess on the store folder, bound to a private loopback port."""

    def __init__(
        self, store_path: Path, *, writable: bool, union_default_graph: bool, startup_timeout: float = 30.0
    ) -> None:
        binary = oxigraph_binary()
        if binary is None:
            raise ServeError(
                "the Oxigraph server binary `oxigraph` is missing; install it with `pip install oxigraph` "
                "(a dependency of dipkg) in the environment that runs `kg`"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = "serve" if writable else "serve-read-only"
        self.log = _TailLog()
        arguments = ["--location", str(store_path), "--bind", f"127.0.0.1:{self.port}"]
        if union_default_graph:  # else the store's default graph already holds every graph's statements
            arguments.append("--union-default-graph")
        self.process = subprocess.Popen(
            [str(binary), command, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # its own session: a terminal's Ctrl-C reaches `kg serve` alone, which then stops it in order
            start_new_session=True,
        )
        self.log.follow(self.process)
        deadline = time.monotonic() + startup_timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise StoreError(
                    f"the Oxigraph server stopped at once ({self.log.text() or 'no message'}). Is another "
                    "`kg` writing to the store? Wait for it, or pass another --store",
                    path=store_path,
                )
            if time.monotonic() > deadline:
                self.stop()
                raise ServeError(f"the Oxigraph server did not answer within {startup_timeout:.0f} s")
            time.sleep(0.05)

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
            return True
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()


class _TailLog:
    """The last lines the subprocess wrote to stderr (read on a thread, so the pipe never fills)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def follow(self, process: subprocess.Popen[bytes]) -> None:
        def read() -> None:
            assert process.stderr is not None
            with contextlib.suppress(ValueError, OSError):
                for line in process.stderr:
                    self.lines = [*self.lines[-19:], line.decode("utf-8", "replace").rstrip()]

        threading.Thread(target=read, daemon=True).start()

    def text(self) -> str:
        time.sleep(0.1)  # let the reader thread catch the last words of a process that just exited
        return " ".join(line for line in self.lines if line).strip()


def _handler(backend: str, *, writable: bool, config: bytes, web_dir: Path) -> type[BaseHTTPRequestHandler]:
    routes = READ_ROUTES + (WRITE_ROUTES if writable else ())

    class Handler(BaseHTTPRequestHandler):
        server_version = "dipkg"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a request log on stderr would drown the CLI's own lines."""

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_HEAD(self) -> None:
            self._dispatch("HEAD")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        def _dispatch(self, method: str) -> None:
            path = urlsplit(self.path).path
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                self.close_connection = True  # the body cannot be skipped, so the connection cannot be reused
                self._reply(411, b"send the request body with a Content-Length\n")
                return
            # read the body first: answered or not, it must leave the connection for the next request
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if path in routes:
                self._forward(method, body)
            elif path in WRITE_ROUTES:
                self._reply(403, b"read-only endpoint: start `kg serve --writable` to update the store\n")
            elif method not in ("GET", "HEAD"):
                self._reply(405, b"method not allowed\n")
            elif path == "/config.json":
                self._reply(200, config, "application/json", head=method == "HEAD")
            else:
                self._static(path, head=method == "HEAD")

        def _reply(
            self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8", *, head: bool = False
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _static(self, path: str, *, head: bool) -> None:
            if not web_dir.is_dir():
                if path in ("/", "/index.html"):
                    self._reply(200, _NO_PAGE, "text/html; charset=utf-8", head=head)
                else:
                    self._reply(404, b"not found\n")
                return
            target = (web_dir / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(web_dir.resolve()) or not target.is_file():
                self._reply(404, b"not found\n")
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
                kind += "; charset=utf-8"
            self._reply(200, target.read_bytes(), kind, head=head)

        def _forward(self, method: str, body: bytes | None) -> None:
            headers = {name: self.headers[name] for name in _FORWARDED_REQUEST_HEADERS if self.headers[name]}
            request = urllib.request.Request(backend + self.path, data=body, headers=headers, method=method)
            try:
                response = urllib.request.urlopen(request, timeout=300)
            except urllib.error.HTTPError as error:
                response = error  # Oxigraph's 4xx/5xx answer, passed on as it is
            except OSError as error:
                self._reply(502, f"the Oxigraph server did not answer: {error}\n".encode())
                return
            with response:
                self.send_response(response.status)
                for name in _FORWARDED_RESPONSE_HEADERS:
                    if response.headers[name]:
                        self.send_header(name, response.headers[name])
                if method == "HEAD" or response.status in (204, 304):
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                # streamed in chunks as Oxigraph writes them, never held whole
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                read = getattr(response, "read1", response.read)
                while chunk := read(_CHUNK):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")

    return Handler


class ServeHandle:
    """A running `kg serve`: the page and endpoint at ``url``, SPARQL at ``sparql_url``; ``stop()`` ends both."""

    def __init__(self, server: ThreadingHTTPServer, oxigraph: _Oxigraph) -> None:
        self._server = server
        self._oxigraph = oxigraph
        host, port = server.server_address[:2]
        self.url = f"http://{host if isinstance(host, str) else host.decode()}:{port}"
        self.sparql_url = self.url + "/query"
        self.backend_url = oxigraph.url
        self._thread = threading.Thread(target=server.serve_forever, name="kg-serve", daemon=True)
        self._thread.start()

    def __enter__(self) -> ServeHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def backend_alive(self) -> bool:
        return self._oxigraph.process.poll() is None

    def wait(self, stop: threading.Event, *, poll: float = 0.5) -> None:
        """Block until ``stop`` is set; ServeError when the Oxigraph server exits on its own first."""
        while not stop.wait(poll):
            if not self.backend_alive():
                raise ServeError(f"the Oxigraph server exited ({self._oxigraph.log.text() or 'no message'})")

    def stop(self) -> None:
        """Stop answering, then stop the Oxigraph server (SIGTERM, then SIGKILL after 10 s)."""
        self._server.shutdown()
        self._server.server_close()
        self._oxigraph.stop()


def start(store_path: Path | str, host: str = "127.0.0.1", port: int = 7878, *, writable: bool = False) -> ServeHandle:
    """Serve the store at ``store_path`` on ``host:port``; returns at once with a running ServeHandle.

    Raises StoreError when there is no store (or a writer holds it), ServeError when the ``oxigraph``
    binary is missing or the port is taken.
    """
    path = Path(store_path)
    if not _is_store(path):
        raise StoreError("no store here; run `kg build` first, or pass --store", path=path)
    config = json.dumps(site_config(), indent=1).encode("utf-8")
    try:
        server = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port} ({error.strerror}); pass another --port") from error
    server.daemon_threads = True
    if writable:
        # the server's writes would not keep the store's default graph (the union of the named graphs, see
        # kg/store.py): empty it and let the server show the named graphs' union; the next `kg` writer
        # rebuilds it. Opening as a writer also checks that no other writer holds the store.
        with Store(path, command="kg serve --writable") as opened:
            opened.hand_over_union()
        union = True
    else:
        union = union_state(path) != UNION_COMPLETE
    try:
        oxigraph = _Oxigraph(path.resolve(), writable=writable, union_default_graph=union)
    except BaseException:
        server.server_close()
        raise
    server.RequestHandlerClass = _handler(oxigraph.url, writable=writable, config=config, web_dir=WEB_DIR)
    return ServeHandle(server, oxigraph)
