"""bench/scale.py --quick runs end to end and prints every figure, baseline and target line (no timings checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCALE = ROOT / "bench" / "scale.py"


@pytest.mark.slow
@pytest.mark.parametrize("size", [50], ids=["quick"])
def test_bench_scale_quick_prints_every_figure(tmp_path: Path, size: int) -> None:
    # The script starts worker processes by spawning, which needs it run as a script, not imported.
    result = subprocess.run(
        [sys.executable, str(SCALE), "--quick", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    sys.path.insert(0, str(SCALE.parent))
    from scale import AGGREGATES, FIGURES, SELECTING

    from kg.queries import stored_queries

    for label in FIGURES:
        assert any(line.startswith(label) for line in lines), f"no line for {label!r}"
    assert f"documents                                  {size} in" in result.stdout
    queries = [line.split()[1] for line in lines if line.startswith("query ")]
    assert queries == sorted(stored_queries())
    assert "data-level results                         EQUAL" in result.stdout
    targets = [line for line in lines if line.startswith("TARGET ")]
    for name in SELECTING + AGGREGATES:
        assert any(f"{name} p50" in line for line in targets), name
        assert any(f"{name} speed-up over rdflib" in line for line in targets), name
    for target in ("kg build end to end", "reasoning:", "peak memory", "re-ingest unchanged", "one new document"):
        assert any(target in line for line in targets), target
    assert all(line.endswith(("PASS", "GAP")) for line in targets)
