"""Hand-written fixture documents (tests/fixtures/docs, one edge case each) convert as their gold says.

Every fixture must give exactly the gold meetings (no extra one) and find every gold person; each also names
the figures it is about (dates, kinds, places, amounts, ...), which must be perfect. A fixture the converter
does not get right yet is marked xfail(strict=True) with what the converter misses, so a fix shows up as an
unexpected pass. The gold files follow docs/gold-format.md; never bend them to the converter's output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from kg.convert import convert_file
from kg.evaluate import ACCURACY_FIELDS, F1_FIELDS, score_document
from kg.lexicon import fold, load_lexicon
from tests.conftest import FIXTURES_DIR

DOCS_DIR = FIXTURES_DIR / "docs"
STEMS = sorted(p.name[: -len(".gold.json")] for p in DOCS_DIR.glob("*.gold.json"))


@dataclass(frozen=True)
class Expect:
    """The figures a fixture is about, and what the converter still gets wrong (None when nothing)."""

    checks: tuple[str, ...]
    gap: str | None = None


EXPECTED: dict[str, Expect] = {
    "chile-ghana-telephone-talk": Expect(("date", "kind", "place")),
    "norway-uruguay-video-conference": Expect(("date", "kind", "place", "roles")),
    "barbados-ghana-courtesy-call": Expect(("date", "kind", "place")),
    "iceland-finland-prime-ministers-summit": Expect(("date", "kind", "place", "persons")),
    "baltic-trilateral-riga": Expect(("date", "kind", "place")),
    "oman-croatia-planned-meeting": Expect(("persons",)),
    "nepal-srilanka-cancelled-meeting": Expect(("persons",)),
    "kuwait-tanzania-relative-weekday": Expect(("date",)),
    "ecuador-colombia-no-meta": Expect(("date", "kind", "place")),
    "senegal-morocco-no-meta": Expect(
        ("date", "reported"),
        "an earlier meeting of the same two ministers with an unresolved date is merged into the reported one: "
        "missed meeting ['Sène', 'Benjelloun'] None",
    ),
    "thailand-bangladesh-amounts-symbols": Expect(("date", "agreements")),
    "ireland-zambia-amounts-words": Expect(("date", "agreements")),
    "uzbekistan-singapore-partnership-upgrade": Expect(
        ("date", "kind", "place", "partnerships", "establishment"),
        "'a joint statement elevating relations ... to a Comprehensive Strategic Partnership' is not read as "
        "establishing it: partnership established None by [], expected 2025-10-21 by ['Tursunov', 'Chua']",
    ),
    "denmark-namibia-venue": Expect(("date", "place")),
    "greece-serbia-background-issues": Expect(("issues",)),
    "belgium-botswana-van-der": Expect(("date", "place", "persons")),
    "paraguay-bolivia-counterpart-pronouns": Expect(("date", "kind", "place", "persons", "roles")),
    "cambodia-kyrgyzstan-caps-surnames": Expect(("persons", "roles")),
    "sweden-colombia-last-march": Expect(
        ("date", "reported"),
        "a summit referred to in the same sentence as the reported meeting ('Their meeting followed up on the "
        "talks between ... last March') is not extracted: missed meeting ['Åström', 'Cifuentes'] 2025-03",
    ),
}

POSTS = {"foreign-minister", "prime-minister", "president", "head-of-state", "minister", "vice-minister"}
POSTS |= {"ambassador", "other"}
KINDS = {"foreign-ministers-meeting", "summit", "telephone-talk", "video-conference", "courtesy-call", "visit"}
KINDS |= {"other-meeting"}
DOC_KINDS = {"press-release", "news", "press-conference", "statement"}
DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
ISO2 = re.compile(r"[A-Z]{2}")


def _gold(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DOCS_DIR / f"{stem}.gold.json").read_text(encoding="utf-8"))
    return data


def _params() -> list[object]:
    params: list[object] = []
    for stem in STEMS:
        expect = EXPECTED.get(stem, Expect(()))
        marks = [pytest.mark.xfail(reason=expect.gap, strict=True)] if expect.gap else []
        params.append(pytest.param(stem, expect.checks, marks=marks, id=stem))
    return params


def _check_establishment(extraction: Any, gold: dict[str, Any]) -> list[str]:
    """Each gold partnership's date of establishment and founders, as the converter has them."""
    problems = []
    persons = extraction.entities.persons
    for expected in gold["partnerships"]:
        found = [p for p in extraction.events.partnerships if fold(p.name) == fold(expected["name"])]
        if not found:
            problems.append(f"partnership {expected['name']!r} not found")
            continue
        partnership = found[0]
        founders = [persons[i].name for i in partnership.established_by]
        matched = {k for k in expected["established_by"] if any(fold(k) in fold(name).split() for name in founders)}
        if partnership.established != expected["established"] or (
            matched != set(expected["established_by"]) or len(founders) != len(matched)
        ):
            problems.append(
                f"partnership established {partnership.established} by {founders}, "
                f"expected {expected['established']} by {expected['established_by']}"
            )
    return problems


