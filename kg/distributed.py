"""Conversion on a Dask cluster: partitions of documents in, N-Quads shards and a manifest out.

Converting a document is a pure function of the document and the reference data, so a corpus splits into
partitions that Dask workers convert independently. Each task converts its documents with ``kg.convert``
and writes one shard, ``part-NNNNN.nq``: the partition's quads (one named graph per document) as sorted
N-Quads lines, byte for byte the lines ``kg convert --format nquads`` prints for the same documents. The
client writes ``manifest.json`` last, listing every document (name, IRI, content hash, triples, shard) and
every shard (file, SHA-256, quads, documents), so a folder with a manifest is complete. Cross-document work
(reasoning, validation) happens where the shards are loaded (``kg.load``).

Sources are local files and folders or fsspec URLs (``file://``, ``zip://corpus::file:///archive.zip``,
``s3://bucket/prefix`` with s3fs installed); the output folder may be a URL too, and must be writable by
every worker. Dask, distributed and fsspec are imported only when a conversion runs (the ``dask`` extra).

>>> [len(p) for p in partition(list(range(7)), 3)]
[3, 3, 1]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from kg.convert import Converted, as_dataset, convert_document
from kg.documents import META_SUFFIX, find_documents, read_document
from kg.errors import DocumentError, InputError, KGError
from kg.pipeline.model import Document

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
SHARD_PATTERN = "part-{index:05d}.nq"
# Partitions per worker when --partition-size is not given: enough to balance uneven documents.
PARTITIONS_PER_WORKER = 4
MAX_PARTITION_SIZE = 500
T = TypeVar("T")


class ClusterError(InputError):
    """The Dask engine cannot run: dask is not installed, the scheduler cannot be reached, or workers lack dipkg."""

    help_anchor = "cluster-errors"


@dataclass(frozen=True)
class Source:
    """One document to convert: a local path (``fs`` is None) or a path on an fsspec filesystem."""

    location: str  # what messages show: the local path or the URL
    path: str
    fs: Any = None

    @property
    def name(self) -> str:
        base = PurePosixPath(self.path)
        return base.name[: -len(".txt")] if base.name.endswith(".txt") else base.stem  # as kg.documents names it


@dataclass(frozen=True)
class DocumentEntry:
    name: str
    iri: str
    content_hash: str
    triples: int
    shard: str


@dataclass(frozen=True)
class ShardEntry:
    file: str
    sha256: str
    quads: int
    documents: int


@dataclass
class Manifest:
    """What a shard folder holds; ``manifest.json`` is its JSON form."""

    documents: list[DocumentEntry]
    shards: list[ShardEntry]
    version: int = MANIFEST_VERSION
    created_by: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, *, path: Path | str) -> Manifest:
        """Parse a manifest; raises InputError naming ``path`` when it is not one."""
        try:
            data = json.loads(text)
            if data.get("version") != MANIFEST_VERSION:
                raise InputError(
                    f"manifest version {data.get('version')!r} is not {MANIFEST_VERSION}; convert the corpus again "
                    "with this dipkg",
                    path=path,
                )
            return cls(
                documents=[DocumentEntry(**entry) for entry in data["documents"]],
                shards=[ShardEntry(**entry) for entry in data["shards"]],
                version=data["version"],
                created_by=str(data.get("created_by", "")),
            )
        except json.JSONDecodeError as error:
            raise InputError(f"is not valid JSON: {error.msg}", path=path, line=error.lineno) from error
        except (KeyError, TypeError, AttributeError) as error:
            raise InputError(
                f"is not a dipkg shard manifest ({error}); write it with `kg convert --engine dask`", path=path
            ) from error


@dataclass
class PartitionResult:
    """What one task sends back: its shard, its documents, and messages (never RDF: that is in the shard)."""

    shard: ShardEntry
    documents: list[DocumentEntry]
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class DistributedResult:
    manifest: Manifest
    directory: str
    workers: int
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def quads(self) -> int:
        return sum(shard.quads for shard in self.manifest.shards)


def created_by() -> str:
    try:
        return f"dipkg {metadata.version('dipkg')}"
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "dipkg"


def partition(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive slices of ``size`` items (the last may be shorter)."""
    if size < 1:
        raise InputError(f"a partition size must be at least 1, not {size}")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def is_url(location: str) -> bool:
    return "://" in location or "::" in location


