"""The converter's scores on the bundled corpus and on the edge-case fixtures stay at the issue's targets.

Targets (issue 4): meeting F1 >= 0.95, role F1 >= 0.95, issue F1 >= 0.85, date accuracy >= 0.95, place
accuracy >= 0.90, kind accuracy >= 0.90, reported accuracy >= 0.95, agreement F1 >= 0.90 on the corpus;
documents nobody tuned on (tests/fixtures/docs) within 0.10 of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import paths
from kg.evaluate import evaluate

F1_TARGETS = {"meetings": 0.95, "roles": 0.95, "issues": 0.85, "agreements": 0.90}
ACCURACY_TARGETS = {"date": 0.95, "place": 0.90, "kind": 0.90, "reported": 0.95}
FIXTURES = Path(__file__).parent / "fixtures" / "docs"


@pytest.mark.parametrize(
    ("folder", "slack"),
    [(paths.CORPUS_DIR, 0.0), (FIXTURES, 0.10)],
    ids=["corpus", "unseen-fixtures"],
)
def test_evaluate_corpus_reaches_targets(folder: Path, slack: float) -> None:
    total = evaluate([folder]).total
    short = [
        f"{name} F1 {total.counts[name].f1:.3f}"
        for name, target in F1_TARGETS.items()
        if total.counts[name].f1 < target - slack
    ]
    short += [
        f"{name} accuracy {total.accuracy[name].value:.3f}"
        for name, target in ACCURACY_TARGETS.items()
        if total.accuracy[name].value < target - slack
    ]
    assert short == []
