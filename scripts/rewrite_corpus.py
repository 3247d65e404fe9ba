"""Rewrite a corpus document with other people, countries, cities and years (a generalisation aid).

``rewrite(text, meta, gold, mapping)`` returns the document as it would read had other people from other
countries met in another year: every name form of each gold person, every country name and demonym, the
cities of the countries involved and every year are replaced, and the gold annotation and the sidecar are
rewritten to match. ``make_mapping`` chooses the replacements deterministically from a seed:

- people get invented names from the lists below, token by token, so that "HAYASHI Yoshimasa",
  "Yoshimasa Hayashi" and "Hayashi" keep their shapes (capitals, order, hyphens, possessives);
- each country gets another country with a demonym and a capital in the lexicon and a row in
  ``ontology/reference/country-posts.tsv`` whose head of state and head of government are of the same kind
  (a president stays a president, a monarchy stays a monarchy, a prime minister stays a prime minister);
  countries whose very name is an issue label ("Ukraine", "Israel") keep their name, and no country whose
  name, demonym or capital occurs in an issue label is chosen as a replacement, so the issues stay the same;
- a capital becomes the new country's capital, another city of a replaced country one of the new country's
  large cities;
- years move by a whole number chosen so that the publication date keeps its weekday ("on Sunday" still
  resolves to the same day of the month).

Text inside an issue label ("the Korean Peninsula", "abductions of Japanese nationals") is left alone.
Agreement amounts and currencies are not rewritten. Run as a script to write rewritten copies:

    python scripts/rewrite_corpus.py corpus/seeds/*.txt --seed 1 --out /tmp/rewritten
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.lexicon import City, Lexicon, fold, load_lexicon, normalise_label
from kg.pipeline.segment import tokenize

# Invented names: each list mixes forms from many naming traditions. None is meant to name a real person.
GIVEN_NAMES: tuple[str, ...] = (
    "Amaru",
    "Ilsabet",
    "Kofiwa",
    "Teodric",
    "Naledi",
    "Oskarin",
    "Rahimeh",
    "Saoirla",
    "Tavita",
    "Yerlan",
    "Zuleima",
    "Behrouzan",
    "Casimira",
    "Dmitrel",
    "Esperanzo",
    "Folake",
    "Gunnvor",
    "Haruto",
    "Ifeoma",
    "Jovanka",
    "Kalani",
    "Leokadia",
    "Mirela",
    "Nnamdiel",
    "Orsolya",
    "Pilarin",
    "Quilla",
    "Radovan",
    "Sunniva",
    "Tomasz",
    "Ulani",
    "Valdemar",
    "Wairimu",
    "Ximena",
    "Yusra",
    "Zoltanel",
    "Anouk",
    "Bastiaan",
    "Chiamaka",
    "Dariusz",
    "Emeka",
    "Farzana",
    "Ema",
    "Ilo",
    "Lio",
    "Nia",
    "Oti",
    "Rua",
    "Sia",
    "Tuo",
    "Aru",
    "Bo",
    "Ko",
    "Lu",
    "Xu",
)
FAMILY_NAMES: tuple[str, ...] = (
    "Okonkwe",
    "Valtonen",
    "Haddadine",
    "Quispeira",
    "Ramanathar",
    "Solbakken",
    "Tshabalenga",
    "Vukmirovic",
    "Andrianova",
    "Baltazarre",
    "Castellvi",
    "Dorjsuren",
    "Esterhazan",
    "Fonoti",
    "Gyamfiwa",
    "Halvorsen",
    "Ibrahimovna",
    "Jankowiak",
    "Kurmanova",
    "Lindqvistar",
    "Mbekwa",
    "Nakashimura",
    "Oyelaran",
    "Petrauskiene",
    "Rasmussar",
    "Sarsenbek",
    "Tamatoa",
    "Uwimanzi",
    "Varga-Orban",
    "Wisniowska",
    "Yildirimca",
    "Zamorano",
    "Achterberg",
    "Bensalem",
    "Chukwuemeka",
    "Delacroixe",
    "Ekwueme",
    "Fagerlund",
    "Obi",
    "Ode",
    "Ruz",
    "Uzo",
    "Kem",
    "Vey",
    "Dal",
    "Fon",
    "Yu",
    "Wo",
    "Ka",
)

_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’ʻ][^\W\d_]+)*")
_WORD = re.compile(r"[^\W_]+")
_YEAR = re.compile(r"(?<![\w$€£¥.,])(?P<year>(?:19|20)\d{2})(?![\w])")
_ROMAN = re.compile(r"[IVXLC]+")
_PLAIN_LABEL = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")
_REGION = re.compile(r"\b(?:North|South|East|West|Central|Latin|Southern|Northern|Eastern|Western)[ -]$")
_FORMAL = re.compile(
    r"(?:[\w'’]+ )*(?:Republic|Kingdom|State|Sultanate|Emirate|Federation|Principality|Commonwealth) of "
)


@dataclass(frozen=True)
class Mapping:
    """What becomes what: name tokens, countries, cities and the year shift."""

    tokens: dict[str, str]  # folded name token -> new token (as it is spelled in a name)
    countries: dict[str, str]  # ISO alpha-2 -> ISO alpha-2
    cities: dict[str, str]  # folded city name -> new city name
    years: int  # added to every year
    keep_countries: frozenset[str] = field(default_factory=frozenset)  # mentioned but left as they are

    def token(self, word: str) -> str | None:
        """The new form of one name token, in the case style of ``word``; None when it is not a name token."""
        new = self.tokens.get(fold(word))
        return None if new is None else _styled(word, new)

    def name(self, name: str) -> str:
        """A person name with every mapped token replaced ("Yoshimasa Hayashi" -> "Ilo Okonkwe")."""
        return _NAME_TOKEN.sub(lambda m: _map_compound(self, m.group()) or m.group(), name)

    def country(self, code: str | None) -> str | None:
        return None if code is None else self.countries.get(code, code)

    def city(self, name: str | None) -> str | None:
        return None if name is None else self.cities.get(fold(name), name)

    def date(self, value: str | None) -> str | None:
        """An ISO date, year-month or year moved by ``years``."""
        if value is None:
            return None
        return f"{int(value[:4]) + self.years:04d}{value[4:]}"


def _styled(original: str, new: str) -> str:
    if original.isupper() and len(original) > 1:
        return new.upper()
    if original[:1].islower():
        return new.lower()
    return new


def _particles(lexicon: Lexicon) -> frozenset[str]:
    return frozenset(fold(p).rstrip("-") for p in lexicon.patterns["particles"])


def _split_compound(word: str, particles: frozenset[str]) -> tuple[str, str]:
    """("Al-", "Aiban") for "Al-Aiban": a particle joined by a hyphen stays in front of the name."""
    head, sep, rest = word.partition("-")
    if sep and rest and fold(head) in particles:
        return head + sep, rest
    return "", word


def _map_compound(mapping: Mapping, word: str) -> str | None:
    particles = _particles(load_lexicon())
    prefix, core = _split_compound(word, particles)
    suffix = ""
    if fold(core) not in mapping.tokens and core.endswith(("'s", "’s")):
        core, suffix = core[:-2], core[-2:]
    new = mapping.token(core)
    return None if new is None else prefix + new + suffix


# -- what a document mentions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    kind: str  # "country", "demonym", "city"
    value: str  # ISO code, or the folded city key


class _Scanner:
    """Finds country names, demonyms and cities in a text (longest match, accents and case folded)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        index: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        entries: list[tuple[str, str, str]] = [(name, "country", code) for name, code in lexicon.country_names.items()]
        entries += [(name, "demonym", code) for name, code in lexicon.demonyms.items()]
        entries += [(name, "city", name) for name in lexicon.cities]
        for phrase, kind, value in entries:
            words = tuple(_WORD.findall(fold(phrase)))
            if words:
                index.setdefault(words[0], []).append((words, kind, value))
        self.index = index

    def scan(self, text: str) -> list[_Hit]:
        folded, back = _folded(text)
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]
        hits: list[_Hit] = []
        rank = {"country": 0, "demonym": 1, "city": 2}
        i = 0
        while i < len(words):
            best: tuple[int, int, str, str] | None = None  # (length, -rank, kind, value)
            for phrase, kind, value in self.index.get(words[i][0], []):
                n = len(phrase)
                if tuple(w for w, _, _ in words[i : i + n]) != phrase:
                    continue
                key = (n, -rank[kind], kind, value)
                if best is None or key[:2] > best[:2]:
                    best = key
            if best is None:
                i += 1
                continue
            n, _, kind, value = best
            start, end = back[words[i][1]], back[words[i + n - 1][2] - 1] + 1
            original = text[start:end]
            # "Fiji" and "Oman" are names, "US" and "ROK" acronyms: a short form counts only in capitals
            acceptable = original[:1].isupper() and (len(original) > 3 or original.isupper() or kind == "city")
            if acceptable and text[end : end + 1] != "$":
                hits.append(_Hit(start, end, kind, value))
            i += n
        return hits


