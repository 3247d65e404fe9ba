"""A catalogue of bad and odd inputs: each gives its exit code and a message naming the file (and line) and
the fix, and the store is left as it was (an export before and after is isomorphic), apart from the
documents that were good.

Bad input exits 2 and changes nothing; odd but valid input (CRLF, a byte order mark, a 10 MB document, a
document with no meeting, unknown sidecar fields) converts, with a warning where it helps; a folder of mixed
files ingests the good ones and exits 2 naming the bad ones.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.convert import convert_file
from kg.store import Store, rdflib_term
from kg.vocab import DIP

SEED = paths.CORPUS_DIR / "seeds" / "japan-fm-urges-mongolia-2022-05.txt"
SEED_META = SEED.with_name(SEED.stem + ".meta.json")
QUERY_HEADER = "#+ summary: A query with a mistake.\n#+ columns: [x]\n"
BROKEN_QUERY = (QUERY_HEADER + 'SELECT ?x WHERE {\n  ?x ?y ?z .\n  ?x dip:text "open .\n}\n').encode()


def _seed_copy(folder: Path, name: str, *, meta: str | None = None, text: str | None = None) -> Path:
    """The seed document under another name (so another document IRI), its sidecar optionally replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.txt"
    target.write_text(text if text is not None else SEED.read_text(encoding="utf-8"), encoding="utf-8")
    stem = name
    if meta is None:
        shutil.copy(SEED_META, folder / f"{stem}.meta.json")
    else:
        (folder / f"{stem}.meta.json").write_text(meta, encoding="utf-8")
    return target


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _meta_case(meta: str) -> Callable[[Path, pytest.MonkeyPatch], list[str]]:
    return lambda d, _: ["ingest", str(_seed_copy(d, "m", meta=meta))]


def _ingest(make: Callable[[Path], Path]) -> Callable[[Path, pytest.MonkeyPatch], list[str]]:
    return lambda d, _: ["ingest", str(make(d))]


