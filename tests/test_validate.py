"""SHACL shapes: each one tested on its own fixtures, the shapes graph checked against SHACL-SHACL, and
`kg validate` on a store whose document graphs were broken in five ways."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyshacl
import pytest
from rdflib import OWL, RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH
from rdflib.term import Node
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.errors import ShapesLoadError
from kg.store import Store
from kg.validate import shapes_graph, validate_graph, with_context
from kg.vocab import DIP

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
DASH = "http://datashapes.org/dash#"
DSH = "https://w3id.org/dipkg/shapes#"
SHAPES_ONTOLOGY = URIRef("https://w3id.org/dipkg/shapes")
FIXTURE_FILES = sorted(FIXTURES.glob("*.ttl"))
Result = tuple[str, str | None, str, str]  # focus, path, component, severity


def _closure(graph: Graph, node: Node, into: Graph) -> None:
    """Copy ``node``'s statements and, recursively, those of the blank nodes they lead to."""
    for s, p, o in graph.triples((node, None, None)):
        if (s, p, o) not in into:
            into.add((s, p, o))
            if isinstance(o, BNode):
                _closure(graph, o, into)


def _path_key(graph: Graph, node: Node | None) -> str | None:
    """A SHACL path written out, so that blank-node paths compare by what they say."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    for kind in ("alternativePath", "inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"):
        inner = graph.value(node, SH[kind])
        if inner is not None:
            return f"{kind}({_path_key(graph, inner)})"
    if graph.value(node, RDF.first) is not None:
        return "(" + " ".join(str(_path_key(graph, item)) for item in Collection(graph, node)) + ")"
    return "?"


def _expected(graph: Graph) -> tuple[bool, set[Result], Graph]:
    case = next(graph.subjects(RDF.type, URIRef(DASH + "GraphValidationTestCase")))
    stated = Graph()
    _closure(graph, case, stated)
    report = graph.value(case, URIRef(DASH + "expectedResult"))
    conforms = graph.value(report, SH.conforms)
    results = {
        (
            str(graph.value(result, SH.focusNode)),
            _path_key(graph, graph.value(result, SH.resultPath)),
            str(graph.value(result, SH.sourceConstraintComponent)),
            str(graph.value(result, SH.resultSeverity) or SH.Violation),
        )
        for result in graph.objects(report, SH.result)
    }
    data = Graph()
    for triple in graph:
        if triple not in stated:
            data.add(triple)
    return bool(isinstance(conforms, Literal) and conforms.toPython()), results, data


def _one_shape(name: str) -> Graph:
    shapes = shapes_graph()
    single = Graph()
    _closure(shapes, URIRef(DSH + name), single)
    _closure(shapes, SHAPES_ONTOLOGY, single)  # the prefixes that sh:sparql constraints declare
    return single


def _actual(data: Graph, shapes: Graph) -> set[Result]:
    _conforms, report, _text = pyshacl.validate(
        with_context(data), shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return {
        (
            str(report.value(result, SH.focusNode)),
            _path_key(report, report.value(result, SH.resultPath)),
            str(report.value(result, SH.sourceConstraintComponent)),
            str(report.value(result, SH.resultSeverity)),
        )
        for result in report.subjects(RDF.type, SH.ValidationResult)
    }


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[path.stem for path in FIXTURE_FILES])
def test_validate_shape_fixture_gives_expected_results(fixture: Path) -> None:
    graph = Graph().parse(fixture, format="turtle")
    conforms, expected, data = _expected(graph)
    actual = _actual(data, _one_shape(fixture.stem.split("-")[0]))
    assert actual == expected, f"only expected: {expected - actual}\nonly found: {actual - expected}"
    assert conforms == (not any(result[3] == str(SH.Violation) for result in actual))


def _shape_names() -> set[str]:
    return {
        str(shape)[len(DSH) :]
        for shape in shapes_graph().subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, URIRef) and str(shape).startswith(DSH)
    }


@pytest.mark.parametrize("kind", ["ok", "bad-1"], ids=["ok", "bad"])
def test_validate_every_shape_has_fixtures(kind: str) -> None:
    names = _shape_names()
    assert {path.stem.split("-")[0] for path in FIXTURE_FILES} == names
    assert sorted(name for name in names if not (FIXTURES / f"{name}-{kind}.ttl").exists()) == []


@pytest.mark.parametrize("source", [paths.SHAPES_DIR], ids=["shapes"])
def test_validate_shapes_pass_shacl_shacl(source: Path) -> None:
    shapes = shapes_graph(source)
    conforms, _report, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True, advanced=True)
    assert conforms, text


@pytest.mark.parametrize("shape", ["DisjointClassesShape"], ids=["disjoint"])
def test_validate_disjoint_shape_lists_the_ontology_disjoint_classes(ontology: Graph, shape: str) -> None:
    shapes = shapes_graph()
    node = URIRef(DSH + shape)
    options = Collection(shapes, shapes.value(node, SH.xone))
    in_shape = {shapes.value(option, SH["class"]) for option in options}
    targets = set(shapes.objects(node, SH.targetClass))
    group = next(ontology.subjects(RDF.type, OWL.AllDisjointClasses))
    declared = set(Collection(ontology, ontology.value(group, OWL.members)))
    assert in_shape == declared == targets


def _paths_in_shapes(shapes: Graph) -> set[str]:
    found: set[str] = set()

    def walk(node: Node) -> None:
        if isinstance(node, URIRef):
            found.add(str(node))
            return
        for _p, o in shapes.predicate_objects(node):
            walk(o)

    for path in shapes.objects(None, SH.path):
        walk(path)
    for kind in (SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(str(o) for o in shapes.objects(None, kind))
    return found


@pytest.mark.parametrize("document", ["rdf-layout.md", "design.md"], ids=["rdf-layout", "design"])
def test_validate_shapes_cover_every_class_and_property_of_the_contract(ontology: Graph, document: str) -> None:
    text = (paths.DATA_ROOT / "docs" / document).read_text(encoding="utf-8")
    terms = set(re.findall(r"dip:([A-Za-z]+)", text))
    shapes = shapes_graph()
    targeted = {str(o) for o in shapes.objects(None, SH.targetClass)}
    closed = Graph()
    for triple in ontology.triples((None, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), None)):
        closed.add(triple)

    def covered_class(name: str) -> bool:
        node: Node | None = DIP[name]
        while node is not None:
            if str(node) in targeted:
                return True
            node = closed.value(node, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"))
        return False

    classes = sorted(t for t in terms if t[0].isupper() and not covered_class(t))
    properties = sorted(t for t in terms if t[0].islower() and str(DIP[t]) not in _paths_in_shapes(shapes))
    assert classes == [] and properties == []


BROKEN_TURTLE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .

ex:Shape a sh:NodeShape ;
    sh:targetClass ex:Thing
    sh:property [ sh:path ex:p ] .
"""


