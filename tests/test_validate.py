"""SHACL shapes: each one tested on its own fixtures, the shapes graph checked against SHACL-SHACL, and
`kg validate` on a store whose document graphs were broken in five ways. Per-document validation reuses
pySHACL's shapes across documents and gives each document only the schema it reaches: its findings are
checked against plain pyshacl.validate with the whole schema, in and out of order."""

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
from kg.convert import Converted, convert_file
from kg.errors import ShapesLoadError
from kg.store import Store
from kg.validate import Finding, _shapes_engine, findings_of, shapes_graph, validate_graph, with_context
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


# -- per-document validation reuses pySHACL's shapes and a part of the schema: the findings must not change --------
SEED = "japan-fm-urges-mongolia-2022-05"
JAPAN = "https://w3id.org/dipkg/id/country/JP"
BATMUNKH = "https://w3id.org/dipkg/id/person/batmunkh-battsetseg"
# each break: a SPARQL update that makes a converted document fail in one way (as bench/validation.py does)
UPDATES = {
    "one-participant": f"DELETE DATA {{ <{MEETING}> dip:participant <{BATMUNKH}> }}",
    "person-typed-country": f"INSERT DATA {{ <{HAYASHI}> a dip:Country }}",
    "unknown-class": f"INSERT DATA {{ <{HAYASHI}> a dip:Minsiter }}",
    "country-as-location": f"INSERT DATA {{ <{MEETING}> dip:location <{JAPAN}> }}",
    "quote-not-at-offsets": f"DELETE {{ <{QUOTE}> oa:exact ?e }} INSERT {{ <{QUOTE}> oa:exact 'They talked.' }} "
    f"WHERE {{ <{QUOTE}> oa:exact ?e }}",
    "met-oneself": f"INSERT DATA {{ <{HAYASHI}> dip:metWith <{HAYASHI}> }}",
    "unknown-issue": f"INSERT DATA {{ <{MEETING}> dip:discussed <https://w3id.org/dipkg/issue/no-such-issue> }}",
}


def _broken(graph: Graph, *cases: str) -> Graph:
    copy = Graph()
    copy += graph
    for case in cases:
        copy.update(PREFIXES + UPDATES[case])
    return copy


def _whole_schema(ontology: Graph) -> Graph:
    """What kg.validate put in every data graph before: every triple about a dip: term or a blank node."""
    schema = Graph()
    for s, p, o in ontology:
        if str(s).startswith(str(DIP._NS)) or isinstance(s, BNode):
            schema.add((s, p, o))
    return schema


def _plain_findings(graph: Graph, ontology: Graph, shapes: Graph | None = None) -> list[Finding]:
    """The findings of one plain pyshacl.validate call on the graph with the whole schema and its references."""
    data = _whole_schema(ontology)
    data += graph
    frontier = set(graph.objects())
    for _hop in range(2):  # countries, then their capitals
        following = set()
        for node in frontier:
            for triple in ontology.triples((node, None, None)):
                if not (str(node).startswith(str(DIP._NS)) or isinstance(node, BNode)):
                    data.add(triple)
                    following.add(triple[2])
        frontier = following
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes or shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    return findings_of(report, data)


def _key(finding: Finding) -> tuple[str, str | None, str, str | None, str | None]:
    return (finding.severity, finding.focus, finding.component, finding.path, finding.value_text)


BAD_FINDINGS = [
    ("Violation", MEETING, "ClassConstraintComponent", str(DIP.location), "Japan [dipid:country/JP]"),
    ("Violation", MEETING, "MinCountConstraintComponent", str(DIP.participant), None),
    ("Violation", HAYASHI, "OrConstraintComponent", str(RDF.type), "dip:Minsiter"),
    ("Violation", HAYASHI, "PatternConstraintComponent", None, None),
    ("Violation", HAYASHI, "XoneConstraintComponent", None, None),
]


@pytest.mark.parametrize("order", [("bad", "good", "bad", "good")], ids=["bad-good-bad-good"])
def test_validate_reused_shapes_carry_nothing_from_one_document_to_the_next(
    converted_seeds: dict[str, Converted], ontology: Graph, order: tuple[str, ...]
) -> None:
    good = converted_seeds[SEED].graph
    broken = _broken(good, "one-participant", "unknown-class", "country-as-location", "person-typed-country")
    graphs = {"good": good, "bad": broken}
    reports = [validate_graph(graphs[kind], document=DOC) for kind in order]
    bad, good_report, bad_again, good_again = reports
    assert sorted(map(_key, bad.findings)) == sorted(BAD_FINDINGS)
    assert not bad.conforms and good_report.conforms and good_report.findings == []
    assert bad_again.findings == bad.findings and not bad_again.conforms
    assert good_again.findings == [] and good_again.conforms
    assert bad.findings == _plain_findings(graphs["bad"], ontology)


