"""The `kg` command line: a thin layer over the library.

Exit codes: 0 ok (validation conforms, warnings allowed); 1 validation failed (SHACL violations);
2 bad input or a file that cannot be loaded (the message names it and the fix).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from kg import paths
from kg.errors import InputError, KGError
from kg.lock import DEFAULT_WAIT

EXIT_OK, EXIT_VALIDATION, EXIT_INPUT = 0, 1, 2
HELP = __doc__

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="Store folder (default ./.kg, or $KG_STORE).", show_default=False)
]
WaitOption = Annotated[
    float,
    typer.Option("--wait", metavar="SECONDS", help="How long to wait for another writer's lock on the store."),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Processes that convert and validate documents (default: one per CPU core).",
        show_default=False,
    ),
]


@contextmanager
def _document_progress() -> Iterator[tuple[Callable[[int, int, str], None], Callable[[str], None]]]:
    """A rich progress bar on stderr: documents converted and validated, then the later phases.

    Shown only when stderr is a terminal, so piped and captured output stays exactly as without it.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[name]}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task = bar.add_task("converting and validating", total=None, name="")

    def advance(done: int, total: int, path: str) -> None:
        bar.update(task, completed=done, total=total, name=escape(Path(path).name))

    def phase(name: str) -> None:
        nonlocal task
        if name != "ingest":  # later phases have no count: a new task without a total shows a pulse
            bar.update(task, visible=False)
            task = bar.add_task(name, total=None, name="")

    with bar:
        yield advance, phase


def _warn(text: str) -> None:
    """A warning on stderr; escaped, since paths and document text may hold rich's [markup]."""
    err.print(f"warning: {escape(text)}", style="yellow")


def _fail(error: KGError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(str(error))}", markup=True)
    err.print(f"  see README.md#{error.help_anchor}", style="dim")
    return typer.Exit(
        EXIT_INPUT
        if isinstance(error, InputError)
        else EXIT_VALIDATION
        if error.__class__.__name__ == "ValidationFailed"
        else EXIT_INPUT
    )


_global: dict[str, Path | None] = {"store": None}


@app.callback()
def _main(store: StoreOption = None) -> None:
    """dipkg: a knowledge graph of diplomatic relations."""
    _global["store"] = store


def _open(store: Path | None, *, read_only: bool = False, wait: float = DEFAULT_WAIT, command: str = "") -> Any:
    """Readers open read-only and never wait; a writer takes the store's write lock (kg/lock.py), naming
    its ``command`` there for anyone who has to wait for it."""
    from kg.store import Store, store_path

    return Store(
        store_path(store or _global["store"]),
        read_only=read_only,
        wait=wait,
        command=f"kg {command}".strip(),
        on_wait=lambda message: err.print(message, style="yellow"),
    )


