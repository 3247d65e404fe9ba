"""Stored queries: every queries/*.rq has expected rows over the seeds, and a header that tells the truth."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from typer.testing import CliRunner

from kg import paths
from kg.cli import app
from kg.errors import QueryFileError
from kg.queries import QueryStore, execute, format_rows, parse_query_file, run_query, stored_queries
from kg.vocab import PREFIXES

QUERY_FILES = sorted(paths.QUERIES_DIR.glob("*.rq"))
QUERY_IDS = [path.stem for path in QUERY_FILES]
EXPECTED_DIR = Path(__file__).parent / "expected" / "queries"


def _header(path: Path) -> dict[str, object]:
    """The '#+' header read here independently of kg/queries.py."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[2:].removeprefix(" "))
    header = yaml.safe_load("\n".join(lines))
    assert isinstance(header, dict), f"{path.name}: no '#+' header"
    return header


def _body(path: Path) -> str:
    """The query text without comment lines (the header and explanations)."""
    return "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )


def test_queries_cover_the_questions_of_issue_6() -> None:
    required = {
        "meetings-of-person",
        "meetings-between",
        "who-met-whom",
        "issues-between",
        "meetings-per-pair-per-year",
        "posts-of-person",
        "partnership-meetings",
        "agreements",
        "meeting-evidence",
        "meeting-documents",
        "issues-together",
        "country-timeline",
    }
    assert required <= set(QUERY_IDS)
    assert len(QUERY_IDS) >= 12


@pytest.mark.parametrize("path", QUERY_FILES, ids=QUERY_IDS)
def test_queries_expected_rows(path: Path, seed_queries: QueryStore, update_golden: bool) -> None:
    query = parse_query_file(path)
    result = execute(seed_queries, query, {p.name: p.example for p in query.params})
    actual = format_rows(result.columns, result.rows, "csv")
    expected_path = EXPECTED_DIR / f"{path.stem}.csv"
    if update_golden:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(actual, encoding="utf-8")
    if not expected_path.exists():
        pytest.fail(f"{expected_path} is missing: run `pytest tests/test_queries.py --update-golden` and review it")
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", QUERY_FILES, ids=QUERY_IDS)
def test_queries_header_matches_query(path: Path) -> None:
    header = _header(path)
    assert set(header) <= {"summary", "params", "columns"}
    assert isinstance(header["summary"], str) and header["summary"].strip()
    text = path.read_text(encoding="utf-8")
    result = ox.Store().query(text, prefixes=PREFIXES)
    assert isinstance(result, ox.QuerySolutions), "stored queries are SELECT queries"
    assert header["columns"] == [v.value for v in result.variables]
    body = _body(path)
    params = header.get("params") or []
    assert isinstance(params, list)
    for param in params:
        assert re.search(rf"\?{param['name']}\b", body), f"?{param['name']} is never used"
    outer = body.rsplit("}", 1)[-1]
    if "GROUP BY" in outer:  # the VALUES clause joins after grouping, so a parameter must be a group key
        group_keys = re.split(r"HAVING|ORDER BY|LIMIT|OFFSET", outer.split("GROUP BY", 1)[1])[0]
        for param in params:
            assert re.search(rf"\?{param['name']}\b", group_keys), f"?{param['name']} must be in GROUP BY"


@pytest.mark.parametrize("path", QUERY_FILES, ids=QUERY_IDS)
def test_queries_select_ends_with_order_by(path: Path) -> None:
    tail = _body(path).rsplit("}", 1)[-1]
    assert re.search(r"\bORDER BY\b", tail), "the outermost SELECT must end with ORDER BY"


def test_queries_readme_lists_every_query() -> None:
    listed = set(re.findall(r"^\| `([\w-]+)` \|", (paths.QUERIES_DIR / "README.md").read_text(), re.M))
    assert listed == set(QUERY_IDS)


