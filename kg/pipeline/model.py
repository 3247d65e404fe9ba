"""The data that flows between pipeline stages: plain, typed, immutable where it can be."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class DocumentMeta:
    """The sidecar NAME.meta.json; every field is optional."""

    title: str | None = None
    date: str | None = None  # YYYY-MM-DD, the publication date that anchors relative dates
    publisher: str | None = None
    kind: str | None = None
    source_url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Document:
    """One input document: its identifier (the file stem), text and sidecar."""

    doc_id: str
    text: str
    meta: DocumentMeta
    content_hash: str
    path: str | None = None


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int  # exclusive
    text: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    sentence: int


@dataclass(frozen=True)
class TitleMention:
    span: Span
    surface: str
    post_kind: str  # gold POST vocabulary: foreign-minister, president, ...
    country: str | None  # ISO alpha-2 when the title or its qualifier names it
    relational: bool = False  # "counterpart": the post of someone else in the sentence


@dataclass(frozen=True)
class CountryMention:
    span: Span
    code: str
    demonym: bool


@dataclass(frozen=True)
class DateMention:
    span: Span
    expression: str
    value: str | None  # ISO date, year-month or year; None when a relative date has no anchor
    precision: str  # "day", "month", "year"
    relative: bool


@dataclass(frozen=True)
class PlaceMention:
    span: Span
    name: str
    country: str
    is_city: bool
    venue: bool = False


@dataclass(frozen=True)
class IssueMention:
    span: Span
    issue: str


@dataclass(frozen=True)
class AmountMention:
    span: Span
    amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class NameMention:
    """A person name as written, with what surrounds it."""

    span: Span
    surface: str
    tokens: tuple[str, ...]
    title: TitleMention | None = None
    honorific: str | None = None
    female: bool | None = None
    titles: tuple[TitleMention, ...] = ()  # every title joined to the name ("X and Y Minister Z")


@dataclass
class Mentions:
    titles: list[TitleMention] = field(default_factory=list)
    countries: list[CountryMention] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    issues: list[IssueMention] = field(default_factory=list)
    amounts: list[AmountMention] = field(default_factory=list)
    names: list[NameMention] = field(default_factory=list)


@dataclass(frozen=True)
class Role:
    post_kind: str
    country: str | None
    sentence: int
    title: str = ""  # the title as written ("Chancellor"), to read it in the country's own terms


@dataclass
class Person:
    key: str  # a token every form of the name contains (family name, usually)
    name: str  # canonical: given name first
    forms: set[str] = field(default_factory=set)
    country: str | None = None
    roles: list[Role] = field(default_factory=list)
    female: bool | None = None
    honorific: bool = False
    first_sentence: int = 0
    sentences: set[int] = field(default_factory=set)  # sentences that refer to the person


@dataclass
class Entities:
    persons: list[Person] = field(default_factory=list)
    home_country: str | None = None
    # sentence index -> person indexes referred to in it (names, pronouns, role and group mentions)
    references: dict[int, list[int]] = field(default_factory=dict)
    # sentence index -> person indexes named explicitly in it
    named: dict[int, list[int]] = field(default_factory=dict)
    # sentences that refer to a group of participants ("the two ministers", "both sides", "they")
    group_sentences: set[int] = field(default_factory=set)
    # name mention start offset -> person index
    name_links: dict[int, int] = field(default_factory=dict)
    # start offset of a title used without a name ("the Portuguese President") -> person index
    title_links: dict[int, int] = field(default_factory=dict)


@dataclass
class Meeting:
    kind: str
    participants: list[int]  # person indexes
    sentences: list[int]
    date: str | None = None
    date_precision: str | None = None
    date_expression: str | None = None
    place_city: str | None = None
    place_country: str | None = None
    occasion: str | None = None
    issues: list[str] = field(default_factory=list)
    partnerships: list[str] = field(default_factory=list)
    reported: bool = True
    roles: dict[int, str] = field(default_factory=dict)  # person index -> host/visitor/caller
    date_gap: int = 0  # characters from the meeting's verb to its date (negative: the date came first)
    explicit_kind: bool = False  # the kind comes from the text's words, not from the participants' posts
    weak: bool = False  # found only through a visit ("visit to", "trip to")
    anaphoric: bool = False  # told as "the meeting"/"the talks": refers back to an encounter already named


@dataclass
class Partnership:
    name: str
    parties: list[str]
    sentence: int
    established: str | None = None
    established_by: list[int] = field(default_factory=list)
    established_at: int | None = None  # meeting index


@dataclass
class Agreement:
    title: str
    sentence: int
    amount: Decimal | None = None
    currency: str | None = None
    signed_by: list[int] = field(default_factory=list)
    date: str | None = None


@dataclass
class Events:
    meetings: list[Meeting] = field(default_factory=list)
    partnerships: list[Partnership] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything the converter found in one document, before it becomes RDF."""

    document: Document
    sentences: list[Sentence]
    mentions: Mentions
    entities: Entities
    events: Events
