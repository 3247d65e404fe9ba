"""Stored SPARQL queries: one .rq file per question, with a strict ``#+`` YAML header.

    #+ summary: Meetings between two countries, newest first.
    #+ params:
    #+   - name: a
    #+     type: country
    #+     example: JP
    #+ columns: [meeting, date, place]

The loader checks the header against the query itself: ``columns`` must equal the SELECT projection and
every declared parameter must occur in the body as ``?name``. Parameters are bound as RDF terms
serialised by Oxigraph and written in place of their variables (``kg.store.inline_bindings``), so a value
can never change the query's structure.
Parameter types: ``country`` (ISO alpha-2 -> dipid:country/XX), ``person`` (IRI or name slug),
``meeting`` (IRI or the id after ``meeting/``), ``document`` (IRI or file stem), ``issue``
(id -> issue:ID), ``iri``, ``string``, ``integer``, ``date``.

Results come back as Python values: ``datetime.date`` for xsd:date, ``Decimal`` for xsd:decimal,
``int`` for the integer types, ``bool`` for xsd:boolean, and ``str`` for everything else (IRIs, plain
and language-tagged strings, xsd:gYearMonth and xsd:gYear).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from kg import paths
from kg.errors import QueryFileError
from kg.store import Store
from kg.vocab import DIPID, ISSUE, PREFIXES

PARAM_TYPES = ("country", "person", "meeting", "document", "issue", "iri", "string", "integer", "date")
RESULT_FORMATS = ("table", "csv", "tsv", "json")
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = frozenset(
    f"{XSD}{name}"
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Any]


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    example: str
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StoredQuery:
    name: str
    path: Path | None
    summary: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    sparql: str
    params_line: int | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """How error messages name this query: its file, or ``<query>`` for ad-hoc text."""
        return str(self.path) if self.path is not None else "<query>"


def parse_query_file(path: Path) -> StoredQuery:
    """Read a stored query and check its header strictly.

    Raises QueryFileError naming the file and line when the header is missing, not YAML, lacks a key,
    declares a parameter the body never uses, lists columns other than the projection, or when the
    SPARQL does not parse.
    """
    text = path.read_text(encoding="utf-8")
    header_lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#+"):
            header_lines.append((number, line[2:].removeprefix(" ")))
        elif header_lines:
            break
    if not header_lines:
        raise QueryFileError("has no '#+' header; start the file with '#+ summary: ...'", path=path, line=1)
    first = header_lines[0][0]
    try:
        header = yaml.safe_load("\n".join(line for _, line in header_lines))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        yaml_line = header_lines[mark.line][0] if mark is not None and mark.line < len(header_lines) else first
        raise QueryFileError(f"header is not valid YAML: {error}", path=path, line=yaml_line) from error
    if not isinstance(header, dict):
        raise QueryFileError("header must be a YAML mapping with summary, params, columns", path=path, line=first)
    unknown = set(header) - {"summary", "params", "columns"}
    if unknown:
        raise QueryFileError(
            f"unknown header keys {sorted(unknown)}; use summary, params, columns",
            path=path,
            line=_line_of(header_lines, rf"{re.escape(sorted(unknown)[0])}\s*:") or first,
        )
    if not isinstance(header.get("summary"), str) or not header["summary"].strip():
        raise QueryFileError("header needs 'summary: <one sentence>'", path=path, line=first)
    params_line = _line_of(header_lines, r"params\s*:")
    params = []
    for item in header.get("params") or []:
        if not isinstance(item, dict) or set(item) != {"name", "type", "example"}:
            raise QueryFileError(
                "each param needs exactly name, type and example", path=path, line=params_line or first
            )
        name = str(item["name"])
        param_line = _line_of(header_lines, rf"-?\s*name\s*:\s*{re.escape(name)}\s*$") or params_line
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise QueryFileError(f"param name {name!r} is not a SPARQL variable name", path=path, line=param_line)
        if item["type"] not in PARAM_TYPES:
            raise QueryFileError(
                f"param {name!r} has type {item['type']!r}; use one of {', '.join(PARAM_TYPES)}",
                path=path,
                line=param_line,
            )
        params.append(Param(name, str(item["type"]), str(item["example"]), param_line))
    columns = header.get("columns")
    columns_line = _line_of(header_lines, r"columns\s*:") or first
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise QueryFileError(
            "header needs 'columns: [a, b, ...]' naming the projected variables", path=path, line=columns_line
        )
    try:
        probe = ox.Store().query(text, prefixes=PREFIXES)
    except SyntaxError as error:
        raise _syntax_error(error, path) from error
    if isinstance(probe, ox.QuerySolutions):
        projection = [v.value for v in probe.variables]
        if projection != columns:
            raise QueryFileError(
                f"header columns {columns} differ from the SELECT projection {projection}; make them equal",
                path=path,
                line=columns_line,
            )
    body = _strip_comments(text)
    for param in params:
        if not re.search(rf"[?$]{param.name}\b", body):
            raise QueryFileError(
                f"param {param.name!r} is declared but the query never uses ?{param.name}", path=path, line=param.line
            )
    return StoredQuery(path.stem, path, header["summary"].strip(), tuple(params), tuple(columns), text, params_line)


def _line_of(header_lines: list[tuple[int, str]], pattern: str) -> int | None:
    for number, line in header_lines:
        if re.match(rf"\s*{pattern}", line):
            return number
    return None


# a string or an IRI (kept), or a comment (dropped): '#' inside the first two does not start a comment
_COMMENT = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|<[^<>\s]*>)|#.*""")


