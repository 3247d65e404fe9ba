"""`kg shell`: an interactive SPARQL prompt over the store.

A line that starts with ``.`` is a meta-command (one line); anything else is SPARQL with the project's
prefixes bound, and a statement ends with ``;`` or a blank line. Meta-commands are registered with
``@command(".name", help=...)`` into one table, ``COMMANDS``; ``.help`` is generated from it. Handlers
return a ``Rows`` table, text or nothing, and one renderer (``Shell.render``) draws every reply as a rich
table or as the CSV/TSV/JSON chosen with ``.format``.

``Shell`` does the work and returns text, so it can be driven without a terminal; ``repl`` wraps it in a
prompt_toolkit session (history file, completion, multi-line editing).

>>> import tempfile
>>> from kg.store import Store
>>> with Store(tempfile.mkdtemp()) as store:
...     shell = Shell(store)
...     print(shell.handle(".format csv"), end="")
...     print(shell.handle("SELECT ?n WHERE { VALUES ?n { 1 2 } } ORDER BY ?n;"), end="")
output format: csv
n
1
2
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from kg.errors import InputError, KGError
from kg.queries import (
    RESULT_FORMATS,
    QueryResult,
    compact,
    display_rows,
    execute,
    format_rows,
    query_names,
    resolve_query,
    stored_queries,
)
from kg.store import Store
from kg.vocab import DIP, PREFIXES

if TYPE_CHECKING:
    from prompt_toolkit.completion import CompleteEvent, Completion
    from prompt_toolkit.document import Document
    from prompt_toolkit.key_binding import KeyBindings

DEFAULT_HISTORY = Path("~/.dipkg_history")
GRAPH_FORMATS = ("turtle", "trig", "nquads", "nt", "jsonld")
SPARQL_KEYWORDS = (
    "SELECT",
    "DISTINCT",
    "WHERE",
    "OPTIONAL",
    "FILTER",
    "BIND",
    "VALUES",
    "UNION",
    "MINUS",
    "GRAPH",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "PREFIX",
    "COUNT",
    "SAMPLE",
    "GROUP_CONCAT",
    "STR",
    "LANG",
    "REGEX",
    "CONTAINS",
    "STRSTARTS",
    "EXISTS",
    "NOT EXISTS",
)


@dataclass
class Rows:
    """A table to show: column names, display strings, and the query result behind it (if any)."""

    columns: list[str]
    rows: list[list[str]]
    title: str | None = None
    result: QueryResult | None = None


Reply = Rows | str | None
Handler = Callable[["Shell", list[str]], Reply]


@dataclass(frozen=True)
class MetaCommand:
    name: str
    help: str
    usage: str
    handler: Handler


COMMANDS: dict[str, MetaCommand] = {}


def command(name: str, *, help: str, usage: str = "") -> Callable[[Handler], Handler]:
    """Register a meta-command handler under ``name`` (which starts with a dot)."""
    if not re.fullmatch(r"\.[a-z]+", name):
        raise ValueError(f"meta-command names are a dot and lower-case letters, not {name!r}")

    def register(handler: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"meta-command {name} is registered twice")
        COMMANDS[name] = MetaCommand(name, help, usage or name, handler)
        return handler

    return register


def is_complete(text: str) -> bool:
    """Whether ``text`` is a whole statement: a meta-command, or SPARQL ending in ';' or a blank line."""
    stripped = text.strip()
    if not stripped or stripped.startswith(".") or stripped.endswith(";"):
        return True
    return "\n" in text and text.rsplit("\n", 1)[1].strip() == ""


class Shell:
    """The REPL's state and behaviour, without a terminal: ``handle`` a statement, get text back."""

    def __init__(self, store: Store, *, width: int = 160, color: bool = False) -> None:
        self.store = store
        self.format = "table"
        self.done = False
        self.last: QueryResult | None = None
        self._pending: list[str] = []
        self._issue_names: list[str] | None = None
        self._console = Console(
            width=width,
            force_terminal=color,
            no_color=not color,
            color_system="auto" if color else None,
            highlight=False,
        )

    # -- input ------------------------------------------------------------------------------------------
    def feed(self, line: str) -> str | None:
        """Take one input line; return the output once it completes a statement, else None."""
        if not self._pending and line.strip().startswith("."):
            return self.handle(line)
        self._pending.append(line)
        text = "\n".join(self._pending)
        if not is_complete(text):
            return None
        self._pending.clear()
        return self.handle(text)

    @property
    def pending(self) -> bool:
        """Whether a statement has been started and not finished."""
        return bool(self._pending)

    def handle(self, text: str) -> str:
        """Run one complete statement (meta-command or SPARQL) and return what to print."""
        try:
            reply = self.execute(text)
        except KGError as error:
            return f"error: {error}\n  see README.md#{error.help_anchor}\n"
        return self.render(reply)

    def execute(self, text: str) -> Reply:
        """Run one statement and return its reply; raises KGError on bad input."""
        stripped = text.strip()
        if not stripped:
            return None
        if stripped.startswith("."):
            try:
                name, *args = shlex.split(stripped)
            except ValueError as error:
                raise InputError(f"cannot read {stripped!r}: {error}") from error
            meta = COMMANDS.get(name)
            if meta is None:
                close = difflib.get_close_matches(name, COMMANDS, n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                raise InputError(f"unknown meta-command {name}; {hint}.help lists them")
            return meta.handler(self, args)
        return self.query(stripped.rstrip(";").rstrip())

    def query(self, spec: str, params: dict[str, str] | None = None) -> Rows:
        """Run ad-hoc SPARQL or a stored query; the result becomes ``last`` (for ``.export``)."""
        result = execute(self.store, spec, params)
        self.last = result
        return Rows(result.columns, display_rows(result), result=result)

    # -- output -----------------------------------------------------------------------------------------
    def render(self, reply: Reply) -> str:
        """The one renderer: tables as rich tables (or CSV/TSV/JSON per ``.format``), text as it is."""
        if reply is None:
            return ""
        if isinstance(reply, str):
            return reply if reply.endswith("\n") else reply + "\n"
        if self.format != "table":
            source = reply.result
            if source is not None:
                return format_rows(source.columns, source.rows, self.format)
            return format_rows(reply.columns, [list(row) for row in reply.rows], self.format)
        count = len(reply.rows)
        table = Table(
            *[Column(escape(name), overflow="fold") for name in reply.columns],
            title=escape(reply.title) if reply.title else None,
            caption=f"{count} row{'' if count == 1 else 's'}",
        )
        for row in reply.rows:
            table.add_row(*[escape(cell) for cell in row])
        with self._console.capture() as captured:
            self._console.print(table)
        return captured.get()

    # -- completion -------------------------------------------------------------------------------------
    def completions(self, before_cursor: str) -> list[str]:
        """Words that may replace the word before the cursor (meta-commands, query names, prefixes, terms)."""
        word = current_word(before_cursor)
        statement = before_cursor.lstrip()
        if statement.startswith("."):
            parts = statement.split()
            if len(parts) <= 1 and not statement.endswith(" "):
                candidates: Iterable[str] = COMMANDS
            else:
                candidates = self._argument_candidates(parts[0], parts[1:], word)
        else:
            candidates = self._sparql_candidates(word)
        if word.isupper() or word.islower():
            folded = word.lower()
            return sorted({c for c in candidates if c.lower().startswith(folded) and c != word})
        return sorted({c for c in candidates if c.startswith(word) and c != word})

    def _argument_candidates(self, name: str, args: list[str], word: str) -> list[str]:
        position = len(args) - (1 if word else 0)
        if name == ".run":
            if position == 0:
                return query_names()
            if args[0] not in query_names():
                return []
            try:
                query = resolve_query(args[0])
            except KGError:
                return []
            return [f"{p.name}=" for p in query.params]
        if name == ".format" and position == 0:
            return list(RESULT_FORMATS)
        if name == ".export" and position == 0:
            return [*GRAPH_FORMATS, *RESULT_FORMATS[1:]]
        if name == ".help" and position == 0:
            return list(COMMANDS)
        if name == ".why":
            return self._sparql_candidates(word)
        return []

    def _sparql_candidates(self, word: str) -> list[str]:
        candidates = [f"{prefix}:" for prefix in PREFIXES]
        candidates += SPARQL_KEYWORDS
        if word.startswith("dip:"):
            candidates += [f"dip:{name}" for name in DIP.__annotations__]
        if word.startswith("issue:"):
            candidates += self._issues()
        return candidates

    def _issues(self) -> list[str]:
        if self._issue_names is None:
            try:
                result = execute(self.store, "SELECT DISTINCT ?i WHERE { ?i a dip:Issue } ORDER BY ?i")
                self._issue_names = [compact(str(row[0])) for row in result.rows]
            except KGError:
                self._issue_names = []
        return self._issue_names


def current_word(before_cursor: str) -> str:
    """The word the cursor is in: prefixed names, query names and dotted commands count as one word."""
    match = re.search(r"[\w.:/#\-=]*$", before_cursor)
    return match.group(0) if match else ""


def expand(token: str) -> str:
    """A term typed in the shell as a full IRI: ``<...>`` and ``prefix:name`` are expanded, literals kept."""
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, colon, local = token.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return token


# -- meta-commands ------------------------------------------------------------------------------------------
@command(".help", help="List the meta-commands, or show one.", usage=".help [COMMAND]")
def _help(shell: Shell, args: list[str]) -> Reply:
    chosen = [COMMANDS[name] for name in args if name in COMMANDS] if args else list(COMMANDS.values())
    if args and not chosen:
        raise InputError(f"no meta-command {args[0]}; .help lists them")
    return Rows(
        ["command", "does"],
        [[meta.usage, meta.help] for meta in sorted(chosen, key=lambda m: m.name)],
        title="Anything else is SPARQL (prefixes bound), ending with ';' or a blank line",
    )


@command(".queries", help="List the stored queries with their parameters.")
def _queries(shell: Shell, args: list[str]) -> Reply:
    rows = []
    for name, query in stored_queries().items():
        params = " ".join(f"{p.name}={p.example}" for p in query.params)
        rows.append([name, params, query.summary])
    return Rows(["query", "parameters (example)", "summary"], rows)


@command(".run", help="Run a stored query (by name or FILE.rq) with parameters.", usage=".run NAME [name=value ...]")
def _run(shell: Shell, args: list[str]) -> Reply:
    if not args:
        raise InputError("usage: .run NAME [name=value ...]; .queries lists the names")
    params: dict[str, str] = {}
    for item in args[1:]:
        name, equals, value = item.partition("=")
        if not equals or not name:
            raise InputError(f"parameter {item!r} must be name=value")
        params[name] = value
    return shell.query(args[0], params)


@command(".prefixes", help="Show the prefixes bound in every query.")
def _prefixes(shell: Shell, args: list[str]) -> Reply:
    return Rows(["prefix", "namespace"], [[f"{prefix}:", namespace] for prefix, namespace in PREFIXES.items()])


@command(".graphs", help="List the named graphs and their sizes.")
def _graphs(shell: Shell, args: list[str]) -> Reply:
    result = execute(
        shell.store,
        "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph",
    )
    return Rows(result.columns, [[str(g), str(n)] for g, n in result.rows], result=result)


@command(".format", help="Show or set how results are printed.", usage=".format [table|csv|tsv|json]")
def _format(shell: Shell, args: list[str]) -> Reply:
    if args:
        if args[0] not in RESULT_FORMATS:
            raise InputError(f"unknown format {args[0]!r}; use one of {', '.join(RESULT_FORMATS)}")
        shell.format = args[0]
    return f"output format: {shell.format}"


@command(
    ".export",
    help="Write the last result (csv, tsv, json) or the store (turtle, trig, nquads, nt, jsonld) to FILE or here.",
    usage=".export FORMAT [FILE] [--inferred]",
)
def _export(shell: Shell, args: list[str]) -> Reply:
    inferred = "--inferred" in args
    rest = [a for a in args if a != "--inferred"]
    if not rest or len(rest) > 2:
        raise InputError("usage: .export FORMAT [FILE] [--inferred]")
    fmt, target = rest[0], (Path(rest[1]).expanduser() if len(rest) == 2 else None)
    if fmt in GRAPH_FORMATS:
        from kg.export import export

        text = export(shell.store, fmt=fmt, include_inferred=inferred).decode("utf-8")
    elif fmt in RESULT_FORMATS and fmt != "table":
        if shell.last is None:
            raise InputError("no result to export yet; run a query first")
        text = format_rows(shell.last.columns, shell.last.rows, fmt)
    else:
        raise InputError(
            f"unknown export format {fmt!r}; use one of {', '.join([*GRAPH_FORMATS, 'csv', 'tsv', 'json'])}"
        )
    if target is None:
        return text
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror}", path=target) from error
    return f"wrote {len(text.encode('utf-8'))} bytes to {target}"


