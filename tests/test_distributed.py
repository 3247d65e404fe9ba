"""The Dask engine and the bulk loader: a real LocalCluster of two worker processes on 127.0.0.1.

Distributed conversion must give the same N-Quads lines as `kg convert` in one process, and `kg load` of
the shards the same store (inferred graph included) as `kg build` of the same documents.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.distributed import MANIFEST_NAME, ClusterError, dask_client
from kg.documents import read_document
from kg.pipeline import iris
from kg.store import Store
from kg.vocab import DIP
from tests.test_union import assert_union_complete

SEEDS = paths.CORPUS_DIR / "seeds"
DEV = paths.CORPUS_DIR / "dev"
CORPUS_TEXTS = [*sorted(SEEDS.glob("*.txt")), *sorted(DEV.glob("*.txt"))]  # the order of the command line


def _local_lines(runner: CliRunner, tmp_path: Path, *sources: Path) -> list[str]:
    """`kg convert --format nquads` in this process, as sorted lines."""
    target = tmp_path / "local.nq"
    result = runner.invoke(app, ["convert", "-f", "nquads", *map(str, sources), "-o", str(target)])
    assert result.exit_code == 0, result.output
    return sorted(line for line in target.read_text(encoding="utf-8").splitlines() if line.strip())


def _shard_bytes(folder: Path) -> bytes:
    """The union of a folder's shards, lines sorted, as bytes."""
    lines = [line for shard in sorted(folder.glob("part-*.nq")) for line in shard.read_bytes().splitlines()]
    return b"".join(line + b"\n" for line in sorted(lines))


def _convert(runner: CliRunner, cluster: Any, folder: Path, *sources: str) -> Any:
    args = ["convert", "--engine", "dask", "--scheduler", cluster.scheduler_address, *sources, "-o", str(folder)]
    return runner.invoke(app, args)


