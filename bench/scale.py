"""dipkg at archive scale: conversion, ingest, validation, reasoning, `kg build`, updates and stored queries.

For each --docs N (1,000 and 10,000 with `make bench-scale`) it generates N documents with
bench/generate.py (cached in --work, default tmp/bench), then measures, each next to a baseline measured
in the same run:

- conversion documents/s with 1 and 2 processes (conversion only);
- `kg build --jobs J` end to end, in a child process, by phase (ingest = convert + validate + store,
  validation records, reasoning, summary), with ingest triples/s, the CPU the workers spent converting
  and validating, and the peak memory (largest process, and the sampled sum over the process tree);
- re-ingest of the unchanged corpus, and one new document into the full store (convert + validate +
  ingest + reason);
- reasoning against owlrl over the whole union (kg.reason.infer; only up to --union-baseline-max
  documents, it takes tens of minutes beyond) with a check that the data-level results are identical;
- validation against pySHACL over the whole union (up to --shacl-baseline-max documents);
- the p50/p95 latency of every stored query against rdflib's in-memory SPARQL over the same quads (in a
  child process; a query still running after --rdflib-timeout seconds is cut off, and the ratio printed
  is then a lower bound).

Wall times suffer when other processes share the CPU, so CPU times are printed beside them, and the load
average at the start and end. Each target of issue 9 is printed as PASS or GAP. --quick is a smoke run of
50 documents (the test in tests/test_bench.py runs it).

    .venv/bin/python bench/scale.py --docs 1000 --docs 10000      # = make bench-scale
    .venv/bin/python bench/scale.py --quick
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
T = TypeVar("T")

# Stored queries that select a few rows, and the aggregate over the whole store (issue 9's targets).
SELECTING = ("meetings-of-person", "meetings-between", "meeting-evidence")
AGGREGATES = ("meetings-per-pair-per-year",)
PARAMETER_WHERE = """
  ?meeting dip:participation ?pa, ?pb . ?pa dip:side ?a . ?pb dip:side ?b . FILTER(STR(?a) < STR(?b))
  ?meeting dip:participant ?person ; dip:discussed ?issue ; dip:reportedIn ?document .
