"""Stage 5, events -> RDF: the document's named graph, every fact with its evidence sentence."""

from __future__ import annotations

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.lexicon import Lexicon
from kg.pipeline import iris
from kg.pipeline.model import Extraction, Sentence
from kg.vocab import DIP, OA, PREFIXES

POST_CLASSES = {
    "foreign-minister": DIP.ForeignMinisterPost,
    "prime-minister": DIP.HeadOfGovernmentPost,
    "president": DIP.HeadOfStatePost,
    "head-of-state": DIP.HeadOfStatePost,
    "minister": DIP.MinisterialPost,
    "vice-minister": DIP.MinisterialPost,
    "ambassador": DIP.AmbassadorPost,
    "other": DIP.Post,
}
POST_LABELS = {
    "foreign-minister": "Foreign Minister",
    "prime-minister": "Head of Government",
    "president": "President",
    "head-of-state": "Head of State",
    "minister": "Minister",
    "vice-minister": "Vice-Minister",
    "ambassador": "Ambassador",
    "other": "Official",
}
MEETING_CLASSES = {
    "foreign-ministers-meeting": DIP.ForeignMinistersMeeting,
    "summit": DIP.Summit,
    "telephone-talk": DIP.TelephoneTalk,
    "video-conference": DIP.VideoConference,
    "courtesy-call": DIP.CourtesyCall,
    "visit": DIP.Visit,
    "other-meeting": DIP.Meeting,
}
PRECISION_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


def date_literal(value: str) -> Literal:
    """A date at the precision it was written: xsd:date, xsd:gYearMonth or xsd:gYear.

    >>> date_literal("2022-11").datatype == XSD.gYearMonth
    True
    """
    precision = {10: "day", 7: "month", 4: "year"}[len(value)]
    return Literal(value, datatype=PRECISION_TYPES[precision])


def build_graph(extraction: Extraction, lexicon: Lexicon) -> Graph:
    """Stage function: the RDF of one document (it goes into the named graph of the document IRI)."""
    return _GraphBuilder(extraction, lexicon).build()