def list_sources(locations: Sequence[str]) -> list[Source]:
    """Every NAME.txt under the given local files and folders or fsspec URLs, in a stable order.

    Raises DocumentError for a location that does not exist, InputError when two documents would share a
    graph (the same NAME in two folders).
    """
    sources: list[Source] = []
    for location in locations:
        if not is_url(location):
            if not Path(location).exists():
                raise DocumentError("no such file or folder; check the path", path=location)
            sources.extend(Source(str(path), str(path)) for path in find_documents([location]))
            continue
        sources.extend(_url_sources(location))
    seen: dict[str, Source] = {}
    for source in sources:
        if source.name in seen:
            raise InputError(
                f"{seen[source.name].location} and {source.location} would both be document {source.name!r}; "
                "rename one (a document's graph is named after its file name)"
            )
        seen[source.name] = source
    return sources


def _url_sources(url: str) -> list[Source]:
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError, OSError) as error:
        raise DocumentError(f"cannot open this URL: {error}", path=url) from error
    if fs.isdir(root):
        paths = sorted(p for p in fs.find(root) if p.endswith(".txt"))
    elif fs.exists(root):
        paths = [root]
    else:
        paths = sorted(p for p in fs.glob(root) if p.endswith(".txt")) if any(c in root for c in "*?[") else []
        if not paths:
            raise DocumentError("no such file, folder or match; check the URL", path=url)
    if isinstance(fs, LocalFileSystem):
        return [Source(path, path) for path in paths]
    chain = url.split("::", 1)[1] if "::" in url else None
    return [Source(fs.unstrip_protocol(p) + (f"::{chain}" if chain else ""), p, fs) for p in paths]


def read_source(source: Source) -> tuple[Document, list[str]]:
    """Read one document from where it lives; a remote one is copied to a temporary folder first."""
    if source.fs is None:
        return read_document(source.path)
    name = PurePosixPath(source.path).name
    meta = str(PurePosixPath(source.path).with_name(source.name + META_SUFFIX))
    with tempfile.TemporaryDirectory(prefix="dipkg-") as folder:
        local = Path(folder) / name
        try:
            local.write_bytes(source.fs.cat_file(source.path))
            if source.fs.exists(meta):
                local.with_name(source.name + META_SUFFIX).write_bytes(source.fs.cat_file(meta))
        except OSError as error:
            raise DocumentError(f"cannot be read: {error}", path=source.location) from error
        # messages should name the URL, not the temporary copy
        head, sep, chain = source.location.partition("::")
        meta_location = head[: len(head) - len(name)] + source.name + META_SUFFIX + sep + chain
        copies = {str(local.with_name(source.name + META_SUFFIX)): meta_location, str(local): source.location}

        def unlocal(text: str) -> str:
            for copy, original in copies.items():
                text = text.replace(copy, original)
            return text

        try:
            document, warnings = read_document(local)
        except DocumentError as error:
            raise DocumentError(
                unlocal(error.message), path=unlocal(error.path or ""), line=error.line, column=error.column
            ) from error
    return replace(document, path=source.location), [unlocal(w) for w in warnings]


def canonical_nquads(converted: Sequence[Converted]) -> bytes:
    """The documents' graphs as N-Quads, lines sorted: the same lines `kg convert --format nquads` writes."""
    text = as_dataset(list(converted)).serialize(format="nquads")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return "".join(line + "\n" for line in lines).encode("utf-8")


def convert_partition(index: int, sources: Sequence[Source], directory: str) -> PartitionResult:
    """Convert one partition and write its shard into ``directory`` (a path or URL). Runs on a worker.

    A document that cannot be read or converted is reported in ``failed`` and left out of the shard.
    """
    import fsspec

    converted: list[Converted] = []
    warnings: list[str] = []
    failed: list[str] = []
    for source in sources:
        try:
            document, read_warnings = read_source(source)
            item = convert_document(document)
        except KGError as error:
            failed.append(str(error))
            continue
        warnings.extend(read_warnings + item.warnings)
        converted.append(item)
    data = canonical_nquads(converted)
    name = SHARD_PATTERN.format(index=index)
    with fsspec.open(f"{directory.rstrip('/')}/{name}", "wb") as handle:
        handle.write(data)
    documents = [
        DocumentEntry(item.document.doc_id, item.iri, item.document.content_hash, len(item.graph), name)
        for item in converted
    ]
    shard = ShardEntry(name, hashlib.sha256(data).hexdigest(), data.count(b"\n"), len(documents))
    return PartitionResult(shard, documents, warnings, failed)


