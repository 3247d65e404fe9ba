"""Crashes lose nothing: a `kg ingest` killed with SIGKILL leaves only whole documents, and the next run
completes the rest; a reasoning cache with broken files does not break the next `kg reason`.

The kill test runs the real console script as a subprocess over 1,000 small documents (corpus documents
under new names, each with a line of its own), kills it twice in the middle, checks after each kill that the
store opens and that every document graph in it is exactly what `kg convert` gives for its file, and then
lets a last run finish.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import to_isomorphic
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.convert import convert_file
from kg.documents import read_document
from kg.pipeline.iris import document_iri
from kg.store import Store
from kg.vocab import DIP, GRAPH_INFERRED

DOCUMENTS = 1000
KG = Path(sys.executable).with_name("kg")
# kill when at least this many more document graphs are in than at the start of the run
KILL_AFTER = (50, 200)
PARAGRAPHS = 3


def make_documents(folder: Path, count: int = DOCUMENTS, *, prefix: str = "n") -> dict[str, Path]:
    """``count`` small files made from the corpus documents' first paragraphs, each under a new name and with
    a line of its own: IRI -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(paths.CORPUS_DIR.rglob("*.txt"))
    made = {}
    for number in range(count):
        source = sources[number % len(sources)]
        name = f"{prefix}{number:04d}-{source.stem}"
        # the first paragraphs only: small documents, so that a thousand go in in a minute or two
        paragraphs = [part for part in source.read_text(encoding="utf-8").split("\n\n") if part.strip()]
        text = "\n\n".join([*paragraphs[:PARAGRAPHS], f"Reference number {number:04d}.\n"])
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        meta = source.with_name(source.stem + ".meta.json")
        if meta.exists():
            shutil.copy(meta, folder / f"{name}.meta.json")
        made[str(document_iri(name))] = folder / f"{name}.txt"
    return made


def _count(store: Path) -> int:
    """Document graphs in the store, read beside the writer (a read-only open never waits)."""
    if not (store / "CURRENT").exists():
        return 0
    with Store(store, read_only=True) as opened:
        return len(opened.document_graphs())


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def _ingest_and_kill(store: Path, folder: Path, more: int) -> tuple[int, int]:
    """Start `kg ingest`, SIGKILL it once ``more`` graphs have gone in; (graphs before, graphs at the kill)."""
    start = _count(store)
    process = subprocess.Popen(
        [str(KG), "--store", str(store), "ingest", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        seen = start
        while process.poll() is None and seen < start + more:
            time.sleep(0.05)
            seen = _count(store)
        assert process.poll() is None, (
            "the ingest finished before it could be killed: " + process.stderr.read().decode()
        )
        workers = _children(process.pid)
        assert workers or (os.cpu_count() or 1) == 1, "kg ingest of 1,000 documents started no workers"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        # its conversion workers notice and end too (kg.parallel.exit_with_parent), instead of waiting forever
        deadline = time.monotonic() + 20
        while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "orphaned workers left running"
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    return start, seen


def _assert_whole(store: Path, files: dict[str, Path], expected: dict[str, Graph]) -> list[str]:
    """Every document graph in the store is the whole conversion of its file; returns the graphs."""
    with Store(store, wait=0) as opened:  # the killed writer's lock died with it
        graphs = opened.document_graphs()
        assert set(graphs) <= set(files)
        for iri in graphs:
            if iri not in expected:
                expected[iri] = to_isomorphic(convert_file(files[iri]).graph)
            assert to_isomorphic(opened.graph(iri)) == expected[iri], f"{iri} is not whole"
    return graphs


@pytest.mark.slow
def test_crash_killed_ingest_leaves_whole_documents_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    files = make_documents(folder)
    assert len(files) == DOCUMENTS
    store = tmp_path / "kg"
    expected: dict[str, Graph] = {}
    held_at_kills = []
    for more in KILL_AFTER:
        start, seen = _ingest_and_kill(store, folder, more)
        graphs = _assert_whole(store, files, expected)
        assert start + more <= len(graphs) < DOCUMENTS, (start, seen, len(graphs))
        held_at_kills.append(len(graphs))
    held = len(graphs)
    result = subprocess.run(
        [str(KG), "--store", str(store), "ingest", str(folder)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert f"ingested: {DOCUMENTS - held} added, 0 replaced, {held} unchanged, 0 failed" in result.stdout
    with Store(store, read_only=True) as opened:
        rows = opened.select(f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <{DIP.contentHash}> ?h }} }}")
        hashes = {row["g"].value: row["h"].value for row in rows}
    assert hashes == {iri: read_document(path)[0].content_hash for iri, path in files.items()}
    print(
        f"\n{DOCUMENTS} documents; crashes survived: {len(held_at_kills)} (killed with {held_at_kills} graphs in, "
        f"all whole); documents lost: {DOCUMENTS - len(hashes)}"
    )


def test_crash_broken_reasoning_cache_is_recomputed(runner: CliRunner, seed_store: Path, tmp_path: Path) -> None:
    """Half-written or stale cache files (a crash in the middle of a write) are ignored, not trusted."""
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store)
    with Store(store, read_only=True) as opened:
        before = to_isomorphic(opened.graph(GRAPH_INFERRED))
    cache = store / "reasoning"
    files = sorted(cache.glob("*.json"))
    assert files
    for path in files:
        path.write_text(path.read_text(encoding="utf-8")[: len(path.read_text(encoding="utf-8")) // 2])
    (cache / "leftover.json.tmp").write_text('{"version": ', encoding="utf-8")
    (cache / "not-an-object.json").write_text(json.dumps([1, 2]), encoding="utf-8")
    with Store(store) as opened:  # an empty inferred graph: the next run must put all of it back
        opened.drop_graph(GRAPH_INFERRED)
    result = runner.invoke(app, ["--store", str(store), "reason"])
    assert result.exit_code == 0, result.output
    assert "2 reasoned" in result.output
    with Store(store, read_only=True) as opened:
        assert to_isomorphic(opened.graph(GRAPH_INFERRED)) == before