@command(".validate", help="Validate every document graph with SHACL.")
def _validate(shell: Shell, args: list[str]) -> Reply:
    from kg.validate import validate_store

    reports = validate_store(shell.store)
    rows = [
        [compact(r.document), "yes" if r.conforms else "NO", str(len(r.violations)), str(len(r.warnings))]
        for r in reports
    ]
    good = sum(r.conforms for r in reports)
    return Rows(
        ["document", "conforms", "violations", "warnings"],
        rows,
        title=f"{len(reports)} documents validated: {good} conform",
    )


@command(".why", help="Explain a triple: its rule and premises, or its evidence.", usage=".why S P O")
def _why(shell: Shell, args: list[str]) -> Reply:
    if len(args) != 3:
        raise InputError("usage: .why S P O (IRIs as <...> or prefix:name)")
    # `kg why` is being written separately; until kg/why.py exists the command says so
    if importlib.util.find_spec("kg.why") is None:
        return "explanations are not available: this version of dipkg has no kg.why module"
    explain = getattr(importlib.import_module("kg.why"), "explain", None)
    if explain is None:
        return "explanations are not available: kg.why has no explain()"
    subject, predicate, obj = (expand(a) for a in args)
    try:
        explanation = explain(shell.store, subject, predicate, obj)
    except TypeError as error:  # an explain() with another signature than (store, s, p, o)
        return f"explanations are not available: kg.why.explain(store, s, p, o) failed: {error}"
    return _as_reply(explanation)


