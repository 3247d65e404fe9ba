"""The Python API: `import kg` exposes exactly `__all__`, and the README's example runs."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import kg
from kg import paths
from kg.queries import QueryStore

README = paths.PACKAGE_DIR.parent / "README.md"


def _public_names(module: types.ModuleType) -> set[str]:
    """Names a user sees on the package: not private, and not a submodule bound by importing it."""
    return {
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType)
    }


def test_api_all_is_exactly_the_public_names() -> None:
    assert sorted(kg.__all__) == sorted(set(kg.__all__))
    assert set(kg.__all__) == _public_names(kg)


@pytest.mark.parametrize("name", sorted(kg.__all__), ids=str)
def test_api_names_resolve_and_are_documented(name: str) -> None:
    value = getattr(kg, name)
    assert value.__doc__ and value.__doc__.strip(), f"kg.{name} needs a docstring"


def test_api_submodule_imports_do_not_shadow_functions() -> None:
    import kg.build
    import kg.export  # both imports bind a submodule as an attribute of kg

    assert callable(kg.build_store) and callable(kg.export_store)
    assert set(kg.__all__) == _public_names(kg)


def test_api_run_returns_python_values(seed_queries: QueryStore, seed_store: Path) -> None:
    with kg.open_store(seed_store, read_only=True) as store:
        assert isinstance(store, kg.Store)
        rows = store.run("meetings-between", a="JP", b="MN")
        assert rows == kg.run_query(store, "meetings-between", a="JP", b="MN")
        assert rows == kg.run_query(store, "meetings-between", {"a": "JP", "b": "MN"})
    assert [(row["date"], row["place"]) for row in rows] == [
        (date(2022, 5, 1), "Ulaanbaatar"),
        ("2022-11", "Japan"),
        (date(2023, 7, 13), "Indonesia"),
    ]
    assert all(isinstance(row["meeting"], str) and row["meeting"].startswith("https://") for row in rows)
    amounts = {row["amount"] for row in seed_queries.run("agreements")}
    assert amounts == {Decimal("260000000")}


def test_api_errors_are_kgerrors(seed_queries: QueryStore, tmp_path: Path) -> None:
    with pytest.raises(kg.KGError, match="missing parameter"):
        seed_queries.run("meetings-between", a="JP")
    with pytest.raises(kg.KGError, match="no store here"):
        kg.open_store(tmp_path / "none", read_only=True)


def test_api_stored_queries_and_export(seed_queries: QueryStore) -> None:
    assert "meetings-between" in kg.stored_queries()
    data = kg.export_store(seed_queries, fmt="nt")
    assert b"<https://w3id.org/dipkg/id/person/yoshimasa-hayashi>" in data


def test_api_convert_text_needs_no_store() -> None:
    graph = kg.convert_text(
        "Foreign Minister Ana Lima held a meeting with Foreign Minister Ben Okoro in Lisbon on 2 May 2024.",
        doc_id="api-test",
    )
    assert len(graph) > 0


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


@pytest.mark.slow
def test_api_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    section = _readme_section("Asking the graph")
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    code = next(body for lang, body in blocks if lang == "python")
    printed = next(body for lang, body in blocks if lang == "text")
    shutil.copytree(paths.CORPUS_DIR / "seeds", tmp_path / "corpus" / "seeds")
    monkeypatch.chdir(tmp_path)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert output.getvalue() == printed
    assert (tmp_path / "seeds.kg").is_dir()
