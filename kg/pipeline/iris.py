"""Deterministic IRIs: the same real thing gets the same IRI from every document (design.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import URIRef

from kg.lexicon import fold, slug
from kg.vocab import DIPID, ISSUE


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def document_iri(doc_id: str) -> URIRef:
    """The IRI of a document, from its file stem.

    >>> str(document_iri("Some Doc_1"))
    'https://w3id.org/dipkg/id/doc/some-doc-1'
    """
    return DIPID[f"doc/{slug(doc_id)}"]


def person_iri(canonical_name: str) -> URIRef:
    """The IRI of a person, from the canonical (given-name-first) name, diacritics folded.

    >>> str(person_iri("Hélène Dufrêne"))
    'https://w3id.org/dipkg/id/person/helene-dufrene'
    """
    return DIPID[f"person/{slug(canonical_name)}"]


def country_iri(code: str) -> URIRef:
    return DIPID[f"country/{code.upper()}"]


def post_iri(country: str | None, post_kind: str) -> URIRef:
    return DIPID[f"post/{(country or 'XX').upper()}-{post_kind}"]


def place_iri(country: str, name: str | None) -> URIRef:
    return DIPID[f"place/{country.upper()}-{slug(name)}"] if name else DIPID[f"place/{country.upper()}"]


def meeting_iri(participants: Iterable[URIRef], date: str | None, doc_id: str, ordinal: int) -> URIRef:
    """Same date and same people: the same meeting, whichever document reports it.

    Without a date there is nothing to tell two encounters of the same people apart, so the IRI is
    minted within the document.
    """
    people = sorted(str(p) for p in participants)
    if date:
        return DIPID[f"meeting/{date}-{_digest(date, *people)}"]
    return DIPID[f"meeting/undated-{_digest(doc_id, str(ordinal), *people)}"]


def participation_iri(meeting: URIRef, person: URIRef) -> URIRef:
    return URIRef(f"{meeting}/participation/{str(person).rsplit('/', 1)[-1]}")


def partnership_iri(parties: Iterable[str], name: str) -> URIRef:
    """Parties plus the name without its country prefix ("China-Indonesia ...")."""
    codes = "-".join(sorted(p.upper() for p in parties))
    words = name.split()
    if words and "-" in words[0] and len(words) > 1:
        words = words[1:]
    return DIPID[f"partnership/{codes}-{slug(' '.join(words))}"]


def agreement_iri(doc_id: str, title: str) -> URIRef:
    return DIPID[f"agreement/{_digest(slug(doc_id), fold(title))}"]


def issue_iri(issue: str) -> URIRef:
    return ISSUE[issue]


def evidence_iri(document: URIRef, start: int, end: int, part: str = "") -> URIRef:
    return URIRef(f"{document}#ev-{start}-{end}{'-' + part if part else ''}")


def holding_iri(document: URIRef, person: URIRef, post: URIRef) -> URIRef:
    return URIRef(f"{document}#holding-{str(person).rsplit('/', 1)[-1]}-{str(post).rsplit('/', 1)[-1]}")