def _export(runner: CliRunner, store: Path, target: Path) -> Dataset:
    result = runner.invoke(
        app, ["--store", str(store), "export", "--format", "nquads", "--inferred", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    dataset = Dataset()
    dataset.parse(target, format="nquads")
    return dataset


def _assert_same_store(runner: CliRunner, built: Path, loaded: Path, tmp_path: Path) -> None:
    """Same graphs; the lines without blank nodes equal byte for byte, each graph isomorphic (blank nodes)."""
    expected = _export(runner, built, tmp_path / "built.nq")
    actual = _export(runner, loaded, tmp_path / "loaded.nq")
    plain = [
        sorted(line for line in (tmp_path / name).read_text(encoding="utf-8").splitlines() if "_:" not in line)
        for name in ("built.nq", "loaded.nq")
    ]
    assert plain[0] == plain[1]
    names = {g.identifier for g in expected.graphs()}
    assert names == {g.identifier for g in actual.graphs()}
    for name in names:
        assert isomorphic(expected.graph(name), actual.graph(name)), name
    with Store(loaded, read_only=True) as opened:  # the bulk-loaded graphs are in the default graph's union
        assert_union_complete(opened)


@pytest.mark.parametrize("partition_size", [5], ids=["five-per-shard"])
def test_distributed_conversion_equals_local(
    dask_shards: Path, runner: CliRunner, tmp_path: Path, partition_size: int
) -> None:
    expected = "".join(line + "\n" for line in _local_lines(runner, tmp_path, SEEDS, DEV)).encode("utf-8")
    assert _shard_bytes(dask_shards) == expected
    shards = sorted(dask_shards.glob("part-*.nq"))
    assert len(shards) == -(-len(CORPUS_TEXTS) // partition_size)
    for shard in shards:  # each shard is itself in canonical order
        lines = shard.read_bytes().splitlines()
        assert lines == sorted(lines), shard.name


@pytest.mark.parametrize("field", ["documents", "shards"], ids=["documents", "shards"])
def test_distributed_manifest_counts_and_hashes(dask_shards: Path, field: str) -> None:
    manifest = json.loads((dask_shards / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["version"] == 1
    assert manifest["created_by"].startswith("dipkg")
    quads_per_graph: dict[str, int] = {}
    for shard in manifest["shards"]:
        data = (dask_shards / shard["file"]).read_bytes()
        for line in data.splitlines():
            graph = line.rsplit(b" ", 2)[-2].decode("utf-8").strip("<>")
            quads_per_graph[graph] = quads_per_graph.get(graph, 0) + 1
    if field == "shards":
        for shard in manifest["shards"]:
            data = (dask_shards / shard["file"]).read_bytes()
            in_shard = [d for d in manifest["documents"] if d["shard"] == shard["file"]]
            assert shard["sha256"] == hashlib.sha256(data).hexdigest()
            assert shard["quads"] == data.count(b"\n") == sum(d["triples"] for d in in_shard)
            assert shard["documents"] == len(in_shard)
        assert sorted(path.name for path in dask_shards.iterdir()) == sorted(
            [MANIFEST_NAME, *(s["file"] for s in manifest["shards"])]
        )
    else:
        expected = []
        for path in CORPUS_TEXTS:
            document, _ = read_document(path)
            expected.append((document.doc_id, str(iris.document_iri(document.doc_id)), document.content_hash))
        assert [(d["name"], d["iri"], d["content_hash"]) for d in manifest["documents"]] == expected
        assert {d["iri"]: d["triples"] for d in manifest["documents"]} == quads_per_graph


def _zip_corpus(target: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(SEEDS.iterdir()):
            archive.write(path, f"archive/seeds/{path.name}")
        for name, data in (extra or {}).items():
            archive.writestr(f"archive/seeds/{name}", data)
    return target


@pytest.mark.parametrize("kind", ["zip", "file"], ids=["zip-archive", "file-url"])
def test_distributed_reads_fsspec_urls(dask_cluster: Any, runner: CliRunner, tmp_path: Path, kind: str) -> None:
    urls = {"zip": lambda: f"zip://archive/seeds::file://{_zip_corpus(tmp_path / 'corpus.zip')}"}
    url = urls.get(kind, lambda: f"file://{SEEDS}")()
    result = _convert(runner, dask_cluster, tmp_path / "shards", url)
    assert result.exit_code == 0, result.output
    assert "converted 2 documents on 2 workers" in result.output
    expected = "".join(line + "\n" for line in _local_lines(runner, tmp_path, SEEDS)).encode("utf-8")
    assert _shard_bytes(tmp_path / "shards") == expected


@pytest.mark.parametrize("bad", [b"\xff\xfeh\x00i\x00"], ids=["utf-16"])
def test_distributed_bad_document_in_archive_named_by_url(
    dask_cluster: Any, runner: CliRunner, tmp_path: Path, bad: bytes
) -> None:
    archive = _zip_corpus(tmp_path / "corpus.zip", {"broken.txt": bad})
    result = _convert(runner, dask_cluster, tmp_path / "shards", f"zip://archive/seeds::file://{archive}")
    assert result.exit_code == 2
    assert f"zip://archive/seeds/broken.txt::file://{archive}: is UTF-16" in " ".join(result.output.split())
    manifest = json.loads((tmp_path / "shards" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert sorted(d["name"] for d in manifest["documents"]) == sorted(p.stem for p in SEEDS.glob("*.txt"))


@pytest.mark.parametrize("workers", [2], ids=["two-workers"])
def test_distributed_without_scheduler_starts_local_cluster(runner: CliRunner, tmp_path: Path, workers: int) -> None:
    folder = tmp_path / "shards"
    result = runner.invoke(
        app, ["convert", "--engine", "dask", "--workers", str(workers), str(SEEDS), "-o", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert f"converted 2 documents on {workers} workers" in result.output
    expected = "".join(line + "\n" for line in _local_lines(runner, tmp_path, SEEDS)).encode("utf-8")
    assert _shard_bytes(folder) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([str(SEEDS)], "pass -o DIR"),
        ([str(SEEDS), "-o", "shards", "--format", "trig"], "drop --format trig"),
        ([str(SEEDS), "--engine", "spark", "-o", "shards"], "unknown engine 'spark'"),
    ],
    ids=["no-output", "not-nquads", "unknown-engine"],
)
def test_distributed_cli_refuses_bad_options(runner: CliRunner, args: list[str], message: str) -> None:
    engine = [] if "--engine" in args else ["--engine", "dask"]
    result = runner.invoke(app, ["convert", *engine, *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9"], ids=["nothing-listening"])
def test_distributed_unreachable_scheduler(address: str) -> None:
    with (
        pytest.raises(ClusterError, match=re.escape(f"cannot reach the Dask scheduler at {address}")),
        dask_client(address, timeout=1),
    ):
        pass


@pytest.mark.slow
@pytest.mark.parametrize("twice", [False, True], ids=["once", "again-unchanged"])
def test_load_equals_build(
    dask_shards: Path, corpus_store: Path, runner: CliRunner, tmp_path: Path, twice: bool
) -> None:
    store = tmp_path / "loaded"
    result = runner.invoke(app, ["--store", str(store), "load", str(dask_shards)])
    assert result.exit_code == 0, result.output
    count = len(CORPUS_TEXTS)
    assert f"{count} documents added, 0 replaced, 0 unchanged" in result.output
    assert "validation: conforms" in result.output
    if twice:
        result = runner.invoke(app, ["--store", str(store), "load", str(dask_shards)])
        assert result.exit_code == 0, result.output
        assert f"loaded 5 shards, 0 quads: 0 documents added, 0 replaced, {count} unchanged" in result.output
    _assert_same_store(runner, corpus_store, store, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("step", ["ingest-then-load"], ids=["changed-document"])
def test_load_replaces_changed_and_skips_unchanged(
    dask_shards: Path, corpus_store: Path, runner: CliRunner, tmp_path: Path, step: str
) -> None:
    # a store whose copy of one seed is an older version: the load replaces it, skips what kg ingest put there
    changed = tmp_path / "old" / "japan-mongolia-fm-meeting-2023-07.txt"
    changed.parent.mkdir()
    changed.write_text("Foreign Minister Ana Lima held a meeting with Foreign Minister Ben Okoro.\n", encoding="utf-8")
    other = SEEDS / "japan-fm-urges-mongolia-2022-05.txt"
    store = tmp_path / "store"
    for source in (changed, other):
        result = runner.invoke(app, ["--store", str(store), "ingest", str(source)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--store", str(store), "load", str(dask_shards)])
    assert result.exit_code == 0, result.output
    assert f"{len(CORPUS_TEXTS) - 2} documents added, 1 replaced, 1 unchanged" in result.output
    _assert_same_store(runner, corpus_store, store, tmp_path)


def _tamper(folder: Path, how: str) -> str:
    manifest_path = folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    name = manifest["shards"][1]["file"]
    shard = folder / name
    if how == "edited-quad":
        data = shard.read_bytes()
        assert b"Foreign" in data
        shard.write_bytes(data.replace(b"Foreign", b"Domestic", 1))
    elif how == "dropped-quad":
        lines = shard.read_bytes().splitlines(keepends=True)
        shard.write_bytes(b"".join(lines[1:]))
    elif how == "wrong-count":
        manifest["shards"][1]["quads"] += 1
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    else:
        shard.unlink()
    return name


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("edited-quad", "does not match the manifest"),
        ("dropped-quad", "does not match the manifest"),
        ("wrong-count", "the manifest says"),
        ("missing", "shard is missing"),
    ],
    ids=["edited-quad", "dropped-quad", "wrong-count", "missing"],
)
def test_load_refuses_tampered_shard(
    dask_shards: Path, corpus_store: Path, runner: CliRunner, tmp_path: Path, how: str, message: str
) -> None:
    folder = tmp_path / "shards"
    shutil.copytree(dask_shards, folder)
    name = _tamper(folder, how)
    # a store that already holds a graph: it must come out exactly as it went in
    store = tmp_path / "store"
    result = runner.invoke(app, ["--store", str(store), "ingest", str(SEEDS / "japan-fm-urges-mongolia-2022-05.txt")])
    assert result.exit_code == 0, result.output
    before = _export(runner, store, tmp_path / "before.nq")
    result = runner.invoke(app, ["--store", str(store), "load", str(folder)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert name in output
    assert message in output
    _export(runner, store, tmp_path / "after.nq")
    assert (tmp_path / "before.nq").read_bytes() == (tmp_path / "after.nq").read_bytes()
    assert len(before) > 0


@pytest.mark.parametrize("content", [None, "{"], ids=["no-manifest", "bad-json"])
def test_load_refuses_folder_without_manifest(runner: CliRunner, tmp_path: Path, content: str | None) -> None:
    folder = tmp_path / "shards"
    folder.mkdir()
    if content is not None:
        (folder / MANIFEST_NAME).write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["--store", str(tmp_path / "store"), "load", str(folder)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert ("no manifest.json here" if content is None else "manifest.json:1: is not valid JSON") in output


@pytest.mark.slow
@pytest.mark.parametrize("document", ["japan-mongolia-fm-meeting-2023-07"], ids=["seed"])
def test_load_completes_graph_left_incomplete(
    dask_shards: Path, corpus_store: Path, runner: CliRunner, tmp_path: Path, document: str
) -> None:
    store = tmp_path / "store"
    result = runner.invoke(app, ["--store", str(store), "load", str(dask_shards)])
    assert result.exit_code == 0, result.output
    # what an interrupted bulk load can leave: the content hash is there, some triples are not
    with Store(store) as opened:
        graph = iris.document_iri(document)
        before = opened.count(graph)
        opened.mark_union_stale()  # the bulk loader says so before it starts
        opened.oxigraph.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ ?s <{DIP.participant}> ?o }} }}")
        assert 0 < opened.count(graph) < before
    result = runner.invoke(app, ["--store", str(store), "load", str(dask_shards)])
    assert result.exit_code == 0, result.output
    assert f"0 documents added, 1 replaced, {len(CORPUS_TEXTS) - 1} unchanged" in result.output
    _assert_same_store(runner, corpus_store, store, tmp_path)