@pytest.mark.parametrize("name", ["broken.ttl"], ids=["syntax"])
def test_validate_malformed_shapes_file_is_named(
    tmp_path: Path, runner: CliRunner, seed_store: Path, name: str
) -> None:
    shapes = tmp_path / name
    shapes.write_text(BROKEN_TURTLE, encoding="utf-8")
    with pytest.raises(ShapesLoadError) as caught:
        validate_graph(Graph(), shapes_source=shapes)
    assert str(shapes) in str(caught.value) and caught.value.line is not None
    result = runner.invoke(app, ["--store", str(seed_store), "validate", "--shapes", str(shapes)])
    assert result.exit_code == 2, result.output
    assert name in result.output and "does not parse" in result.output


@pytest.mark.parametrize("name", ["unusable.ttl"], ids=["bad-constraint"])
def test_validate_unusable_shapes_file_is_named(tmp_path: Path, runner: CliRunner, seed_store: Path, name: str) -> None:
    shapes = tmp_path / name
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix dip: <https://w3id.org/dipkg/ontology#> .\n"
        "<https://example.org/Shape> a sh:NodeShape ; sh:targetClass dip:Meeting ;\n"
        '    sh:property [ sh:path dip:participant ; sh:minCount "two" ] .\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["--store", str(seed_store), "validate", "--shapes", str(shapes)])
    assert result.exit_code == 2, result.output
    assert name in result.output