@pytest.mark.parametrize(("stem", "checks"), _params())
def test_fixtures_conversion_matches_gold(stem: str, checks: tuple[str, ...]) -> None:
    gold = _gold(stem)
    extraction = convert_file(DOCS_DIR / f"{stem}.txt").extraction
    scores = score_document(extraction, gold)
    report = "\n".join(scores.errors) or "(no errors)"
    meetings = scores.counts["meetings"]
    assert (meetings.tp, meetings.fp) == (len(gold["meetings"]), 0), report
    assert scores.counts["persons"].recall == 1.0, report
    for name in checks:
        if name in ACCURACY_FIELDS:
            accuracy = scores.accuracy[name]
            assert accuracy.correct == accuracy.total == len(gold["meetings"]), f"{name}:\n{report}"
        elif name in F1_FIELDS:
            counts = scores.counts[name]
            assert (counts.fp, counts.fn) == (0, 0), f"{name}:\n{report}"
        elif name == "establishment":
            problems = _check_establishment(extraction, gold)
            assert not problems, "\n".join(problems)
        else:
            raise AssertionError(f"unknown check {name!r}")


def test_fixtures_every_fixture_is_registered() -> None:
    assert len(STEMS) >= 14
    assert set(EXPECTED) == set(STEMS), "add each fixture to EXPECTED (and to tests/fixtures/docs/README.md)"
    readme = (DOCS_DIR / "README.md").read_text(encoding="utf-8")
    missing = [stem for stem in STEMS if f"`{stem}`" not in readme]
    assert not missing, f"not described in tests/fixtures/docs/README.md: {missing}"
    assert any(not (DOCS_DIR / f"{stem}.meta.json").exists() for stem in STEMS), "keep a fixture without meta"


@pytest.mark.parametrize("stem", STEMS, ids=STEMS)
def test_fixtures_gold_follows_format(stem: str) -> None:
    """The gold file has exactly the fields of docs/gold-format.md, consistent with the text and sidecar."""
    gold = _gold(stem)
    text = (DOCS_DIR / f"{stem}.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert 5 <= len(lines) <= 15
    assert set(gold) == {"doc", "meta", "persons", "meetings", "partnerships", "agreements"}
    assert gold["doc"] == f"{stem}.txt"
    meta = gold["meta"]
    assert set(meta) == {"title", "date", "publisher", "kind", "source_url"}
    assert meta["kind"] in DOC_KINDS
    sidecar_path = DOCS_DIR / f"{stem}.meta.json"
    if sidecar_path.exists():
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        assert sidecar.pop("language") == "en"
        assert sidecar == meta
    else:
        assert meta["date"] is None and meta["publisher"] is None
    keys = [p["key"] for p in gold["persons"]]
    assert len(keys) == len(set(keys))
    words = {fold(w) for w in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)*", text)}
    for person in gold["persons"]:
        name_tokens = person["name"].replace("-", " ").split() + person["name"].split()
        assert person["key"] in name_tokens, f"key {person['key']!r} is not a token of {person['name']!r}"
        assert set(fold(person["key"]).split("-")) <= words, f"{person['key']!r} does not occur in the text"
        assert person["country"] is None or ISO2.fullmatch(person["country"])
        for role in person["roles"]:
            assert set(role) == {"post", "country"} and role["post"] in POSTS
    issues = set(load_lexicon().issue_broader)
    partnership_names = {p["name"] for p in gold["partnerships"]}
    for meeting in gold["meetings"]:
        assert set(meeting) == {
            "date",
            "participants",
            "kind",
            "place_city",
            "place_country",
            "occasion",
            "issues",
            "partnerships",
            "reported",
        }
        assert meeting["date"] is None or DATE.fullmatch(meeting["date"])
        assert len(meeting["participants"]) >= 2 and set(meeting["participants"]) <= set(keys)
        assert meeting["kind"] in KINDS
        if meeting["kind"] in ("telephone-talk", "video-conference"):
            assert meeting["place_city"] is None and meeting["place_country"] is None
        assert set(meeting["issues"]) <= issues
        assert set(meeting["partnerships"]) <= partnership_names
        assert isinstance(meeting["reported"], bool)
    for partnership in gold["partnerships"]:
        assert all(ISO2.fullmatch(c) for c in partnership["parties"])
        assert set(partnership["established_by"]) <= set(keys)
    for agreement in gold["agreements"]:
        assert set(agreement["signed_by"]) <= set(keys)
        assert agreement["currency"] is None or re.fullmatch(r"[A-Z]{3}", agreement["currency"])