"""
# Every figure line the script prints, in order (tests/test_bench.py checks them).
FIGURES = (
    "documents",
    "conversion, 1 process",
    "conversion, 2 processes",
    "kg build end to end",
    "  ingest (convert + validate + store)",
    "  validation records",
    "  reasoning",
    "  summary",
    "ingest triples/s",
    "worker CPU: conversion",
    "worker CPU: validation",
    "peak memory, kg build",
    "re-ingest unchanged corpus",
    "one new document",
    "reasoning (per document, cold)",
    "baseline: owlrl over the union",
    "data-level results",
    "validation (per document, in workers)",
    "baseline: pySHACL over the union",
    "query",
    "one new document, as commands",
    "peak memory, this benchmark",
)


@dataclass
class Targets:
    lines: list[str] = field(default_factory=list)

    def check(self, name: str, value: float | None, limit: float, unit: str, *, at_least: bool = False) -> None:
        if value is None:
            self.lines.append(f"TARGET {name}: not measured")
            return
        ok = value >= limit if at_least else value <= limit
        relation = ">=" if at_least else "<="
        self.lines.append(
            f"TARGET {name}: {value:.3g} {unit} (target {relation} {limit:g} {unit}) {'PASS' if ok else 'GAP'}"
        )


def _line(label: str, text: str) -> None:
    print(f"{label:<42} {text}", flush=True)


def _measured(work: Callable[[], T]) -> tuple[T, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = work()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- corpus -------------------------------------------------------------------------------------------------
def corpus(n: int, work: Path, seed: int) -> Path:
    """The generated documents for n, reused when a complete earlier run left them."""
    sys.path.insert(0, str(BENCH_DIR))
    from generate import generate_corpus

    folder = work / f"docs-{n}-seed-{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate_corpus(n, folder, seed=seed)
        marker.write_text(f"{n} {seed}\n", encoding="utf-8")
    return folder


# -- conversion -----------------------------------------------------------------------------------------------
def _convert_paths(paths: Sequence[str]) -> int:
    from kg.convert import convert_file
    from kg.errors import KGError

    triples = 0
    for path in paths:
        with contextlib.suppress(KGError):  # a failing document is reported by the kg build step
            triples += len(convert_file(path).graph)
    return triples


def _warm(_: int) -> int:
    from kg.lexicon import load_lexicon

    load_lexicon()
    return 0


def conversion(files: list[str], jobs: int) -> tuple[float, float]:
    """Documents/s converting ``files`` with ``jobs`` processes (lexicon loading excluded); and CPU seconds."""
    if jobs == 1:
        _convert_paths(files[:1])
        _, wall, cpu = _measured(lambda: _convert_paths(files))
        return len(files) / wall, cpu
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        list(pool.map(_warm, range(jobs)))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        chunks = [files[i : i + 16] for i in range(0, len(files), 16)]
        _, wall, _cpu = _measured(lambda: list(pool.map(_convert_paths, chunks)))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers have exited and been waited for
    return len(files) / wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def new_document(folder: Path, seed: int) -> Path:
    """One generated document, named so that it sorts apart from the corpus, in ``folder``/doc/."""
    sys.path.insert(0, str(BENCH_DIR))
    from generate import generate_corpus

    shutil.rmtree(folder, ignore_errors=True)
    [generated] = generate_corpus(1, folder / "gen", seed=seed)
    folder.joinpath("doc").mkdir()
    target = folder / "doc" / ("new-document" + generated.name.removeprefix("gen-000000"))
    generated.rename(target)
    meta = generated.with_name(generated.name.removesuffix(".txt") + ".meta.json")
    meta.rename(target.with_name(target.name.removesuffix(".txt") + ".meta.json"))
    return target


def _command(command: list[str]) -> tuple[str, tuple[float, float]]:
    """Run a command; its output and (wall seconds, CPU seconds it used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):  # 1: validation found violations
        raise SystemExit(f"{' '.join(command)} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result.stdout, (wall, cpu)


# -- kg build in a child process --------------------------------------------------------------------------------
def _child_build(store: str, docs: str, jobs: int) -> None:
    from kg.build import build
    from kg.store import Store

    with Store(store) as opened:
        result, wall, cpu = _measured(lambda: build(opened, [docs], jobs=jobs))
        asserted = sum(opened.count(g) for g in opened.document_graphs())
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu_main": cpu,
                "timings": result.timings,
                "worker_cpu": result.ingest.cpu,
                "added": len(result.ingest.added),
                "failed": [str(e) for e in result.ingest.failed],
                "asserted": asserted,
                "inferred": result.reasoning.inferred_triples,
                "violations": sum(len(r.violations) for r in result.validation),
                "warnings": sum(len(r.warnings) for r in result.validation),
                "meetings": result.summary.meetings,
            }
        )
    )


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants now (Linux /proc; 0 elsewhere)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    tree, frontier = {root}, [root]
    while frontier:
        node = frontier.pop()
        for pid, parent in parents.items():
            if parent == node and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def build_in_child(store: Path, docs: Path, jobs: int) -> tuple[dict[str, Any], int, int, float]:
    """Run the build in a child; its JSON, peak RSS of its largest process, sampled peak sum, CPU of the tree."""
    shutil.rmtree(store, ignore_errors=True)
    command = [sys.executable, __file__, "--child-build", str(store), str(docs), str(jobs)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            peak[0] = max(peak[0], _tree_rss(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"kg build failed in the child process (exit {child.returncode})")
    largest = usage.ru_maxrss * 1024 if sys.platform != "darwin" else usage.ru_maxrss
    return json.loads(output.strip().splitlines()[-1]), largest, peak[0], usage.ru_utime + usage.ru_stime


# -- queries ------------------------------------------------------------------------------------------------------
def query_parameters(store: Any) -> dict[str, str]:
    """Values for the stored queries' parameters, taken from a meeting in the middle of the data."""
    count = int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {PARAMETER_WHERE} }}")))["n"].value)
    middle = f"SELECT * WHERE {{ {PARAMETER_WHERE} }} ORDER BY ?meeting ?person ?issue LIMIT 1 OFFSET {count // 2}"
    row = next(iter(store.query(middle)))
    values = {name: row[name].value for name in ("meeting", "a", "b", "person", "issue", "document")}
    a, b = values["a"].rsplit("/", 1)[-1], values["b"].rsplit("/", 1)[-1]
    return {**values, "a": a, "b": b, "country": a}


