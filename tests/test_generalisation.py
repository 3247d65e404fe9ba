"""The converter generalises: rewriting a corpus document with other people, countries, cities and years
changes its extraction exactly as the rewrite says (scripts/rewrite_corpus.py).

The original is compared with the rewritten copy, both through the converter, never with the gold: where the
converter already gets the original wrong, the rewritten copy must be wrong in the same way.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kg import paths
from kg.convert import convert_document
from kg.lexicon import fold
from kg.pipeline.model import Document, DocumentMeta, Extraction
from scripts.rewrite_corpus import Mapping, load, make_mapping, rewrite

DEV_DOCS = (
    "b-mofa-korea-vietnam-phone-2024-09",
    "c-turkiye-azerbaijan-georgia-trilateral-unga-2024-09",
    "a-itamaraty-vieira-mondino-call-2024-08",
    "b-nz-peters-pacific-visit-2024-07",
)
DOCS = sorted((paths.CORPUS_DIR / "seeds").glob("*.txt")) + [paths.CORPUS_DIR / "dev" / f"{d}.txt" for d in DEV_DOCS]
SEEDS = (1, 2)

# (document stem, seed) -> what the converter gets wrong on that rewrite; each is xfail(strict=True).
_OFFICE_HOLDERS = (
    "persons' countries: the converter gets the Samoan, Tuvaluan and Fijian leaders' countries only from "
    "ontology/reference/office-holders.tsv (their real names); with invented names every one of them gets the "
    "publisher's country, as the text's own cues ('In <capital>', 'his <demonym> counterpart', "
    "'<country>'s foreign affairs portfolio') are not used"
)
_FORMER_PRESIDENT = (
    "persons' countries: 'then President <name>' gets its country from office-holders.tsv for the real name; "
    "with an invented name the converter falls back to the publisher's country"
)
KNOWN_GAPS: dict[tuple[str, int], str] = {
    ("a-itamaraty-vieira-mondino-call-2024-08", 1): _FORMER_PRESIDENT,
    ("a-itamaraty-vieira-mondino-call-2024-08", 2): _FORMER_PRESIDENT,
    ("b-mofa-korea-vietnam-phone-2024-09", 1): _FORMER_PRESIDENT,
    ("b-mofa-korea-vietnam-phone-2024-09", 2): _FORMER_PRESIDENT,
    ("b-nz-peters-pacific-visit-2024-07", 1): _OFFICE_HOLDERS,
    ("b-nz-peters-pacific-visit-2024-07", 2): _OFFICE_HOLDERS,
}

MeetingKey = tuple[frozenset[str], str | None, str | None, str]


def _convert(path: Path, text: str, meta: dict[str, Any]) -> Extraction:
    fields = {k: v for k, v in meta.items() if k in DocumentMeta.__dataclass_fields__}
    document = Document(
        doc_id=path.stem,
        text=text,
        meta=DocumentMeta(**fields),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    return convert_document(document).extraction


def _meetings(extraction: Extraction, mapping: Mapping | None = None) -> Counter[MeetingKey]:
    """(participant keys as written, date, place country, kind) of every meeting, through ``mapping`` when given."""
    persons = extraction.entities.persons
    keys: Counter[MeetingKey] = Counter()
    for meeting in extraction.events.meetings:
        names = frozenset(persons[i].key for i in meeting.participants)
        date, country = meeting.date, meeting.place_country
        if mapping is not None:
            names = frozenset(mapping.name(n) for n in names)
            date, country = mapping.date(date), mapping.country(country)
        keys[(names, date, country, meeting.kind)] += 1
    return keys


def _persons(extraction: Extraction, mapping: Mapping | None = None) -> Counter[tuple[str, str | None]]:
    found: Counter[tuple[str, str | None]] = Counter()
    for person in extraction.entities.persons:
        if mapping is None:
            found[(person.key, person.country)] += 1
        else:
            found[(mapping.name(person.key), mapping.country(person.country))] += 1
    return found


def _issues(extraction: Extraction, mapping: Mapping | None = None) -> dict[frozenset[str], list[str]]:
    """Each meeting's issues, keyed by its participants."""
    persons = extraction.entities.persons
    found: dict[frozenset[str], list[str]] = {}
    for meeting in extraction.events.meetings:
        names = frozenset(persons[i].key for i in meeting.participants)
        if mapping is not None:
            names = frozenset(mapping.name(n) for n in names)
        found.setdefault(names, []).extend(meeting.issues)
    return {names: sorted(issues) for names, issues in found.items()}


def _cases() -> list[object]:
    cases: list[object] = []
    for path in DOCS:
        for seed in SEEDS:
            reason = KNOWN_GAPS.get((path.stem, seed))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(path, seed, marks=marks, id=f"{path.stem}-seed{seed}"))
    return cases


@pytest.mark.parametrize(("path", "seed"), _cases())
def test_generalisation_rewrite_maps_extraction(path: Path, seed: int) -> None:
    text, meta, gold = load(path)
    mapping = make_mapping(text, meta, gold, seed)
    new_text, new_meta, _new_gold = rewrite(text, meta, gold, mapping)
    original = _convert(path, text, meta)
    rewritten = _convert(path, new_text, new_meta)
    assert _meetings(rewritten) == _meetings(original, mapping)
    assert _persons(rewritten) == _persons(original, mapping)
    assert _issues(rewritten) == _issues(original, mapping)


@pytest.mark.parametrize("path", DOCS, ids=[p.stem for p in DOCS])
def test_generalisation_rewrite_replaces_people_countries_and_years(path: Path) -> None:
    text, meta, gold = load(path)
    one = make_mapping(text, meta, gold, 1)
    assert one == make_mapping(text, meta, gold, 1), "the mapping must be deterministic"
    assert one != make_mapping(text, meta, gold, 2), "two seeds must give two rewrites"
    new_text, new_meta, new_gold = rewrite(text, meta, gold, one)
    words = {fold(w) for w in new_text.replace("-", " ").split()}
    for person in gold["persons"]:
        assert fold(person["key"]) not in words, f"{person['key']} is still in the rewritten text"
    new_keys = {p["key"] for p in new_gold["persons"]}
    for meeting in new_gold["meetings"]:
        assert set(meeting["participants"]) <= new_keys
    for old, new in one.countries.items():
        assert old != new
        assert new not in one.countries, "a replacement country must not also be replaced"
    assert one.years != 0
    if meta.get("date"):
        assert new_meta["date"] == one.date(meta["date"]) != meta["date"]
