"""`kg serve`: the real Oxigraph server behind a small forwarder, on loopback; answers equal `kg.run_query`."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import kg
from kg import serve
from kg.cli import app
from kg.errors import ServeError, StoreError
from tests.servers import JSON_RESULTS, QUERIES, result_rows, stored_query_text

pytestmark = pytest.mark.skipif(serve.oxigraph_binary() is None, reason="the oxigraph binary is missing")


@pytest.mark.parametrize("name", sorted(QUERIES), ids=sorted(QUERIES))
def test_serve_stored_query_matches_run_query(seed_store: Path, name: str) -> None:
    sparql, examples = stored_query_text(name)
    with kg.open_store(seed_store, read_only=True) as store:
        expected = kg.run_query(store, name, **examples)
    assert expected, f"{name}: no rows with its example parameters"
    with serve.start(seed_store, port=0) as handle, httpx.Client(timeout=60) as client:
        accept = {"Accept": JSON_RESULTS}
        by_get = result_rows(client.get(handle.sparql_url, params={"query": sparql}, headers=accept))
        by_form = result_rows(client.post(handle.sparql_url, data={"query": sparql}, headers=accept))
        direct = {**accept, "Content-Type": "application/sparql-query"}
        by_body = result_rows(client.post(handle.sparql_url, content=sparql.encode(), headers=direct))
    assert by_get == expected
    assert by_form == expected
    assert by_body == expected


@pytest.mark.parametrize("route", ["/update", "/store"], ids=["update", "graph-store"])
def test_serve_read_only_refuses_writes(seed_store: Path, route: str) -> None:
    with serve.start(seed_store, port=0) as handle, httpx.Client(timeout=60) as client:
        if route == "/update":
            response = client.post(handle.url + route, data={"update": "INSERT DATA { <urn:x:s> <urn:x:p> 1 }"})
        else:
            response = client.put(
                handle.url + route,
                params={"graph": "urn:x:g"},
                content=b"<urn:x:s> <urn:x:p> 1 .",
                headers={"Content-Type": "application/n-triples"},
            )
        assert response.status_code == 403
        assert "--writable" in response.text
        # the refused body was consumed: the same kept-alive connection serves the next request
        after = client.get(handle.sparql_url, params={"query": "ASK {}"}, headers={"Accept": JSON_RESULTS})
        assert after.json()["boolean"] is True
        # and Oxigraph itself, started read-only, refuses too
        direct = client.post(handle.backend_url + "/update", data={"update": "INSERT DATA { <urn:x:s> <urn:x:p> 1 }"})
        assert 400 <= direct.status_code < 500


@pytest.mark.parametrize("update", ["INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 1 } }"], ids=["insert"])
def test_serve_writable_accepts_update(seed_store: Path, tmp_path: Path, update: str) -> None:
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store, ignore=shutil.ignore_patterns("LOCK"))
    ask = "ASK { <urn:x:s> <urn:x:p> 1 }"
    with serve.start(store, port=0, writable=True) as handle, httpx.Client(timeout=60) as client:
        response = client.post(handle.url + "/update", data={"update": update})
        assert response.status_code in (200, 204), response.text
        answer = client.get(handle.sparql_url, params={"query": ask}, headers={"Accept": JSON_RESULTS})
        assert answer.json()["boolean"] is True
    with kg.open_store(store, read_only=True) as opened:
        assert opened.query(ask)  # persisted in the store folder


@pytest.mark.parametrize("path", ["/config.json"], ids=["config"])
def test_serve_config_lists_every_stored_query(seed_store: Path, path: str) -> None:
    with serve.start(seed_store, port=0) as handle:
        response = httpx.get(handle.url + path, timeout=60)
    assert response.status_code == 200
    config = response.json()
    assert config["endpoint"] == "/query"
    assert config["prefixes"]["dip"] == "https://w3id.org/dipkg/ontology#"
    assert [q["name"] for q in config["queries"]] == sorted(QUERIES)
    for entry in config["queries"]:
        query = QUERIES[entry["name"]]
        assert entry["description"] == query.summary
        assert [p["name"] for p in entry["parameters"]] == [p.name for p in query.params]
        ox.Store().query(entry["sparql"])  # self-contained: parses with no prefixes bound


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/../pyproject.toml", 404), ("/no-such-file.js", 404)],
    ids=["page", "outside", "missing"],
)
def test_serve_static_files(seed_store: Path, path: str, status: int) -> None:
    with serve.start(seed_store, port=0) as handle:
        parts = urlsplit(handle.url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        connection.request("GET", path)  # sent as written: no client-side normalisation of '..'
        response = connection.getresponse()
        body = response.read()
        connection.close()
    assert response.status == status
    if status == 200:
        assert response.getheader("Content-Type", "").startswith("text/html")
        assert b"<" in body


def _taken_port() -> tuple[socket.socket, int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener, listener.getsockname()[1]


@pytest.mark.parametrize("case", ["no-store", "port-taken", "no-binary"], ids=["no-store", "port-taken", "no-binary"])
def test_serve_errors_exit_2(
    seed_store: Path, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    store, port, expected = seed_store, serve.free_port(), ""
    listener = None
    if case == "no-store":
        store, expected = tmp_path / "nothing", "no store here"
    elif case == "port-taken":
        listener, port = _taken_port()
        expected = f"cannot listen on 127.0.0.1:{port}"
    else:
        monkeypatch.setattr(serve, "oxigraph_binary", lambda: None)
        expected = "pip install oxigraph"
    try:
        with pytest.raises((StoreError, ServeError)) as caught:
            serve.start(store, port=port)
        assert expected in str(caught.value)
        result = runner.invoke(app, ["--store", str(store), "serve", "--port", str(port)])
    finally:
        if listener is not None:
            listener.close()
    assert result.exit_code == 2
    assert expected in result.output


def _closed(url: str) -> bool:
    try:
        httpx.get(url, timeout=5)
    except httpx.TransportError:
        return True
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_cli_runs_until_signal(seed_store: Path, runner: CliRunner, stop_signal: signal.Signals) -> None:
    port = serve.free_port()
    answered: list[int] = []

    def stop_when_up() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answered.append(httpx.get(f"http://127.0.0.1:{port}/config.json", timeout=5).status_code)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        os.kill(os.getpid(), stop_signal)

    killer = threading.Thread(target=stop_when_up)
    killer.start()
    result = runner.invoke(app, ["--store", str(seed_store), "serve", "--port", str(port)])
    killer.join()
    assert answered == [200]
    assert result.exit_code == 0, result.output
    assert f"serving http://127.0.0.1:{port}" in result.output
    assert "stopped" in result.output
    backend = re.search(r"Oxigraph at (http://\S+?)\)", result.output)
    assert backend is not None
    assert _closed(f"http://127.0.0.1:{port}/") and _closed(backend.group(1) + "/")
