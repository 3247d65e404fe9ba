"""The web page of `kg serve` (kg/web/), rendered by headless Chromium over the seed store.

Most checks load the page with URL parameters (the page keeps its state there: filters, the person or
meeting shown, the editor's query), let Chromium run it with a virtual-time budget and read the DOM it
dumps; one drives clicks, filter choices and Ctrl-Enter over the DevTools protocol. Expected values come
from SPARQL on the same store. Only a missing Chromium binary skips them (.ci/run installs Debian's
`chromium`).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pyoxigraph as ox
import pytest

from kg import paths
from kg.queries import QueryStore, display_rows, execute
from kg.vocab import DIPID, ISSUE, PREFIXES
from tests.browser import CHROMIUM, WINDOW, Element, chromium, devtools, parse_html, png_pixels

WEB_DIR = paths.PACKAGE_DIR / "web"
PAGE_QUERIES = sorted((WEB_DIR / "sparql").glob("*.rq"))
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary: apt-get install chromium")


def page(tmp_path: Path, base: str, **params: str) -> Element:
    """The page's DOM once it has loaded, after Chromium ran it with these URL parameters."""
    url = f"{base}?{urlencode(params)}" if params else base
    dom = parse_html(chromium(tmp_path, url, "--dump-dom"))
    body = dom.one("body")
    status = body.one("p", id="status").text()
    assert body.attrs.get("data-state") == "ready", f"the page did not load: {status}"
    return body


# -- expected values from the store ---------------------------------------------------------------------
def column(store: QueryStore, sparql: str) -> list[str]:
    """The first column of a query's rows, as text."""
    return [str(next(iter(row.values()))) for row in store.run(sparql)]


def met_with_pairs(store: QueryStore) -> set[frozenset[str]]:
    rows = store.run("SELECT DISTINCT ?a ?b WHERE { GRAPH ?g { ?a dip:metWith ?b } }")
    return {frozenset((row["a"], row["b"])) for row in rows}


def meetings_in_order(store: QueryStore, condition: str = "") -> list[tuple[str, str]]:
    """(meeting, date) of the meetings meeting the condition, oldest first and undated last, as the page sorts."""
    rows = store.run(
        f"SELECT DISTINCT ?meeting ?date WHERE {{ ?meeting a dip:Meeting . OPTIONAL {{ ?meeting dip:date ?date }} "
        f"{condition} }}"
    )
    pairs = [(row["meeting"], str(row["date"] or "")) for row in rows]
    return sorted(pairs, key=lambda pair: (pair[1] or "~", pair[0]))


def timeline(body: Element) -> list[tuple[str, str]]:
    return [(row.attrs["data-iri"], row.attrs["data-date"]) for row in body.find_all("li", "meeting")]


def network(body: Element) -> tuple[dict[str, str], set[frozenset[str]]]:
    graph = body.one("section", id="network").one("svg", "graph")
    nodes = {node.attrs["data-iri"]: node.attrs["data-name"] for node in graph.find_all("g", "node")}
    edges = {
        frozenset((edge.attrs["data-source"], edge.attrs["data-target"])) for edge in graph.find_all("line", "edge")
    }
    return nodes, edges


# -- the page's own queries -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGE_QUERIES, ids=[path.stem for path in PAGE_QUERIES])
def test_web_page_query_needs_no_union_default_graph(path: Path, seed_queries: QueryStore) -> None:
    """Each query of the page answers the same on a plain default graph, as any SPARQL server may have."""
    text = path.read_text(encoding="utf-8")
    if path.stem == "evidence":
        first = column(seed_queries, "SELECT ?m WHERE { ?m a dip:Meeting } ORDER BY ?m")[0]
        text += f"\nVALUES (?meeting) {{ (<{first}>) }}"
    plain = seed_queries.oxigraph.query(text, prefixes=PREFIXES, use_default_graph_as_union=False)
    union = seed_queries.oxigraph.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(plain, ox.QuerySolutions) and isinstance(union, ox.QuerySolutions)
    plain_rows = sorted(tuple(str(term) for term in row) for row in plain)
    assert plain_rows, f"{path.name} found nothing in the seed store"
    assert plain_rows == sorted(tuple(str(term) for term in row) for row in union)