def _folded(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` with, for each folded character, the index of the character it came from."""
    chars: list[str] = []
    back: list[int] = []
    for index, ch in enumerate(text):
        for out in fold(ch):
            chars.append(out)
            back.append(index)
    return "".join(chars), back


def _issue_spans(text: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Character spans of issue labels in the text, found the way the converter finds them."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for label in lexicon.issue_labels:
        words = tuple(label.split())
        if words:
            index.setdefault(words[0], []).append(words)
    tokens = tokenize(text)
    flat = [(part, k) for k, token in enumerate(tokens) for part in normalise_label(token.text)]
    parts = [p for p, _ in flat]
    spans = []
    i = 0
    while i < len(parts):
        n = max((len(p) for p in index.get(parts[i], []) if tuple(parts[i : i + len(p)]) == p), default=0)
        if n:
            spans.append((tokens[flat[i][1]].start, tokens[flat[i + n - 1][1]].end))
            i += n
        else:
            i += 1
    return spans


@lru_cache(maxsize=1)
def _scanner() -> _Scanner:
    return _Scanner(load_lexicon())


# -- countries: which may stand in for which ------------------------------------------------------------------
_MONARCHS = ("king", "queen", "emperor", "sultan", "emir", "amir", "grand duke", "reigning prince", "sovereign prince")


def _head_kind(forms: tuple[str, ...]) -> str:
    """ "president", "monarch", "realm" (a monarch represented by a governor-general) or the title itself."""
    if not forms or forms[0] == "-":
        return "none"
    first = fold(forms[0])
    if first == "president" or first == "federal president":
        return "president"
    if first in _MONARCHS or first == "yang di-pertuan agong":
        return "realm" if any(fold(f) == "governor-general" for f in forms) else "monarch"
    return first


def _government_kind(forms: tuple[str, ...]) -> str:
    first = fold(forms[0]) if forms else "-"
    if "prime minister" in first:
        return "prime-minister"
    return "president" if "president" in first else first


def _demonym(code: str, lexicon: Lexicon) -> str | None:
    """The country's first demonym, capitalised ("mongolian" -> "Mongolian")."""
    for folded, owner in lexicon.demonyms.items():
        if owner == code:
            return " ".join(word[:1].upper() + word[1:] for word in folded.split())
    return None


def _country_forms(code: str, lexicon: Lexicon) -> list[str]:
    forms = [name for name, owner in lexicon.country_names.items() if owner == code]
    forms += [name for name, owner in lexicon.demonyms.items() if owner == code]
    if code in lexicon.capitals:
        forms.append(lexicon.capitals[code])
    return forms


def _issue_relation(code: str, lexicon: Lexicon) -> tuple[bool, bool]:
    """(a name or demonym of the country is an issue label, one of its forms occurs inside an issue label)."""
    labels = [tuple(label.split()) for label in lexicon.issue_labels]
    is_label = inside = False
    for form in _country_forms(code, lexicon):
        words = normalise_label(form)
        if not words:
            continue
        for label in labels:
            if label == words and form != lexicon.capitals.get(code):
                is_label = True
            if any(label[i : i + len(words)] == words for i in range(len(label) - len(words) + 1)):
                inside = True
    return is_label, inside


def _candidates(lexicon: Lexicon) -> dict[str, tuple[str, str]]:
    """Countries that can replace another: code -> (head of state kind, head of government kind)."""
    found: dict[str, tuple[str, str]] = {}
    for code, posts in sorted(lexicon.country_posts.items()):
        label = lexicon.country_labels.get(code)
        capital = lexicon.capitals.get(code)
        demonym = _demonym(code, lexicon)
        if not (label and capital and demonym and " " not in demonym and demonym.isalpha()):
            continue
        if not (_PLAIN_LABEL.fullmatch(label) and _PLAIN_LABEL.fullmatch(capital)) or fold(label) == fold(capital):
            continue
        city = lexicon.cities.get(fold(capital))
        if lexicon.country_names.get(fold(label)) != code or city is None or city.country != code:
            continue
        if lexicon.demonyms.get(fold(demonym)) != code or _issue_relation(code, lexicon)[1]:
            continue
        found[code] = (_head_kind(posts.get("head-of-state", ())), _government_kind(posts.get("prime-minister", ())))
    return found


@lru_cache(maxsize=1)
def _replacement_countries() -> dict[str, tuple[str, str]]:
    return _candidates(load_lexicon())


@lru_cache(maxsize=1)
def _large_cities() -> dict[str, tuple[str, ...]]:
    """Per country, its large cities other than the capital, largest first, with plain names."""
    lexicon = load_lexicon()
    found: dict[str, dict[str, City]] = {}
    for key, city in lexicon.cities.items():
        capital = fold(lexicon.capitals.get(city.country, ""))
        if fold(city.name) == key and key != capital and _PLAIN_LABEL.fullmatch(city.name):
            found.setdefault(city.country, {})[city.name] = city
    return {
        code: tuple(c.name for c in sorted(cities.values(), key=lambda c: (-c.population, c.name)))
        for code, cities in found.items()
    }


def _cities_of(code: str) -> list[str]:
    return list(_large_cities().get(code, ()))


# -- building a mapping -------------------------------------------------------------------------------------------
def _gold_countries(gold: dict[str, Any]) -> list[str]:
    codes: list[str | None] = []
    for person in gold.get("persons", []):
        codes.append(person.get("country"))
        codes.extend(role.get("country") for role in person.get("roles", []))
    codes.extend(meeting.get("place_country") for meeting in gold.get("meetings", []))
    for partnership in gold.get("partnerships", []):
        codes.extend(partnership.get("parties", []))
    return [c for c in codes if c]


def _gold_dates(meta: dict[str, Any], gold: dict[str, Any]) -> list[str]:
    values = [meta.get("date"), gold.get("meta", {}).get("date")]
    values += [m.get("date") for m in gold.get("meetings", [])]
    values += [p.get("established") for p in gold.get("partnerships", [])]
    values += [a.get("date") for a in gold.get("agreements", [])]
    return [v for v in values if v]


def _year_shift(rng: random.Random, text_years: list[int], dates: list[str], anchor: str | None) -> int:
    """A whole number of years that keeps every year in 1900-2099, every day valid, the anchor's weekday."""
    years = text_years + [int(d[:4]) for d in dates]
    valid = []
    for shift in range(-30, 31):
        if shift == 0 or any(not 1900 <= y + shift <= 2099 for y in years):
            continue
        try:
            for d in dates:
                if len(d) == 10:
                    date(int(d[:4]) + shift, int(d[5:7]), int(d[8:10]))  # 29 February must stay a day
        except ValueError:
            continue
        if anchor and len(anchor) == 10:
            original = date.fromisoformat(anchor)
            if date(original.year + shift, original.month, original.day).weekday() != original.weekday():
                continue
        valid.append(shift)
    return rng.choice(valid) if valid else 28


def _length_class(word: str) -> int:
    return min(len(word), 4) if len(word) >= 3 else 2


def make_mapping(text: str, meta: dict[str, Any], gold: dict[str, Any], seed: int) -> Mapping:
    """Choose new people, countries, cities and a year shift for one document, deterministically from ``seed``."""
    lexicon = load_lexicon()
    rng = random.Random(f"dipkg-rewrite:{seed}:{gold.get('doc', '')}")
    hits = _scanner().scan(text + "\n" + (meta.get("title") or "") + "\n" + (meta.get("publisher") or ""))
    mentioned = [h.value for h in hits if h.kind != "city"]
    involved = list(dict.fromkeys([*_gold_countries(gold), *mentioned]))
    city_countries = {lexicon.cities[h.value].country for h in hits if h.kind == "city"}
    taken = set(involved) | city_countries
    # a country named inside an issue label of this text ("sanctions against Russia") keeps its name everywhere
    protected = _issue_spans(text, lexicon)
    inside = {h.value for h in hits if h.kind == "country" and any(a < h.end and h.start < b for a, b in protected)}
    keep = frozenset(code for code in involved if code in inside or _issue_relation(code, lexicon)[0])
    pool = _replacement_countries()
    named = [h.value for h in hits if h.kind == "city"]
    named += [fold(m["place_city"]) for m in gold.get("meetings", []) if m.get("place_city")]
    # how many cities other than the capital each country needs in its replacement
    others: dict[str, set[str]] = {}
    for key in named:
        city = lexicon.cities.get(key)
        if city is not None and fold(city.name) != fold(lexicon.capitals.get(city.country, "")):
            others.setdefault(city.country, set()).add(city.name)
    countries: dict[str, str] = {}
    for code in involved:
        if code in keep or code not in lexicon.country_posts:
            continue
        posts = lexicon.country_posts[code]
        wanted = (_head_kind(posts.get("head-of-state", ())), _government_kind(posts.get("prime-minister", ())))
        needed = len(others.get(code, ()))
        options = sorted(
            c for c, kinds in pool.items() if kinds == wanted and c not in taken and len(_cities_of(c)) >= needed
        )
        if not options:
            continue
        target = rng.choice(options)
        countries[code] = target
        taken.add(target)
    # cities: capitals to capitals, other cities of a replaced country to large cities of its replacement
    cities: dict[str, str] = {}
    spare = {target: _cities_of(target) for target in countries.values()}
    for source, target in countries.items():
        if source in lexicon.capitals:
            cities[fold(lexicon.capitals[source])] = lexicon.capitals[target]
    for key in named:
        city = lexicon.cities.get(key)
        if city is None or city.country not in countries or key in cities:
            continue
        capital = fold(lexicon.capitals.get(city.country, ""))
        if fold(city.name) == capital:
            cities[key] = lexicon.capitals[countries[city.country]]
        elif spare[countries[city.country]]:
            cities[key] = cities.get(fold(city.name)) or spare[countries[city.country]].pop(0)
            cities[fold(city.name)] = cities[key]
    # people, token by token
    particles = _particles(lexicon)
    text_words = {fold(w) for w in _NAME_TOKEN.findall(text)}
    banned = set(text_words) | set(lexicon.country_names) | set(lexicon.demonyms) | set(lexicon.cities)
    banned |= {fold(w) for w in lexicon.non_name_words} | particles
    banned |= {fold(w) for entry in lexicon.titles for w in entry.title.split()}
    tokens: dict[str, str] = {}
    used: set[str] = set()
    for person in gold.get("persons", []):
        key = fold(person.get("key", ""))
        for word in _NAME_TOKEN.findall(person.get("name", "")):
            _, core = _split_compound(word, particles)
            folded = fold(core)
            if (
                folded in tokens
                or folded in particles
                or len(core) < 2
                or (core.isupper() and _ROMAN.fullmatch(core))
                or folded in ("jr", "sr")
                or folded in lexicon.country_names
                or folded in lexicon.demonyms
            ):
                continue
            names = FAMILY_NAMES if folded == key else GIVEN_NAMES
            free = [n for n in names if fold(n) not in used and fold(n) not in banned]
            fitting = [n for n in free if _length_class(n) == _length_class(core)] or free
            if not fitting:
                continue
            choice = rng.choice(fitting)
            tokens[folded] = choice
            used.add(fold(choice))
    text_years = [int(m.group("year")) for m in _YEAR.finditer(text)]
    years = _year_shift(rng, text_years, _gold_dates(meta, gold), meta.get("date"))
    return Mapping(tokens, countries, cities, years, keep)


# -- rewriting -----------------------------------------------------------------------------------------------------
def rewrite_text(text: str, mapping: Mapping) -> str:
    """The text with the mapping's people, countries, cities and years replaced."""
    lexicon = load_lexicon()
    particles = _particles(lexicon)
    edits: list[tuple[int, int, int, str]] = []  # start, end, priority, replacement
    for match in _NAME_TOKEN.finditer(text):
        prefix, core = _split_compound(match.group(), particles)
        if core.endswith(("'s", "’s")) and fold(core) not in mapping.tokens:
            core = core[:-2]
        new = mapping.token(core)
        if new is not None and core[:1].isupper():
            start = match.start() + len(prefix)
            edits.append((start, start + len(core), 0, new))
    protected = _issue_spans(text, lexicon)
    for hit in _scanner().scan(text):
        if any(a < hit.end and hit.start < b for a, b in protected):
            continue
        if _REGION.search(text[max(0, hit.start - 8) : hit.start]):
            continue  # "South America", "Central Asia": a region, not the country
        original = text[hit.start : hit.end]
        replacement: str | None = None
        if hit.kind == "city":
            replacement = mapping.cities.get(hit.value)
        elif hit.value in mapping.countries:
            target = mapping.countries[hit.value]
            replacement = lexicon.country_labels[target] if hit.kind == "country" else _demonym(target, lexicon)
        if replacement is None:
            continue
        start = hit.start
        if hit.kind == "country" and _FORMAL.match(original) and text[max(0, start - 4) : start].lower() == "the ":
            start -= 4  # "the Republic of Korea" -> "Chile", not "the Chile"
        edits.append((start, hit.end, 1, replacement.upper() if original.isupper() else replacement))
    for match in _YEAR.finditer(text):
        edits.append((match.start(), match.end(), 2, str(int(match.group("year")) + mapping.years)))
    out: list[str] = []
    position = 0
    for start, end, _, replacement in sorted(edits, key=lambda e: (e[0], -(e[1] - e[0]), e[2])):
        if start < position:
            continue
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def _rewrite_publisher(publisher: str | None, mapping: Mapping) -> str | None:
    """The publisher with its country replaced; a source named without its country becomes a ministry."""
    if publisher is None:
        return None
    lexicon = load_lexicon()
    rewritten = rewrite_text(publisher, mapping)
    folded = fold(rewritten)
    for pattern, code in lexicon.publishers:
        if code in mapping.countries and re.search(r"(?<!\w)" + re.escape(pattern) + r"(?!\w)", folded):
            return f"Ministry of Foreign Affairs of {lexicon.country_labels[mapping.countries[code]]}"
    return rewritten


def _key(mapping: Mapping, key: str) -> str:
    return mapping.token(key) or key


def rewrite_gold(gold: dict[str, Any], meta: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    """The gold annotation as it reads for the rewritten document."""

    def text(value: str | None) -> str | None:
        return None if value is None else rewrite_text(value, mapping)

    return {
        "doc": gold.get("doc"),
        "meta": {k: meta.get(k) for k in ("title", "date", "publisher", "kind", "source_url")},
        "persons": [
            {
                "key": _key(mapping, p["key"]),
                "name": mapping.name(p["name"]),
                "country": mapping.country(p.get("country")),
                "roles": [
                    {"post": r["post"], "country": mapping.country(r.get("country"))} for r in p.get("roles", [])
                ],
            }
            for p in gold.get("persons", [])
        ],
        "meetings": [
            {
                **m,
                "date": mapping.date(m.get("date")),
                "participants": [_key(mapping, k) for k in m.get("participants", [])],
                "place_city": mapping.city(m.get("place_city")),
                "place_country": mapping.country(m.get("place_country")),
                "occasion": text(m.get("occasion")),
                "partnerships": [rewrite_text(name, mapping) for name in m.get("partnerships", [])],
            }
            for m in gold.get("meetings", [])
        ],
        "partnerships": [
            {
                "name": rewrite_text(p["name"], mapping),
                "parties": sorted(c for c in (mapping.country(code) for code in p.get("parties", [])) if c),
                "established": mapping.date(p.get("established")),
                "established_by": [_key(mapping, k) for k in p.get("established_by", [])],
            }
            for p in gold.get("partnerships", [])
        ],
        "agreements": [
            {
                **a,
                "title": rewrite_text(a["title"], mapping),
                "signed_by": [_key(mapping, k) for k in a.get("signed_by", [])],
                "date": mapping.date(a.get("date")),
            }
            for a in gold.get("agreements", [])
        ],
    }


def rewrite(
    text: str, meta: dict[str, Any], gold: dict[str, Any], mapping: Mapping
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(text, meta, gold) of the document rewritten through ``mapping``; ``meta`` may be empty."""
    new_meta = dict(meta)
    if "title" in meta:
        new_meta["title"] = None if meta["title"] is None else rewrite_text(meta["title"], mapping)
    if "publisher" in meta:
        new_meta["publisher"] = _rewrite_publisher(meta["publisher"], mapping)
    if "date" in meta:
        new_meta["date"] = mapping.date(meta["date"])
    gold_meta = gold.get("meta", {})
    rewritten_gold_meta = {
        **gold_meta,
        "title": None if gold_meta.get("title") is None else rewrite_text(gold_meta["title"], mapping),
        "publisher": _rewrite_publisher(gold_meta.get("publisher"), mapping),
        "date": mapping.date(gold_meta.get("date")),
    }
    return rewrite_text(text, mapping), new_meta, rewrite_gold(gold, rewritten_gold_meta, mapping)


# -- command line ------------------------------------------------------------------------------------------------
def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load(path: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """NAME.txt with its NAME.meta.json and NAME.gold.json (empty dicts where they are missing)."""
    text = path.read_text(encoding="utf-8")
    meta = _read_json(path.with_suffix(".meta.json"))
    gold = _read_json(path.with_suffix(".gold.json"))
    gold.setdefault("doc", path.name)
    return text, meta, gold


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+", type=Path, help="NAME.txt files (with .meta.json / .gold.json beside)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder for the rewritten copies")
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.files:
        text, meta, gold = load(path)
        mapping = make_mapping(text, meta, gold, args.seed)
        new_text, new_meta, new_gold = rewrite(text, meta, gold, mapping)
        (args.out / path.name).write_text(new_text, encoding="utf-8")
        if meta:
            _write(args.out / path.with_suffix(".meta.json").name, new_meta)
        if gold.get("persons") is not None:
            _write(args.out / path.with_suffix(".gold.json").name, new_gold)
        summary = f"countries {mapping.countries}, years {mapping.years:+d}, {len(mapping.tokens)} name tokens"
        print(f"{path.name}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
