"""Documents that once made the converter fail: each must convert, with what it should find."""

from __future__ import annotations

from rdflib import RDF

from kg.convert import convert_text
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