@pytest.mark.parametrize("case", ["as-converted", *sorted(UPDATES)], ids=["as-converted", *sorted(UPDATES)])
def test_validate_findings_equal_those_of_plain_pyshacl_with_the_whole_schema(
    converted_seeds: dict[str, Converted], ontology: Graph, case: str
) -> None:
    graph = converted_seeds[SEED].graph
    if case != "as-converted":
        graph = _broken(graph, case)
    ours = validate_graph(graph, document=DOC).findings
    assert ours == _plain_findings(graph, ontology)
    assert (case == "as-converted") == (ours == [])


CORPUS_FILES = sorted(paths.CORPUS_DIR.glob("*/*.txt"))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.stem for path in CORPUS_FILES])
def test_validate_corpus_findings_equal_those_of_plain_pyshacl(ontology: Graph, path: Path) -> None:
    graph = convert_file(path).graph
    document = str(next(graph.subjects(RDF.type, DIP.Document)))
    assert validate_graph(graph, document=document).findings == _plain_findings(graph, ontology)


@pytest.mark.parametrize("part", ["schema"], ids=["schema"])
def test_validate_schema_alone_gives_no_finding(ontology: Graph, part: str) -> None:
    # with_context leaves out the schema terms a document does not reach: right only while they give no finding
    conforms, report, text = pyshacl.validate(
        _whole_schema(ontology), shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    assert conforms, text
    assert list(report.subjects(RDF.type, SH.ValidationResult)) == []


@pytest.mark.parametrize("shape", ["MeetingShape"], ids=["one-shape-file"])
def test_validate_each_shapes_source_keeps_its_own_shapes(
    tmp_path: Path, converted_seeds: dict[str, Converted], ontology: Graph, shape: str
) -> None:
    single = tmp_path / f"{shape}.ttl"
    single.write_text(_one_shape(shape).serialize(format="turtle"), encoding="utf-8")
    bad = _broken(converted_seeds[SEED].graph, "one-participant", "unknown-class")
    everything = validate_graph(bad, document=DOC)
    only_meeting = validate_graph(bad, document=DOC, shapes_source=single)
    everything_again = validate_graph(bad, document=DOC)
    assert [f.component for f in only_meeting.findings] == ["MinCountConstraintComponent"]
    assert only_meeting.findings == _plain_findings(bad, ontology, Graph().parse(single, format="turtle"))
    assert everything_again.findings == everything.findings == _plain_findings(bad, ontology)
    assert {f.component for f in everything.findings} == {"MinCountConstraintComponent", "OrConstraintComponent"}


SPARQL_FUNCTION = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/always> a sh:SPARQLFunction ; sh:returnType xsd:boolean ; sh:ask "ASK { }" .
"""


@pytest.mark.parametrize("shape", ["MeetingShape"], ids=["with-sparql-function"])
def test_validate_shapes_with_functions_are_built_for_each_document(
    tmp_path: Path, converted_seeds: dict[str, Converted], ontology: Graph, shape: str
) -> None:
    # pySHACL registers SHACL functions on its shapes graph per run, so such shapes are not reused
    shapes = _one_shape(shape) + Graph().parse(data=SPARQL_FUNCTION, format="turtle")
    source = tmp_path / "with-function.ttl"
    source.write_text(shapes.serialize(format="turtle"), encoding="utf-8")
    bad = _broken(converted_seeds[SEED].graph, "one-participant")
    first = validate_graph(bad, document=DOC, shapes_source=source)
    second = validate_graph(bad, document=DOC, shapes_source=source)
    assert _shapes_engine(source) is None and _shapes_engine(paths.SHAPES_DIR) is not None
    assert [f.component for f in first.findings] == ["MinCountConstraintComponent"]
    assert second.findings == first.findings == _plain_findings(bad, ontology, shapes)


@pytest.mark.parametrize("source", ["shapes", "unusable"], ids=["after-validation", "after-an-error"])
def test_validate_leaves_pyshacl_as_it_found_it(
    tmp_path: Path, converted_seeds: dict[str, Converted], source: str
) -> None:
    bad = _broken(converted_seeds[SEED].graph, "one-participant")
    if source == "shapes":
        validate_graph(bad, document=DOC)
    else:
        unusable = tmp_path / "unusable.ttl"
        unusable.write_text(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix dip: <https://w3id.org/dipkg/ontology#> .\n"
            "<https://example.org/Shape> a sh:NodeShape ; sh:targetClass dip:Meeting ;\n"
            '    sh:property [ sh:path dip:participant ; sh:minCount "two" ] .\n',
            encoding="utf-8",
        )
        with pytest.raises(ShapesLoadError):
            validate_graph(bad, document=DOC, shapes_source=unusable)
    # pySHACL's own text report still describes each result, with its focus node
    _conforms, _report, text = pyshacl.validate(
        with_context(bad), shacl_graph=_one_shape("MeetingShape"), inference="none", allow_warnings=True
    )
    assert "Constraint Violation in MinCountConstraintComponent" in text
    assert f"\tFocus Node: <{MEETING}>\n" in text
