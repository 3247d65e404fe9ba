"""Bulk-load N-Quads shards (from `kg convert --engine dask`) into the store, then validate and reason.

Every shard is checked against ``manifest.json`` (SHA-256 and quad count) before the store is touched, so a
damaged or edited shard is refused with the store unchanged. Loading then follows `kg build`'s rules: a
document whose content hash the store already holds is skipped, a changed one replaces its graph, a new one
is added. The quads go in through Oxigraph's bulk loader, which writes straight to the store's files instead
of one transaction per document. Each document graph carries its ``dip:contentHash``, so a later `kg ingest`
or `kg load` skips what is unchanged. Reasoning and validation then run over the whole store, as after
`kg build`: the cross-document steps (one person or meeting named in several documents) happen here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyoxigraph as ox

from kg.build import Summary, summarize
from kg.distributed import MANIFEST_NAME, Manifest
from kg.errors import InputError
from kg.reason import ReasoningResult, reason_store
from kg.store import Store
from kg.validate import DocumentReport, validate_store
from kg.vocab import DIP

_CHUNK = 1 << 20


class ShardError(InputError):
    """A shard folder does not match its manifest: a shard is missing, altered or truncated.

    Convert the corpus again, or copy the folder again from where it was written.
    """

    help_anchor = "shard-errors"


@dataclass
class LoadReport:
    """What `kg load` did: shards and quads read, documents added, replaced and skipped, then the checks."""

    shards: int
    quads: int
    added: list[str]
    replaced: list[str]
    skipped: list[str]
    validation: list[DocumentReport]
    reasoning: ReasoningResult
    summary: Summary

    @property
    def conforms(self) -> bool:
        return all(report.conforms for report in self.validation)


def read_manifest(directory: Path | str) -> Manifest:
    """The manifest of a shard folder; raises ShardError when there is none."""
    path = Path(directory) / MANIFEST_NAME
    if not Path(directory).is_dir():
        raise ShardError("no such folder; pass the -o folder of `kg convert --engine dask`", path=directory)
    if not path.is_file():
        raise ShardError(
            "no manifest.json here: the conversion did not finish, or this is not a shard folder; "
            "run `kg convert --engine dask ... -o FOLDER` again",
            path=directory,
        )
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"), path=path)
    except InputError as error:
        raise ShardError(error.message, path=error.path, line=error.line) from error


def _digest(path: Path) -> tuple[str, int]:
    """SHA-256 and number of lines of a file, read in chunks."""
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return digest.hexdigest(), lines


def verify_shards(directory: Path | str, manifest: Manifest) -> None:
    """Check every shard against the manifest; raises ShardError naming the first that does not match."""
    folder = Path(directory)
    per_shard: dict[str, tuple[int, int]] = {}
    for entry in manifest.documents:
        documents, triples = per_shard.get(entry.shard, (0, 0))
        per_shard[entry.shard] = (documents + 1, triples + entry.triples)
    known = {shard.file for shard in manifest.shards}
    orphans = sorted(set(per_shard) - known)
    if orphans:
        raise ShardError(f"the manifest lists documents in shard {orphans[0]!r} but no such shard", path=folder)
    for shard in manifest.shards:
        name = PurePosixPath(shard.file)
        if name.name != shard.file or shard.file in ("", ".", ".."):
            raise ShardError(f"shard name {shard.file!r} is not a plain file name", path=folder / MANIFEST_NAME)
        path = folder / shard.file
        if not path.is_file():
            raise ShardError("shard is missing; copy the whole folder again", path=path)
        digest, lines = _digest(path)
        if digest != shard.sha256:
            raise ShardError(
                f"shard does not match the manifest (SHA-256 {digest[:12]}…, expected {shard.sha256[:12]}…): "
                "it was changed or damaged; convert again or copy it again",
                path=path,
            )
        documents, triples = per_shard.get(shard.file, (0, 0))
        if lines != shard.quads or triples != shard.quads or documents != shard.documents:
            raise ShardError(
                f"shard holds {lines} quads, the manifest says {shard.quads} quads in {shard.documents} documents "
                f"and its documents add up to {triples} triples in {documents}; the manifest was edited",
                path=path,
            )


def _without(path: Path, graphs: set[str]) -> Iterator[ox.Quad]:
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        name = quad.graph_name
        if not (isinstance(name, ox.NamedNode) and name.value in graphs):
            yield quad


def _held_documents(store: Store) -> dict[str, tuple[str, int]]:
    """Each document graph of the store with its content hash and triple count (two queries in all)."""
    hashes = {
        row["g"].value: str(row["h"].value)
        for row in store.select(f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <{DIP.contentHash}> ?h }} }}")
    }
    counts = {
        row["g"].value: int(row["n"].value)
        for row in store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    }
    return {iri: (digest, counts.get(iri, 0)) for iri, digest in hashes.items()}


def load_shards(store: Store, directory: Path | str, *, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Load the shards of ``directory`` into ``store`` as `kg build` would ingest their documents.

    Raises ShardError (store unchanged) when the manifest or a shard does not check out, OntologyLoadError
    when the ontology cannot be loaded.
    """
    manifest = read_manifest(directory)
    verify_shards(directory, manifest)
    folder = Path(directory)
    store.load_ontology()
    added: list[str] = []
    replaced: list[str] = []
    skipped: list[str] = []
    unchanged: dict[str, set[str]] = {}
    unchanged_triples: dict[str, int] = {}
    held = _held_documents(store)
    for entry in manifest.documents:
        previous, triples = held.get(entry.iri, (None, 0))
        # the triple count catches a graph that an interrupted bulk load left incomplete
        if previous == entry.content_hash and triples == entry.triples:
            skipped.append(entry.iri)
            unchanged.setdefault(entry.shard, set()).add(entry.iri)
            unchanged_triples[entry.shard] = unchanged_triples.get(entry.shard, 0) + entry.triples
            continue
        (replaced if entry.iri in held else added).append(entry.iri)
    # the bulk loader writes past Store's methods: tell reasoning which graphs change, then drop the old ones
    store.note_changed([*added, *replaced])
    store.drop_graphs(replaced)
    quads = 0
    store.mark_union_stale()  # the bulk loader writes the named graphs alone
    for shard in manifest.shards:
        path = folder / shard.file
        skip = unchanged.get(shard.file)
        if skip:
            store.oxigraph.bulk_extend(_without(path, skip))
        else:
            store.oxigraph.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        quads += shard.quads - unchanged_triples.get(shard.file, 0)
        if progress is not None:
            progress(shard.file)
    store.rebuild_union([*added, *replaced])
    validation = validate_store(store)
    reasoning = reason_store(store)
    return LoadReport(len(manifest.shards), quads, added, replaced, skipped, validation, reasoning, summarize(store))