@app.command()
def convert(
    files: Annotated[list[str], typer.Argument(help="NAME.txt files or folders (fsspec URLs with --engine dask).")],
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="turtle, trig (default), nt, nquads or jsonld.")
    ] = None,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write here instead of stdout (dask: the shard folder).")
    ] = None,
    engine: Annotated[str, typer.Option(help="local (this process) or dask (N-Quads shards into -o DIR).")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://HOST:8786); default: a LocalCluster.")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes of the LocalCluster (default: CPUs).")] = None,
    partition_size: Annotated[int | None, typer.Option(help="Documents per Dask partition and shard.")] = None,
) -> None:
    """Convert documents to RDF without a store; `--engine dask` converts on a cluster into shards for `kg load`."""
    from kg.convert import as_dataset, convert_file
    from kg.documents import find_documents

    if engine == "dask":
        _convert_dask(files, fmt, output, scheduler, workers, partition_size)
        return
    if engine != "local":
        err.print(f"error: unknown engine {engine!r}; use local or dask")
        raise typer.Exit(EXIT_INPUT)
    fmt = fmt or "trig"
    formats = {"turtle": "turtle", "trig": "trig", "nt": "nt", "nquads": "nquads", "jsonld": "json-ld"}
    if fmt not in formats:
        err.print(f"error: unknown format {fmt!r}; use one of {', '.join(formats)}")
        raise typer.Exit(EXIT_INPUT)
    try:
        converted = []
        for path in find_documents(files):
            item = convert_file(path)
            for warning in item.warnings:
                _warn(warning)
            converted.append(item)
    except KGError as error:
        raise _fail(error) from error
    dataset = as_dataset(converted)
    if fmt in ("turtle", "nt"):
        from rdflib import Graph

        merged = Graph()
        for item in converted:
            merged += item.graph
        for prefix, ns in dataset.namespaces():
            merged.bind(prefix, ns)
        text = merged.serialize(format=formats[fmt])
    else:
        text = dataset.serialize(format=formats[fmt])
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _convert_dask(
    files: list[str], fmt: str | None, output: str | None, scheduler: str | None, workers: int | None, size: int | None
) -> None:
    from kg.distributed import convert_distributed

    if output is None:
        err.print("error: --engine dask writes N-Quads shards into a folder; pass -o DIR")
        raise typer.Exit(EXIT_INPUT)
    if fmt not in (None, "nquads"):
        err.print(f"error: --engine dask writes N-Quads shards; drop --format {fmt}")
        raise typer.Exit(EXIT_INPUT)
    try:
        result = convert_distributed(files, output, scheduler=scheduler, workers=workers, partition_size=size)
    except KGError as error:
        raise _fail(error) from error
    for warning in result.warnings:
        _warn(warning)
    manifest = result.manifest
    out.print(
        f"converted {len(manifest.documents)} documents on {result.workers} workers: {len(manifest.shards)} shards, "
        f"{result.quads} quads, manifest in {escape(output)}"
    )
    for failure in result.failed:
        err.print(f"[bold red]error:[/] {escape(failure)}")
    if result.failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def ingest(
    sources: Annotated[list[Path], typer.Argument(help="Files or folders of NAME.txt documents.")],
    store: StoreOption = None,
    wait: WaitOption = DEFAULT_WAIT,
    jobs: JobsOption = None,
) -> None:
    """Add documents to the store; unchanged ones are skipped, changed ones replace their graph."""
    from kg.build import ingest as run_ingest

    try:
        with _open(store, wait=wait, command="ingest") as opened, _document_progress() as (advance, _phase):
            report = run_ingest(opened, sources, jobs=jobs, progress=advance)
    except KGError as error:
        raise _fail(error) from error
    for warning in report.warnings:
        _warn(warning)
    out.print(
        f"ingested: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.skipped)} unchanged, {len(report.failed)} failed"
    )
    for failure in report.failed:
        err.print(f"[bold red]error:[/] {escape(str(failure))}")
    if report.failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def remove(
    documents: Annotated[list[str], typer.Argument(help="Documents: NAME.txt, NAME, dipid:doc/NAME or the IRI.")],
    store: StoreOption = None,
    wait: WaitOption = DEFAULT_WAIT,
) -> None:
    """Remove documents' graphs and bring the inferred graph up to date (what others state stays).

    Exit 2, removing nothing, when a document named is not in the store.
    """
    from kg.build import remove_documents

    try:
        with _open(store, wait=wait, command="remove") as opened:
            report = remove_documents(opened, documents)
    except KGError as error:
        raise _fail(error) from error
    for iri in report.removed:
        out.print(f"removed {iri}")
    reasoning = report.reasoning
    out.print(
        f"removed: {len(report.removed)} documents; inferred triples: {reasoning.inferred_triples} "
        f"(+{reasoning.added} -{reasoning.removed})"
    )
    for message in reasoning.inconsistent:
        err.print(f"[bold red]inconsistent:[/] {escape(message)}", emoji=False)


@app.command()
def build(
    sources: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the bundled corpus).")
    ] = None,
    store: StoreOption = None,
    wait: WaitOption = DEFAULT_WAIT,
    jobs: JobsOption = None,
) -> None:
    """The main job: ingest, validate, reason and print what was found (exit 1 on violations)."""
    from kg.build import build as run_build

    try:
        with _open(store, wait=wait, command="build") as opened, _document_progress() as (advance, phase):
            result = run_build(opened, sources or [paths.CORPUS_DIR], jobs=jobs, progress=advance, phase=phase)
    except KGError as error:
        raise _fail(error) from error
    for warning in result.ingest.warnings:
        _warn(warning)
    s = result.summary
    table = Table(title="dipkg build", show_header=False)
    table.add_row(
        "documents",
        f"{s.documents} ({len(result.ingest.added)} added, {len(result.ingest.replaced)} "
        f"replaced, {len(result.ingest.skipped)} unchanged, {len(result.ingest.failed)} failed)",
    )
    table.add_row("meetings", f"{s.meetings} " + ", ".join(f"{k}: {v}" for k, v in sorted(s.meetings_by_kind.items())))
    table.add_row("persons", str(s.persons))
    table.add_row("issues discussed", str(s.issues))
    table.add_row("partnerships", str(s.partnerships))
    table.add_row("agreements", str(s.agreements))
    table.add_row("validation", ("conforms" if result.conforms else "VIOLATIONS") + f" ({_counts(result.validation)})")
    reasoning = result.reasoning
    table.add_row(
        "reasoning",
        f"{len(reasoning.reasoned)} documents reasoned, {reasoning.reused} unchanged ({reasoning.method}); "
        f"{len(reasoning.inconsistent)} inconsistencies",
    )
    table.add_row("inferred triples", str(s.inferred_triples))
    out.print(table)
    for failure in result.ingest.failed:
        err.print(f"[bold red]error:[/] {escape(str(failure))}")
    if result.ingest.failed:
        raise typer.Exit(EXIT_INPUT)
    if not result.conforms:
        _print_reports(result.validation, infos=False)
    for message in reasoning.inconsistent:
        err.print(f"[bold red]inconsistent:[/] {escape(message)}", emoji=False)
    if not result.conforms or reasoning.inconsistent:
        raise typer.Exit(EXIT_VALIDATION)