# -- network and timeline -----------------------------------------------------------------------------------
@needs_chromium
@pytest.mark.parametrize("view", ["all"], ids=["no-filter"])
def test_web_network_shows_who_met_whom(view: str, seed_page: str, seed_queries: QueryStore, tmp_path: Path) -> None:
    body = page(tmp_path, seed_page)
    nodes, edges = network(body)
    people = seed_queries.run(
        "SELECT DISTINCT ?person ?name WHERE { ?person dip:metWith ?other ; rdfs:label ?label "
        "BIND(STR(?label) AS ?name) } ORDER BY ?person"
    )
    assert nodes == {row["person"]: row["name"] for row in people}
    assert len(nodes) == 4
    assert edges == met_with_pairs(seed_queries)
    assert len(edges) == 2
    # each node links to the person's meetings and evidence
    for node in body.one("section", id="network").find_all("g", "node"):
        assert node.one("a").attrs["href"] == "?" + urlencode({"person": node.attrs["data-iri"].rsplit("/", 1)[1]})


@needs_chromium
@pytest.mark.parametrize("view", ["all"], ids=["no-filter"])
def test_web_timeline_lists_the_meetings_in_date_order(
    view: str, seed_page: str, seed_queries: QueryStore, tmp_path: Path
) -> None:
    body = page(tmp_path, seed_page)
    shown = timeline(body)
    assert shown == meetings_in_order(seed_queries)
    assert [date for _, date in shown] == ["2022-05-01", "2022-11", "2023-07-13"]
    first = body.one("li", "meeting", data_iri=shown[0][0])
    names = [link.text() for link in first.find_all("a", "person")]
    assert names == ["Batmunkh Battsetseg", "Yoshimasa Hayashi"]
    assert first.one("span", "place").text() == " in Ulaanbaatar"
    assert first.one("span", "kind").text() == "Foreign ministers' meeting"
    issues = {issue.attrs["data-iri"] for issue in first.find_all("span", "issue")}
    assert issues == set(column(seed_queries, f"SELECT ?i WHERE {{ <{shown[0][0]}> dip:discussed ?i }} ORDER BY ?i"))


FILTERS = [
    # (URL parameters, the SPARQL condition on ?meeting, how many seed meetings pass)
    (
        {"country": "ID"},
        "{ ?meeting dip:participation/dip:side ?c } UNION { ?meeting dip:location/dip:country ?c }"
        f" FILTER(?c = <{DIPID}country/ID>)",
        1,
    ),
    ({"country": "MN"}, f"?meeting dip:participation/dip:side <{DIPID}country/MN>", 3),
    ({"issue": "sanctions-on-russia"}, f"?meeting dip:discussed/skos:broader* <{ISSUE}sanctions-on-russia>", 1),
    ({"issue": "north-korea"}, f"?meeting dip:discussed/skos:broader* <{ISSUE}north-korea>", 2),
    ({"country": "MN", "issue": "security-defense"}, f"?meeting dip:discussed <{ISSUE}security-defense>", 1),
]


