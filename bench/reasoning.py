"""Reasoning: per-document closures (what `kg reason` does) against one owlrl closure of the whole union.

The bundled corpus (corpus/seeds and corpus/dev) is converted once; its graphs are then copied until there
are --docs documents (200 by default). Copy k of a document gets its own document, person, meeting and
agreement IRIs (suffix "-k<k>"), so the copies are distinct graphs with distinct people, while posts,
countries, places, partnerships and issues stay shared across copies, as they would be across real
documents. Since no corpus document needs another to be reasoned about, --split-groups (10 by default) adds
groups of three small documents that only together say who met whom, which post a person holds and
whose post it is. Everything goes into a fresh store in a temporary folder, and the script then times:

- **per-document, cold**: kg.reason.reason_store on an empty reasoning cache, split into the ontology closure
  (once per ontology version) and the rest (document closures, cross-document step, writing);
- **per-document, nothing changed** and **one document changed** (a participant removed): what `kg build`
  and `kg reason` cost after an ingest;
- **union (reference)**: plain owlrl plus the rules (rdflib) over the union of every document graph and the
  ontology graph, as dipkg reasoned before (kg.reason.closure); --skip-baseline leaves it out, for large
  --docs;
- **union, same engine**: the same union closed the way the per-document path closes each piece (owlrl
  without eq-ref, rules run by Oxigraph), which separates the gain of splitting from the gain of the
  engine; --skip-same-engine leaves it out.

It prints each union time's ratio to the per-document times, and whether the data-level triples in
graph/inferred equal those of the union closure (the reference, else the same-engine one): EQUAL, or the size
of each side of the difference with a few examples; the inconsistencies found are compared too.
--check-change also closes the union after the one change and compares that.

    .venv/bin/python bench/reasoning.py [--docs N] [--split-groups N] [--skip-baseline] [--skip-same-engine]
                                        [--check-change] [--keep DIR]
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import owlrl
import pyoxigraph as ox
from rdflib import Graph

from kg import paths, reason
from kg.convert import convert_file
from kg.store import Store
from kg.vocab import GRAPH_INFERRED

T = TypeVar("T")
_COPIED = re.compile(r"(<https://w3id\.org/dipkg/id/(?:doc|person|meeting|agreement)/[^/#>]+)")


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = work()
    return value, time.perf_counter() - start


def corpus_graphs() -> list[tuple[str, str]]:
    """(document IRI, N-Triples) of every bundled corpus document."""
    files = sorted((paths.CORPUS_DIR / "seeds").glob("*.txt")) + sorted((paths.CORPUS_DIR / "dev").glob("*.txt"))
    converted = [convert_file(path) for path in files]
    return [(item.iri, item.graph.serialize(format="nt")) for item in converted]


def synthetic(corpus: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """``count`` documents: the corpus, then copies whose document, people and meetings are renamed."""
    documents = []
    for index in range(count):
        copy, (iri, text) = divmod(index, len(corpus))[0], corpus[index % len(corpus)]
        if copy:
            text = _COPIED.sub(lambda m, k=copy: f"{m.group(1)}-k{k}", text)
            iri = f"{iri}-k{copy}"
        documents.append((iri, text))
    return documents


# Documents whose consequences need two or three of them (the corpus has none: each document names its
# posts' countries and types them itself): a meeting whose participants are named in two documents, a post
# held in one, typed in another and placed in a country in a third.
_SPLIT = (
    "<{m}> a <{dip}Meeting> ; <{dip}participant> <{a}> . <{a}> a <{dip}Person> ; <{dip}holdsPost> <{post}> .",
    "<{m}> <{dip}participant> <{b}> . <{b}> a <{dip}Person> . <{post}> a <{dip}ForeignMinisterPost> .",
    "<{post}> <{dip}postOf> <https://w3id.org/dipkg/id/country/JP> .",
)


def split_documents(groups: int) -> list[tuple[str, str]]:
    """``groups`` sets of three small documents that only together say who met whom and who holds what."""
    documents = []
    base = "https://w3id.org/dipkg/id/"
    for group in range(groups):
        names = {
            "dip": "https://w3id.org/dipkg/ontology#",
            "m": f"{base}meeting/split-{group}",
            "a": f"{base}person/split-a-{group}",
            "b": f"{base}person/split-b-{group}",
            "post": f"{base}post/XX-split-{group}",
        }
        for part, template in enumerate(_SPLIT):
            iri = f"{base}doc/split-{group}-{part}"
            text = f"<{iri}> a <{names['dip']}Document> . " + template.format(**names)
            documents.append((iri, Graph().parse(data=text, format="turtle").serialize(format="nt")))
    return documents


def _inferred(store: Store) -> set[ox.Triple]:
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    return {quad.triple for quad in store.oxigraph.quads_for_pattern(None, None, None, graph)}


def _union(store: Store, context: reason.OntologyContext) -> Graph:
    union = Graph()
    union.parse(data=store.asserted_ntriples(include_ontology=False), format="nt")
    for triple in context.asserted:
        union.add(triple)
    return union


def _data_level(closed: Graph, asserted: Graph) -> set[ox.Triple]:
    terms = reason._Terms()
    found = set()
    for triple in closed:
        if triple not in asserted and reason.is_data_triple(*triple):
            converted = terms.ox_triple(triple)
            if converted is not None:
                found.add(converted)
    return found


def _report_difference(label: str, expected: set[ox.Triple], actual: set[ox.Triple]) -> bool:
    missing, extra = expected - actual, actual - expected
    if not missing and not extra:
        print(f"{label}: EQUAL ({len(actual)} triples)")
        return True
    print(f"{label}: DIFFERENT, {len(missing)} only in the union closure, {len(extra)} only per document")
    for triple in sorted(missing, key=str)[:5]:
        print(f"    only in union:        {triple}")
    for triple in sorted(extra, key=str)[:5]:
        print(f"    only per document:    {triple}")
    return False


def _line(label: str, seconds: float, cpu: float | None = None, note: str = "") -> None:
    cpu_text = f" wall, {cpu:8.2f} s CPU" if cpu is not None else " wall"
    print(f"{label:<40} {seconds:8.2f} s{cpu_text}" + (f"  ({note})" if note else ""))


def _measured(work: Callable[[], T]) -> tuple[T, float, float]:
    """The value, wall seconds and CPU seconds of this process (other processes on the machine don't count)."""
    cpu = time.process_time()
    value, wall = _timed(work)
    return value, wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200, help="documents made from the corpus (default 200)")
    parser.add_argument(
        "--split-groups", type=int, default=10, help="groups of three documents with cross-document consequences"
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the reference union closure")
    parser.add_argument("--owlrl-per-document", action="store_true", help="also time owlrl document by document")
    parser.add_argument("--keep", type=Path, help="build the store here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)

    print(
        f"Python {platform.python_version()} on {platform.machine()} ({platform.system()}), owlrl {owlrl.__version__}"
    )
    corpus, seconds = _timed(corpus_graphs)
    documents = synthetic(corpus, args.docs) + split_documents(args.split_groups)
    # the document added last is one of a split group: its consequences join it with two older documents
    documents.append(documents.pop(len(documents) - 2))
    triples = sum(text.count("\n") for _iri, text in documents)
    print(
        f"corpus: {len(corpus)} documents converted in {seconds:.1f} s; {args.docs} documents made from them and "
        f"{3 * args.split_groups} split documents: {len(documents)} documents, {triples} triples"
    )

    folder = args.keep or Path(tempfile.mkdtemp(prefix="dipkg-bench-"))
    if args.keep and folder.exists():
        shutil.rmtree(folder)
    rules = reason.load_rules()
    status = 0
    try:
        with Store(folder / "kg") as store:
            store.load_ontology()
            for iri, text in documents[:-1]:
                store.replace_graph_ntriples(iri, text)

            print()
            reason._context_for.cache_clear()
            cache = reason.cache_directory(store)
            context, ontology_seconds, ontology_cpu = _measured(lambda: reason.ontology_context(rules, cache_dir=cache))
            _line("ontology closure (once per version)", ontology_seconds, ontology_cpu)
            _cold, cold_seconds, cold_cpu = _measured(lambda: reason.reason_store(store, rules=rules))
            _line(f"compiled, empty state, {len(documents) - 1} docs", cold_seconds, cold_cpu)
            last_iri, last_text = documents[-1]
            store.replace_graph_ntriples(last_iri, last_text)
            added, added_seconds, added_cpu = _measured(lambda: reason.reason_store(store, rules=rules))
            _line("compiled, one document added", added_seconds, added_cpu, f"+{added.added} triples")
            incremental = _inferred(store)
            warm, warm_seconds, warm_cpu = _measured(lambda: reason.reason_store(store, rules=rules))
            _line("compiled, nothing changed", warm_seconds, warm_cpu, f"{len(warm.reasoned)} documents reasoned")
            full, full_seconds, full_cpu = _measured(lambda: reason.reason_store(store, rules=rules, full=True))
            _line(f"compiled, from scratch, {len(documents)} docs", full_seconds, full_cpu)
            print(f"    {full.inferred_triples} inferred triples; {len(full.inconsistent)} inconsistencies")
            from_scratch = _inferred(store)
            changed_iri, changed_text = documents[0]
            removed = next(line for line in changed_text.splitlines() if "ontology#participant>" in line)
            store.note_changed([changed_iri])
            store.oxigraph.update(f"DELETE DATA {{ GRAPH <{changed_iri}> {{ {removed} }} }}")
            one, one_seconds, one_cpu = _measured(lambda: reason.reason_store(store, rules=rules))
            _line("compiled, one document changed", one_seconds, one_cpu, f"+{one.added} -{one.removed} triples")
            store.note_changed([changed_iri])
            store.oxigraph.update(f"INSERT DATA {{ GRAPH <{changed_iri}> {{ {removed} }} }}")
            reason.reason_store(store, rules=rules)
            if args.owlrl_per_document:
                shutil.rmtree(cache, ignore_errors=True)
                reason._context_for.cache_clear()
                _result, owl_seconds, owl_cpu = _measured(lambda: reason.reason_store_with_owlrl(store, rules=rules))
                _line("owlrl per document, empty cache", owl_seconds, owl_cpu)
                print(f"{'  ratio to compiled from scratch (CPU)':<40} {owl_cpu / full_cpu:8.1f}x")

            if not args.skip_baseline:
                union = _union(store, context)
                closed, union_seconds, union_cpu = _measured(lambda: reason.closure(union, rules))
                expected, errors = _data_level(closed, union), reason.error_messages(closed)
                print()
                _line("union (reference: plain owlrl)", union_seconds, union_cpu)
                print(f"{'  ratio to compiled from scratch (CPU)':<40} {union_cpu / full_cpu:8.1f}x")
                print(f"{'  ratio to one document added (CPU)':<40} {union_cpu / added_cpu:8.1f}x")
                print()
                for label, actual in (("from scratch", from_scratch), ("incremental", incremental)):
                    if not _report_difference(f"data-level inferred triples, {label}", expected, actual):
                        status = 1
                if errors != full.inconsistent:
                    print(f"inconsistencies: DIFFERENT {errors} vs {full.inconsistent}")
                    status = 1
                else:
                    print(f"inconsistencies: EQUAL ({len(errors)})")
            elif incremental != from_scratch:
                _report_difference("incremental vs from scratch", from_scratch, incremental)
                status = 1
            else:
                print(f"incremental vs from scratch: EQUAL ({len(incremental)} triples)")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