def _counts(reports: list[Any]) -> str:
    violations = sum(len(r.violations) for r in reports)
    warnings = sum(len(r.warnings) for r in reports)
    infos = sum(len(r.infos) for r in reports)
    return f"{violations} violations, {warnings} warnings, {infos} infos"


_SEVERITY_STYLE = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}


def _print_reports(reports: list[Any], *, infos: bool) -> None:
    """Findings for reading: by document, then node (its label), each with the value and the fix."""
    from kg.validate import compact

    for report in reports:
        shown = [f for f in report.findings if infos or f.severity != "Info"]
        if not shown:
            continue
        title = f"  {report.title}" if report.title else ""
        count = len(report.violations)
        verdict = "conforms" if report.conforms else f"{count} violation" + ("s" if count > 1 else "")
        out.print(f"[bold]{escape(compact(report.document))}[/]{escape(title)}  ({verdict})", emoji=False)
        for findings in report.by_node().values():
            findings = [f for f in findings if infos or f.severity != "Info"]
            if not findings:
                continue
            out.print("  " + escape(findings[0].node_text), emoji=False)
            for finding in findings:
                parts = [compact(finding.path) if finding.path else "", finding.value_text or ""]
                where = "".join(f" {part}" for part in parts if part)
                style = _SEVERITY_STYLE.get(finding.severity, "")
                out.print(f"    [{style}]{finding.severity}[/]{escape(where)}: {escape(finding.message)}", emoji=False)


@app.command()
def load(
    directory: Annotated[Path, typer.Argument(help="A shard folder written by `kg convert --engine dask -o DIR`.")],
    store: StoreOption = None,
    wait: WaitOption = DEFAULT_WAIT,
) -> None:
    """Bulk-load N-Quads shards into the store, then validate and reason (exit 1 on violations, 2 bad shards)."""
    from kg.load import load_shards

    try:
        with _open(store, wait=wait, command="load") as opened:
            report = load_shards(opened, directory)
    except KGError as error:
        raise _fail(error) from error
    out.print(
        f"loaded {report.shards} shards, {report.quads} quads: {len(report.added)} documents added, "
        f"{len(report.replaced)} replaced, {len(report.skipped)} unchanged"
    )
    verdict = "conforms" if report.conforms else "VIOLATIONS"
    out.print(f"validation: {verdict} ({_counts(report.validation)})")
    reasoning = report.reasoning
    out.print(
        f"reasoning: {len(reasoning.reasoned)} documents reasoned, {reasoning.reused} unchanged "
        f"({reasoning.method}); {report.summary.inferred_triples} inferred triples"
    )
    if not report.conforms:
        _print_reports(report.validation, infos=False)
    for message in reasoning.inconsistent:
        err.print(f"[bold red]inconsistent:[/] {escape(message)}", emoji=False)
    if not report.conforms or reasoning.inconsistent:
        raise typer.Exit(EXIT_VALIDATION)


