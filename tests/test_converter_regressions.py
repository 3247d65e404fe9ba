"""Documents that once made the converter fail: each must convert, with what it should find."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal

from kg.convert import convert_document, convert_text
from kg.pipeline.model import Document, DocumentMeta
from kg.vocab import DIP

# No meeting is recognised (a first name that is also a country name), yet "the two sides" and a
# partnership follow: the partnership must not be attached to a meeting that does not exist.
NO_MEETING_THEN_PARTNERSHIP = """Minister visits

Funafuti, 18 September 2024

Minister of Foreign Affairs of Israel, Israel Katz, held talks with Minister for Foreign Affairs of Tuvalu, \
Paulson Panapa in Funafuti.

Following the talks, the two sides agreed to elevate relations between Israel and Tuvalu to a Comprehensive \
Partnership.
"""


def test_partnership_without_a_meeting_converts() -> None:
    graph = convert_text(NO_MEETING_THEN_PARTNERSHIP, doc_id="no-meeting-partnership")
    assert len(set(graph.subjects(RDF.type, DIP.Document))) == 1
    # whatever refers to a partnership is a meeting the graph holds with its participants
    assert set(graph.subjects(DIP.partnership, None)) <= set(graph.subjects(DIP.participant, None))


# -- defects a 10,000-document synthetic run exposed ----------------------------------------------------------
# Each text is written anew, with other people and countries than the documents that failed, so that a test
# passes only when the general pattern is handled. Fictional people keep reference data out of play, except
# where the case is about what reference data knows.

_PARTICIPANTS = """
PREFIX dip: <https://w3id.org/dipkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?meeting ?name WHERE { ?meeting dip:participant ?person . ?person rdfs:label ?name . }
ORDER BY ?meeting ?name
"""


def _meetings(graph: Graph) -> list[list[str]]:
    """Participants' names of each meeting, sorted."""
    people: dict[str, list[str]] = {}
    for row in graph.query(_PARTICIPANTS):
        people.setdefault(str(row[0]), []).append(str(row[1]))  # type: ignore[index]
    return sorted(sorted(names) for names in people.values())


def _convert(text: str, day: str) -> Graph:
    return convert_text(text, doc_id="regression", meta=DocumentMeta(date=day))


