"""`kg why`: an inferred triple is explained by its rule and premises down to evidence sentences, an asserted
one by its documents and evidence; a triple that is not in the store exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.store import Store
from kg.vocab import DIP
from kg.why import Explanation, explain, parse_term

PERSON = "https://w3id.org/dipkg/id/person/"
HAYASHI = PERSON + "yoshimasa-hayashi"
BATTSETSEG = PERSON + "batmunkh-battsetseg"
MEETING_2022 = "https://w3id.org/dipkg/id/meeting/2022-05-01-3e4422efbf2243a4"
MEETING_2023 = "https://w3id.org/dipkg/id/meeting/2023-07-13-8667faf729247fe5"


def _evidence(explanation: Explanation) -> list[str]:
    found = [item.quote for item in explanation.evidence]
    for derivation in explanation.derivations:
        for premise in derivation.premises:
            found.extend(_evidence(premise))
    return found


@pytest.mark.issue(5)
@pytest.mark.parametrize(
    "predicate", ["dip:metWith", "https://w3id.org/dipkg/ontology#metWith"], ids=["prefixed", "iri"]
)
def test_why_met_with_is_explained_by_the_meetings_and_their_evidence(
    runner: CliRunner, seed_store: Path, predicate: str
) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "why", HAYASHI, predicate, BATTSETSEG])
    assert result.exit_code == 0, result.output
    assert "by rule file ontology/rules/met-with.rq" in result.stdout
    assert "dipid:meeting/2022-05-01-3e4422efbf2243a4" in result.stdout
    assert "dipid:meeting/2023-07-13-8667faf729247fe5" in result.stdout
    assert "asserted in dipid:doc/japan-fm-urges-mongolia-2022-05" in result.stdout
    assert 'evidence dipid:doc/japan-fm-urges-mongolia-2022-05 [339:624]: "In a meeting in Ulaanbaatar' in result.stdout


@pytest.mark.issue(5)
@pytest.mark.parametrize(("subject", "obj"), [(HAYASHI, BATTSETSEG), (BATTSETSEG, HAYASHI)], ids=["forth", "back"])
def test_why_evidence_quotes_are_the_document_text_at_their_offsets(seed_store: Path, subject: str, obj: str) -> None:
    with Store(seed_store, read_only=True) as store:
        explanation = explain(store, subject, "dip:metWith", obj)
        texts = {doc: str(store.graph(doc).value(URIRef(doc), DIP.text)) for doc in store.document_graphs()}
    assert explanation.inferred and not explanation.asserted
    meetings = {
        str(premise.triple[0])
        for derivation in explanation.derivations
        if derivation.rule.endswith("met-with.rq")
        for premise in derivation.premises
    }
    assert meetings == {MEETING_2022, MEETING_2023}
    quotes = [item for derivation in explanation.derivations for p in derivation.premises for item in p.evidence]
    assert quotes
    for item in quotes:
        assert item.start is not None and item.end is not None
        assert texts[item.document][item.start : item.end] == item.quote


@pytest.mark.parametrize(
    ("triple", "rule", "premise"),
    [
        ((HAYASHI, "dip:participatedIn", MEETING_2022), "prp-inv", (MEETING_2022, str(DIP.participant), HAYASHI)),
        (
            (HAYASHI, "a", "dip:ForeignMinister"),
            "cls-svf1",
            (HAYASHI, str(DIP.holdsPost), "https://w3id.org/dipkg/id/post/JP-foreign-minister"),
        ),
        ((HAYASHI, "rdf:type", "https://schema.org/Person"), "cax-sco", (HAYASHI, str(RDF.type), str(DIP.Person))),
        (
            (HAYASHI, "dip:represents", "dipid:country/JP"),
            "represents.rq",
            (HAYASHI, str(DIP.holdsPost), "https://w3id.org/dipkg/id/post/JP-foreign-minister"),
        ),
    ],
    ids=["inverse", "some-values-from", "subclass", "rule-file"],
)
def test_why_names_the_rule_and_its_asserted_premises(
    seed_store: Path, triple: tuple[str, str, str], rule: str, premise: tuple[str, str, str]
) -> None:
    with Store(seed_store, read_only=True) as store:
        explanation = explain(store, *triple)
    derivation = next(d for d in explanation.derivations if rule in d.rule)
    premises = {tuple(map(str, p.triple)): p for p in derivation.premises}
    assert premise in premises
    assert premises[premise].asserted_in
    assert _evidence(explanation) or premise[1] == str(RDF.type)


@pytest.mark.parametrize("post", ["dipid:post/JP-foreign-minister"], ids=["holds-post"])
def test_why_asserted_triple_shows_documents_and_evidence(runner: CliRunner, seed_store: Path, post: str) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "why", HAYASHI, "dip:holdsPost", post])
    assert result.exit_code == 0, result.output
    assert "asserted in dipid:doc/japan-fm-urges-mongolia-2022-05, dipid:doc/japan-mongolia-fm-meeting-2023-07" in (
        result.stdout
    )
    assert 'evidence dipid:doc/japan-fm-urges-mongolia-2022-05 [124:337]: "Foreign Minister Yoshimasa Hayashi' in (
        result.stdout
    )
    assert "inferred" not in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        [HAYASHI, "dip:metWith", HAYASHI],
        [HAYASHI, "dip:noSuchProperty", BATTSETSEG],
        ["not a term", "dip:metWith", BATTSETSEG],
    ],
    ids=["absent", "unknown-property", "unreadable-term"],
)
def test_why_exits_2_when_the_triple_is_not_in_the_store(runner: CliRunner, seed_store: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["--store", str(seed_store), "why", *args])
    assert result.exit_code == 2, result.output


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("dipid:person/yoshimasa-hayashi", URIRef(HAYASHI)),
        (f"<{HAYASHI}>", URIRef(HAYASHI)),
        (HAYASHI, URIRef(HAYASHI)),
        ("a", RDF.type),
        ("dip:metWith", DIP.metWith),
        ('"2022-05-01"^^xsd:date', Literal("2022-05-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))),
    ],
    ids=["dipid-shorthand", "angle-brackets", "full-iri", "a", "prefixed", "typed-literal"],
)
def test_why_parse_term_reads_what_users_type(text: str, term: object) -> None:
    assert parse_term(text) == term


@pytest.mark.parametrize("text", ["nope", "zz:thing"], ids=["bare-word", "unknown-prefix"])
def test_why_parse_term_rejects_unreadable_terms(text: str) -> None:
    with pytest.raises(InputError, match="cannot read"):
        parse_term(text)