BAD_FILES = {
    "no-header": ("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x\n", 1, "no '#+' header"),
    "yaml": ("#+ summary: x\n#+ columns: [x\n", 2, "not valid YAML"),
    "unknown-key": ("#+ summary: x\n#+ author: me\n#+ columns: [x]\nSELECT ?x WHERE {}\n", 2, "unknown header keys"),
    "columns-differ": (
        "#+ summary: x\n#+ columns: [y]\nSELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x\n",
        2,
        "differ from the SELECT projection",
    ),
    "unused-param": (
        "#+ summary: x\n#+ params:\n#+   - name: a\n#+     type: country\n#+     example: JP\n#+ columns: [x]\n"
        "SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x # ?a in a comment does not count\n",
        3,
        "never uses ?a",
    ),
    "bad-type": (
        "#+ summary: x\n#+ params:\n#+   - name: a\n#+     type: planet\n#+     example: Mars\n#+ columns: [a]\n"
        "SELECT ?a WHERE { ?a ?p ?o } ORDER BY ?a\n",
        3,
        "type 'planet'",
    ),
    "syntax": ("#+ summary: x\n#+ columns: [x]\n\nSELEKT ?x WHERE { ?x ?p ?o }\n", 4, "SPARQL syntax error"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES), ids=sorted(BAD_FILES))
def test_queries_loader_names_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = BAD_FILES[case]
    path = tmp_path / f"{case}.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryFileError) as raised:
        parse_query_file(path)
    assert raised.value.path == str(path)
    assert raised.value.line == line
    assert message in str(raised.value)
    assert f"{path}:{line}" in str(raised.value)


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["meetings-between", "-p", "a=JP"], "meetings-between.rq:6:"),
        (["meetings-between", "-p", "a=JP", "-p", "b=MN", "-p", "c=1"], "meetings-between.rq:2:"),
        (["SELECT ?x WHERE {\n ?x ?y }"], "<query>:2:"),
    ],
    ids=["missing-param-line", "unknown-param-line", "syntax-line"],
)
def test_queries_cli_errors_name_file_and_line(
    runner: CliRunner, seed_store: Path, args: list[str], where: str
) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "query", *args])
    assert result.exit_code == 2, result.output
    assert where in result.output.replace("\n", "")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"], ids=str)
def test_queries_cli_formats_limit_offset(runner: CliRunner, seed_store: Path, fmt: str) -> None:
    args = ["--store", str(seed_store), "query", "meetings-between", "-p", "a=JP", "-p", "b=MN", "-f", fmt]
    result = runner.invoke(app, [*args, "--limit", "1", "--offset", "1"])
    assert result.exit_code == 0, result.output
    assert "2022-11" in result.stdout
    assert "2022-05-01" not in result.stdout and "2023-07-13" not in result.stdout


def test_queries_values_are_python_values(seed_queries: QueryStore) -> None:
    meetings = run_query(seed_queries, "meetings-between", a="JP", b="MN")
    assert [row["date"] for row in meetings] == [date(2022, 5, 1), "2022-11", date(2023, 7, 13)]
    agreements = run_query(seed_queries, "agreements")
    assert {(row["amount"], row["currency"]) for row in agreements} == {(Decimal("260000000"), "JPY")}
    evidence = run_query(seed_queries, "meeting-evidence", meeting="2022-05-01-3e4422efbf2243a4")
    assert all(isinstance(row["start"], int) and row["end"] > row["start"] for row in evidence)


@pytest.mark.parametrize(
    "value",
    ['JP" } SELECT * WHERE { ?s ?p ?o } #', "JP> <x", "J P"],
    ids=["quote", "angle", "space"],
)
def test_queries_parameters_are_terms_not_text(seed_queries: QueryStore, tmp_path: Path, value: str) -> None:
    path = tmp_path / "by-label.rq"
    path.write_text(
        "#+ summary: Things with this exact label.\n#+ params:\n#+   - name: label\n#+     type: string\n"
        "#+     example: Japan\n#+ columns: [thing]\n"
        "SELECT ?thing WHERE { ?thing rdfs:label ?label } ORDER BY ?thing\n",
        encoding="utf-8",
    )
    assert run_query(seed_queries, str(path), label="Japan")  # plain literal from a document graph
    assert run_query(seed_queries, str(path), label=value) == []
    with pytest.raises(QueryFileError, match="ISO alpha-2"):
        run_query(seed_queries, "meetings-between", a=value, b="MN")


def test_queries_stored_queries_parse() -> None:
    queries = stored_queries()
    assert sorted(queries) == QUERY_IDS
    assert all(q.summary.endswith(".") for q in queries.values())
