"""Conversion throughput on one core: documents per second over the bundled corpus, repeated.

Reads every corpus/seeds and corpus/dev NAME.txt (with its sidecar), repeats the list to --documents
documents (1,000 by default) and converts them one by one in this single process with kg.convert.convert_file,
as `kg convert` does. Loading the lexicon and the first, warming conversion are timed and reported but kept out
of the throughput. In the same run it measures a baseline, reading the same files and splitting them into
sentences, and prints how many times slower the full conversion is; as a second reference it times rdflib's
N-Triples serialisation of the converted graphs. Last, it says whether the target of 50 documents/s is met.

    make bench              # or: .venv/bin/python bench/convert_throughput.py [--documents N] [--check]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from kg import paths
from kg.convert import convert_file
from kg.documents import read_document
from kg.lexicon import load_lexicon
from kg.pipeline.model import Extraction
from kg.pipeline.registry import STAGES, to_graph
from kg.pipeline.segment import split_sentences

TARGET = 50.0  # documents per second


@dataclass(frozen=True)
class Timing:
    documents: int
    wall: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.documents / self.wall if self.wall else float("inf")

    def line(self, label: str) -> str:
        return (
            f"{label:<44} {self.documents:>5} docs in {self.wall:7.2f} s = {self.rate:9.1f} documents/s"
            f"  (cpu {self.cpu:.2f} s)"
        )


def _timed(work: Callable[[], int]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    return Timing(count, time.perf_counter() - wall, time.process_time() - cpu)


def _pin_to_one_core() -> str:
    """Run on a single CPU where the OS allows it; say what was done."""
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "single process (CPU pinning not available on this platform)"


def stage_shares(files: Sequence[Path]) -> list[tuple[str, float]]:
    """Seconds spent in each pipeline stage, and in building the RDF, over one pass of the files."""
    lexicon = load_lexicon()
    spent = {stage.name: 0.0 for stage in STAGES} | {"graph": 0.0}
    for path in files:
        document, _warnings = read_document(path)
        state: dict[str, Any] = {"document": document, "text": document.text}
        for stage in STAGES:
            start = time.perf_counter()
            state[stage.produces] = stage.run(state, lexicon)
            spent[stage.name] += time.perf_counter() - start
        extraction = Extraction(document, state["sentences"], state["mentions"], state["entities"], state["events"])
        start = time.perf_counter()
        to_graph(extraction, lexicon)
        spent["graph"] += time.perf_counter() - start
    return list(spent.items())


def corpus_files() -> list[Path]:
    return sorted((paths.CORPUS_DIR / "seeds").glob("*.txt")) + sorted((paths.CORPUS_DIR / "dev").glob("*.txt"))


def run(documents: int, *, pin: bool = True) -> tuple[list[str], float]:
    """The report lines and the conversion rate (documents/s)."""
    where = _pin_to_one_core() if pin else "single process, not pinned"
    files = corpus_files()
    if not files:
        raise SystemExit("no corpus documents found under " + str(paths.CORPUS_DIR))
    batch = [files[i % len(files)] for i in range(documents)]
    lexicon_time = _timed(lambda: (load_lexicon(), 1)[1])
    warm = _timed(lambda: (convert_file(files[0]), 1)[1])

    def convert_all() -> int:
        for path in batch:
            convert_file(path)
        return len(batch)

    def read_and_split() -> int:
        lexicon = load_lexicon()
        for path in batch:
            document, _warnings = read_document(path)
            split_sentences(document.text, lexicon)
        return len(batch)

    baseline = _timed(read_and_split)
    conversion = _timed(convert_all)
    graphs: list[Graph] = [convert_file(path).graph for path in files]
    triples = sum(len(g) for g in graphs)

    def serialise() -> int:
        for i in range(documents):
            graphs[i % len(graphs)].serialize(format="nt")
        return documents

    serialisation = _timed(serialise)
    shares = stage_shares(files)
    total = sum(seconds for _, seconds in shares) or 1.0
    breakdown = ", ".join(f"{name} {100 * seconds / total:.0f}%" for name, seconds in shares)
    met = conversion.rate >= TARGET
    seeds = sum(1 for f in files if f.parent.name == "seeds")
    lines = [
        f"dipkg conversion throughput: Python {platform.python_version()}, {platform.machine()}, {where}",
        f"corpus: {len(files)} documents ({seeds} seeds, {len(files) - seeds} dev, {triples} triples), "
        f"repeated to {documents}",
        f"lexicon loading (excluded):                  {lexicon_time.wall:.2f} s",
        f"first conversion, warming caches (excluded): {warm.wall:.2f} s",
        conversion.line("conversion (read + convert_file)"),
        baseline.line("baseline (read + sentence splitting)"),
        f"ratio: conversion takes {conversion.wall / baseline.wall:.0f}x the baseline's time "
        f"({conversion.rate / baseline.rate:.3f} of its rate)",
        serialisation.line("reference (rdflib N-Triples serialisation)"),
        f"where conversion time goes (one pass over the corpus): {breakdown}",
        f"target >= {TARGET:.0f} documents/s: {'MET' if met else 'NOT MET'} ({conversion.rate:.1f} documents/s)",
    ]
    return lines, conversion.rate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Conversion throughput on one core.")
    parser.add_argument("--documents", type=int, default=1000, help="documents to convert (default 1000)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when the target is not met")
    args = parser.parse_args(argv)
    lines, rate = run(max(1, args.documents), pin=not args.no_pin)
    for line in lines:
        print(line, flush=True)
    return 1 if args.check and rate < TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
