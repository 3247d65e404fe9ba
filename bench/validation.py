"""SHACL validation per document: CPU time of pySHACL called plainly, as dipkg called it before, and now.

Converts the bundled corpus (corpus/seeds and corpus/dev) and --docs generated documents (bench/generate.py,
written to a temporary folder, or read from --from DIR), then adds a broken copy of each: one of the
``BREAKS`` below (a SPARQL update: a participant removed, a date without datatype, a person typed as a
country, ...), in turn, so that the sample holds violations of most shapes and not only conforming graphs.
Every graph is then validated three ways, one after the other in this one process, and the CPU time
(``time.process_time``, so that other work on a shared machine counts little) per graph is printed:

- **plain pySHACL** (``baseline``): the data graph as kg.validate built it before (the document, the whole
  ontology schema and the reference nodes it points to) and one ``pyshacl.validate`` call per graph, with
  the options dipkg uses;
- **before**: the same, with the parsed SPARQL queries kept across graphs, which is what
  ``kg.validate.validate_graph`` did before (``kg.validate._prepared_sparql``);
- **now**: ``kg.validate.validate_graph``.

Each includes building the data graph and reading the findings out of the report (``kg.validate.findings_of``
for all three). The first graph of each way is validated before the clock starts (it loads the ontology
and builds the shapes), and that one-off cost is printed apart. Last, the script compares the findings of
every graph (severity, focus, path, value, message, component, labels, shape, in order) and prints EQUAL,
or DIFFERENT with the first graph that differs; it exits 1 when they differ.

    .venv/bin/python bench/validation.py [--docs 300] [--seed 0] [--from DIR] [--no-broken] [--skip-plain]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_corpus

from kg import paths
from kg.convert import convert_file
from kg.store import ontology_graph
from kg.validate import Finding, _prepared_sparql, findings_of, shapes_graph, validate_graph
from kg.vocab import DIP

PREFIXES = """PREFIX dip: <https://w3id.org/dipkg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
# name -> SPARQL update that breaks any converted document in one way (meetings and persons are found through
# dip:participant: the converter types them with subclasses, and the document graph holds no class hierarchy)
BREAKS = {
    "one-participant-left": "DELETE { ?m dip:participant ?p } WHERE { ?m dip:participant ?p "
    "{ SELECT ?m (MIN(STR(?q)) AS ?first) WHERE { ?m dip:participant ?q } GROUP BY ?m } FILTER(STR(?p) = ?first) }",
    "date-without-datatype": "DELETE { ?m dip:date ?d } INSERT { ?m dip:date ?s } WHERE { ?m dip:date ?d "
    "BIND(STR(?d) AS ?s) }",
    "person-typed-country": "INSERT { ?p a dip:Country } WHERE { ?m dip:participant ?p }",
    "unknown-class": "INSERT { ?p a dip:Minsiter } WHERE { ?m dip:participant ?p }",
    "quote-not-in-text": 'DELETE { ?s oa:exact ?e } INSERT { ?s oa:exact "words the text does not hold" } '
    "WHERE { ?s oa:exact ?e }",
    "country-as-location": "INSERT { ?m dip:location <https://w3id.org/dipkg/id/country/JP> } "
    "WHERE { ?m dip:participant ?p }",
    "met-oneself": "INSERT { ?p dip:metWith ?p } WHERE { ?m dip:participant ?p }",
    "no-title": "DELETE { ?d dct:title ?t } WHERE { ?d dct:title ?t }",
    "unknown-issue": "INSERT { ?m dip:discussed <https://w3id.org/dipkg/issue/no-such-issue> } "
    "WHERE { ?m dip:participant ?p }",
    "represents-a-person": "INSERT { ?p dip:represents ?p } WHERE { ?m dip:participant ?p }",
}


@dataclass(frozen=True)
class Sample:
    name: str  # the file's stem, with the break applied, if any
    document: str  # the document IRI
    graph: Graph


# -- the baseline: the whole schema in every data graph, one pyshacl.validate call per graph ----------------------
@lru_cache(maxsize=1)
def _ontology_split() -> tuple[list[tuple[Node, Node, Node]], dict[Node, list[tuple[Node, Node, Node]]]]:
    """The schema (every triple about a dip: term or a blank node) and, per other subject, its triples."""
    schema: list[tuple[Node, Node, Node]] = []
    references: dict[Node, list[tuple[Node, Node, Node]]] = {}
    for s, p, o in ontology_graph():
        if (isinstance(s, URIRef) and str(s).startswith(str(DIP._NS))) or isinstance(s, BNode):
            schema.append((s, p, o))
        else:
            references.setdefault(s, []).append((s, p, o))
    return schema, references


def whole_context(graph: Graph) -> Graph:
    """The data graph as kg.validate built it before: the whole schema, the graph, its reference nodes."""
    schema, references = _ontology_split()
    data = Graph()
    for triple in schema:
        data.add(triple)
    data += graph
    frontier = set(graph.objects())
    for _hop in range(2):  # countries, then their capitals
        following = set()
        for node in frontier:
            for triple in references.get(node, ()):
                data.add(triple)
                following.add(triple[2])
        frontier = following
    return data