def _strip_comments(sparql: str) -> str:
    """The query without comments, for the parameter check."""
    return "\n".join(_COMMENT.sub(lambda m: m.group(1) or "", line) for line in sparql.splitlines())


def _syntax_error(error: SyntaxError, where: Path | str) -> QueryFileError:
    """A QueryFileError at the line and column Oxigraph names ('error at 4:2: expected ...')."""
    message = str(error)
    line, column = _syntax_position(message)
    detail = re.sub(r"^error at \d+:\d+:\s*", "", message)
    return QueryFileError(f"SPARQL syntax error: {detail}", path=where, line=line, column=column)


def _syntax_position(message: str) -> tuple[int | None, int | None]:
    """Line and column from an Oxigraph syntax error ('error at 4:2: ...')."""
    match = re.search(r"\bat (\d+):(\d+)", message)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.search(r"line (\d+)", message)
    return (int(match.group(1)), None) if match else (None, None)


def stored_queries(directory: Path = paths.QUERIES_DIR) -> dict[str, StoredQuery]:
    """Every stored query of ``directory`` by name (the file stem), checked as ``parse_query_file`` does.

    >>> queries = stored_queries()
    >>> [p.name for p in queries["meetings-between"].params]
    ['a', 'b']
    """
    return {path.stem: parse_query_file(path) for path in sorted(directory.glob("*.rq"))}


def query_names(directory: Path = paths.QUERIES_DIR) -> list[str]:
    """Names of the stored queries, without parsing them."""
    return sorted(path.stem for path in directory.glob("*.rq"))


def resolve_query(spec: str) -> StoredQuery:
    """A stored query by name, a .rq file, or ad-hoc SPARQL text.

    Raises QueryFileError for an unknown name, a missing file, or text that does not parse (naming the
    line and column).
    """
    if spec.endswith(".rq"):
        path = Path(spec)
        if not path.exists():
            raise QueryFileError("no such query file", path=path)
        return parse_query_file(path)
    if re.fullmatch(r"[\w\-]+", spec):
        candidate = paths.QUERIES_DIR / f"{spec}.rq"
        if candidate.exists():
            return parse_query_file(candidate)
        raise QueryFileError(f"no stored query named {spec!r}; known: {', '.join(query_names())}")
    try:
        ox.Store().query(spec, prefixes=PREFIXES)
    except SyntaxError as error:
        raise _syntax_error(error, "<query>") from error
    return StoredQuery("ad-hoc", None, "ad-hoc query", (), (), spec)


