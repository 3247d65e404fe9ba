"""Each seed's converted graph equals its golden graph (isomorphism); `--update-golden` rewrites them."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from kg.convert import Converted
from tests.conftest import GOLDEN_DIR, SEEDS


def _diff(expected: Graph, actual: Graph) -> str:
    _both, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["only in expected:", *sorted(f"  {t}" for t in only_expected)]
    lines += ["only in actual:", *sorted(f"  {t}" for t in only_actual)]
    return "\n".join(lines[:80])


@pytest.mark.parametrize("stem", [p.stem for p in SEEDS], ids=[p.stem for p in SEEDS])
def test_golden_seed_graph_isomorphic(converted_seeds: dict[str, Converted], update_golden: bool, stem: str) -> None:
    actual = converted_seeds[stem].graph
    golden = GOLDEN_DIR / f"{stem}.nt"
    if update_golden:
        lines = sorted(line for line in actual.serialize(format="nt").splitlines() if line.strip())
        golden.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = Graph().parse(golden, format="nt")
    assert to_isomorphic(expected) == to_isomorphic(actual), _diff(expected, actual)
