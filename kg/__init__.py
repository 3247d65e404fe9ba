"""dipkg: a knowledge graph of diplomatic relations, as a Python library.

The public API is what ``__all__`` names; everything else may change. ``import kg`` is cheap: the
names load their modules (pyoxigraph, rdflib, the converter) the first time they are used.

>>> import kg, tempfile
>>> with kg.open_store(tempfile.mkdtemp()) as store:
...     store.run("SELECT ?n WHERE { VALUES ?n { 1 2 } } ORDER BY DESC(?n)")
[{'n': 2}, {'n': 1}]

Build the bundled seeds and ask a stored query (see README.md#asking-the-graph)::

    with kg.open_store("seeds.kg") as store:
        kg.build_store(store, ["corpus/seeds"])
        rows = store.run("meetings-between", a="JP", b="MN")   # dates as datetime.date

Two functions are named ``build_store`` and ``export_store`` rather than ``build`` and ``export``
because ``kg.build`` and ``kg.export`` are submodules: importing one of them rebinds that attribute of
the package, so a function of the same name would be replaced by the module.
"""

# No `from __future__ import annotations` and no plain helper imports here: every name this module
# binds is either public (in __all__), private (underscore) or a module, which tests/test_api.py checks.
import typing

from kg.errors import KGError

if typing.TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

    from kg.build import BuildResult
    from kg.convert import convert_file, convert_text
    from kg.queries import QueryStore as Store
    from kg.queries import run_query, stored_queries

__all__ = [
    "KGError",
    "Store",
    "build_store",
    "convert_file",
    "convert_text",
    "export_store",
    "open_store",
    "run_query",
    "stored_queries",
]

# public name -> (module, attribute), imported on first use
_LAZY = {
    "Store": ("kg.queries", "QueryStore"),
    "run_query": ("kg.queries", "run_query"),
    "stored_queries": ("kg.queries", "stored_queries"),
    "convert_file": ("kg.convert", "convert_file"),
    "convert_text": ("kg.convert", "convert_text"),
}


def __getattr__(name: str) -> "Any":
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def open_store(path: "str | Path | None" = None, *, read_only: bool = False) -> "Store":
    """Open (or create) the store at ``path``; default ``$KG_STORE`` or ``./.kg``.

    Use it as a context manager so that the store is flushed and released. ``read_only=True`` lets
    several readers share a store, and raises StoreError (a KGError) when there is none.
    """
    from kg.queries import QueryStore
    from kg.store import store_path

    return QueryStore(store_path(path), read_only=read_only)


def build_store(store: "Store", sources: "Iterable[str | Path] | None" = None) -> "BuildResult":
    """The main job (``kg build``): ingest ``sources`` (default: the bundled corpus), validate, reason.

    Returns the build result (ingest report, validation reports, reasoning, summary counts); bad
    documents are listed in ``result.ingest.failed`` rather than raised.
    """
    from kg import paths
    from kg.build import build

    return build(store, list(sources) if sources is not None else [paths.CORPUS_DIR])


def export_store(store: "Store", *, fmt: str = "trig", include_inferred: bool = False) -> bytes:
    """The store's graphs serialised as ``fmt`` (turtle, trig, nquads, nt, jsonld), as ``kg export`` does.

    Raises InputError (a KGError) for an unknown format.
    """
    from kg.export import export

    return export(store, fmt=fmt, include_inferred=include_inferred)
