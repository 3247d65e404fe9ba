"""kg.parallel and `--jobs`: the same store from any number of processes, per-document validation records."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import parallel, paths
from kg.build import ingest
from kg.cli import app
from kg.errors import ConversionError, KGError
from kg.store import Store
from kg.vocab import GRAPH_ONTOLOGY


def _export(runner: CliRunner, store: Path, target: Path) -> list[str]:
    result = runner.invoke(
        app, ["--store", str(store), "export", "--format", "nquads", "--inferred", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    # The ontology graph's OWL lists are blank nodes, labelled afresh by every load: leave them out.
    return sorted(line for line in lines if not (line.endswith(f"<{GRAPH_ONTOLOGY}> .") and "_:" in line))


@pytest.fixture
def pool_always(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start worker processes even for the few documents of the corpus."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_DOCUMENTS", 0)
    monkeypatch.setattr(parallel, "CHUNK_SIZE", 3)
    yield


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [2], ids=["jobs-2"])
def test_parallel_jobs_give_the_same_store(tmp_path: Path, pool_always: None, jobs: int) -> None:
    runner = CliRunner()
    outputs = {}
    exports = {}
    for n in (1, jobs):
        store = tmp_path / f"jobs-{n}"
        result = runner.invoke(app, ["--store", str(store), "build", str(paths.CORPUS_DIR), "--jobs", str(n)])
        assert result.exit_code == 0, result.output
        outputs[n] = result.output
        exports[n] = _export(runner, store, tmp_path / f"jobs-{n}.nq")
        records = sorted(p.name for p in (store / parallel.VALIDATION_DIRNAME).glob("*.json"))
        assert len(records) == len(list(paths.CORPUS_DIR.rglob("*.txt")))
    assert exports[1] == exports[jobs]
    assert len(exports[1]) > 1000
    assert outputs[1] == outputs[jobs]  # the same table, and no progress bar in captured output
    assert "\x1b[" not in outputs[jobs] and "converting" not in outputs[jobs]
    assert "documents        │ 22 (22 added, 0 replaced, 0 unchanged, 0 failed)" in outputs[jobs]


@pytest.mark.parametrize("command", ["ingest", "build"], ids=["ingest", "build"])
def test_parallel_cli_output_without_terminal(tmp_path: Path, command: str) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(paths.CORPUS_DIR / "seeds", seeds)
    result = CliRunner().invoke(app, ["--store", str(tmp_path / "kg"), command, str(seeds), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output and "━" not in result.output
    if command == "ingest":
        assert result.output == "ingested: 2 added, 0 replaced, 0 unchanged, 0 failed\n"
    else:
        assert "│ documents        │ 2 (2 added, 0 replaced, 0 unchanged, 0 failed)" in result.output


@pytest.mark.parametrize("bad_jobs", ["0", "-1"], ids=["zero", "negative"])
def test_parallel_jobs_must_be_positive(tmp_path: Path, bad_jobs: str) -> None:
    result = CliRunner().invoke(app, ["--store", str(tmp_path / "kg"), "ingest", str(tmp_path), "--jobs", bad_jobs])
    assert result.exit_code == 2
    assert "--jobs" in result.output


def test_parallel_skips_unchanged_and_validates_only_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_always: None
) -> None:
    corpus = tmp_path / "seeds"
    shutil.copytree(paths.CORPUS_DIR / "seeds", corpus)
    calls: list[tuple[int, int, str]] = []
    with Store(tmp_path / "kg") as store:
        first = ingest(store, [corpus], jobs=2, progress=lambda d, t, p: calls.append((d, t, p)))
        assert len(first.added) == 2 and not first.failed
        assert calls[0] == (0, 2, "") and calls[-1][:2] == (2, 2)
        assert [c[0] for c in calls] == sorted(c[0] for c in calls)
        reports, validated = parallel.validation_reports(store)
        assert validated == 0 and len(reports) == 2 and all(r.conforms for r in reports)

        # Unchanged documents never reach a worker; a changed one is converted and validated alone.
        seen: list[str] = []
        original = parallel.convert_and_validate

        def spy(document: object, shapes_source: str) -> parallel.Processed:
            seen.append(getattr(document, "doc_id", ""))
            return original(document, shapes_source)  # type: ignore[arg-type]

        monkeypatch.setattr(parallel, "convert_and_validate", spy)
        monkeypatch.setattr(parallel, "MIN_PARALLEL_DOCUMENTS", 10)  # in-process, so the spy sees the calls
        again = ingest(store, [corpus], jobs=2)
        assert again.skipped and len(again.skipped) == 2 and seen == []
        changed = next(corpus.glob("*.txt"))
        changed.write_text(changed.read_text(encoding="utf-8") + "\nThe two ministers met again.\n", encoding="utf-8")
        third = ingest(store, [corpus], jobs=2)
        assert len(third.replaced) == 1 and len(third.skipped) == 1
        assert seen == [changed.name.removesuffix(".txt")]
        records = list((store.path / parallel.VALIDATION_DIRNAME).glob("*.json"))
        assert len(records) == 3  # the old record of the changed document stays until validation_reports prunes it
        reports, validated = parallel.validation_reports(store)
        assert validated == 0 and len(reports) == 2
        assert len(list((store.path / parallel.VALIDATION_DIRNAME).glob("*.json"))) == 2


def test_parallel_records_follow_the_shapes(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes"
    shutil.copytree(paths.SHAPES_DIR, shapes)
    with Store(tmp_path / "kg") as store:
        ingest(store, [paths.CORPUS_DIR / "seeds"], jobs=1)
        assert parallel.validation_reports(store)[1] == 0
        first = next(shapes.glob("*.ttl"))
        first.write_text(first.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        reports, validated = parallel.validation_reports(store, shapes_source=shapes)
        assert validated == 2 and [r.conforms for r in reports] == [True, True]
        assert parallel.validation_reports(store, shapes_source=shapes)[1] == 0


@pytest.mark.parametrize(
    "error",
    [ConversionError("IndexError: boom", document="doc.txt", stage="events"), KGError("plain", path="x.txt")],
    ids=["conversion-error", "kg-error"],
)
def test_parallel_errors_travel_back_from_workers(error: KGError) -> None:
    processed = parallel.Processed("doc.txt", "iri", "hash", failure=(type(error), str(error), dict(error.__dict__)))
    back = pickle.loads(pickle.dumps(processed)).error
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert back.__dict__ == error.__dict__