DOC = "https://w3id.org/dipkg/id/doc/japan-fm-urges-mongolia-2022-05"
OTHER = "japan-mongolia-fm-meeting-2023-07"
MEETING = "https://w3id.org/dipkg/id/meeting/2022-05-01-3e4422efbf2243a4"
QUOTE = f"{DOC}#ev-339-624-quote"
HAYASHI = "https://w3id.org/dipkg/id/person/yoshimasa-hayashi"
PREFIXES = (
    "PREFIX dip: <https://w3id.org/dipkg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)
# each break: the SPARQL update applied to one document graph, and what the report must name
BREAKS = {
    "quote-not-at-offsets": (
        f"DELETE {{ GRAPH <{DOC}> {{ <{QUOTE}> oa:exact ?e }} }} "
        f"INSERT {{ GRAPH <{DOC}> {{ <{QUOTE}> oa:exact 'In a meeting in Tokyo, they talked.' }} }} "
        f"WHERE {{ GRAPH <{DOC}> {{ <{QUOTE}> oa:exact ?e }} }}",
        "dipid:doc/japan-fm-urges-mongolia-2022-05#ev-339-624-quote",
        "Evidence quote does not match the document text",
    ),
    "date-without-datatype": (
        f"DELETE {{ GRAPH <{DOC}> {{ <{MEETING}> dip:date ?d }} }} "
        f"INSERT {{ GRAPH <{DOC}> {{ <{MEETING}> dip:date '2022-05-01' }} }} "
        f"WHERE {{ GRAPH <{DOC}> {{ <{MEETING}> dip:date ?d }} }}",
        "foreign ministers meeting of Batmunkh Battsetseg and Yoshimasa Hayashi, 2022-05-01",
        'dip:date "2022-05-01": A meeting has at most one dip:date, an xsd:date',
    ),
    "one-participant": (
        f"DELETE DATA {{ GRAPH <{DOC}> {{ <{MEETING}> dip:participant "
        "<https://w3id.org/dipkg/id/person/batmunkh-battsetseg> } }",
        "dipid:meeting/2022-05-01-3e4422efbf2243a4",
        "dip:participant: A meeting needs at least two dip:participant values",
    ),
    "person-typed-country": (
        f"INSERT DATA {{ GRAPH <{DOC}> {{ <{HAYASHI}> a dip:Country }} }}",
        "Yoshimasa Hayashi  [dipid:person/yoshimasa-hayashi]",
        "types from two classes the ontology declares disjoint",
    ),
    "unknown-class": (
        f"INSERT DATA {{ GRAPH <{DOC}> {{ <{HAYASHI}> a dip:Minsiter }} }}",
        "Yoshimasa Hayashi  [dipid:person/yoshimasa-hayashi]",
        "rdf:type dip:Minsiter: This type is in the dip: namespace but the ontology declares no such class",
    ),
}


@pytest.mark.issue(5)
@pytest.mark.parametrize("case", sorted(BREAKS), ids=sorted(BREAKS))
def test_validate_broken_document_exits_1_naming_document_node_and_problem(
    tmp_path: Path, runner: CliRunner, seed_store: Path, case: str
) -> None:
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store)
    update, node, problem = BREAKS[case]
    with Store(store) as opened:
        opened.oxigraph.update(PREFIXES + update)
    result = runner.invoke(app, ["--store", str(store), "validate"])
    assert result.exit_code == 1, result.output
    assert "dipid:doc/japan-fm-urges-mongolia-2022-05" in result.stdout
    assert node in result.stdout
    assert problem in result.stdout
    assert OTHER not in result.stdout  # the other document conforms and has nothing to report
    assert "2 documents validated: 1 conform, 1 with violations" in result.stdout


@pytest.mark.parametrize("fmt", ["turtle"], ids=["turtle"])
def test_validate_raw_report_names_each_document(runner: CliRunner, seed_store: Path, fmt: str) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "validate", "--format", fmt])
    assert result.exit_code == 0, result.output
    report = Graph().parse(data=result.stdout, format="turtle")
    sources = {
        str(o) for s in report.subjects(RDF.type, SH.ValidationReport) for o in report.objects(s, DCTERMS.source)
    }
    assert sources == {DOC, f"https://w3id.org/dipkg/id/doc/{OTHER}"}


@pytest.mark.parametrize("name", ["a-news-spain-mexico-fm-madrid"], ids=["no-publication-date"])
def test_validate_warnings_do_not_fail(tmp_path: Path, runner: CliRunner, name: str) -> None:
    store = tmp_path / "kg"
    assert (
        runner.invoke(app, ["--store", str(store), "ingest", str(paths.CORPUS_DIR / "dev" / f"{name}.txt")]).exit_code
        == 0
    )
    result = runner.invoke(app, ["--store", str(store), "validate"])
    assert result.exit_code == 0, result.output
    assert "Warning dip:date: relative date not resolved" in result.stdout
    assert "1 documents validated: 1 conform" in result.stdout


@pytest.mark.parametrize("args", [["validate"], ["validate", "--format", "xml"]], ids=["no-store", "bad-format"])
def test_validate_cannot_run_exits_2(tmp_path: Path, runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, ["--store", str(tmp_path / "missing"), *args])
    assert result.exit_code == 2, result.output