@needs_chromium
@pytest.mark.parametrize(
    ("params", "condition", "count"), FILTERS, ids=["ID", "MN", "sanctions", "north-korea", "MN+security"]
)
def test_web_filters_narrow_timeline_and_network(
    params: dict[str, str], condition: str, count: int, seed_page: str, seed_queries: QueryStore, tmp_path: Path
) -> None:
    body = page(tmp_path, seed_page, **params)
    expected = meetings_in_order(seed_queries, condition)
    assert timeline(body) == expected
    assert len(expected) == count
    # the network keeps the people of those meetings, and the pairs who met at one of them
    nodes, edges = network(body)
    kept = {m for m, _ in expected}
    participants = seed_queries.run("SELECT DISTINCT ?m ?p WHERE { ?m dip:participant ?p }")
    assert set(nodes) == {row["p"] for row in participants if row["m"] in kept}
    pairs = {
        frozenset((a["p"], b["p"]))
        for a in participants
        for b in participants
        if a["m"] == b["m"] and a["m"] in kept and a["p"] != b["p"]
    }
    assert edges == pairs & met_with_pairs(seed_queries)
    # the filter controls show what the URL asked for
    for name, value in params.items():
        select = body.one("select", id=f"filter-{name}")
        assert select.one("option", value=value) is not None


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("row", [0, 2], ids=["first-meeting", "last-meeting"])
def test_web_evidence_link_shows_the_quotes(row: int, seed_page: str, seed_queries: QueryStore, tmp_path: Path) -> None:
    body = page(tmp_path, seed_page)
    meeting = body.find_all("li", "meeting")[row]
    link = meeting.one("a", "evidence-link").attrs["href"]
    details = page(tmp_path, urljoin(seed_page, link)).one("section", id="details")
    assert details.attrs["data-state"] == "ready"
    assert details.attrs["data-iri"] == meeting.attrs["data-iri"]
    shown = [
        (item.attrs["data-document"], int(item.attrs["data-start"]), item.one("blockquote", "quote").text())
        for item in details.find_all("li", "evidence-item")
    ]
    expected = [
        (row["document"], row["start"], row["sentence"])
        for row in seed_queries.run("meeting-evidence", meeting=meeting.attrs["data-iri"])
    ]
    assert shown == expected
    assert shown
    # each sentence names its document by title
    titles = [item.one(cls="doc-title").text() for item in details.find_all("li", "evidence-item")]
    assert titles == [
        column(seed_queries, f"SELECT ?t WHERE {{ <{document}> dct:title ?t }}")[0] for document, _, _ in expected
    ]


@needs_chromium
@pytest.mark.parametrize("person", ["yoshimasa-hayashi"], ids=["hayashi"])
def test_web_person_shows_their_meetings_with_evidence(
    person: str, seed_page: str, seed_queries: QueryStore, tmp_path: Path
) -> None:
    body = page(tmp_path, seed_page, person=person)
    details = body.one("section", id="details")
    assert details.attrs["data-state"] == "ready"
    assert details.attrs["data-iri"] == f"{DIPID}person/{person}"
    shown = [block.attrs["data-iri"] for block in details.find_all("div", "person-meeting")]
    assert shown == list(dict.fromkeys(row["meeting"] for row in seed_queries.run("meetings-of-person", person=person)))
    for block in details.find_all("div", "person-meeting"):
        quotes = {quote.text() for quote in block.find_all("blockquote", "quote")}
        sentences = {row["sentence"] for row in seed_queries.run("meeting-evidence", meeting=block.attrs["data-iri"])}
        assert quotes and quotes <= sentences
    node = body.one("section", id="network").one("g", "node", data_iri=f"{DIPID}person/{person}")
    assert "selected" in node.attrs["class"].split()


# -- the SPARQL editor -------------------------------------------------------------------------------------
@needs_chromium
@pytest.mark.parametrize(
    ("query", "params"), [("meetings-between", {"a": "JP", "b": "MN"}), ("who-met-whom", {})], ids=["params", "plain"]
)
def test_web_editor_runs_a_stored_query(
    query: str, params: dict[str, str], seed_page: str, seed_queries: QueryStore, tmp_path: Path
) -> None:
    url_params = {"query": query, **{f"p.{name}": value for name, value in params.items()}, "run": "1"}
    editor = page(tmp_path, seed_page, **url_params).one("section", id="editor")
    assert editor.attrs["data-state"] == "done"
    table = editor.one("table", id="results")
    expected = execute(seed_queries, query, params)
    assert [th.text() for th in table.find_all("th")] == expected.columns
    rows = [[td.text() for td in tr.find_all("td")] for tr in table.one("tbody").find_all("tr")]
    assert rows == display_rows(expected)
    assert rows and rows[0][0].startswith("dipid:")
    assert editor.one("select", id="query-select").one("option", value=query) is not None


@needs_chromium
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sparql": "SELECT ?x WHERE { ?x ?y }", "run": "1"}, "400"),
        (
            {"query": "meetings-between", "p.a": "Japan", "p.b": "MN", "run": "1"},
            "parameter a must be an ISO alpha-2 code",
        ),
    ],
    ids=["syntax", "parameter"],
)
def test_web_editor_shows_errors(params: dict[str, str], message: str, seed_page: str, tmp_path: Path) -> None:
    editor = page(tmp_path, seed_page, **params).one("section", id="editor")
    assert editor.attrs["data-state"] == "error"
    box = editor.one("div", id="query-error")
    assert "hidden" not in box.attrs
    assert message in box.text()
    assert editor.one("table", id="results").one("tbody").find_all("tr") == []


