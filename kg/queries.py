"""Stored SPARQL queries: one .rq file per question, with a strict ``#+`` YAML header.

    #+ summary: Meetings between two countries, newest first.
    #+ params:
    #+   - name: a
    #+     type: country
    #+     example: JP
    #+ columns: [meeting, date, place]

Parameters are bound as RDF terms through Oxigraph's substitutions, never pasted into the query text.
Parameter types: ``country`` (ISO alpha-2 -> dipid:country/XX), ``person`` (IRI or name slug),
``iri``, ``issue`` (id -> issue:ID), ``string``, ``integer``, ``date``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from kg import paths
from kg.errors import QueryFileError
from kg.store import Store
from kg.vocab import DIPID, ISSUE, PREFIXES

PARAM_TYPES = ("country", "person", "iri", "issue", "string", "integer", "date")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    example: str


@dataclass(frozen=True)
class StoredQuery:
    name: str
    path: Path | None
    summary: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    sparql: str


def parse_query_file(path: Path) -> StoredQuery:
    """Read a stored query and check its header strictly."""
    text = path.read_text(encoding="utf-8")
    header_lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#+"):
            header_lines.append((number, line[2:].removeprefix(" ")))
        elif header_lines:
            break
    if not header_lines:
        raise QueryFileError("has no '#+' header; start the file with '#+ summary: ...'", path=path, line=1)
    try:
        header = yaml.safe_load("\n".join(line for _, line in header_lines))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        yaml_line = header_lines[mark.line][0] if mark is not None and mark.line < len(header_lines) else 1
        raise QueryFileError(f"header is not valid YAML: {error}", path=path, line=yaml_line) from error
    if not isinstance(header, dict):
        raise QueryFileError("header must be a YAML mapping with summary, params, columns", path=path, line=1)
    unknown = set(header) - {"summary", "params", "columns"}
    if unknown:
        raise QueryFileError(
            f"unknown header keys {sorted(unknown)}; use summary, params, columns", path=path, line=header_lines[0][0]
        )
    if not isinstance(header.get("summary"), str) or not header["summary"].strip():
        raise QueryFileError("header needs 'summary: <one sentence>'", path=path, line=header_lines[0][0])
    params = []
    for item in header.get("params") or []:
        if not isinstance(item, dict) or set(item) != {"name", "type", "example"}:
            raise QueryFileError("each param needs exactly name, type and example", path=path, line=header_lines[0][0])
        if item["type"] not in PARAM_TYPES:
            raise QueryFileError(
                f"param {item['name']!r} has type {item['type']!r}; use one of {', '.join(PARAM_TYPES)}",
                path=path,
                line=header_lines[0][0],
            )
        params.append(Param(str(item["name"]), str(item["type"]), str(item["example"])))
    columns = header.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise QueryFileError(
            "header needs 'columns: [a, b, ...]' naming the projected variables", path=path, line=header_lines[0][0]
        )
    sparql = text
    try:
        ox.Store().query(sparql, prefixes=PREFIXES)
    except SyntaxError as error:
        raise QueryFileError(f"SPARQL syntax error: {error}", path=path, line=_error_line(str(error))) from error
    return StoredQuery(path.stem, path, header["summary"].strip(), tuple(params), tuple(columns), sparql)


def _error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message) or re.search(r"^(\d+):", message)
    return int(match.group(1)) if match else None


def stored_queries(directory: Path = paths.QUERIES_DIR) -> dict[str, StoredQuery]:
    return {path.stem: parse_query_file(path) for path in sorted(directory.glob("*.rq"))}


def resolve_query(spec: str) -> StoredQuery:
    """A stored query by name, a .rq file, or ad-hoc SPARQL text."""
    if spec.endswith(".rq"):
        path = Path(spec)
        if not path.exists():
            raise QueryFileError("no such query file", path=path)
        return parse_query_file(path)
    candidate = paths.QUERIES_DIR / f"{spec}.rq"
    if re.fullmatch(r"[\w\-]+", spec):
        if candidate.exists():
            return parse_query_file(candidate)
        known = ", ".join(sorted(p.stem for p in paths.QUERIES_DIR.glob("*.rq")))
        raise QueryFileError(f"no stored query named {spec!r}; known: {known}")
    try:
        ox.Store().query(spec, prefixes=PREFIXES)
    except SyntaxError as error:
        raise QueryFileError(f"SPARQL syntax error: {error}", path="<query>", line=_error_line(str(error))) from error
    return StoredQuery("ad-hoc", None, "ad-hoc query", (), (), spec)


def bind(query: StoredQuery, values: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """RDF terms for the given parameter values; unknown or missing parameters are errors."""
    declared = {p.name: p for p in query.params}
    where = str(query.path) if query.path else query.name
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryFileError(
            f"unknown parameter(s) {unknown}; this query takes {sorted(declared) or 'none'}", path=where
        )
    missing = sorted(set(declared) - set(values))
    if missing:
        examples = " ".join(f"-p {n}={declared[n].example}" for n in missing)
        raise QueryFileError(f"missing parameter(s) {missing}; for example {examples}", path=where)
    return {ox.Variable(name): _term(declared[name], value, where) for name, value in values.items()}


def _term(param: Param, value: str, where: str) -> ox.NamedNode | ox.Literal:
    if param.type == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise QueryFileError(
                f"parameter {param.name!r} must be an ISO alpha-2 code such as {param.example}, not {value!r}",
                path=where,
            )
        return ox.NamedNode(f"{DIPID}country/{value.upper()}")
    if param.type == "person":
        return ox.NamedNode(value if value.startswith("http") else f"{DIPID}person/{value}")
    if param.type == "issue":
        return ox.NamedNode(value if value.startswith("http") else f"{ISSUE}{value}")
    if param.type == "iri":
        return ox.NamedNode(value)
    if param.type == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise QueryFileError(f"parameter {param.name!r} must be an integer, not {value!r}", path=where)
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if param.type == "date":
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    return ox.Literal(value)


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]  # Python values: str, int, Decimal, date, bool, None
    terms: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]
    boolean: bool | None = None


def python_value(term: object) -> Any:
    """An RDF term as a plain Python value (dates as datetime.date, decimals as Decimal)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value.rsplit("#", 1)[-1]
        text = term.value
        try:
            if datatype in ("integer", "int", "long", "nonNegativeInteger"):
                return int(text)
            if datatype == "decimal":
                return Decimal(text)
            if datatype in ("double", "float"):
                return float(text)
            if datatype == "boolean":
                return text == "true"
            if datatype == "date":
                from datetime import date

                return date.fromisoformat(text)
        except ValueError:
            return text
        return text
    return getattr(term, "value", str(term))


def run_query(
    store: Store, spec: str, params: dict[str, str] | None = None, *, limit: int | None = None, offset: int = 0
) -> QueryResult:
    """Run a stored (by name or file) or ad-hoc query over the store's union graph."""
    query = resolve_query(spec)
    substitutions = bind(query, params or {}) if query.path is not None or params else None
    try:
        result = store.query(query.sparql, bindings=substitutions)
    except (SyntaxError, RuntimeError) as error:
        raise QueryFileError(f"query failed: {error}", path=str(query.path or "<query>")) from error
    if isinstance(result, ox.QueryBoolean):
        return QueryResult(["result"], [[bool(result)]], [], bool(result))
    if isinstance(result, ox.QueryTriples):
        rows = [[t.subject, t.predicate, t.object] for t in result]
        rows = rows[offset : None if limit is None else offset + limit]
        values = [[python_value(x) for x in r] for r in rows]
        return QueryResult(["subject", "predicate", "object"], values, rows)
    columns = [v.value for v in result.variables]
    terms = [[solution[c] for c in columns] for solution in result]
    terms = terms[offset : None if limit is None else offset + limit]
    return QueryResult(columns, [[python_value(t) for t in row] for row in terms], terms)