def _as_reply(value: Any) -> Reply:
    if value is None or isinstance(value, str | Rows):
        return value
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    return str(value)


@command(".quit", help="Leave the shell (so does Ctrl-D).")
def _quit(shell: Shell, args: list[str]) -> Reply:
    shell.done = True
    return "bye"


# -- the terminal loop --------------------------------------------------------------------------------------
def repl(store: Store, *, history: Path | None = None) -> None:
    """Read statements from the terminal (or lines from a pipe) until .quit or end of input."""
    width = _terminal_width()
    if not sys.stdin.isatty():
        shell = Shell(store, width=width)
        for line in sys.stdin:
            _write(shell.feed(line.rstrip("\n")))
            if shell.done:
                return
        if shell.pending:
            _write(shell.feed(""))
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    shell = Shell(store, width=width, color=sys.stdout.isatty())
    path = (history or DEFAULT_HISTORY).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(path)),
        completer=_completer(shell),
        multiline=True,
        key_bindings=_key_bindings(),
        prompt_continuation=lambda width, line_number, wrap_count: "...> ".rjust(width),
    )
    sys.stdout.write("dipkg shell: .help lists the commands, .quit leaves; SPARQL ends with ';' or a blank line\n")
    while not shell.done:
        try:
            text = session.prompt("kg> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            _write(shell.handle(text))
        except Exception as error:  # a bug must not end the session; show it and go on
            _write(f"internal error: {type(error).__name__}: {error}\n")


def _terminal_width() -> int:
    """The terminal's own width: a COLUMNS variable left in the environment goes stale when it is resized."""
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        return shutil.get_terminal_size().columns


def _write(text: str | None) -> None:
    if text:
        sys.stdout.write(text)
        sys.stdout.flush()


def _key_bindings() -> KeyBindings:
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return bindings


def _completer(shell: Shell) -> Any:
    from prompt_toolkit.completion import Completer, Completion

    class ShellCompleter(Completer):
        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
            before = document.text_before_cursor
            word = current_word(before)
            for candidate in shell.completions(before):
                yield Completion(candidate, start_position=-len(word))

    return ShellCompleter()
