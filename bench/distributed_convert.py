"""Distributed conversion: documents/s in 1 process, 2 processes, and on a Dask LocalCluster of 2 workers.

Generates --docs documents with bench/generate.py (10,000 by default), splits them into the same
partitions for every run, and converts each partition into an N-Quads shard with
``kg.distributed.convert_partition``, the task a Dask worker runs:

- **1 process**: the partitions one after the other in this process;
- **2 processes**: a ProcessPoolExecutor of 2 processes running the same task (``kg.parallel``, behind
  `kg build --jobs`, also validates each document, so it would not time the same work);
- **Dask, 2 workers**: ``kg.distributed.convert_distributed`` on a LocalCluster of 2 worker processes
  started beforehand (its start-up time is printed apart), manifest included.

This process loads the lexicon before the clock starts; the pool's and Dask's workers are fresh processes
that each load it on their first partition (a few seconds), a real cost of going parallel that is
counted. The script checks that the three runs wrote the same quads, and prints the CPU time of all
processes and the machine's load average before and after: on a shared machine the rates follow the
load, the CPU time much less.

    .venv/bin/python bench/distributed_convert.py [--docs N] [--workers 2] [--partition-size 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_corpus

from kg.distributed import (
    PartitionResult,
    Source,
    convert_distributed,
    convert_partition,
    local_cluster,
    partition,
)
from kg.lexicon import load_lexicon


def _union_digest(folder: Path) -> tuple[str, int]:
    """SHA-256 of the sorted union of a folder's shard lines, and their number."""
    lines = sorted(line for shard in folder.glob("part-*.nq") for line in shard.read_bytes().splitlines())
    return hashlib.sha256(b"\n".join(lines)).hexdigest(), len(lines)


def _sequential(partitions: Sequence[list[Source]], folder: Path) -> list[str]:
    results = [convert_partition(index, part, str(folder)) for index, part in enumerate(partitions)]
    return [message for result in results for message in result.failed]


def _pool(partitions: Sequence[list[Source]], folder: Path, workers: int) -> list[str]:
    # spawn, as Dask's workers: fresh processes that load the lexicon themselves (fork would inherit it)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        results: list[PartitionResult] = list(
            pool.map(convert_partition, range(len(partitions)), partitions, [str(folder)] * len(partitions))
        )
    return [message for result in results for message in result.failed]


def _cpu() -> float:
    """CPU seconds of this process and of every child (and their children) that has exited."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(label: str, documents: int, work: Callable[[], list[str]]) -> float:
    """Run ``work`` (which returns the messages of documents that failed) and print documents/s."""
    start = time.perf_counter()
    failed = work()
    wall = time.perf_counter() - start
    note = f"  ({len(failed)} failed, e.g. {failed[0]})" if failed else ""
    print(f"{label:<24} {documents:>6} docs in {wall:8.1f} s = {documents / wall:7.1f} documents/s{note}", flush=True)
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents to generate (default 10,000)")
    parser.add_argument("--workers", type=int, default=2, help="processes and Dask workers (default 2)")
    parser.add_argument("--partition-size", type=int, default=100, help="documents per partition (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder; reused when complete")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="dipkg-bench-"))
    corpus = args.keep or work / "docs"
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    existing = sorted(corpus.glob("*.txt")) if corpus.is_dir() else []
    if len(existing) >= args.docs:
        paths = existing[: args.docs]
        print(f"reusing {len(paths)} documents in {corpus}")
    else:
        start = time.perf_counter()
        paths = generate_corpus(args.docs, corpus, seed=args.seed)
        print(f"generated {len(paths)} documents in {time.perf_counter() - start:.1f} s into {corpus}")
    load_lexicon()
    sources = [Source(str(path), str(path)) for path in paths]
    partitions = partition(sources, args.partition_size)
    print(f"{len(partitions)} partitions of up to {args.partition_size} documents\n")

    outputs = {name: work / name for name in ("one", "pool", "dask")}
    for folder in outputs.values():
        folder.mkdir()
    walls: dict[str, float] = {}
    cpu: dict[str, float] = {}
    before = _cpu()
    walls["one"] = _timed("1 process", len(paths), lambda: _sequential(partitions, outputs["one"]))
    cpu["one"], before = _cpu() - before, _cpu()
    pool_label = f"{args.workers} processes"
    walls["pool"] = _timed(pool_label, len(paths), lambda: _pool(partitions, outputs["pool"], args.workers))
    cpu["pool"], before = _cpu() - before, _cpu()
    start = time.perf_counter()
    with local_cluster(args.workers) as cluster:
        started = time.perf_counter() - start
        walls["dask"] = _timed(
            f"Dask, {args.workers} workers",
            len(paths),
            lambda: (
                convert_distributed(
                    [str(p) for p in paths],
                    str(outputs["dask"]),
                    scheduler=cluster.scheduler_address,
                    partition_size=args.partition_size,
                ).failed
            ),
        )
    cpu["dask"] = _cpu() - before  # the workers have exited: their time is in RUSAGE_CHILDREN now
    print(f"  (LocalCluster start-up, not counted: {started:.1f} s)")
    print("\nCPU time of all processes, start-up included (what the machine's load cannot inflate):")
    for name, label in (("one", "1 process"), ("pool", pool_label), ("dask", f"Dask, {args.workers} workers")):
        print(f"  {label:<22} {cpu[name]:8.1f} s = {1000 * cpu[name] / len(paths):6.1f} ms/document")
    digests = {name: _union_digest(folder) for name, folder in outputs.items()}
    same = len({digest for digest, _ in digests.values()}) == 1
    print(f"\nquads: {digests['one'][1]}; the three runs wrote the same quads: {'EQUAL' if same else 'DIFFERENT'}")
    print(
        f"speed-up over 1 process: {pool_label} x{walls['one'] / walls['pool']:.2f}, "
        f"Dask x{walls['one'] / walls['dask']:.2f}"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