@app.command()
def validate(
    store: StoreOption = None,
    fmt: Annotated[str, typer.Option("--format", help="text or turtle (the raw SHACL report).")] = "text",
    shapes: Annotated[
        Path | None, typer.Option("--shapes", help="A shapes .ttl file or folder (default: the bundled shapes/).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list infos.")] = False,
) -> None:
    """Validate each document graph with SHACL: exit 0 conforms (warnings allowed), 1 violations, 2 cannot run."""
    from kg.validate import combined_report, validate_store

    if fmt not in ("text", "turtle"):
        err.print(f"error: unknown format {fmt!r}; use text or turtle")
        raise typer.Exit(EXIT_INPUT)
    try:
        with _open(store, read_only=True) as opened:
            reports = validate_store(opened, shapes_source=shapes or paths.SHAPES_DIR)
    except KGError as error:
        raise _fail(error) from error
    if fmt == "turtle":
        sys.stdout.write(combined_report(reports).serialize(format="turtle"))
    else:
        _print_reports(reports, infos=verbose)
        bad = [r for r in reports if not r.conforms]
        out.print(
            f"{len(reports)} documents validated: {len(reports) - len(bad)} conform, {len(bad)} with violations "
            f"({_counts(reports)})"
        )
    if any(not r.conforms for r in reports):
        raise typer.Exit(EXIT_VALIDATION)


@app.command()
def reason(
    store: StoreOption = None,
    wait: WaitOption = DEFAULT_WAIT,
    full: Annotated[bool, typer.Option("--full", help="Recompute the inferred graph from scratch.")] = False,
) -> None:
    """Bring the inferred graph up to date: the OWL RL closure (compiled from owlrl's closure of the
    ontology; owlrl itself where the compiled rules do not apply) and ontology/rules; new documents
    are joined with the store incrementally.

    Exit 1 when the closure finds an inconsistency (e.g. a node typed with two disjoint classes).
    """
    from kg.reason import reason_store

    try:
        with _open(store, wait=wait, command="reason") as opened:
            result = reason_store(opened, full=full)
    except KGError as error:
        raise _fail(error) from error
    out.print(f"inferred triples: {result.inferred_triples} (+{result.added} -{result.removed})")
    out.print(
        f"documents: {result.documents} ({len(result.reasoned)} reasoned, {result.reused} unchanged); "
        f"how: {result.method}"
    )
    if result.inconsistent:
        for message in result.inconsistent:
            err.print(f"[bold red]inconsistent:[/] {escape(message)}", emoji=False)
        raise typer.Exit(EXIT_VALIDATION)


# -- kg why -----------------------------------------------------------------------------------------------
@app.command()
def why(
    subject: Annotated[str, typer.Argument(help="IRI, <IRI> or prefixed name (dipid:person/... works).")],
    predicate: Annotated[str, typer.Argument(help="IRI or prefixed name (dip:metWith, rdf:type, a).")],
    obj: Annotated[str, typer.Argument(metavar="OBJECT", help='IRI, prefixed name or literal ("2022"^^xsd:gYear).')],
    store: StoreOption = None,
) -> None:
    """Explain a triple: the rule and premises of an inferred one, the documents and evidence of an asserted one.

    Exit 2 when a term cannot be read or the triple is not in the store.
    """
    from kg.why import explain

    try:
        with _open(store, read_only=True) as opened:
            explanation = explain(opened, subject, predicate, obj)
    except KGError as error:
        raise _fail(error) from error
    out.print(escape(str(explanation)), emoji=False)


@app.command()
def query(
    spec: Annotated[str, typer.Argument(help="A stored query name, a FILE.rq, or SPARQL text.")],
    param: Annotated[list[str] | None, typer.Option("-p", "--param", help="name=value (repeat).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv or json.")] = "table",
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
    store: StoreOption = None,
) -> None:
    """Run a stored or ad-hoc SPARQL query over the store (exit 2 naming the file and line on a bad query)."""
    from kg.queries import RESULT_FORMATS, display_rows, execute, format_rows

    if fmt not in RESULT_FORMATS:
        err.print(f"error: unknown format {fmt!r}; use one of {', '.join(RESULT_FORMATS)}")
        raise typer.Exit(EXIT_INPUT)
    values: dict[str, str] = {}
    for item in param or []:
        if "=" not in item:
            err.print(f"error: parameter {item!r} must be name=value")
            raise typer.Exit(EXIT_INPUT)
        name, value = item.split("=", 1)
        values[name.strip()] = value
    try:
        with _open(store, read_only=True) as opened:
            result = execute(opened, spec, values, limit=limit, offset=offset)
    except KGError as error:
        raise _fail(error) from error
    if fmt == "table":
        render_rows(result.columns, display_rows(result), fmt)
    else:
        sys.stdout.write(format_rows(result.columns, result.rows, fmt))


