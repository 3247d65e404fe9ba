"""Ontology terms reach code only through kg.vocab.DIP, a closed namespace generated from the ontology."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg import paths
from kg.convert import Converted
from kg.vocab import DIP
from scripts.build_vocab import NS, declared_terms


def test_vocab_matches_ontology() -> None:
    graph = Graph().parse(paths.ONTOLOGY_DIR / "dipkg.ttl")
    declared = set(declared_terms(graph))
    in_class = {name for name in DIP.__annotations__}
    assert in_class == declared


def test_vocab_undeclared_term_raises() -> None:
    with pytest.raises(AttributeError):
        _ = DIP.notATerm


def test_vocab_code_uses_only_declared_terms() -> None:
    """Every DIP.<name> written in kg/ is a declared term (the closed namespace would raise at run time)."""
    used = set()
    for path in Path(paths.PACKAGE_DIR).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_dip = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "DIP"
            if is_dip and not node.attr.startswith("_"):  # type: ignore[attr-defined]
                used.add(node.attr)  # type: ignore[attr-defined]
    assert used - set(DIP.__annotations__) == set()


def test_vocab_converted_graphs_use_declared_terms(converted_seeds: dict[str, Converted]) -> None:
    declared = {URIRef(NS + name) for name in DIP.__annotations__}
    for converted in converted_seeds.values():
        terms = {t for triple in converted.graph for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
        assert terms - declared == set(), converted.document.doc_id