@contextlib.contextmanager
def dask_client(scheduler: str | None, *, workers: int | None = None, timeout: float = 30.0) -> Iterator[Any]:
    """A Dask client on the scheduler at ``scheduler``, or on a LocalCluster of ``workers`` processes."""
    try:
        from distributed import Client
    except ImportError as error:
        raise ClusterError(
            "the dask engine needs dask and distributed: pip install 'dipkg[dask]' (or use --engine local)"
        ) from error
    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {scheduler} ({error}); check the address "
                "(tcp://HOST:8786) and that `dask scheduler` runs there"
            ) from error
        with client:
            yield client
        return
    with local_cluster(workers or os.cpu_count() or 1) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def local_cluster(workers: int) -> Any:
    """A LocalCluster of ``workers`` single-threaded processes, listening on 127.0.0.1 only, no dashboard."""
    from distributed import LocalCluster

    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,  # the converter is pure Python: processes, not threads, run it in parallel
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        # the scheduler's HTTP routes (health, metrics) would otherwise claim port 8787 and warn when taken
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        # task errors come back through their futures; the log would only add teardown races (heartbeats)
        silence_logs=logging.CRITICAL,
    )


def _partition_size(documents: int, workers: int) -> int:
    per_partition = math.ceil(documents / max(1, workers * PARTITIONS_PER_WORKER))
    return max(1, min(MAX_PARTITION_SIZE, per_partition))


def convert_distributed(
    locations: Sequence[str],
    directory: str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    partition_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DistributedResult:
    """Convert the documents under ``locations`` on a Dask cluster into shards and a manifest in ``directory``.

    ``scheduler`` is the address of a running scheduler; without it a LocalCluster of ``workers`` processes
    (default: one per CPU) on 127.0.0.1 runs for the duration of the call. ``progress(done, total)`` is
    called as partitions finish. Documents that fail are listed in ``failed``; the others are written.

    Raises DocumentError or InputError for bad locations, ClusterError when Dask cannot run.
    """
    import fsspec

    sources = list_sources(locations)
    fs, root = fsspec.core.url_to_fs(directory)
    fs.makedirs(root, exist_ok=True)
    # the manifest marks a complete folder: remove an old one before any shard changes
    with contextlib.suppress(FileNotFoundError):
        fs.rm(f"{root.rstrip('/')}/{MANIFEST_NAME}")
    with dask_client(scheduler, workers=workers) as client:
        count = len(client.nthreads()) or 1
        size = partition_size or _partition_size(len(sources), count)
        partitions = partition(sources, size)
        futures = [
            client.submit(convert_partition, index, part, directory, key=f"dipkg-convert-{index:05d}", pure=False)
            for index, part in enumerate(partitions)
        ]
        index_of = {future.key: index for index, future in enumerate(futures)}
        results: dict[int, PartitionResult] = {}
        from distributed import as_completed

        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            index = index_of[future.key]
            try:
                results[index] = future.result()
            except ModuleNotFoundError as error:
                raise ClusterError(
                    f"a worker cannot import {error.name}; install dipkg (this version) on every worker"
                ) from error
            except OSError as error:
                raise ClusterError(
                    f"a worker could not write its shard ({error}); every worker must be able to write to the "
                    "output folder: a shared folder or an object store URL",
                    path=directory,
                ) from error
            future.release()
            if progress is not None:
                progress(len(results), len(partitions))
    ordered = [results[index] for index in range(len(partitions))]
    manifest = Manifest(
        documents=[entry for result in ordered for entry in result.documents],
        shards=[result.shard for result in ordered],
        created_by=created_by(),
    )
    written = {shard.file for shard in manifest.shards}
    for stale in fs.glob(f"{root.rstrip('/')}/part-*.nq"):
        if PurePosixPath(stale).name not in written:
            fs.rm(stale)
    with fs.open(f"{root.rstrip('/')}/{MANIFEST_NAME}", "w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())
    return DistributedResult(
        manifest,
        directory,
        count,
        warnings=[w for result in ordered for w in result.warnings],
        failed=[f for result in ordered for f in result.failed],
    )