def _broken_ontology(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ontology = folder / "ontology"
    shutil.copytree(paths.ONTOLOGY_DIR, ontology)
    dipkg = ontology / "dipkg.ttl"
    lines = dipkg.read_text(encoding="utf-8").splitlines()
    lines.insert(20, "dip:Broken a owl:Class ; rdfs:label 'never closed .")
    dipkg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(paths, "ONTOLOGY_DIR", ontology)
    return ["ingest", str(_seed_copy(folder / "docs", "good"))]


def _crlf(folder: Path, cr: str) -> Path:
    _seed_copy(folder / "lf", "lines")  # the same document with LF line ends: the graph it must give
    text = SEED.read_text(encoding="utf-8").replace("\n", cr)
    return _seed_copy(folder, "lines", text=text)


def _meta_not_utf8(folder: Path) -> Path:
    document = _seed_copy(folder, "m")
    _write(folder / "m.meta.json", b'{"date": "2022-05-01",\n "title": "Caf\xe9"}\n')
    return document


def _meta_folder(folder: Path) -> Path:
    document = _seed_copy(folder, "m")
    (folder / "m.meta.json").unlink()
    (folder / "m.meta.json").mkdir()
    return document


def _utf8_bom(folder: Path) -> Path:
    _seed_copy(folder / "plain", "bom")
    return _seed_copy(folder, "bom", text="\ufeff" + SEED.read_text(encoding="utf-8"))


def _mixed_folder(folder: Path) -> Path:
    docs = _seed_copy(folder / "docs", "good").parent
    _write(docs / "empty.txt", b"")
    _write(docs / "latin.txt", b"caf\xe9\n")
    return docs


def _empty_folder(folder: Path) -> Path:
    (folder / "nothing").mkdir()
    return folder / "nothing"


def _ten_megabytes(folder: Path) -> Path:
    text = SEED.read_text(encoding="utf-8") + "\nAnnex\n\n"
    paragraph = "Paragraph {}. The delegations reviewed the technical arrangements in detail and agreed to go on.\n"
    block = "".join(paragraph.format(i) for i in range(1000))
    text += (block * (10_000_000 // len(block) + 1))[: 10_000_000 - len(text.encode("utf-8"))]
    return _seed_copy(folder, "big", text=text)


@dataclass(frozen=True)
class Case:
    """An input, the exit code it gives, what the output says, and what the store gains."""

    make: Callable[[Path, pytest.MonkeyPatch], list[str]]  # builds the input in a folder; returns the CLI args
    exit_code: int
    says: tuple[str, ...]  # fragments of the output: the file (with line:column where there is one) and the fix
    adds: tuple[str, ...] = ()  # files (relative to the folder) whose `kg convert` graph the store gains
    adds_text: str | None = None  # a file the store gains a document for, checked by its dip:text (too big to
    # convert twice)


CASES: dict[str, Case] = {
    # -- documents that cannot be read
    "missing-file": Case(
        lambda d, _: ["ingest", str(d / "nope.txt")], 2, ("nope.txt", "no such file", "check the path")
    ),
    "missing-folder": Case(lambda d, _: ["ingest", str(d / "nowhere")], 2, ("nowhere", "no such file or folder")),
    "empty-file": Case(
        _ingest(lambda d: _write(d / "empty.txt", b"")), 2, ("empty.txt", "is empty", "put the document")
    ),
    "blank-file": Case(
        _ingest(lambda d: _write(d / "blank.txt", b" \n\t\n  \n")), 2, ("blank.txt", "only white space", "remove it")
    ),
    "binary-file": Case(
        _ingest(lambda d: _write(d / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")),
        2,
        ("image.txt: is a binary file", "offset 8", "pass a UTF-8 .txt document"),
    ),
    "nul-byte-late": Case(
        _ingest(lambda d: _write(d / "late.txt", b"Minister A met Minister B.\n" * 200 + b"x\x00y")),
        2,
        ("late.txt: is a binary file", "NUL byte at offset 5401"),
    ),
    "invalid-utf8": Case(
        _ingest(lambda d: _write(d / "latin.txt", b"Foreign Minister meeting.\nIn the caf\xe9 at noon.\n")),
        2,
        ("latin.txt:2:11", "not valid UTF-8", "byte 0xe9", "save it as UTF-8"),
    ),
    "utf16-le-bom": Case(
        _ingest(lambda d: _write(d / "u16le.txt", "Foreign Minister Ana Lima met Ben Okoro.".encode("utf-16-le"))),
        2,
        ("u16le.txt", "looks like UTF-16 without a byte order mark", "save it as UTF-8"),
    ),
    "utf16-bom": Case(
        _ingest(lambda d: _write(d / "u16.txt", "Foreign Minister Ana Lima met Ben Okoro.".encode("utf-16"))),
        2,
        ("u16.txt", "UTF-16", "save it as UTF-8"),
    ),
    "utf16-be-bom": Case(
        _ingest(lambda d: _write(d / "u16be.txt", b"\xfe\xff" + "Ana Lima met Ben Okoro.".encode("utf-16-be"))),
        2,
        ("u16be.txt", "UTF-16", "save it as UTF-8"),
    ),
    "not-a-txt-file": Case(
        _ingest(lambda d: _write(d / "notes.md", b"Foreign Minister Ana Lima met Ben Okoro.\n")),
        2,
        ("notes.md", "not a NAME.txt document", "rename it to end in .txt"),
    ),
    "sidecar-on-its-own": Case(
        lambda d, _: ["ingest", str(_seed_copy(d, "doc").with_name("doc.meta.json"))],
        2,
        ("doc.meta.json", "not a NAME.txt document", "is read beside its .txt"),
    ),
    "name-without-letters": Case(
        _ingest(lambda d: _write(d / "---.txt", SEED.read_bytes())), 2, ("---.txt", "no letter or digit", "rename it")
    ),
    # -- sidecars
    "meta-not-json": Case(
        _meta_case('{"title": "Talks",\n "date": 2023-07-13}\n'),
        2,
        ("m.meta.json:2:", "not valid JSON", "fix it, or delete it"),
    ),
    "meta-empty": Case(_meta_case(""), 2, ("m.meta.json:1:1", "not valid JSON", "the sidecar is optional")),
    "meta-array": Case(_meta_case('["2023-07-13"]'), 2, ("m.meta.json", "must hold a JSON object", "it holds a list")),
    "meta-date-words": Case(
        _meta_case(json.dumps({"date": "last Tuesday"})), 2, ("m.meta.json", "not a date", "write it as YYYY-MM-DD")
    ),
    "meta-date-impossible": Case(
        _meta_case(json.dumps({"date": "2023-02-30"})), 2, ("m.meta.json", "'2023-02-30', not a date", "YYYY-MM-DD")
    ),
    "meta-date-compact": Case(
        _meta_case(json.dumps({"date": "20230713"})), 2, ("m.meta.json", "'20230713', not a date", "YYYY-MM-DD")
    ),
    "meta-field-not-string": Case(
        _meta_case(json.dumps({"title": 42})), 2, ("m.meta.json", "field 'title' is 42", "write it in quotes")
    ),
    "meta-unknown-kind": Case(
        _meta_case(json.dumps({"kind": "blog"})), 2, ("m.meta.json", "field 'kind' is 'blog'", "use one of")
    ),
    "meta-not-utf8": Case(_ingest(_meta_not_utf8), 2, ("m.meta.json:2", "is not UTF-8", "save it as UTF-8 JSON")),
    "meta-is-a-folder": Case(_ingest(_meta_folder), 2, ("m.meta.json", "is not a file")),
    # -- data files: queries, shapes, the ontology
    "query-syntax-error": Case(
        lambda d, _: ["query", str(_write(d / "bad.rq", BROKEN_QUERY))],
        2,
        ("bad.rq:5:", "SPARQL syntax error", "see README.md#query-errors"),
    ),
    "query-without-header": Case(
        lambda d, _: ["query", str(_write(d / "plain.rq", b"SELECT ?x WHERE { ?x ?y ?z } ORDER BY ?x\n"))],
        2,
        ("plain.rq:1", "no '#+' header", "start the file with '#+ summary"),
    ),
    "shapes-syntax-error": Case(
        lambda d, _: [
            "validate",
            "--shapes",
            str(
                _write(d / "bad.ttl", b"@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n<urn:s> a sh:NodeShape ;\n[ .\n")
            ),
        ],
        2,
        ("bad.ttl:4", "does not parse", "fix the Turtle syntax"),
    ),
    "ontology-syntax-error": Case(
        _broken_ontology, 2, ("dipkg.ttl:21:", "does not parse", "newline found", "restore it from git")
    ),
    # -- mixed folders: the good documents go in, the bad ones are named, exit 2
    "mixed-folder": Case(
        _ingest(_mixed_folder),
        2,
        ("empty.txt", "is empty", "latin.txt:1:4", "not valid UTF-8", "1 added", "2 failed"),
        adds=("docs/good.txt",),
    ),
    "two-names-one-document": Case(
        lambda d, _: [
            "ingest",
            str(_seed_copy(d / "docs", "Report One").parent),
            str(_seed_copy(d / "more", "report-one")),
        ],
        2,
        ("report-one.txt", "names the same document as", "Report One.txt", "rename one of them", "1 added"),
        adds=("docs/Report One.txt",),
    ),
    # -- odd but valid: converts, with a warning where it helps
    "crlf-line-ends": Case(_ingest(lambda d: _crlf(d, "\r\n")), 0, ("1 added",), adds=("lf/lines.txt",)),
    "cr-line-ends": Case(_ingest(lambda d: _crlf(d, "\r")), 0, ("1 added",), adds=("lf/lines.txt",)),
    "utf8-bom": Case(_ingest(_utf8_bom), 0, ("1 added",), adds=("plain/bom.txt",)),
    "unknown-meta-field": Case(
        _meta_case(json.dumps({"date": "2022-05-01", "autor": "someone"})),
        0,
        ("m.meta.json", "unknown field 'autor' ignored", "check its spelling", "1 added"),
        adds=("m.txt",),
    ),
    "no-meeting": Case(
        _ingest(lambda d: _write(d / "report.txt", b"The ministry published its annual report on trade today.\n")),
        0,
        ("report.txt", "no meeting found", "1 added"),
        adds=("report.txt",),
    ),
    "odd-file-name": Case(
        _ingest(lambda d: _seed_copy(d, "Meeting Notes (Draft) \u00e9t\u00e9")),
        0,
        ("1 added",),
        adds=("Meeting Notes (Draft) \u00e9t\u00e9.txt",),
    ),
    "empty-folder": Case(_ingest(_empty_folder), 0, ("no .txt documents found", "0 added")),
    "ten-megabytes": Case(
        _ingest(_ten_megabytes), 0, ("big.txt", "10.0 MB", "split it", "1 added"), adds_text="big.txt"
    ),
}
SLOW = {"ten-megabytes"}


def snapshot(runner: CliRunner, store: Path) -> dict[str, Graph]:
    """`kg export --inferred` read back, one rdflib graph per named graph (parsed by Oxigraph: it is fast)."""
    result = runner.invoke(app, ["--store", str(store), "export", "-f", "nquads", "--inferred"])
    assert result.exit_code == 0, result.output
    graphs: dict[str, Graph] = {}
    for quad in ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS):
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        triple = (rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object))
        graphs.setdefault(name, Graph()).add(triple)
    return graphs


def assert_same_graphs(expected: dict[str, Graph], actual: dict[str, Graph]) -> None:
    assert sorted(actual) == sorted(expected), "the store's graphs changed"
    for name, graph in expected.items():
        if to_isomorphic(graph) != to_isomorphic(actual[name]):
            _, only_expected, only_actual = graph_diff(to_isomorphic(graph), to_isomorphic(actual[name]))
            lost = sorted(only_expected.serialize(format="nt").splitlines())[:10]
            gained = sorted(only_actual.serialize(format="nt").splitlines())[:10]
            pytest.fail(f"graph {name} changed\nonly before: {lost}\nonly after: {gained}")


def _params() -> list[object]:
    return [pytest.param(name, id=name, marks=[pytest.mark.slow] if name in SLOW else []) for name in CASES]


@pytest.mark.parametrize("name", _params())
def test_bad_inputs_catalogue(
    runner: CliRunner, seed_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    case = CASES[name]
    store = tmp_path / "kg"
    shutil.copytree(seed_store, store)
    before = snapshot(runner, store)
    folder = tmp_path / "input"
    folder.mkdir()
    args = case.make(folder, monkeypatch)
    result = runner.invoke(app, ["--store", str(store), *args])
    monkeypatch.undo()
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    for fragment in case.says:
        assert fragment in result.output, f"{fragment!r} not in:\n{result.output}"
    expected = dict(before)
    for relative in case.adds:
        converted = convert_file(folder / relative)
        expected[converted.iri] = converted.graph
    after = snapshot(runner, store)
    if case.adds_text is not None:
        text = (folder / case.adds_text).read_text(encoding="utf-8")
        gained = sorted(set(after) - set(before))
        assert len(gained) == 1, gained
        assert (URIRef(gained[0]), DIP.text, Literal(text)) in after[gained[0]]
        expected[gained[0]] = after[gained[0]]
    assert_same_graphs(expected, after)


def test_bad_inputs_catalogue_is_large_enough() -> None:
    assert len(_params()) >= 20


def test_bad_inputs_store_path_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "kg"
    store.write_text("not a store\n", encoding="utf-8")
    result = runner.invoke(app, ["--store", str(store), "ingest", str(SEED)])
    assert result.exit_code == 2, result.output
    assert str(store) in result.output
    assert "cannot open the store" in result.output
    assert store.read_text(encoding="utf-8") == "not a store\n"


def test_bad_inputs_read_only_commands_need_a_store(runner: CliRunner, tmp_path: Path) -> None:
    for command in (["export"], ["query", "who-met-whom"], ["stats"], ["validate"]):
        result = runner.invoke(app, ["--store", str(tmp_path / "none"), *command])
        assert result.exit_code == 2, result.output
        assert "no store here; run `kg build` or `kg ingest` first" in result.output
    assert not (tmp_path / "none").exists()


def test_bad_inputs_graph_of_store_matches_conversion(seed_store: Path, tmp_path: Path) -> None:
    """The store hands back exactly the converted graph (the catalogue compares through it)."""
    shutil.copytree(seed_store, tmp_path / "kg")
    converted = convert_file(SEED)
    with Store(tmp_path / "kg", read_only=True) as store:
        assert to_isomorphic(store.graph(converted.iri)) == to_isomorphic(converted.graph)