def render_rows(columns: list[str], rows: list[list[Any]], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(
            json.dumps([dict(zip(columns, map(_plain, row), strict=True)) for row in rows], indent=1) + "\n"
        )
    elif fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(*[Column(name, overflow="fold") for name in columns])
        for row in rows:
            table.add_row(*[str(_plain(v)) for v in row])
        out.print(table)
        out.print(f"{len(rows)} rows", style="dim")


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


# -- kg shell ---------------------------------------------------------------------------------------------
@app.command()
def shell(
    history: Annotated[
        Path | None, typer.Option("--history", help="History file (default ~/.dipkg_history).", show_default=False)
    ] = None,
    store: StoreOption = None,
) -> None:
    """Interactive SPARQL prompt over the store; `.help` lists the meta-commands, `.quit` leaves."""
    from kg.shell import repl

    try:
        with _open(store, read_only=True) as opened:
            repl(opened, history=history)
    except KGError as error:
        raise _fail(error) from error


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle, trig, nquads, nt or jsonld.")] = "trig",
    inferred: Annotated[bool, typer.Option("--inferred", help="Include the inferred graph.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    store: StoreOption = None,
) -> None:
    """Export the store for other graph tools."""
    from kg.export import export as run_export

    try:
        with _open(store, read_only=True) as opened:
            data = run_export(opened, fmt=fmt, include_inferred=inferred)
    except KGError as error:
        raise _fail(error) from error
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless you mean to share it).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the page and the SPARQL endpoint.")] = 7878,
    writable: Annotated[
        bool, typer.Option("--writable", help="Also accept SPARQL updates and Graph Store writes.")
    ] = False,
    store: StoreOption = None,
) -> None:
    """Serve the store: the web page and a SPARQL 1.1 endpoint at /query (Oxigraph), until Ctrl-C.

    Exit 2 when there is no store, the port is taken or the `oxigraph` server binary is missing.
    """
    import signal
    import threading

    from kg.serve import start
    from kg.store import store_path

    # the handlers go in before the server starts: a signal that came once the page answers but before
    # they were installed went to the previous handler, and serve ran on
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            handle = start(store_path(store or _global["store"]), host, port, writable=writable)
        except KGError as error:
            raise _fail(error) from error
        mode = "read-write" if writable else "read-only"
        out.print(
            f"serving {handle.url}  SPARQL {handle.sparql_url} ({mode}, Oxigraph at {handle.backend_url}); Ctrl-C stops"
        )
        try:
            handle.wait(stop)
        except KeyboardInterrupt:
            pass
        except KGError as error:
            raise _fail(error) from error
        finally:
            handle.stop()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    out.print("stopped")


@app.command()
def push(
    endpoint: Annotated[str, typer.Option("--endpoint", help="The server's SPARQL endpoint URL.")],
    graph_store: Annotated[
        str | None, typer.Option("--graph-store", help="Its Graph Store endpoint (default: derived from --endpoint).")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="User name for the server.")] = None,
    password: Annotated[
        str | None, typer.Option("--password", envvar="KG_PUSH_PASSWORD", help="Password (or $KG_PUSH_PASSWORD).")
    ] = None,
    auth: Annotated[str, typer.Option("--auth", help="basic or digest.")] = "basic",
    force: Annotated[bool, typer.Option("--force", help="Send every graph, changed or not.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent; send nothing.")] = False,
    retries: Annotated[
        int, typer.Option("--retries", help="Retries per graph on connection errors and 5xx (backoff from 0.5 s).")
    ] = 3,
    store: StoreOption = None,
) -> None:
    """Send the graphs that changed since the last push with the SPARQL 1.1 Graph Store Protocol (PUT each).

    Exit 2 when a graph cannot be sent (the message names the endpoint, graph and HTTP status).
    """
    from kg.push import PushAuth, push_store

    if auth not in ("basic", "digest"):
        err.print(f"error: unknown --auth {auth!r}; use basic or digest")
        raise typer.Exit(EXIT_INPUT)
    if (user is None) != (password is None):
        err.print("error: give both --user and --password (or $KG_PUSH_PASSWORD), or neither")
        raise typer.Exit(EXIT_INPUT)
    credentials = PushAuth(user, password, "digest" if auth == "digest" else "basic") if user and password else None
    try:
        with _open(store, read_only=True) as opened:
            report = push_store(
                opened, endpoint, graph_store, credentials, force=force, dry_run=dry_run, retries=retries
            )
    except KGError as error:
        raise _fail(error) from error
    verbs = {
        "sent": "would send" if dry_run else "sent",
        "unchanged": "unchanged",
        "deleted": "would delete" if dry_run else "deleted",
    }
    for graph in report.graphs:
        figures = f" ({graph.triples} triples)" if graph.status == "sent" else ""
        out.print(f"{verbs[graph.status]:>12} {graph.iri}{figures}")
    out.print(
        f"{report.graph_store}: {len(report.sent)} {verbs['sent']} ({report.triples_sent} triples), "
        f"{len(report.unchanged)} unchanged, {len(report.deleted)} {verbs['deleted']} in {report.seconds:.2f} s"
    )


