"""The walking skeleton's acceptance: facts of the two seeds, read through the public contract only
(an N-Quads export with --inferred)."""

from __future__ import annotations

import pytest
from rdflib import Dataset

PREFIXES = """
PREFIX dip: <https://w3id.org/dipkg/ontology#>
PREFIX dipid: <https://w3id.org/dipkg/id/>
PREFIX issue: <https://w3id.org/dipkg/issue/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
INFERRED = "<https://w3id.org/dipkg/graph/inferred>"

FACTS = {
    "hayashi-one-node-in-both-seeds": """
        ASK { ?h rdfs:label "Yoshimasa Hayashi" .
              ?m1 dip:participant ?h ; dip:date "2023-07-13"^^xsd:date .
              ?m2 dip:participant ?h ; dip:date "2022-05-01"^^xsd:date . }""",
    "2023-meeting-in-indonesia-with-battsetseg": """
        ASK { ?m a dip:ForeignMinistersMeeting ; dip:date "2023-07-13"^^xsd:date ;
                 dip:location ?place ; dip:participant ?b ;
                 dip:discussed issue:russia-ukraine, issue:north-korea-nuclear-missile, issue:abductions-issue .
              ?place dip:country <https://w3id.org/dipkg/id/country/ID> .
              ?b rdfs:label "Batmunkh Battsetseg" . }""",
    "partnership-established-by-leaders": """
        ASK { ?p a dip:Partnership ; rdfs:label "Special Strategic Partnership for Peace and Prosperity" ;
                 dip:partner <https://w3id.org/dipkg/id/country/JP>, <https://w3id.org/dipkg/id/country/MN> ;
                 dip:date "2022-11"^^xsd:gYearMonth ; dip:establishedAt ?m .
              ?m dip:participant ?k1, ?k2 . ?k1 skos:altLabel|rdfs:label "Khurelsukh" .
              ?k2 skos:altLabel|rdfs:label "Kishida" . }""",
    "2022-meeting-in-ulaanbaatar": """
        ASK { ?m dip:date "2022-05-01"^^xsd:date ; dip:location ?place ; dip:discussed issue:sanctions-on-russia .
              ?place rdfs:label "Ulaanbaatar" ; dip:country <https://w3id.org/dipkg/id/country/MN> . }""",
    "agreement-two-signatories": """
        ASK { ?a a dip:Agreement ; dip:amount ?amount ; dip:signatory ?s1, ?s2 .
              FILTER(?amount = 260000000 && ?s1 != ?s2) }""",
    "posts": """
        ASK { ?h rdfs:label "Yoshimasa Hayashi" ; dip:holdsPost ?fm . ?fm a dip:ForeignMinisterPost ;
                 dip:postOf <https://w3id.org/dipkg/id/country/JP> .
              ?k skos:altLabel|rdfs:label "Khurelsukh" ; dip:holdsPost ?hs . ?hs a dip:HeadOfStatePost ;
                 dip:postOf <https://w3id.org/dipkg/id/country/MN> . }""",
    "reported-in-titled-document": """
        ASK { ?m dip:date "2023-07-13"^^xsd:date ; dip:reportedIn ?d . ?d a dip:Document ; dct:title ?t . }""",
    "inferred-met-with-both-ways": f"""
        ASK {{ GRAPH {INFERRED} {{ ?h dip:metWith ?b . ?b dip:metWith ?h .
                                  ?h a dip:ForeignMinister ; dip:represents <https://w3id.org/dipkg/id/country/JP> . }}
              ?h rdfs:label "Yoshimasa Hayashi" . ?b rdfs:label "Batmunkh Battsetseg" . }}""",
    "broader-transitive": f"""
        ASK {{ GRAPH {INFERRED} {{
            issue:north-korea-nuclear-missile skos:broaderTransitive issue:regional-international-affairs }} }}""",
}

ABSENT = {
    "nobody-meets-themself": "ASK { ?p dip:metWith ?p }",
    "no-met-with-in-document-graphs": f"ASK {{ GRAPH ?g {{ ?a dip:metWith ?b }} FILTER(?g != {INFERRED}) }}",
    "hayashi-is-one-node": """
        ASK { ?a rdfs:label "Yoshimasa Hayashi" . ?b rdfs:label "Yoshimasa Hayashi" . FILTER(?a != ?b) }""",
}


@pytest.mark.parametrize("name", sorted(FACTS), ids=sorted(FACTS))
def test_contract_seed_fact_holds(seed_export: Dataset, name: str) -> None:
    assert seed_export.query(PREFIXES + FACTS[name]).askAnswer, name


@pytest.mark.parametrize("name", sorted(ABSENT), ids=sorted(ABSENT))
def test_contract_seed_fact_absent(seed_export: Dataset, name: str) -> None:
    assert not seed_export.query(PREFIXES + ABSENT[name]).askAnswer, name