@dataclass(frozen=True)
class Bound:
    """A stored query with its parameters: the terms ``kg query`` writes into the text for Oxigraph
    (``Store.query``), and the same values as IRIs for rdflib's ``initBindings``."""

    name: str
    sparql: str
    substitutions: dict[Any, Any]
    bindings: dict[str, str]


def bound_queries(values: dict[str, str]) -> list[Bound]:
    from kg.queries import bind, stored_queries

    bound = []
    for name, query in sorted(stored_queries().items()):
        given = {p.name: values[p.name if p.name in values else p.type] for p in query.params}
        bindings = bind(query, given) if query.params else {}
        iris = {variable.value: term.value for variable, term in bindings.items()}
        bound.append(Bound(name, query.sparql, bindings, iris))
    return bound


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def oxigraph_latencies(store: Any, queries: list[Bound], runs: int) -> dict[str, tuple[list[float], int]]:
    results = {}
    for query in queries:
        rows = len(list(store.query(query.sparql, bindings=query.substitutions)))  # warm-up, and the row count
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            list(store.query(query.sparql, bindings=query.substitutions))
            samples.append(time.perf_counter() - began)
        results[query.name] = (samples, rows)
    return results


def _child_rdflib(nquads: str, queries_file: str, runs: int, budget: float) -> None:
    """Load the quads into rdflib and print one JSON line per query (the parent enforces time limits)."""
    from rdflib import Dataset, URIRef

    from kg.vocab import PREFIXES

    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    dataset = Dataset(default_union=True)
    _, load_wall, _ = _measured(lambda: dataset.parse(nquads, format="nquads"))
    print(json.dumps({"load": load_wall}), flush=True)
    for query in queries:
        bindings = {name: URIRef(iri) for name, iri in query["bindings"].items()}
        samples: list[float] = []
        rows = 0
        while len(samples) < runs and sum(samples) < budget:
            began = time.perf_counter()
            rows = len(list(dataset.query(query["sparql"], initNs=PREFIXES, initBindings=bindings)))
            samples.append(time.perf_counter() - began)
        print(json.dumps({"name": query["name"], "samples": samples, "rows": rows}), flush=True)


def rdflib_latencies(
    nquads: Path, queries: list[Bound], runs: int, query_timeout: float
) -> tuple[dict[str, tuple[list[float], int]], float | None, dict[str, str]]:
    """rdflib in memory over the same quads, in a child process; a query that runs longer than
    ``query_timeout`` is cut off (the child is restarted for the queries after it)."""
    import queue

    results: dict[str, tuple[list[float], int]] = {}
    notes: dict[str, str] = {}
    load = None
    remaining = list(queries)
    while remaining:
        queries_file = nquads.with_suffix(".queries.json")
        payload = [{"name": q.name, "sparql": q.sparql, "bindings": q.bindings} for q in remaining]
        queries_file.write_text(json.dumps(payload), encoding="utf-8")
        budget = str(query_timeout / 2)
        command = [sys.executable, __file__, "--child-rdflib", str(nquads), str(queries_file), str(runs), budget]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream: Any = child.stdout, sink: queue.Queue[str | None] = lines) -> None:
            for line in stream:
                sink.put(line)
            sink.put(None)

        threading.Thread(target=pump, daemon=True).start()
        waiting_for_load = True
        while remaining:
            try:
                line = lines.get(timeout=max(query_timeout, 900) if waiting_for_load else query_timeout)
            except queue.Empty:
                line = ""
            if not line:  # timed out, or the child ended early
                stuck = remaining.pop(0)
                notes[stuck.name] = f"no result within {query_timeout:.0f} s" if line == "" else "failed"
                child.kill()
                break
            data = json.loads(line)
            if "load" in data:
                load, waiting_for_load = data["load"], False
                continue
            results[data["name"]] = (data["samples"], data["rows"])
            remaining = [q for q in remaining if q.name != data["name"]]
        child.wait()
    return results, load, notes