@app.command()
def stats(store: StoreOption = None) -> None:
    """Counts: documents, persons, meetings by kind, issues, inferred triples."""
    from kg.build import summarize

    try:
        with _open(store, read_only=True) as opened:
            s = summarize(opened)
    except KGError as error:
        raise _fail(error) from error
    for name, value in vars(s).items():
        out.print(f"{name}: {value}")


@app.command()
def evaluate(
    directories: Annotated[list[Path], typer.Argument(help="Folders with NAME.txt and NAME.gold.json.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Per-document scores and errors.")] = False,
    min_meeting_f1: Annotated[float, typer.Option(help="Exit 1 when meeting F1 is lower.")] = 0.0,
    min_role_f1: Annotated[float, typer.Option(help="Exit 1 when role F1 is lower.")] = 0.0,
    min_person_f1: Annotated[float, typer.Option(help="Exit 1 when person F1 is lower.")] = 0.0,
    min_issue_f1: Annotated[float, typer.Option(help="Exit 1 when issue F1 is lower.")] = 0.0,
    min_partnership_f1: Annotated[float, typer.Option(help="Exit 1 when partnership F1 is lower.")] = 0.0,
    min_agreement_f1: Annotated[float, typer.Option(help="Exit 1 when agreement F1 is lower.")] = 0.0,
    min_date_accuracy: Annotated[float, typer.Option(help="Exit 1 when date accuracy is lower.")] = 0.0,
    min_place_accuracy: Annotated[float, typer.Option(help="Exit 1 when place accuracy is lower.")] = 0.0,
    min_kind_accuracy: Annotated[float, typer.Option(help="Exit 1 when kind accuracy is lower.")] = 0.0,
    min_reported_accuracy: Annotated[float, typer.Option(help="Exit 1 when reported accuracy is lower.")] = 0.0,
) -> None:
    """Score the converter against gold annotations (exit 1 when a --min-* figure falls short)."""
    from kg.evaluate import evaluate as run_evaluate

    try:
        result = run_evaluate(directories)
    except KGError as error:
        raise _fail(error) from error
    total = result.total
    if fmt == "json":
        sys.stdout.write(json.dumps(result.as_dict(verbose=verbose), indent=1) + "\n")
    else:
        if verbose:
            for name, scores in result.documents.items():
                figures = " ".join(f"{k}={c.f1:.2f}" for k, c in scores.counts.items())
                out.print(f"[bold]{escape(name)}[/] {figures}")
                for line in scores.errors:
                    out.print("   " + escape(line), style="dim")
        table = Table("measure", "precision", "recall", "F1 / accuracy", title=f"{len(result.documents)} documents")
        for name, c in total.counts.items():
            table.add_row(name, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}")
        for name, a in total.accuracy.items():
            table.add_row(f"{name} accuracy", "", "", f"{a.value:.3f} ({a.correct}/{a.total})")
        out.print(table)
    limits = {
        "meetings": min_meeting_f1,
        "roles": min_role_f1,
        "persons": min_person_f1,
        "issues": min_issue_f1,
        "partnerships": min_partnership_f1,
        "agreements": min_agreement_f1,
    }
    accuracy_limits = {
        "date": min_date_accuracy,
        "place": min_place_accuracy,
        "kind": min_kind_accuracy,
        "reported": min_reported_accuracy,
    }
    short = [f"{k} F1 {total.counts[k].f1:.3f} < {v}" for k, v in limits.items() if total.counts[k].f1 < v]
    short += [
        f"{k} accuracy {total.accuracy[k].value:.3f} < {v}"
        for k, v in accuracy_limits.items()
        if total.accuracy[k].value < v
    ]
    if short:
        err.print("below threshold: " + "; ".join(short))
        raise typer.Exit(EXIT_VALIDATION)


def main() -> None:  # pragma: no cover - console entry point
    app()