class _GraphBuilder:
    def __init__(self, extraction: Extraction, lexicon: Lexicon) -> None:
        self.x = extraction
        self.lexicon = lexicon
        self.g = Graph()
        for prefix, namespace in PREFIXES.items():
            self.g.bind(prefix, namespace)
        self.doc = iris.document_iri(extraction.document.doc_id)

    def build(self) -> Graph:
        self._document()
        person_nodes = self._persons()
        meeting_nodes = self._meetings(person_nodes)
        self._partnerships(person_nodes, meeting_nodes)
        self._agreements(person_nodes)
        return self.g

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.g.add((s, p, o))

    def evidence(self, subject: URIRef, sentence: Sentence) -> None:
        annotation = iris.evidence_iri(self.doc, sentence.start, sentence.end)
        target = iris.evidence_iri(self.doc, sentence.start, sentence.end, "target")
        position = iris.evidence_iri(self.doc, sentence.start, sentence.end, "pos")
        quote = iris.evidence_iri(self.doc, sentence.start, sentence.end, "quote")
        self.add(subject, DIP.evidence, annotation)
        self.add(annotation, RDF.type, OA.Annotation)
        self.add(annotation, OA.hasTarget, target)
        self.add(target, RDF.type, OA.SpecificResource)
        self.add(target, OA.hasSource, self.doc)
        self.add(target, OA.hasSelector, position)
        self.add(target, OA.hasSelector, quote)
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(sentence.start, datatype=XSD.integer))
        self.add(position, OA.end, Literal(sentence.end, datatype=XSD.integer))
        self.add(quote, RDF.type, OA.TextQuoteSelector)
        self.add(quote, OA.exact, Literal(sentence.text))

    def _document(self) -> None:
        document = self.x.document
        meta = document.meta
        self.add(self.doc, RDF.type, DIP.Document)
        self.add(self.doc, DCTERMS.identifier, Literal(document.doc_id))
        self.add(
            self.doc,
            DCTERMS.title,
            Literal(meta.title or (self.x.sentences[0].text if self.x.sentences else document.doc_id)),
        )
        if meta.date:
            self.add(self.doc, DCTERMS.date, Literal(meta.date, datatype=XSD.date))
        if meta.publisher:
            self.add(self.doc, DCTERMS.publisher, Literal(meta.publisher))
        if meta.source_url:
            self.add(self.doc, DCTERMS.source, URIRef(meta.source_url))
        if meta.kind:
            self.add(self.doc, DIP.documentKind, Literal(meta.kind))
        self.add(self.doc, DIP.text, Literal(document.text))
        self.add(self.doc, DIP.contentHash, Literal(document.content_hash))

    def _persons(self) -> list[URIRef]:
        nodes = []
        sentences = self.x.sentences
        for person in self.x.entities.persons:
            node = iris.person_iri(person.name)
            nodes.append(node)
            self.add(node, RDF.type, DIP.Person)
            self.add(node, RDFS.label, Literal(person.name))
            for form in sorted(person.forms - {person.name}):
                self.add(node, SKOS.altLabel, Literal(form))
            self.add(node, DIP.mentionedIn, self.doc)
            for role in person.roles:
                if role.country is None:
                    continue
                post = self._post(role.post_kind, role.country)
                self.add(node, DIP.holdsPost, post)
                holding = iris.holding_iri(self.doc, node, post)
                self.add(holding, RDF.type, DIP.PostHolding)
                self.add(holding, DIP.holder, node)
                self.add(holding, DIP.post, post)
                if self.x.document.meta.date:
                    self.add(holding, DIP.attestedOn, Literal(self.x.document.meta.date, datatype=XSD.date))
                self.evidence(holding, sentences[role.sentence])
        return nodes

    def _post(self, kind: str, country: str) -> URIRef:
        post = iris.post_iri(country, kind)
        self.add(post, RDF.type, POST_CLASSES.get(kind, DIP.Post))
        country_label = self.lexicon.country_labels.get(country, country)
        self.add(post, RDFS.label, Literal(f"{POST_LABELS.get(kind, 'Official')} of {country_label}"))
        self.add(post, DIP.postOf, iris.country_iri(country))
        self.add(post, DIP.postKind, Literal(kind))
        return post

    def _meetings(self, persons: list[URIRef]) -> list[URIRef]:
        nodes = []
        entities = self.x.entities
        for ordinal, meeting in enumerate(self.x.events.meetings):
            people = [persons[p] for p in meeting.participants]
            node = iris.meeting_iri(people, meeting.date, self.x.document.doc_id, ordinal)
            nodes.append(node)
            self.add(node, RDF.type, MEETING_CLASSES.get(meeting.kind, DIP.Meeting))
            names = " and ".join(sorted(entities.persons[p].name for p in meeting.participants))
            label = f"{meeting.kind.replace('-', ' ')} of {names}"
            self.add(node, RDFS.label, Literal(label + (f", {meeting.date}" if meeting.date else "")))
            if meeting.date:
                self.add(node, DIP.date, date_literal(meeting.date))
            elif meeting.date_expression:
                self.add(node, DIP.dateExpression, Literal(meeting.date_expression))
            if meeting.place_country:
                place = iris.place_iri(meeting.place_country, meeting.place_city)
                self.add(node, DIP.location, place)
                self.add(place, RDF.type, DIP.Place)
                self.add(
                    place,
                    RDFS.label,
                    Literal(
                        meeting.place_city
                        or self.lexicon.country_labels.get(meeting.place_country, meeting.place_country)
                    ),
                )
                self.add(place, DIP.country, iris.country_iri(meeting.place_country))
            if meeting.occasion:
                self.add(node, DIP.occasion, Literal(meeting.occasion))
            for issue in meeting.issues:
                self.add(node, DIP.discussed, iris.issue_iri(issue))
            self.add(node, DIP.reportedIn if meeting.reported else DIP.mentionedIn, self.doc)
            for sentence in meeting.sentences:
                self.evidence(node, self.x.sentences[sentence])
            for p in meeting.participants:
                person = entities.persons[p]
                self.add(node, DIP.participant, persons[p])
                participation = iris.participation_iri(node, persons[p])
                self.add(node, DIP.participation, participation)
                self.add(participation, RDF.type, DIP.Participation)
                self.add(participation, DIP.agent, persons[p])
                role = next((r for r in person.roles if r.country), None)
                if role is not None and role.country is not None:
                    self.add(participation, DIP.inCapacityOf, self._post(role.post_kind, role.country))
                if person.country:
                    self.add(participation, DIP.side, iris.country_iri(person.country))
                if p in meeting.roles:
                    self.add(participation, DIP.participationRole, Literal(meeting.roles[p]))
                self.evidence(participation, self.x.sentences[meeting.sentences[0]])
        return nodes

    def _partnerships(self, persons: list[URIRef], meetings: list[URIRef]) -> None:
        by_name: dict[str, URIRef] = {}
        for partnership in self.x.events.partnerships:
            node = iris.partnership_iri(partnership.parties, partnership.name)
            by_name[partnership.name] = node
            self.add(node, RDF.type, DIP.Partnership)
            self.add(node, RDFS.label, Literal(partnership.name))
            for party in partnership.parties:
                self.add(node, DIP.partner, iris.country_iri(party))
            if partnership.established:
                self.add(node, DIP.date, date_literal(partnership.established))
            if partnership.established_at is not None:
                self.add(node, DIP.establishedAt, meetings[partnership.established_at])
            for p in partnership.established_by:
                self.add(node, DIP.establishedBy, persons[p])
            self.add(node, DIP.mentionedIn, self.doc)
            self.evidence(node, self.x.sentences[partnership.sentence])
        for meeting, node in zip(self.x.events.meetings, meetings, strict=True):
            for name in meeting.partnerships:
                if name in by_name:
                    self.add(node, DIP.partnership, by_name[name])

    def _agreements(self, persons: list[URIRef]) -> None:
        for agreement in self.x.events.agreements:
            node = iris.agreement_iri(self.x.document.doc_id, agreement.title)
            self.add(node, RDF.type, DIP.Agreement)
            self.add(node, RDFS.label, Literal(agreement.title))
            for p in agreement.signed_by:
                self.add(node, DIP.signatory, persons[p])
            if agreement.amount is not None:
                self.add(node, DIP.amount, Literal(agreement.amount, datatype=XSD.decimal))
            if agreement.currency:
                self.add(node, DIP.currency, Literal(agreement.currency))
            if agreement.date:
                self.add(node, DIP.date, date_literal(agreement.date))
            self.add(node, DIP.mentionedIn, self.doc)
            self.evidence(node, self.x.sentences[agreement.sentence])