def baseline(sample: Sample, *, prepared: bool = False) -> list[Finding]:
    """Plain ``pyshacl.validate`` on the whole-schema data graph (``prepared``: with the parsed-SPARQL cache)."""
    data = whole_context(sample.graph)
    shortcut: AbstractContextManager[None] = _prepared_sparql() if prepared else nullcontext()
    with shortcut:
        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True, inplace=True
        )
    return findings_of(report, data)


def now(sample: Sample) -> list[Finding]:
    return validate_graph(sample.graph, document=sample.document).findings


# -- the sample ---------------------------------------------------------------------------------------------------
def _converted(path: Path) -> Sample:
    graph = convert_file(path).graph
    document = next(graph.subjects(RDF.type, DIP.Document))
    return Sample(path.stem, str(document), graph)


def _broken(sample: Sample, name: str) -> Sample:
    graph = Graph()
    graph += sample.graph
    graph.update(PREFIXES + BREAKS[name])
    return Sample(f"{sample.name} [{name}]", sample.document, graph)


def samples(files: Sequence[Path], *, broken: bool) -> list[Sample]:
    converted = [_converted(path) for path in files]
    if not broken:
        return converted
    names = sorted(BREAKS)
    return converted + [_broken(sample, names[i % len(names)]) for i, sample in enumerate(converted)]


def generated(count: int, folder: Path | None, seed: int, work: Path) -> list[Path]:
    if folder is not None:
        files = sorted(folder.glob("*.txt"))[:count]
        if len(files) < count:
            raise SystemExit(f"{folder} holds {len(files)} documents, fewer than --docs {count}")
        return files
    return generate_corpus(count, work / "generated", seed=seed)


# -- timing -------------------------------------------------------------------------------------------------------
def timed(way: Callable[[Sample], list[Finding]], graphs: Sequence[Sample]) -> tuple[list[list[Finding]], float, float]:
    """Findings of each graph, the CPU ms of the first call (caches) and the CPU ms per graph of the others."""
    began = time.process_time()
    first = way(graphs[0])
    warm = time.process_time()
    rest = [way(sample) for sample in graphs[1:]]
    ended = time.process_time()
    per_graph = 1000 * (ended - warm) / max(1, len(graphs) - 1)
    return [first, *rest], 1000 * (warm - began), per_graph


def _differences(ours: list[list[Finding]], theirs: list[list[Finding]], graphs: Sequence[Sample]) -> Iterator[str]:
    for sample, a, b in zip(graphs, ours, theirs, strict=True):
        if a != b:
            yield sample.name
            for finding in b:
                if finding not in a:
                    yield f"  only before: {finding}"
            for finding in a:
                if finding not in b:
                    yield f"  only now:    {finding}"
            if sorted(a, key=repr) == sorted(b, key=repr):
                yield "  (the same findings in another order)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=300, help="generated documents (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed of bench/generate.py (default 0)")
    parser.add_argument("--from", dest="folder", type=Path, help="read the generated documents from this folder")
    parser.add_argument("--no-broken", action="store_true", help="validate the documents only as converted")
    parser.add_argument("--skip-plain", action="store_true", help="leave out plain pySHACL (the slowest way)")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()} on {platform.machine()}, pySHACL {pyshacl.__version__}")
    corpus = sorted(paths.CORPUS_DIR.glob("*/*.txt"))
    with tempfile.TemporaryDirectory(prefix="dipkg-validation-") as work:
        files = corpus + generated(args.docs, args.folder, args.seed, Path(work))
        graphs = samples(files, broken=not args.no_broken)
    print(
        f"graphs: {len(graphs)} ({len(corpus)} corpus and {len(files) - len(corpus)} generated documents"
        + ("" if args.no_broken else ", each also broken one way")
        + ")"
    )

    ways: list[tuple[str, Callable[[Sample], list[Finding]]]] = []
    if not args.skip_plain:
        ways.append(("plain pySHACL (whole schema)", baseline))
    ways.append(("before (plain + parsed SPARQL)", lambda sample: baseline(sample, prepared=True)))
    ways.append(("now (kg.validate.validate_graph)", now))
    results = {}
    for label, way in ways:
        findings, first, per_graph = timed(way, graphs)
        results[label] = (findings, per_graph)
        print(f"  {label:<36} {per_graph:7.1f} ms CPU per graph   (first graph {first:7.1f} ms)")

    current, current_ms = results[ways[-1][0]]
    before_ms = results[ways[-2][0]][1]
    print(f"  now / before: x{before_ms / current_ms:.2f} less CPU")
    if not args.skip_plain:
        plain_ms = results[ways[0][0]][1]
        print(f"  now / plain pySHACL: x{plain_ms / current_ms:.2f} less CPU")

    counts = {
        severity: sum(f.severity == severity for fs in current for f in fs)
        for severity in ("Violation", "Warning", "Info")
    }
    print(f"findings now: {sum(map(len, current))} ({', '.join(f'{n} {s}' for s, n in counts.items())})")
    verdict = 0
    for label, (findings, _ms) in results.items():
        if findings is current:
            continue
        lines = list(_differences(current, findings, graphs))
        print(f"findings now vs {label}: {'EQUAL' if not lines else 'DIFFERENT'}")
        for line in lines[:20]:
            print(f"    {line}")
        verdict = verdict or (1 if lines else 0)
    return verdict


if __name__ == "__main__":
    sys.exit(main())