# -- a screenshot ------------------------------------------------------------------------------------------
@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("params", [{"person": "yoshimasa-hayashi"}], ids=["person"])
def test_web_screenshot_shows_the_page(params: dict[str, str], seed_page: str, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    chromium(
        tmp_path, f"{seed_page}?{urlencode(params)}", f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}"
    )
    width, height, colours = png_pixels(shot.read_bytes())
    assert (width, height) == WINDOW
    assert len(colours) >= 20, f"the screenshot looks blank: {len(colours)} colours"


# -- clicks and keys ----------------------------------------------------------------------------------------
CLICK = 'document.querySelector({}).dispatchEvent(new MouseEvent("click", {{bubbles: true, cancelable: true}}))'
CHOOSE = '{{ const s = document.querySelector({}); s.value = {}; s.dispatchEvent(new Event("change")); }}'
ROWS = '[...document.querySelectorAll("#timeline li.meeting")].map((row) => row.dataset.iri)'


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("person", ["yoshimasa-hayashi"], ids=["hayashi"])
def test_web_clicks_filters_and_keys_drive_the_page(
    person: str, seed_page: str, seed_queries: QueryStore, tmp_path: Path
) -> None:
    everything = [meeting for meeting, _ in meetings_in_order(seed_queries)]
    with devtools(tmp_path) as browser:
        browser.open(seed_page)
        # a click on a node shows that person's meetings, and puts the person in the address
        browser.js(CLICK.format(json.dumps(f'#network g.node[data-iri="{DIPID}person/{person}"] a')))
        assert browser.until('document.getElementById("details").dataset.state === "ready" && location.search') == (
            f"?person={person}"
        )
        shown = browser.js('[...document.querySelectorAll("#details .person-meeting")].map((m) => m.dataset.iri)')
        assert shown == list(
            dict.fromkeys(row["meeting"] for row in seed_queries.run("meetings-of-person", person=person))
        )
        # choosing a country filters the timeline; going back restores it
        browser.js(CHOOSE.format(json.dumps("#filter-country"), json.dumps("ID")))
        assert browser.js("location.search") == f"?person={person}&country=ID"
        assert browser.js(ROWS) == [
            m for m, _ in meetings_in_order(seed_queries, f"?meeting dip:location/dip:country <{DIPID}country/ID>")
        ]
        browser.js("history.back()")
        assert browser.until(f"location.search === '?person={person}' && {ROWS}") == everything
        # a meeting's evidence link shows its sentences
        browser.js(CLICK.format(json.dumps("#timeline li.meeting a.evidence-link")))
        assert browser.until('document.getElementById("details").dataset.state === "ready" && location.search') == (
            f"?meeting={everything[0].rsplit('/', 1)[1]}"
        )
        quotes = browser.js('[...document.querySelectorAll("#details blockquote.quote")].map((q) => q.textContent)')
        assert quotes == [row["sentence"] for row in seed_queries.run("meeting-evidence", meeting=everything[0])]
        # choosing a stored query fills the editor (without its header and the prefixes); Ctrl-Enter runs it
        browser.js(CHOOSE.format(json.dumps("#query-select"), json.dumps("who-met-whom")))
        text = browser.js('document.getElementById("sparql").value')
        stored = (paths.QUERIES_DIR / "who-met-whom.rq").read_text(encoding="utf-8").splitlines()
        assert text == "\n".join(line for line in stored if not line.startswith("#+")) + "\n"
        browser.js(
            'document.getElementById("sparql").dispatchEvent('
            'new KeyboardEvent("keydown", {key: "Enter", ctrlKey: true, bubbles: true, cancelable: true}))'
        )
        assert (
            browser.until(
                '["done", "error"].includes(document.getElementById("editor").dataset.state)'
                ' && document.getElementById("editor").dataset.state'
            )
            == "done"
        )
        cells = browser.js('[...document.querySelectorAll("#results tbody tr")].map((r) => r.cells[1].textContent)')
        assert cells == [row["name"] for row in seed_queries.run("who-met-whom")]
