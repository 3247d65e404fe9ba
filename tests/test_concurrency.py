"""Two commands at once: a second writer waits for the store's write lock (or fails with a message naming
the holder when told not to wait long), readers never wait, and the store is never corrupted.

Every test runs real `kg` subprocesses against one store; a first `kg ingest` of enough documents to take
several seconds holds the lock while the second command starts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import to_isomorphic

from kg.convert import convert_file
from kg.documents import read_document
from kg.lock import LOCK_NAME
from kg.store import Store, rdflib_term
from kg.vocab import DIP
from tests.test_crash import make_documents

KG = Path(sys.executable).with_name("kg")
FIRST = 300  # documents of the writer that holds the lock: long enough to start other commands meanwhile
SECOND = 10


def _kg(store: Path, *args: str) -> list[str]:
    return [str(KG), "--store", str(store), *args]


@contextmanager
def _writer(store: Path, folder: Path) -> Iterator[subprocess.Popen[str]]:
    """`kg ingest folder` running, and holding the store's write lock, for the duration of the block."""
    process = subprocess.Popen(
        _kg(store, "ingest", str(folder)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lock = store / LOCK_NAME
        while process.poll() is None:
            if lock.exists() and lock.read_text(encoding="utf-8").startswith(f"{process.pid} kg ingest"):
                break
            time.sleep(0.05)
        assert process.poll() is None, "the first ingest ended before it took the lock"
        yield process
    finally:
        process.communicate(timeout=600)


def _hashes(store: Path) -> dict[str, str]:
    with Store(store, read_only=True) as opened:
        rows = opened.select(f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <{DIP.contentHash}> ?h }} }}")
    return {row["g"].value: row["h"].value for row in rows}


def _expected_hashes(*folders: dict[str, Path]) -> dict[str, str]:
    return {iri: read_document(path)[0].content_hash for files in folders for iri, path in files.items()}


@pytest.mark.slow
def test_concurrency_second_ingest_waits_or_fails_clearly(tmp_path: Path) -> None:
    """While one ingest writes: one with --wait 0 and one with --wait 1 are refused naming the writer, one with
    a long --wait waits and then ingests; at the end the store holds exactly the first and the waiting one."""
    first = make_documents(tmp_path / "first", FIRST, prefix="a")
    second = make_documents(tmp_path / "second", SECOND, prefix="b")
    make_documents(tmp_path / "third", SECOND, prefix="c")
    store = tmp_path / "kg"
    refused = {}
    with _writer(store, tmp_path / "first") as writer:
        waiting = subprocess.Popen(
            _kg(store, "ingest", "--wait", "600", str(tmp_path / "second")),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for wait in ("0", "1"):
            refused[wait] = subprocess.run(
                _kg(store, "ingest", "--wait", wait, str(tmp_path / "third")),
                capture_output=True,
                text=True,
                check=False,
            )
        waited_out, waited_err = waiting.communicate(timeout=600)
    assert writer.returncode == 0
    for wait, result in refused.items():
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"{store}: the store is locked by pid {writer.pid} (kg ingest)" in result.stderr
        assert "let it finish and run again, or pass --wait SECONDS" in result.stderr
        assert ("waiting for the store lock" in result.stderr) == (wait != "0")
        assert result.stdout == ""
    assert waiting.returncode == 0, waited_err
    assert f"waiting for the store lock held by pid {writer.pid} (kg ingest)" in waited_err
    assert f"ingested: {SECOND} added, 0 replaced, 0 unchanged, 0 failed" in waited_out
    assert _hashes(store) == _expected_hashes(first, second)  # all of the first and second, none of the third


@pytest.mark.slow
def test_concurrency_readers_work_while_a_writer_runs(tmp_path: Path) -> None:
    first = make_documents(tmp_path / "first", FIRST, prefix="a")
    store = tmp_path / "kg"
    expected: dict[str, Graph] = {}
    exports = 0
    with _writer(store, tmp_path / "first") as writer:
        while writer.poll() is None:
            count = subprocess.run(
                _kg(store, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?d a dip:Document } ORDER BY ?n", "-f", "csv"),
                capture_output=True,
                text=True,
                check=False,
            )
            assert count.returncode == 0, count.stderr
            assert count.stdout.splitlines()[0] == "n"
            export = subprocess.run(_kg(store, "export", "-f", "nquads"), capture_output=True, check=False)
            if writer.poll() is not None:
                break  # the writer ended meanwhile: this export no longer ran beside it
            assert export.returncode == 0, export.stderr
            exports += 1
            graphs: dict[str, Graph] = {}
            for quad in ox.parse(export.stdout, format=ox.RdfFormat.N_QUADS):
                if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in first:
                    triple = (rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object))
                    graphs.setdefault(quad.graph_name.value, Graph()).add(triple)
            for iri, graph in graphs.items():  # every document a reader sees is whole
                if iri not in expected:
                    expected[iri] = to_isomorphic(convert_file(first[iri]).graph)
                assert to_isomorphic(graph) == expected[iri], f"{iri} was read half-written"
    assert writer.returncode == 0
    assert exports >= 1, "no export ran while the writer held the lock"
    assert _hashes(store) == _expected_hashes(first)