def bind(query: StoredQuery, values: Mapping[str, object]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """RDF terms for the given parameter values; unknown, missing or ill-typed parameters are errors.

    >>> q = StoredQuery("q", None, "s", (Param("a", "country", "JP"),), ("a",), "SELECT ?a WHERE {}")
    >>> bind(q, {"a": "mn"})
    {<Variable value=a>: <NamedNode value=https://w3id.org/dipkg/id/country/MN>}
    """
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        takes = ", ".join(f"{p.name} ({p.type})" for p in query.params) or "no parameters"
        raise QueryFileError(
            f"unknown parameter(s) {unknown}; this query takes {takes}", path=query.where, line=query.params_line
        )
    missing = [p for p in query.params if p.name not in values]
    if missing:
        examples = " ".join(f"-p {p.name}={p.example}" for p in missing)
        raise QueryFileError(
            f"missing parameter(s) {[p.name for p in missing]}; for example {examples}",
            path=query.where,
            line=missing[0].line,
        )
    return {ox.Variable(name): _term(declared[name], str(value), query.where) for name, value in values.items()}


def _term(param: Param, value: str, where: str) -> ox.NamedNode | ox.Literal:
    def bad(expected: str) -> QueryFileError:
        return QueryFileError(
            f"parameter {param.name!r} must be {expected} such as {param.example}, not {value!r}",
            path=where,
            line=param.line,
        )

    if param.type == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise bad("an ISO alpha-2 code")
        return ox.NamedNode(f"{DIPID}country/{value.upper()}")
    if param.type in ("person", "meeting", "document", "issue"):
        if re.match(r"https?://", value):
            return _iri(value, bad)
        if not re.fullmatch(r"[\w.\-]+", value):
            raise bad(f"a {param.type} IRI or id")
        base = str(ISSUE) if param.type == "issue" else f"{DIPID}{'doc' if param.type == 'document' else param.type}/"
        return ox.NamedNode(base + value)
    if param.type == "iri":
        return _iri(value, bad)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise bad("an integer")
        return ox.Literal(value, datatype=ox.NamedNode(f"{XSD}integer"))
    if param.type == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise bad("a date YYYY-MM-DD") from None
        return ox.Literal(value, datatype=ox.NamedNode(f"{XSD}date"))
    return ox.Literal(value)


def _iri(value: str, bad: Any) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise bad("an IRI") from None


@dataclass
class QueryResult:
    """What a query returned: column names, rows of Python values, and the RDF terms behind them."""

    columns: list[str]
    rows: list[list[Any]]  # Python values: str, int, Decimal, date, bool, None
    terms: list[list[Term | None]]
    boolean: bool | None = None

    def records(self) -> list[Row]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def python_value(term: object) -> Any:
    """An RDF term as a plain Python value (dates as datetime.date, decimals as Decimal).

    >>> python_value(ox.Literal("2023-07-13", datatype=ox.NamedNode(XSD + "date")))
    datetime.date(2023, 7, 13)
    >>> python_value(ox.Literal("2022-11", datatype=ox.NamedNode(XSD + "gYearMonth")))
    '2022-11'
    >>> python_value(ox.Literal("260000000", datatype=ox.NamedNode(XSD + "decimal")))
    Decimal('260000000')
    """
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype, text = term.datatype.value, term.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(text)
            if datatype == f"{XSD}decimal":
                return Decimal(text)
            if datatype in (f"{XSD}double", f"{XSD}float"):
                return float(text)
            if datatype == f"{XSD}boolean":
                return text in ("true", "1")
            if datatype == f"{XSD}date":
                return date.fromisoformat(text)
            if datatype == f"{XSD}dateTime":
                return datetime.fromisoformat(text)
        except (ValueError, InvalidOperation):
            return text
        return text
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def execute(
    store: Store,
    spec: str | StoredQuery,
    params: Mapping[str, object] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run a stored (by name or file) or ad-hoc query over the store's union graph.

    Raises QueryFileError when the query cannot be found or parsed, a parameter is wrong, or the store
    fails to evaluate it.
    """
    query = spec if isinstance(spec, StoredQuery) else resolve_query(spec)
    substitutions = bind(query, params or {}) if query.params or params else None
    try:
        result = store.query(query.sparql, bindings=substitutions)
    except SyntaxError as error:
        raise _syntax_error(error, query.where) from error
    except (OSError, RuntimeError, ValueError) as error:
        raise QueryFileError(f"query failed: {error}", path=query.where) from error
    end = None if limit is None else offset + max(limit, 0)
    if isinstance(result, ox.QueryBoolean):
        return QueryResult(["result"], [[bool(result)]], [], bool(result))
    if isinstance(result, ox.QueryTriples):
        triples: list[list[Term | None]] = [[t.subject, t.predicate, t.object] for t in result]
        triples = triples[offset:end]
        return QueryResult(["subject", "predicate", "object"], [[python_value(x) for x in r] for r in triples], triples)
    columns = [v.value for v in result.variables]
    terms: list[list[Term | None]] = [[solution[c] for c in columns] for solution in result]
    terms = terms[offset:end]
    return QueryResult(columns, [[python_value(t) for t in row] for row in terms], terms)


def run_query(
    store: Store,
    query: str,
    /,
    params: Mapping[str, object] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    **values: object,
) -> list[Row]:
    """Run a stored query (name or FILE.rq) or SPARQL text; rows come back as dicts of Python values.

    Parameters go in ``params`` or as keywords (``a="JP"``); values are turned into RDF terms of the
    parameter's declared type (``str(value)`` first, so a ``datetime.date`` serves a date parameter).

    Raises QueryFileError (a KGError) for an unknown query, bad SPARQL or a wrong parameter.

    >>> import tempfile
    >>> with QueryStore(tempfile.mkdtemp()) as store:
    ...     run_query(store, "SELECT ?n WHERE { VALUES ?n { 2 1 } } ORDER BY ?n")
    [{'n': 1}, {'n': 2}]
    """
    merged = {**(params or {}), **values}
    return execute(store, query, merged, limit=limit, offset=offset).records()


class QueryStore(Store):
    """A store that answers queries: what ``kg.open_store`` returns (``kg.Store``).

    >>> import tempfile
    >>> with QueryStore(tempfile.mkdtemp()) as store:
    ...     store.run("SELECT (1 + 1 AS ?two) WHERE {}")
    [{'two': 2}]
    """

    def run(self, query: str, /, **params: object) -> list[Row]:
        """``run_query(self, query, **params)``: rows as dicts of Python values."""
        return run_query(self, query, params)


# -- rendering ------------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """A Python value as JSON can hold it (dates and decimals as their lexical form)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def format_rows(columns: list[str], rows: Iterable[list[Any]], fmt: str) -> str:
    """Rows as CSV, TSV or JSON text (the table format is drawn by the caller with rich).

    >>> print(format_rows(["d", "n"], [[date(2022, 5, 1), None]], "csv"), end="")
    d,n
    2022-05-01,
    """
    if fmt == "json":
        return json.dumps([dict(zip(columns, map(plain, row), strict=True)) for row in rows], indent=1) + "\n"
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else plain(v) for v in row] for row in rows])
        return buffer.getvalue()
    raise QueryFileError(f"unknown result format {fmt!r}; use one of {', '.join(RESULT_FORMATS)}")


def compact(iri: str) -> str:
    """An IRI shortened with the project's prefixes, for display only (``dipid:country/JP``)."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, name = namespace, prefix
    return f"{name}:{iri[len(best) :]}" if best else iri


def display_rows(result: QueryResult) -> list[list[str]]:
    """The result's cells as short strings for a table: IRIs compacted, values in their lexical form."""
    if not result.terms:
        return [[_shown(v) for v in row] for row in result.rows]
    return [
        [
            compact(term.value) if isinstance(term, ox.NamedNode) else _shown(value)
            for term, value in zip(term_row, value_row, strict=True)
        ]
        for term_row, value_row in zip(result.terms, result.rows, strict=True)
    ]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(plain(value))