# -- one N ------------------------------------------------------------------------------------------------------
def run(n: int, args: argparse.Namespace, targets: Targets) -> None:
    import pyoxigraph as ox
    import pyshacl
    from rdflib import Graph, URIRef

    from kg import reason
    from kg.build import ingest
    from kg.queries import QueryStore
    from kg.reason import reason_store
    from kg.validate import shapes_graph
    from kg.vocab import GRAPH_INFERRED

    sys.path.insert(0, str(BENCH_DIR))

    print(f"\n=== {n} documents (load average {_load()}) ===", flush=True)
    docs = corpus(n, args.work, args.seed)
    files = sorted(str(p) for p in docs.glob("*.txt"))
    _line("documents", f"{len(files)} in {docs}")

    rate1, cpu1 = conversion(files, 1)
    _line("conversion, 1 process", f"{rate1:8.1f} documents/s  ({cpu1:.1f} s CPU)")
    rate2, cpu2 = conversion(files, 2)
    _line("conversion, 2 processes", f"{rate2:8.1f} documents/s  ({cpu2:.1f} s CPU in workers; x{rate2 / rate1:.2f})")

    store_dir = args.work / f"store-{n}"
    built, largest, tree_peak, tree_cpu = build_in_child(store_dir, docs, args.jobs)
    timings = built["timings"]
    _line("kg build end to end", f"{built['wall']:8.1f} s wall, {tree_cpu:.1f} s CPU (all processes), jobs={args.jobs}")
    _line("  ingest (convert + validate + store)", f"{timings['ingest']:8.1f} s")
    _line("  validation records", f"{timings['validation']:8.1f} s")
    _line("  reasoning", f"{timings['reasoning']:8.1f} s  ({built['inferred']} inferred triples)")
    _line("  summary", f"{timings['summary']:8.1f} s  ({built['meetings']} meetings)")
    if built["failed"]:
        print(f"  {len(built['failed'])} documents failed to convert, e.g. {built['failed'][0]}")
    _line("ingest triples/s", f"{built['asserted'] / timings['ingest']:8.0f}  ({built['asserted']} asserted triples)")
    worker = built["worker_cpu"]
    _line("worker CPU: conversion", f"{worker['convert']:8.1f} s  ({1000 * worker['convert'] / n:.1f} ms/document)")
    _line("worker CPU: validation", f"{worker['validate']:8.1f} s  ({1000 * worker['validate'] / n:.1f} ms/document)")
    _line(
        "peak memory, kg build", f"{largest / 2**20:8.0f} MiB largest process, {tree_peak / 2**20:.0f} MiB sampled sum"
    )

    with QueryStore(store_dir) as store:
        again, re_wall, re_cpu = _measured(lambda: ingest(store, [docs], jobs=args.jobs))
        _line(
            "re-ingest unchanged corpus", f"{re_wall:8.2f} s wall, {re_cpu:.2f} s CPU ({len(again.skipped)} unchanged)"
        )

        new_dir = args.work / f"new-{n}"
        shutil.rmtree(new_dir, ignore_errors=True)
        new_file = new_document(new_dir, args.seed + 10_000)
        added, add_wall, add_cpu = _measured(lambda: ingest(store, [new_file], jobs=args.jobs))
        _, reason_wall, reason_cpu = _measured(lambda: reason_store(store))
        one = add_wall + reason_wall
        _line(
            "one new document",
            f"{one:8.2f} s wall = ingest {add_wall:.2f} s (convert + validate + store) + reason {reason_wall:.2f} s"
            f"  ({add_cpu + reason_cpu:.2f} s CPU; {len(added.added)} added)",
        )

        cold_reasoning = timings["reasoning"]
        _line("reasoning (per document, cold)", f"{cold_reasoning:8.1f} s wall (in kg build)")
        union = Graph()
        union.parse(data=store.asserted_ntriples(include_ontology=True), format="nt")
        union_triples = len(union)
        union_seconds = None
        if n <= args.union_baseline_max:
            inferred, union_seconds, union_cpu = _measured(lambda: reason.infer(union))
            ratio = union_seconds / cold_reasoning if cold_reasoning else float("inf")
            _line(
                "baseline: owlrl over the union",
                f"{union_seconds:8.1f} s wall, {union_cpu:.1f} s CPU ({union_triples} triples); "
                f"per-document reasoning x{ratio:.1f} faster",
            )
            ours = {t for t in store.graph(URIRef(str(GRAPH_INFERRED))) if reason.is_data_triple(*t) and t not in union}
            theirs = set(inferred)
            verdict = "EQUAL" if ours == theirs else "DIFFERENT"
            _line(
                "data-level results",
                f"{verdict} ({len(ours)} per document, {len(theirs)} owlrl; "
                f"{len(theirs - ours)} only owlrl, {len(ours - theirs)} only per document)",
            )
            targets.check(f"{n} docs: reasoning speed-up over owlrl", ratio, 20, "x", at_least=True)
            targets.lines.append(
                f"TARGET {n} docs: identical data-level results: {'PASS' if ours == theirs else 'GAP'}"
            )
        else:
            _line("baseline: owlrl over the union", f"skipped: {n} > --union-baseline-max {args.union_baseline_max}")
            _line("data-level results", "not compared (no baseline)")

        per_doc_validation = worker["validate"]
        _line(
            "validation (per document, in workers)",
            f"{per_doc_validation:8.1f} s CPU over {args.jobs} processes "
            f"({built['violations']} violations, {built['warnings']} warnings)",
        )
        if n <= args.shacl_baseline_max:
            shapes = shapes_graph()
            (conforms, _report, _text), shacl_wall, shacl_cpu = _measured(
                lambda: pyshacl.validate(
                    union, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
                )
            )
            _line(
                "baseline: pySHACL over the union",
                f"{shacl_wall:8.1f} s wall, {shacl_cpu:.1f} s CPU (conforms: {conforms}); "
                f"per-document validation uses x{shacl_cpu / max(per_doc_validation, 1e-9):.2f} less CPU",
            )
        else:
            _line("baseline: pySHACL over the union", f"skipped: {n} > --shacl-baseline-max {args.shacl_baseline_max}")
        union = Graph()  # let the union go before the queries run

        values = query_parameters(store)
        queries = bound_queries(values)
        ours_q = oxigraph_latencies(store, queries, args.runs)
        nquads = args.work / f"store-{n}.nq"
        everything = store.quads(include_inferred=True)  # the named graphs (not the default graph's union copy)
        nquads.write_bytes(ox.serialize(everything, format=ox.RdfFormat.N_QUADS) or b"")
    theirs_q: dict[str, tuple[list[float], int]] = {}
    load = None
    notes: dict[str, str] = {}
    if n <= args.rdflib_max_docs:
        theirs_q, load, notes = rdflib_latencies(nquads, queries, args.rdflib_runs, args.rdflib_timeout)
    print(f"  parameters: {values}")
    size = nquads.stat().st_size / 2**20
    print(f"  rdflib loads the {size:.0f} MiB of N-Quads in " + (f"{load:.1f} s" if load else "n/a"))
    for query in queries:
        name = query.name
        samples, rows = ours_q[name]
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        base = theirs_q.get(name)
        speedup: float | None = None
        if base and base[0]:
            b50 = statistics.median(base[0])
            same = "same rows" if base[1] == rows else f"ROWS DIFFER: {base[1]}"
            baseline = f"rdflib p50 {1000 * b50:9.1f} ms ({len(base[0])} runs, {same}), x{b50 / p50:.0f}"
            speedup = b50 / p50
        elif name in notes:
            baseline = f"rdflib: {notes[name]}, > x{args.rdflib_timeout / p50:.0f}"
            speedup = args.rdflib_timeout / p50  # a lower bound
        else:
            baseline = f"rdflib: skipped ({n} > --rdflib-max-docs {args.rdflib_max_docs})"
        _line("query", f"{name:<28} p50 {1000 * p50:8.2f} ms  p95 {1000 * p95:8.2f} ms  {rows:6d} rows  {baseline}")
        if name in SELECTING:
            targets.check(f"{n} docs: {name} p50", 1000 * p50, 50, "ms")
        if name in AGGREGATES:
            targets.check(f"{n} docs: {name} p50", p50, 2, "s")
        if name in SELECTING + AGGREGATES:
            targets.check(f"{n} docs: {name} speed-up over rdflib", speedup, 10, "x", at_least=True)
    nquads.unlink(missing_ok=True)

    # the same as a user types it: two commands, each a new process (imports, ontology, lexicon, shapes)
    second = new_document(args.work / f"new-{n}-cli", args.seed + 20_000)
    kg = [str(Path(sys.executable).parent / "kg"), "--store", str(store_dir)]
    (_, ingest_cli), (_, reason_cli) = (_command([*kg, *step]) for step in (["ingest", str(second)], ["reason"]))
    _line(
        "one new document, as commands",
        f"{ingest_cli[0] + reason_cli[0]:8.2f} s wall = `kg ingest` {ingest_cli[0]:.2f} s + `kg reason` "
        f"{reason_cli[0]:.2f} s  ({ingest_cli[1] + reason_cli[1]:.2f} s CPU; new processes)",
    )

    targets.check(f"{n} docs: kg build end to end (jobs={args.jobs})", built["wall"] / 60, 10, "min")
    targets.check(f"{n} docs: reasoning", cold_reasoning, 60, "s")
    targets.check(f"{n} docs: peak memory of kg build (sampled sum)", tree_peak / 2**30, 2, "GiB")
    targets.check(f"{n} docs: re-ingest unchanged", re_wall, 10, "s")
    targets.check(f"{n} docs: one new document", one, 2, "s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, action="append", help="documents (repeat for several sizes)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 50 documents, few repetitions")
    parser.add_argument("--jobs", type=int, default=2, help="processes for kg build (default 2)")
    parser.add_argument("--work", type=Path, default=ROOT / "tmp" / "bench", help="where documents and stores go")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each query on the store")
    parser.add_argument("--rdflib-runs", type=int, default=5, help="timed runs of each query on rdflib at most")
    parser.add_argument("--rdflib-timeout", type=float, default=300, help="seconds one rdflib query may take")
    parser.add_argument("--rdflib-max-docs", type=int, default=10_000)
    parser.add_argument("--union-baseline-max", type=int, default=1000, help="largest N for the owlrl baseline")
    parser.add_argument("--shacl-baseline-max", type=int, default=10_000, help="largest N for the pySHACL baseline")
    parser.add_argument("--child-build", nargs=3, metavar=("STORE", "DOCS", "JOBS"), help=argparse.SUPPRESS)
    parser.add_argument("--child-rdflib", nargs=4, metavar=("NQ", "QUERIES", "RUNS", "BUDGET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        _child_build(args.child_build[0], args.child_build[1], int(args.child_build[2]))
        return 0
    if args.child_rdflib:
        nq, queries, runs, budget = args.child_rdflib
        _child_rdflib(nq, queries, int(runs), float(budget))
        return 0
    sizes = [50] if args.quick else (args.docs or [1000])
    if args.quick:
        args.runs, args.rdflib_runs, args.rdflib_timeout = 3, 2, min(args.rdflib_timeout, 20)
    print(f"dipkg scale benchmark: Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average at start: {_load()} (other processes share the CPU: compare CPU times too)")
    targets = Targets()
    for n in sizes:
        run(n, args, targets)
    self_usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    _line(
        "peak memory, this benchmark",
        f"{self_usage / 1024:8.0f} MiB (itself), {children / 1024:.0f} MiB (largest child)",
    )
    print(f"load average at the end: {_load()}")
    print()
    for line in targets.lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
