"""The command line's exit-code contract: 0 ok, 1 validation failed, 2 bad input; the store survives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.compare import to_isomorphic
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.store import Store

SEED = paths.CORPUS_DIR / "seeds" / "japan-fm-urges-mongolia-2022-05.txt"


def _copy_seed(folder: Path, name: str = "doc") -> Path:
    target = folder / f"{name}.txt"
    shutil.copy(SEED, target)
    shutil.copy(SEED.with_name(SEED.stem + ".meta.json"), folder / f"{name}.meta.json")
    return target


def _export(runner: CliRunner, store: Path) -> Dataset:
    result = runner.invoke(app, ["--store", str(store), "export", "-f", "nquads", "--inferred"])
    assert result.exit_code == 0, result.output
    dataset = Dataset()
    dataset.parse(data=result.stdout, format="nquads")
    return dataset


def _same(a: Dataset, b: Dataset) -> bool:
    graphs_a = {g.identifier: to_isomorphic(g) for g in a.graphs() if len(g)}
    graphs_b = {g.identifier: to_isomorphic(g) for g in b.graphs() if len(g)}
    return graphs_a.keys() == graphs_b.keys() and all(graphs_a[k] == graphs_b[k] for k in graphs_a)


def test_cli_build_prints_summary(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--store", str(tmp_path / "kg"), "build", str(paths.CORPUS_DIR / "seeds")])
    assert result.exit_code == 0, result.output
    for line in ("documents", "meetings", "persons", "issues discussed", "validation", "inferred triples"):
        assert line in result.stdout
    assert "2 (2 added" in result.stdout
    assert "conforms" in result.stdout


BAD_INPUTS = {
    "missing-path": (lambda d: d / "nope.txt", "no such file"),
    "empty-file": (lambda d: ((d / "empty.txt").write_text("") and d / "empty.txt") or d / "empty.txt", "is empty"),
    "invalid-utf8": (
        lambda d: (d / "latin.txt").write_bytes(b"caf\xe9 au lait\n") and d / "latin.txt",
        "not valid UTF-8",
    ),
    "utf16-bom": (lambda d: (d / "u16.txt").write_bytes("hello".encode("utf-16")) and d / "u16.txt", "UTF-16"),
    "binary": (lambda d: (d / "bin.txt").write_bytes(b"\x00\x01\x02binary") and d / "bin.txt", "binary"),
    "meta-not-json": (
        lambda d: (_copy_seed(d, "m"), (d / "m.meta.json").write_text("{not json"))[0],
        "not valid JSON",
    ),
    "meta-date-not-date": (
        lambda d: (_copy_seed(d, "m"), (d / "m.meta.json").write_text(json.dumps({"date": "last Tuesday"})))[0],
        "not a date",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS), ids=sorted(BAD_INPUTS))
def test_cli_ingest_bad_input_exits_2_and_keeps_store(runner: CliRunner, tmp_path: Path, case: str) -> None:
    store = tmp_path / "kg"
    good = tmp_path / "good"
    good.mkdir()
    _copy_seed(good)
    assert runner.invoke(app, ["--store", str(store), "ingest", str(good)]).exit_code == 0
    before = _export(runner, store)
    make, message = BAD_INPUTS[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = make(bad_dir)
    result = runner.invoke(app, ["--store", str(store), "ingest", str(bad)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert bad.stem in result.output
    assert _same(before, _export(runner, store))


def test_cli_ingest_skips_unchanged_and_replaces_changed(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "kg"
    docs = tmp_path / "docs"
    docs.mkdir()
    path = _copy_seed(docs)
    first = runner.invoke(app, ["--store", str(store), "ingest", str(docs)])
    assert "1 added, 0 replaced, 0 unchanged" in first.stdout
    again = runner.invoke(app, ["--store", str(store), "ingest", str(docs)])
    assert "0 added, 0 replaced, 1 unchanged" in again.stdout
    path.write_text(path.read_text(encoding="utf-8").replace("Ulaanbaatar", "Ulan Bator"), encoding="utf-8")
    changed = runner.invoke(app, ["--store", str(store), "ingest", str(docs)])
    assert "0 added, 1 replaced, 0 unchanged" in changed.stdout
    with Store(store) as opened:
        graphs = opened.document_graphs()
        text = opened.graph(URIRef(graphs[0])).value(URIRef(graphs[0]), URIRef("https://w3id.org/dipkg/ontology#text"))
    assert graphs == ["https://w3id.org/dipkg/id/doc/doc"]
    assert isinstance(text, Literal) and "Ulan Bator" in str(text) and "Ulaanbaatar" not in str(text)


def test_cli_validate_exits_1_on_violation(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "kg"
    docs = tmp_path / "docs"
    docs.mkdir()
    _copy_seed(docs)
    assert runner.invoke(app, ["--store", str(store), "ingest", str(docs)]).exit_code == 0
    doc = "https://w3id.org/dipkg/id/doc/doc"
    with Store(store) as opened:
        opened.oxigraph.update(
            f"INSERT DATA {{ GRAPH <{doc}> {{ <https://w3id.org/dipkg/id/meeting/x> "
            "a <https://w3id.org/dipkg/ontology#Meeting> } }"
        )
    result = runner.invoke(app, ["--store", str(store), "validate"])
    assert result.exit_code == 1, result.output
    assert "meeting/x" in result.stdout
    assert "Violation" in result.stdout


def test_cli_validate_exits_0_when_conforming(runner: CliRunner, seed_store: Path) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "validate"])
    assert result.exit_code == 0, result.output
    assert "2 documents validated: 2 conform" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SELECT ?x WHERE { ?x ?y }"], "syntax error"),
        (["no-such-query"], "no stored query named"),
        (["meetings-between", "-p", "a=JP"], "missing parameter"),
        (["meetings-between", "-p", "a=JP", "-p", "b=MN", "-p", "c=1"], "unknown parameter"),
        (["meetings-between", "-p", "a=Japan", "-p", "b=MN"], "ISO alpha-2"),
    ],
    ids=["syntax", "unknown-query", "missing-param", "unknown-param", "bad-country"],
)
def test_cli_query_errors_exit_2(runner: CliRunner, seed_store: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "query", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_query_meetings_between_lists_seed_meetings(runner: CliRunner, seed_store: Path) -> None:
    result = runner.invoke(
        app, ["--store", str(seed_store), "query", "meetings-between", "-p", "a=JP", "-p", "b=MN", "-f", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.stdout.strip().splitlines()[1:]]
    assert [(r[1], r[3]) for r in rows] == [
        ("2022-05-01", "Ulaanbaatar"),
        ("2022-11", "Japan"),
        ("2023-07-13", "Indonesia"),
    ]


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads", "nt", "jsonld"], ids=str)
def test_cli_export_formats_parse(runner: CliRunner, seed_store: Path, fmt: str) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "export", "-f", fmt])
    assert result.exit_code == 0, result.output
    rdflib_format = {"turtle": "turtle", "trig": "trig", "nquads": "nquads", "nt": "nt", "jsonld": "json-ld"}[fmt]
    dataset = Dataset()
    dataset.parse(data=result.stdout, format=rdflib_format)
    assert len(dataset) > 1000 or sum(len(g) for g in dataset.graphs()) > 1000


def test_cli_convert_needs_no_store(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["convert", str(SEED), "-f", "nt"])
    assert result.exit_code == 0, result.output
    assert "<https://w3id.org/dipkg/id/person/yoshimasa-hayashi>" in result.stdout
    assert not (tmp_path / ".kg").exists()


def test_cli_evaluate_scores_seeds_and_enforces_thresholds(runner: CliRunner) -> None:
    seeds = str(paths.CORPUS_DIR / "seeds")
    result = runner.invoke(app, ["evaluate", seeds, "--format", "json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["documents"] == 2
    for measure in ("persons", "roles", "meetings", "issues", "partnerships", "agreements"):
        assert figures["total"][measure]["f1"] == 1.0, measure
    for measure in ("date", "place", "kind", "reported"):
        assert figures["total"][f"{measure}_accuracy"]["value"] == 1.0, measure
    strict = runner.invoke(app, ["evaluate", seeds, "--min-meeting-f1", "1.01"])
    assert strict.exit_code == 1
    assert "meetings F1 1.000 < 1.01" in strict.output


def test_cli_evaluate_missing_folder_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no such folder" in result.output


def test_warning_names_a_bracketed_path_verbatim(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "[press] releases"
    folder.mkdir()
    (folder / "report.txt").write_text("The weather in the capital was mild on Tuesday.\n", encoding="utf-8")
    result = runner.invoke(app, ["--store", str(tmp_path / "kg"), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "[press] releases" in output and "no meeting found" in output
