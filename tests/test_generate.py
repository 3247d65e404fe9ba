"""bench/generate.py: deterministic documents, drawn from the reference data, in which the converter finds meetings."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Graph

from kg import paths
from kg.convert import convert_file
from kg.errors import KGError
from kg.lexicon import load_lexicon

GENERATE = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load()


def _tsv(name: str) -> list[list[str]]:
    text = (paths.REFERENCE_DIR / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("seed", [0, 7], ids=["seed-0", "seed-7"])
def test_generate_is_deterministic(tmp_path: Path, seed: int) -> None:
    first = generate.generate_corpus(6, tmp_path / "a", seed=seed)
    second = generate.generate_corpus(6, tmp_path / "b", seed=seed)
    generate.generate_corpus(6, tmp_path / "c", seed=seed + 1)
    assert [p.name for p in first] == [p.name for p in second]
    assert len(first) == 6 and all(p.suffix == ".txt" for p in first)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")
    # A smaller run is a prefix of a larger one (so benchmark corpora nest).
    generate.generate_corpus(3, tmp_path / "d", seed=seed)
    assert _files(tmp_path / "d") == {k: v for k, v in _files(tmp_path / "a").items() if k in _files(tmp_path / "d")}
    assert len(_files(tmp_path / "d")) == 6


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return list(generate.generate_corpus(40, tmp_path_factory.mktemp("generated"), seed=3))


@pytest.mark.parametrize("minimum", [0.9], ids=["90-percent"])
def test_generate_documents_convert_with_meetings(corpus: list[Path], minimum: float) -> None:
    with_meeting = 0
    for path in corpus:
        try:
            converted = convert_file(path)
        except KGError:
            continue
        meetings = converted.extraction.events.meetings
        if any(len(m.participants) >= 2 and m.date for m in meetings):
            with_meeting += 1
    assert with_meeting / len(corpus) >= minimum, f"{with_meeting} of {len(corpus)} documents yield a dated meeting"


def test_generate_values_come_from_reference_data(corpus: list[Path]) -> None:
    holders = {row[2] for row in _tsv("office-holders.tsv")}
    publishers = {row[0] for row in _tsv("publishers.tsv")}
    countries = set(load_lexicon().country_labels.values())
    countries |= {form for row in _tsv("demonyms.tsv") for form in row[1].split("|")}
    issue_labels = {str(o) for o in Graph().parse(paths.ONTOLOGY_DIR / "issues.ttl").objects()}
    people_seen = 0
    for path in corpus:
        meta = json.loads(path.with_name(path.name.removesuffix(".txt") + ".meta.json").read_text("utf-8"))
        assert "2019-01-01" <= meta["date"] <= "2026-01-01"
        assert meta["kind"] in ("press-release", "news")
        fallback = generate._templates()["publisher_fallback"].split("{")[0]
        assert meta["publisher"] in publishers or meta["publisher"].startswith(fallback)
        text = path.read_text("utf-8")
        named = [name for name in holders if name in text]
        assert len(named) >= 2, f"{path.name}: fewer than two office holders named"
        assert sum(1 for label in countries if label in text) >= 2, f"{path.name}: fewer than two countries or demonyms"
        assert any(label in text for label in issue_labels), f"{path.name}: no issue wording"
        try:
            converted = convert_file(path)
        except KGError:
            continue
        for meeting in converted.extraction.events.meetings:
            for index in meeting.participants:
                person = converted.extraction.entities.persons[index]
                assert person.name in holders, f"{path.name}: {person.name!r} is not an office holder"
                people_seen += 1
    assert people_seen >= 2 * 0.9 * len(corpus)


def test_generate_cli_writes_pairs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.main(["3", str(tmp_path), "--seed", "1"]) == 0
    assert capsys.readouterr().out == f"3 documents in {tmp_path}\n"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 6
    assert sum(name.endswith(".meta.json") for name in names) == 3