MEETING_CASES = {
    # "May" the month, not the modal verb "may": the meeting was reported, not planned.
    "month-may-before-verb": (
        "On 14 May, Lena Varga, President of Hungary, held a meeting with Tomas Reyes, Prime Minister of "
        "Portugal in Lisbon.",
        "2024-05-15",
        [["Lena Varga", "Tomas Reyes"]],
    ),
    # A look-back window cut inside a word ("Bruno" -> "no") must not read as the negation cue "no".
    "window-cut-inside-a-name": (
        "NAIROBI (Reuters) -- Peruvian Foreign Minister Elena Bruno and Kenyan Foreign Minister Daniel Omondi "
        "held talks today and agreed to work together on food security.",
        "2024-03-02",
        [["Daniel Omondi", "Elena Bruno"]],
    ),
    # Given names that are country names, used as persons (a title before or after the name).
    "country-as-given-name": (
        "On 3 March, Minister of Foreign Affairs of Ghana, Jordan Mensah, held talks with Minister of Foreign "
        "Affairs of Peru, Chad Velasco in Lima.\n\nForeign Minister Jordan Mensah invited Foreign Minister "
        "Chad Velasco to visit Ghana.",
        "2024-03-04",
        [["Chad Velasco", "Jordan Mensah"]],
    ),
    "country-as-given-name-in-a-lead": (
        "Chad Okafor and Lucia Pereira agree to deepen ties\n\nABUJA (AFP) -- Nigerian Foreign Minister "
        "Chad Okafor and Chilean Foreign Minister Lucia Pereira held talks today in Abuja.",
        "2024-03-04",
        [["Chad Okafor", "Lucia Pereira"]],
    ),
    # Calendar words as given names and surnames.
    "month-as-given-name": (
        "ACCRA (AP) -- Ghanaian Foreign Minister June Asante and Kenyan Foreign Minister Peter Wafula held "
        "talks on Monday in Accra.",
        "2024-06-12",
        [["June Asante", "Peter Wafula"]],
    ),
    "weekday-as-surname-before-its-title": (
        "On 2 April, Oliver Friday, Prime Minister of Fiji, held talks with Hana Novak, Prime Minister of "
        "Slovenia in Suva.",
        "2024-04-03",
        [["Hana Novak", "Oliver Friday"]],
    ),
    # A one-word name right after a title and before "and" is a name, not the rest of a title.
    "one-word-name-before-and": (
        "HANOI (AFP) -- Malaysian Foreign Minister Sutanto and Vietnamese Foreign Minister Linh Tran held talks "
        "today in Hanoi.",
        "2024-07-01",
        [["Linh Tran", "Sutanto"]],
    ),
    # The Portuguese particle "e" joins a name like "de" or "y" do.
    "particle-e": (
        "On 5 June, Prime Minister Rui Carvalho e Sousa of Portugal met Prime Minister Anna Berg of Sweden in "
        "Stockholm.",
        "2024-06-06",
        [["Anna Berg", "Rui Carvalho e Sousa"]],
    ),
    # A word that is usually no name part ("Said") is one where reference data knows the whole name.
    "reference-name-with-a-common-word": (
        "On 8 October, Sultan Qaboos bin Said received President Milan Horak of Slovakia in Muscat.",
        "2019-10-09",
        [["Milan Horak", "Qaboos bin Said"]],
    ),
}


@pytest.mark.parametrize(("text", "day", "expected"), list(MEETING_CASES.values()), ids=list(MEETING_CASES))
def test_converter_meeting_found_with_its_participants(text: str, day: str, expected: list[list[str]]) -> None:
    assert _meetings(_convert(text, day)) == expected


NOT_A_PERSON = {
    # A country before a capitalised word the text never treats as a person stays a country.
    "country-before-a-place-word": (
        "On 6 June, President Ana Ruiz of Chile held talks with King Omar Haddad in Amman on water in the "
        "Jordan Valley.",
        "2024-06-07",
        "Jordan Valley",
    ),
    # "On Friday" and "since January" are dates, whatever names follow.
    "calendar-word-after-a-preposition": (
        "On Friday Maria Lopez, Foreign Minister of Chile, held talks with Foreign Minister Tariq Aziz Khan of "
        "Pakistan.",
        "2024-06-08",
        "Friday Maria Lopez",
    ),
}


@pytest.mark.parametrize(("text", "day", "name"), list(NOT_A_PERSON.values()), ids=list(NOT_A_PERSON))
def test_converter_country_or_date_word_is_no_person(text: str, day: str, name: str) -> None:
    graph = _convert(text, day)
    assert not graph.query(
        "ASK { ?person a dip:Person ; rdfs:label ?name . }",
        initNs={"dip": DIP, "rdfs": RDFS},
        initBindings={"name": Literal(name)},
    ).askAnswer
    assert len(_meetings(graph)) == 1


def test_converter_two_forms_of_one_name_are_one_person() -> None:
    """Two partial forms that reference data completes to one name are one person: two people with one name
    would make a meeting of one person with itself (a shape violation)."""
    text = (
        "On 4 February, President Andrés Manuel met Prime Minister Mia Lund of Denmark in Mexico City. "
        "President López Obrador and Prime Minister Mia Lund discussed trade."
    )
    document = Document("regression", text, DocumentMeta(date="2020-02-05"), "0")
    persons = convert_document(document).extraction.entities.persons
    assert sorted(p.name for p in persons) == ["Andrés Manuel López Obrador", "Mia Lund"]
