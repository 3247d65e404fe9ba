"""`kg shell`: the Shell driven in-process, and once end to end in a real terminal (tmux)."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from kg import shell as shell_module
from kg.queries import QueryStore, query_names
from kg.shell import COMMANDS, Shell, command, is_complete

TMUX = shutil.which("tmux")
KG = Path(sys.executable).with_name("kg")


@pytest.fixture
def shell(seed_queries: QueryStore) -> Shell:
    return Shell(seed_queries)


def test_shell_help_is_generated_from_the_table(shell: Shell) -> None:
    out = shell.handle(".help")
    for name, meta in COMMANDS.items():
        assert meta.usage in out, name
    assert {".help", ".queries", ".run", ".prefixes", ".graphs", ".format", ".export", ".validate", ".why"} <= set(
        COMMANDS
    )
    assert ".quit" in COMMANDS


def test_shell_command_registry_rejects_duplicates_and_bad_names() -> None:
    @command(".zzztest", help="only for this test")
    def _handler(shell: Shell, args: list[str]) -> str:
        return "ran " + " ".join(args)

    try:
        assert COMMANDS[".zzztest"].handler is _handler
        with pytest.raises(ValueError, match="twice"):
            command(".zzztest", help="again")(_handler)
    finally:
        del COMMANDS[".zzztest"]
    with pytest.raises(ValueError, match="dot"):
        command("nodot", help="x")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (".queries", ["meetings-between", "who-met-whom", "a=JP b=MN"]),
        (".prefixes", ["dipid:", "https://w3id.org/dipkg/id/", "issue:"]),
        (
            ".graphs",
            ["https://w3id.org/dipkg/graph/inferred", "https://w3id.org/dipkg/id/doc/japan-fm-urges-mongolia-2022-05"],
        ),
        (
            ".run meetings-between a=JP b=MN",
            ["dipid:meeting/2022-05-01-3e4422efbf2243a4", "Ulaanbaatar", "2022-11", "3 rows"],
        ),
        (".run who-met-whom", ["Batmunkh Battsetseg", "Yoshimasa Hayashi"]),
        (".help .run", [".run NAME [name=value ...]"]),
        (".format", ["output format: table"]),
    ],
    ids=["queries", "prefixes", "graphs", "run-with-params", "run-inferred", "help-one", "format-show"],
)
def test_shell_meta_commands(shell: Shell, line: str, expected: list[str]) -> None:
    out = shell.handle(line)
    assert not out.startswith("error"), out
    for text in expected:
        assert text in out


def test_shell_queries_lists_every_stored_query(shell: Shell) -> None:
    out = shell.handle(".queries")
    assert all(name in out for name in query_names())


def test_shell_sparql_multiline_ends_with_blank_line_or_semicolon(shell: Shell) -> None:
    assert shell.feed("SELECT DISTINCT ?name WHERE {") is None
    assert shell.feed("  ?p a dip:Person ; rdfs:label ?l . BIND(STR(?l) AS ?name)") is None
    assert shell.feed("} ORDER BY ?name") is None
    assert shell.pending
    out = shell.feed("")
    assert out is not None and "Batmunkh Battsetseg" in out and "Yoshimasa Hayashi" in out
    assert not shell.pending
    out = shell.feed("ASK { <https://w3id.org/dipkg/id/person/yoshimasa-hayashi> dip:metWith ?who };")
    assert out is not None and "true" in out


def test_shell_meta_command_inside_pending_statement_is_sparql(shell: Shell) -> None:
    assert shell.feed(".format csv") == "output format: csv\n"
    assert shell.feed("SELECT ?x") is None
    assert shell.feed("WHERE { VALUES ?x { 1 } } ORDER BY ?x;") == "x\n1\n"


def test_shell_format_and_export(shell: Shell, tmp_path: Path) -> None:
    assert "output format: csv" in shell.handle(".format csv")
    out = shell.handle(".run meetings-between a=JP b=MN")
    assert out.splitlines()[0] == "meeting,date,kind,place,country"
    assert "https://w3id.org/dipkg/id/meeting/2022-05-01-3e4422efbf2243a4,2022-05-01" in out
    target = tmp_path / "meetings.json"
    assert "wrote" in shell.handle(f".export json {target}")
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert [row["place"] for row in rows] == ["Ulaanbaatar", "Japan", "Indonesia"]
    graph_file = tmp_path / "store.nt"
    assert "wrote" in shell.handle(f".export nt {graph_file}")
    assert len(Graph().parse(graph_file, format="nt")) > 100
    shell.handle(".format json")
    assert json.loads(shell.handle("SELECT ?n WHERE { VALUES ?n { 7 } } ORDER BY ?n;")) == [{"n": 7}]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (".nope", "unknown meta-command .nope"),
        (".qeries", "did you mean .queries"),
        (".run", "usage: .run NAME"),
        (".run meetings-between a=JP", "missing parameter(s) ['b']"),
        (".run meetings-between a=JP b=MN c=1", "unknown parameter(s) ['c']"),
        (".run meetings-between a=Japan b=MN", "ISO alpha-2"),
        (".run no-such-query", "no stored query named"),
        ("SELECT ?x WHERE {\n  ?x ?y };", "<query>:"),
        (".format xml", "unknown format 'xml'"),
        (".export csv", "no result to export yet"),
        (".export xml out.xml", "unknown export format"),
        (".why only-one", "usage: .why S P O"),
        ('.run "unclosed', "cannot read"),
    ],
    ids=[
        "unknown-command",
        "suggestion",
        "run-no-name",
        "missing-param",
        "unknown-param",
        "bad-country",
        "unknown-query",
        "syntax",
        "bad-format",
        "export-nothing",
        "export-format",
        "why-args",
        "quotes",
    ],
)
def test_shell_errors_are_reported_and_the_shell_goes_on(shell: Shell, line: str, message: str) -> None:
    out = shell.handle(line)
    assert out.startswith("error: "), out
    assert message in out
    assert not shell.done
    assert "Ulaanbaatar" in shell.handle(".run meetings-between a=JP b=MN")


def test_shell_why_without_the_module(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell_module.importlib.util, "find_spec", lambda name: None)
    out = shell.handle(".why dipid:person/kishida dip:metWith dipid:person/khurelsukh")
    assert "not available" in out and not out.startswith("error")


def test_shell_why_calls_explain_with_full_iris(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []
    fake = types.ModuleType("kg.why")
    fake.__spec__ = importlib.machinery.ModuleSpec("kg.why", None)
    fake.explain = lambda store, s, p, o: calls.append((store, s, p, o)) or f"because {p}"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kg.why", fake)
    out = shell.handle(".why dipid:person/a dip:metWith <https://w3id.org/dipkg/id/person/b>")
    assert out == "because https://w3id.org/dipkg/ontology#metWith\n"
    assert calls == [
        (
            shell.store,
            "https://w3id.org/dipkg/id/person/a",
            "https://w3id.org/dipkg/ontology#metWith",
            "https://w3id.org/dipkg/id/person/b",
        )
    ]


def test_shell_validate(shell: Shell) -> None:
    out = shell.handle(".validate")
    assert "2 documents validated: 2 conform" in out


def test_shell_quit(shell: Shell) -> None:
    assert shell.handle(".quit") == "bye\n"
    assert shell.done


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (".he", [".help"]),
        (".run meetings-b", ["meetings-between"]),
        (".run meetings-between ", ["a=", "b="]),
        (".format c", ["csv"]),
        ("SELECT * WHERE { ?m a dip:Summ", ["dip:Summit"]),
        ("SELECT * WHERE { ?m dip:metW", ["dip:metWith"]),
        ("sel", ["SELECT"]),
        ("SELECT * WHERE { ?m dip:discussed iss", ["issue:"]),
        ("SELECT * WHERE { ?m dip:discussed issue:north-k", ["issue:north-korea", "issue:north-korea-nuclear-missile"]),
    ],
    ids=["meta", "query-name", "param-names", "format", "class", "property", "keyword", "prefix", "issue"],
)
def test_shell_completions(shell: Shell, before: str, expected: list[str]) -> None:
    assert shell.completions(before) == expected


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("", True),
        (".help", True),
        ("SELECT ?x", False),
        ("SELECT ?x\nWHERE { ?x ?p ?o }", False),
        ("SELECT ?x\nWHERE { ?x ?p ?o };", True),
        ("SELECT ?x\nWHERE { ?x ?p ?o }\n", True),
        ("SELECT ?x\nWHERE { ?x ?p ?o }\n   ", True),
    ],
    ids=["empty", "meta", "open", "two-lines", "semicolon", "blank-line", "blank-with-spaces"],
)
def test_shell_statement_ends(text: str, complete: bool) -> None:
    assert is_complete(text) is complete


# -- end to end in a terminal -------------------------------------------------------------------------------
def _wait(capture: Callable[[], str], ready: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture()
        if ready(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen}")


@pytest.mark.slow
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux) for the terminal test")
def test_shell_in_a_real_terminal(seed_store: Path, tmp_path: Path) -> None:
    if not KG.exists():
        pytest.skip(f"no `kg` console script at {KG}; install the package (make test does)")
    assert TMUX is not None
    tmux = [TMUX, "-L", f"dipkg-test-{os.getpid()}"]  # a private server: the test never touches other sessions
    history = tmp_path / "history"
    program = " ".join(
        shlex.quote(part) for part in (str(KG), "--store", str(seed_store), "shell", "--history", str(history))
    )

    def send(*keys: str) -> None:
        subprocess.run([*tmux, "send-keys", "-t", "kg", *keys], check=True, timeout=10)

    def capture() -> str:
        done = subprocess.run(
            [*tmux, "capture-pane", "-p", "-J", "-t", "kg"], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    subprocess.run([*tmux, "new-session", "-d", "-s", "kg", "-x", "200", "-y", "60", program], check=True, timeout=10)
    try:
        _wait(capture, lambda s: "kg>" in s, "the prompt")
        send(".run meetings-between a=JP b=MN", "Enter")
        screen = _wait(capture, lambda s: "Indonesia" in s and "3 rows" in s, "the stored query's rows")
        for text in ("dipid:meeting/2022-05-01-3e4422efbf2243a4", "2022-05-01", "Ulaanbaatar", "2022-11", "2023-07-13"):
            assert text in screen
        send("SELECT DISTINCT ?name WHERE { ?p a dip:Person . ?p rdfs:label ?l . BIND(STR(?l) AS ?name) }", "Enter")
        send("ORDER BY ?name", "Enter", "Enter")  # a blank line ends the statement
        screen = _wait(capture, lambda s: "Batmunkh Battsetseg" in s, "the ad-hoc query's rows")
        assert "Yoshimasa Hayashi" in screen
        send(".quit", "Enter")
        _wait(
            lambda: str(subprocess.run([*tmux, "has-session", "-t", "kg"], capture_output=True).returncode),
            lambda code: code != "0",
            "the shell to exit",
        )
        assert ".run meetings-between a=JP b=MN" in history.read_text(encoding="utf-8")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, timeout=10)
