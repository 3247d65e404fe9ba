"""Stage 2, sentences -> mentions: titles, names, countries, places, dates, issues and amounts.

Every recogniser works from data (reference files, the issue scheme, ``patterns.json``) and general
patterns of the genre; none knows a particular document, person or country.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from kg.lexicon import Lexicon, TitleEntry, fold, normalise_label
from kg.pipeline.model import (
    AmountMention,
    CountryMention,
    DateMention,
    Document,
    IssueMention,
    Mentions,
    NameMention,
    PlaceMention,
    Sentence,
    Span,
    TitleMention,
)
from kg.pipeline.segment import Token, tokenize

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
# Words of the calendar that are also given names or surnames ("January Makamba", "Theresa May").
CALENDAR_WORDS = frozenset(
    [w.capitalize() for w in MONTHS if len(w) > 3 or w == "may"] + [w.capitalize() for w in WEEKDAYS]
)

_MONTH_RE = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b")),
    ("mdy", re.compile(_MONTH_RE + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?\b")),
    (
        "dmy",
        re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE + r"(?:,?\s+(?P<year>\d{4}))?\b"),
    ),
    (
        "my",
        re.compile(
            r"\b(?P<mod>(?:last|this|early|mid|late|in early|in mid|in late|in|since|by|of|from)\s+)?"
            + _MONTH_RE
            + r"(?:\s+(?:of\s+)?(?P<year>\d{4}))?\b"
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?P<mod>(?:last|this|on|next)\s+)?(?P<weekday>Monday|Tuesday|Wednesday|Thursday|"
            r"Friday|Saturday|Sunday)\b"
        ),
    ),
    (
        "relative",
        re.compile(
            r"\b(?P<rel>today|this morning|this afternoon|this evening|tonight|yesterday|"
            r"the previous day|the day before|a day after|a day earlier|the next day|"
            r"last week|last month|this month|last year|this year|earlier this month|"
            r"earlier this year|last weekend|over the weekend)\b",
            re.IGNORECASE,
        ),
    ),
    ("year", re.compile(r"\b(?P<mod>in|since|of|from|by|until|during)\s+(?P<year>(?:19|20)\d{2})\b(?!\s*-)")),
]

INITIAL = re.compile(r"(?:[A-Z]\.){1,2}")
NAME_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"


class MentionFinder:
    """Finds mentions in the sentences of one document; built once per lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        patterns = lexicon.patterns
        self.honorifics = sorted((tuple(h.split()) for h in patterns["honorifics"]), key=len, reverse=True)
        self.honorifics_by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.honorifics:
            self.honorifics_by_first.setdefault(phrase[0], []).append(phrase)
        self.particles = set(patterns["particles"])
        self.headline_lowercase = frozenset(patterns["headline_lowercase_words"])
        self.date_leads = frozenset(patterns["date_lead_words"])
        self.non_names = lexicon.non_name_words
        self.title_index = _phrase_index([(tuple(fold(w) for w in _words(e.title)), e) for e in lexicon.titles])
        self.country_index = _phrase_index(
            [(tuple(_words(name)), code) for name, code in lexicon.country_names.items()]
        )
        self.demonym_index = _phrase_index([(tuple(_words(name)), code) for name, code in lexicon.demonyms.items()])
        self.issue_index = _phrase_index(
            [(tuple(label.split()), issue) for label, issue in lexicon.issue_labels.items()]
        )
        self.venue_index = _phrase_index([(tuple(_words(name)), name) for name in lexicon.venues])
        self.counterpart_words = set(patterns["counterpart_words"])
        currency_symbols = sorted(patterns["currency_symbols"], key=len, reverse=True)
        scale = "|".join(sorted(map(re.escape, patterns["scale_words"]), key=len, reverse=True))
        self.scale_words = {k.lower(): v for k, v in patterns["scale_words"].items()}
        self.currency_symbols = patterns["currency_symbols"]
        self.currency_words = {k.lower(): v for k, v in patterns["currency_words"].items()}
        words = "|".join(sorted(map(re.escape, patterns["currency_words"]), key=len, reverse=True))
        symbols = "|".join(map(re.escape, currency_symbols))
        self.amount_symbol = re.compile(rf"(?P<sym>{symbols})\s?{_NUMBER}(?:\s*(?P<scale>{scale})\b)?")
        self.amount_word = re.compile(
            rf"{_NUMBER}\s*(?P<scale>{scale})?\b\s*(?:(?P<cur>{words})\b|in\s+(?P<demonym>[A-Z][\w-]+)\s+"
            rf"(?:{'|'.join(map(re.escape, patterns['aid_words']))})\b)",
            re.IGNORECASE,
        )
        number_words = "|".join(sorted(map(re.escape, patterns["number_words"]), key=len, reverse=True))
        self.amount_spelled = re.compile(
            rf"\b(?P<word>{number_words})\s+(?P<scale>{scale})\s+(?P<cur>{words})\b", re.IGNORECASE
        )
        self.number_words = patterns["number_words"]

    # ----------------------------------------------------------------------------------------------
    def find(self, document: Document, sentences: Sequence[Sentence]) -> Mentions:
        mentions = Mentions()
        anchor = _parse_anchor(document.meta.date)
        for sentence in sentences:
            tokens = tokenize(sentence.text, sentence.start)
            countries = self._countries(tokens, sentence)
            titles = self._titles(tokens, sentence, countries)
            places = self._places(tokens, sentence, countries)
            mentions.countries.extend(countries)
            mentions.titles.extend(titles)
            mentions.places.extend(places)
            mentions.names.extend(self._names(tokens, sentence, titles, countries, places))
            mentions.dates.extend(self._dates(sentence, anchor))
            # A label inside a title or a place names the post or the venue, not a topic
            # ("ambassador to the United Nations", "Secretary of Defense").
            taken = [t.span for t in titles] + [p.span for p in places if p.venue]
            mentions.issues.extend(
                m
                for m in self._issues(tokens, sentence)
                if not any(m.span.start < s.end and s.start < m.span.end for s in taken)
            )
            mentions.amounts.extend(self._amounts(sentence))
        self._names_led_by_countries(mentions)
        return mentions

    def _names_led_by_countries(self, mentions: Mentions) -> None:
        """A name whose first word is a country ("Israel Katz", "Chad Mensah") is a person when the document
        gives that name a title or an honorific somewhere; then its first word is no country mention.
        Otherwise ("Jordan Valley") the country stays and the rest of the run is read as it was before."""
        countries = {c.span.start: c for c in mentions.countries if not c.demonym}
        led = [m for m in mentions.names if m.span.start in countries and len(m.tokens) >= 2]
        if not led:
            return
        confirmed = {
            tuple(fold(t) for t in m.tokens) for m in mentions.names if m.title is not None or m.honorific is not None
        }
        dropped: set[int] = set()
        kept: list[NameMention] = []
        for mention in mentions.names:
            if mention not in led:
                kept.append(mention)
            elif tuple(fold(t) for t in mention.tokens) in confirmed:
                kept.append(mention)
                dropped.add(mention.span.start)
            elif len(mention.tokens) >= 3 or mention.title is not None:
                rest = tokenize(mention.surface, mention.span.start)[1:]
                span = Span(rest[0].start, mention.span.end, mention.span.sentence)
                surface = mention.surface[rest[0].start - mention.span.start :]
                kept.append(
                    NameMention(span, surface, mention.tokens[1:], mention.title, None, mention.female, mention.titles)
                )
        mentions.names[:] = kept
        mentions.countries[:] = [c for c in mentions.countries if c.demonym or c.span.start not in dropped]

    # -- countries and demonyms --------------------------------------------------------------------
    def _countries(self, tokens: list[Token], sentence: Sentence) -> list[CountryMention]:
        found = []
        for start, end, code, demonym in self._scan(tokens, [(self.country_index, False), (self.demonym_index, True)]):
            first = tokens[start].text
            if not first[:1].isupper():
                continue
            if (
                end - start == 1
                and first.isupper()
                and len(first) <= 3
                and not demonym
                and first not in ("US", "UK", "UAE", "ROK", "DPRK", "PRC")
            ):
                continue  # short upper-case words are more often acronyms than countries
            found.append(CountryMention(Span(tokens[start].start, tokens[end - 1].end, sentence.index), code, demonym))
        return found

    def _scan(
        self, tokens: list[Token], indexes: list[tuple[dict[str, list[tuple[tuple[str, ...], object]]], bool]]
    ) -> list[tuple[int, int, str, bool]]:
        """Longest matches of any phrase index over the tokens (folded, possessives stripped)."""
        folded = [fold(t.bare) for t in tokens]
        raw = [fold(t.text) for t in tokens]
        found: list[tuple[int, int, str, bool]] = []
        i = 0
        while i < len(tokens):
            best: tuple[int, str, bool] | None = None
            for index, flag in indexes:
                for phrase, value in index.get(folded[i], []) + index.get(raw[i], []):
                    n = len(phrase)
                    if i + n > len(tokens):
                        continue
                    window = folded[i : i + n]
                    window_raw = raw[i : i + n]
                    last_ok = window[-1] == phrase[-1] or window_raw[-1] == phrase[-1]
                    if list(window[:-1]) == list(phrase[:-1]) and last_ok and (best is None or n > best[0]):
                        best = (n, str(value), flag)
            if best is not None:
                found.append((i, i + best[0], best[1], best[2]))
                i += best[0]
            else:
                i += 1
        return found

    # -- titles --------------------------------------------------------------------------------------
    def _titles(self, tokens: list[Token], sentence: Sentence, countries: list[CountryMention]) -> list[TitleMention]:
        by_end = {c.span.end: c for c in countries}
        folded = [fold(t.bare) for t in tokens]
        found: list[TitleMention] = []
        i = 0
        while i < len(tokens):
            match = None
            for phrase, value in self.title_index.get(folded[i], []):
                n = len(phrase)
                if not isinstance(value, TitleEntry):
                    continue
                if tuple(folded[i : i + n]) == phrase and (match is None or n > len(match[0])):
                    match = (phrase, value)
            word = tokens[i].bare
            if match is None and fold(word) in self.counterpart_words:
                country = self._qualifier_before(tokens, i, by_end)
                found.append(
                    TitleMention(
                        Span(tokens[i].start, tokens[i].end, sentence.index),
                        word,
                        "counterpart",
                        country,
                        relational=True,
                    )
                )
                i += 1
                continue
            if match is None:
                i += 1
                continue
            phrase, entry = match
            n = len(phrase)
            surface_tokens = tokens[i : i + n]
            # One-word titles ("President") must be capitalised; several words may be lower case.
            if n == 1 and not word[:1].isupper():
                i += 1
                continue
            if n > 1 and not any(t.text[:1].isupper() for t in surface_tokens) and not self._lower_title_ok(tokens, i):
                i += 1
                continue
            country = self._qualifier_before(tokens, i, by_end)
            end = i + n
            # "... of Chile", "... of the Republic of Ghana"
            if end + 1 < len(tokens) and tokens[end].text == "of":
                j = end + 1
                if j < len(tokens) and tokens[j].text.lower() == "the":
                    j += 1
                # The country may start inside the title: "President of the Republic" + "of Poland".
                covering = [c for c in countries if j < len(tokens) and c.span.start <= tokens[j].start < c.span.end]
                if covering:
                    mention = covering[0]
                    if not mention.demonym:
                        country = mention.code
                        while end < len(tokens) and tokens[end].start < mention.span.end:
                            end += 1
            entry_countries = entry.countries
            if country is None and len(entry_countries) == 1:
                country = entry_countries[0]
            span = Span(tokens[i].start, tokens[end - 1].end, sentence.index)
            found.append(
                TitleMention(
                    span,
                    sentence.text[span.start - sentence.start : span.end - sentence.start],
                    entry.post_kind,
                    country,
                )
            )
            i = end
        return found

    def _lower_title_ok(self, tokens: list[Token], i: int) -> bool:
        """A lower-case title counts after a determiner or a demonym ("the foreign minister")."""
        return i > 0 and (
            tokens[i - 1].text.lower() in ("the", "a", "his", "her", "its", "their") or tokens[i - 1].text[:1].isupper()
        )

    def _qualifier_before(self, tokens: list[Token], i: int, by_end: dict[int, CountryMention]) -> str | None:
        """The country of a demonym or possessive right before a title ("Peruvian President", "Kenya's ...")."""
        j = i - 1
        while j >= 0 and fold(tokens[j].bare) in ("then-", "former", "federal", "new", "acting", "then"):
            j -= 1
        if j >= 0 and tokens[j].end in by_end:
            return by_end[tokens[j].end].code
        return None

    # -- places ---------------------------------------------------------------------------------------
    def _places(self, tokens: list[Token], sentence: Sentence, countries: list[CountryMention]) -> list[PlaceMention]:
        found: list[PlaceMention] = []
        country_at = {c.span.start: c for c in countries if not c.demonym}
        preps = set(self.lexicon.patterns["place_prepositions"])
        for start, end, venue, _ in self._scan(tokens, [(self.venue_index, False)]):
            _city, code = self.lexicon.venues[venue]
            span = Span(tokens[start].start, tokens[end - 1].end, sentence.index)
            if tokens[start].text[:1].isupper() or tokens[start].text.lower() == "the":
                # A venue implies its country; the city counts only where the text names it (guidelines).
                surface = sentence.text[span.start - sentence.start : span.end - sentence.start]
                found.append(PlaceMention(span, surface, code, False, venue=True))
        demonyms = {c.span.end: c for c in countries if c.demonym}
        for k, token in enumerate(tokens):
            # "in the Peruvian capital": the capital of that country
            if fold(token.bare) == "capital" and k > 0 and tokens[k - 1].end in demonyms:
                code = demonyms[tokens[k - 1].end].code
                capital = self.lexicon.capitals.get(code)
                if capital:
                    found.append(
                        PlaceMention(Span(tokens[k - 1].start, token.end, sentence.index), capital, code, True)
                    )
        for i, token in enumerate(tokens[:-1]):
            if token.text.lower() not in preps:
                continue
            j = i + 1
            if tokens[j].start in country_at:
                mention = country_at[tokens[j].start]
                found.append(
                    PlaceMention(
                        mention.span, self.lexicon.country_labels.get(mention.code, mention.code), mention.code, False
                    )
                )
                continue
            for n in (3, 2, 1):
                words = tokens[j : j + n]
                if len(words) < n or not (words[0].text[:1].isupper() and words[-1].text[:1].isupper()):
                    continue  # "Rio de Janeiro": inner particles may be lower case
                name = " ".join(w.bare for w in words)
                found_city = self.lexicon.cities.get(fold(name))
                if found_city is not None and name not in self.non_names:
                    found.append(
                        PlaceMention(
                            Span(words[0].start, words[-1].end, sentence.index),
                            name,  # as the text writes it ("New York", not geonames' "New York City")
                            found_city.country,
                            True,
                        )
                    )
                    break
        return found

    # -- person names ---------------------------------------------------------------------------------
    def _names(
        self,
        tokens: list[Token],
        sentence: Sentence,
        titles: list[TitleMention],
        countries: list[CountryMention],
        places: list[PlaceMention],
    ) -> list[NameMention]:
        blocked: set[int] = set()
        spans = [m.span for m in countries] + [m.span for m in places] + [m.span for m in titles]
        for covered in spans:
            for k, token in enumerate(tokens):
                if token.start >= covered.start and token.end <= covered.end:
                    blocked.add(k)
        capitalised = [t for t in tokens if t.text[:1].isalpha()]
        # A headline is written in title case: its only lower-case words are the short ones title case
        # leaves small ("Foreign Minister Receives Polish Counterpart"); "held talks today" is running text.
        headline = (
            len(capitalised) >= 4
            and sum(t.text[:1].isupper() for t in capitalised) >= 0.7 * len(capitalised)
            and all(t.text[:1].isupper() or t.text in self.headline_lowercase for t in capitalised)
        )
        title_end = {t.span.end: t for t in titles}
        title_start = {t.span.start: t for t in titles}
        # A one-word country that is neither part of a title nor a place may be a given name ("Israel Katz").
        inside = [m.span for m in places] + [m.span for m in titles]
        given_countries = {
            k
            for k, token in enumerate(tokens)
            for c in countries
            if not c.demonym
            and c.span.start == token.start
            and c.span.end == token.end
            and not any(s.start <= token.start and token.end <= s.end for s in inside)
        }
        title_starts = {k for k, token in enumerate(tokens) if token.start in title_start}
        found: list[NameMention] = []
        i = 0
        while i < len(tokens):
            honorific, k = self._honorific_at(tokens, i)
            start = k
            run = self._name_run(tokens, start, blocked, given_countries, title_starts)
            if not run:
                i = max(i + 1, k)
                continue
            end = start + len(run)
            title = None
            # A title right before the name (through honorifics and a comma): "Foreign Minister Li Wei",
            # "Minister of Foreign Affairs of Chile, Mr. X", "his counterpart X".
            j = i - 1
            if j >= 0 and tokens[j].text == ",":
                j -= 1
            if j >= 0 and tokens[j].end in title_end:
                title = title_end[tokens[j].end]
            # A title right after: "X, Minister for Foreign Affairs of Chile" / "X, French Minister ...".
            after = end
            if title is None and after < len(tokens) and tokens[after].text == ",":
                m = after + 1
                while m < len(tokens) and (
                    fold(tokens[m].bare) in ("the", "then", "then-", "former")
                    or any(c.span.start == tokens[m].start for c in countries)
                ):
                    m += 1
                if m < len(tokens) and tokens[m].start in title_start:
                    title = title_start[tokens[m].start]
                    qualifier = next(
                        (c for c in countries if c.span.end <= tokens[m].start and c.span.start >= tokens[after].end),
                        None,
                    )
                    if title.country is None and qualifier is not None:
                        title = TitleMention(
                            title.span, title.surface, title.post_kind, qualifier.code, title.relational
                        )
            chain = self._title_chain(title, titles, tokens) if title is not None else ()
            words = [t.text if t.text in NAME_SUFFIXES or INITIAL.fullmatch(t.text) else t.bare for t in run]
            # "Minister of Commerce, Industry and ...": after a comma, a lone word before "and" continues the
            # title; right after a title it is a one-word name ("Foreign Minister Wirandana and ...").
            continues_title = (
                end < len(tokens)
                and tokens[end].text == "and"
                and len(words) == 1
                and (start == 0 or tokens[start - 1].text == ",")
            )
            if len(words) == 1 and honorific is None and (headline or continues_title):
                i = end  # "Foreign Minister Receives Polish Counterpart": a headline's capitals are not a name
                continue
            quoted = start > 0 and tokens[start - 1].text in ('"', "“") and title is None and honorific is None
            if quoted or (title is None and honorific is None and not self._name_like(words)):
                i = end
                continue
            span = Span(run[0].start, run[-1].end, sentence.index)
            female = None
            if honorific in (
                "Ms.",
                "Ms",
                "Mrs.",
                "Mrs",
                "Dame",
                "Lady",
                "Sheikha",
                "Princess",
                "Baroness",
                "Madam",
                "Madame",
                "Her Excellency",
            ):
                female = True
            elif honorific in ("Mr.", "Mr", "Sir", "Lord", "Prince", "Sheikh", "His Excellency", "Monsieur"):
                female = False
            surface = sentence.text[span.start - sentence.start : span.end - sentence.start]
            if surface.endswith(("'s", "’s")):
                surface = surface[:-2]
            found.append(NameMention(span, surface, tuple(words), title, honorific, female, chain))
            i = end
        return found

    def _title_chain(
        self, title: TitleMention, titles: list[TitleMention], tokens: list[Token]
    ) -> tuple[TitleMention, ...]:
        """Titles joined by "and" name posts of one person: "Deputy Prime Minister and Foreign Minister X"."""
        index = {t.start: k for k, t in enumerate(tokens)}
        by_start = {t.span.start: t for t in titles}
        by_end = {t.span.end: t for t in titles}
        chain = [title]
        while True:  # backwards
            k = index.get(chain[0].span.start)
            if k is None or k < 2 or tokens[k - 1].text not in ("and", ",") or tokens[k - 2].end not in by_end:
                break
            chain.insert(0, by_end[tokens[k - 2].end])
        while True:  # forwards
            last = chain[-1]
            k = next((n for n, t in enumerate(tokens) if t.start >= last.span.end), None)
            if (
                k is None
                or k + 1 >= len(tokens)
                or tokens[k].text not in ("and", ",")
                or tokens[k + 1].start not in by_start
            ):
                break
            chain.append(by_start[tokens[k + 1].start])
        # "his counterpart, Foreign Minister X": the counterpart says nothing the title does not.
        if len(chain) > 1:
            chain = [t for t in chain if not t.relational] or chain
        if len(chain) == 1:
            return (chain[0],)
        country = next((t.country for t in chain if t.country), None)
        return tuple(
            t if t.country or country is None else TitleMention(t.span, t.surface, t.post_kind, country, t.relational)
            for t in chain
        )

    def _honorific_at(self, tokens: list[Token], i: int) -> tuple[str | None, int]:
        found: list[str] = []
        k = i
        while k < len(tokens):
            for phrase in self.honorifics_by_first.get(tokens[k].text, ()):
                n = len(phrase)
                if tuple(t.text for t in tokens[k : k + n]) == phrase:
                    found.append(" ".join(phrase))
                    k += n
                    break
            else:
                break
        return (found[-1] if found else None), k

    def _name_run(
        self,
        tokens: list[Token],
        start: int,
        blocked: set[int],
        given_countries: frozenset[int] | set[int] = frozenset(),
        title_starts: frozenset[int] | set[int] = frozenset(),
    ) -> list[Token]:
        run: list[Token] = []
        k = start
        while k < len(tokens):
            token = tokens[k]
            word = token.bare
            if not run and k in given_countries and self._starts_name(tokens, k + 1, blocked):
                run.append(token)  # "Israel Katz": kept only if the document treats it as a person
                k += 1
                continue
            if k in blocked:
                break
            if word in self.non_names and self._name_word(tokens, k, run, blocked, title_starts):
                run.append(token)
                k += 1
                continue
            if word in self.particles and run:
                following = k + 1
                while following < len(tokens) and tokens[following].bare in self.particles:
                    following += 1  # "de la Cruz"
                if following < len(tokens) and tokens[following].text[:1].isupper() and following not in blocked:
                    run.extend(tokens[k:following])
                    k = following
                    continue
                break
            if INITIAL.fullmatch(token.text) and k + 1 < len(tokens) and tokens[k + 1].text[:1].isupper():
                run.append(token)  # "John Q. Adams", "R. Kumar"
                k += 1
                continue
            if run and token.text in NAME_SUFFIXES:
                run.append(token)
                k += 1
                break
            if not word[:1].isupper() or not _is_word(word) or word in self.non_names:
                break
            if fold(word) in self.lexicon.demonyms or fold(word) in self.lexicon.country_names:
                break
            run.append(token)
            k += 1
            if token.text != word and not token.text.endswith("."):
                break  # a possessive ends the name
        while run and run[-1].bare in self.particles:
            run.pop()
        return run

    def _starts_name(self, tokens: list[Token], k: int, blocked: set[int]) -> bool:
        """Could a name word stand at ``k`` (capitalised, no common word, country or place)?"""
        if k >= len(tokens) or k in blocked:
            return False
        word = tokens[k].bare
        return (
            word[:1].isupper()
            and _is_word(word)
            and word not in self.non_names
            and fold(word) not in self.lexicon.demonyms
            and fold(word) not in self.lexicon.country_names
        )

    def _name_word(
        self, tokens: list[Token], k: int, run: list[Token], blocked: set[int], title_starts: frozenset[int] | set[int]
    ) -> bool:
        """A word that is usually no name part but is one here.

        Reference data may know the name ("Bilie By Nze"). A calendar word is a given name before a name word
        ("Foreign Minister January Makamba") and a surname when a title follows it ("Theresa May, Prime
        Minister of ..."), but never beside a number or after a preposition ("9 May", "since January").
        """
        word = tokens[k].bare
        if run and self._known_name([*(t.bare for t in run), word]):
            return True
        if word not in CALENDAR_WORDS or tokens[k].text != word:
            return False
        before = tokens[k - 1].text if k > 0 else ""
        after = tokens[k + 1].text if k + 1 < len(tokens) else ""
        if before[:1].isdigit() or after[:1].isdigit() or before.lower() in self.date_leads:
            return False
        if not run:
            return self._starts_name(tokens, k + 1, blocked) and tokens[k + 1].bare not in CALENDAR_WORDS
        return after == "," and k + 2 in title_starts

    def _known_name(self, words: list[str]) -> bool:
        """Are these words all part of one office holder's name in the reference data?"""
        folded = [fold(w) for w in words if fold(w) not in self.particles and len(w) > 1]
        if len(folded) < 2:
            return False
        holders = self.lexicon.office_holders.get(folded[0], [])
        return any(set(folded) <= holder.tokens for holder in holders)

    def _name_like(self, words: list[str]) -> bool:
        """Two or more name words, or one in capitals, make a candidate even without a title."""
        return len(words) >= 2 or (len(words) == 1 and words[0].isupper() and len(words[0]) > 3)

    # -- dates ------------------------------------------------------------------------------------------
    def _dates(self, sentence: Sentence, anchor: date | None) -> list[DateMention]:
        found: list[DateMention] = []
        taken: list[tuple[int, int]] = []
        for kind, pattern in _DATE_PATTERNS:
            for match in pattern.finditer(sentence.text):
                a, b = match.span()
                if any(a < y and x < b for x, y in taken):
                    continue
                mention = _resolve_date(kind, match, anchor)
                if mention is None:
                    continue
                expression, value, precision, relative = mention
                span = Span(sentence.start + a, sentence.start + b, sentence.index)
                found.append(DateMention(span, expression, value, precision, relative))
                taken.append((a, b))
        found.sort(key=lambda d: d.span.start)
        return found

    # -- issues -----------------------------------------------------------------------------------------
    def _issues(self, tokens: list[Token], sentence: Sentence) -> list[IssueMention]:
        normalised = [normalise_label(t.text) for t in tokens]
        flat: list[tuple[str, int]] = [(part, k) for k, parts in enumerate(normalised) for part in parts]
        words = [w for w, _ in flat]
        found: list[IssueMention] = []
        i = 0
        while i < len(words):
            best: tuple[int, str] | None = None
            for phrase, issue in self.issue_index.get(words[i], []):
                n = len(phrase)
                if tuple(words[i : i + n]) == phrase and (best is None or n > best[0]):
                    best = (n, str(issue))
            if best is None:
                i += 1
                continue
            first, last = tokens[flat[i][1]], tokens[flat[i + best[0] - 1][1]]
            found.append(IssueMention(Span(first.start, last.end, sentence.index), best[1]))
            i += best[0]
        return found

    # -- amounts ----------------------------------------------------------------------------------------
    def _amounts(self, sentence: Sentence) -> list[AmountMention]:
        found: list[AmountMention] = []
        taken: list[tuple[int, int]] = []

        def add(a: int, b: int, amount: Decimal, currency: str | None) -> None:
            if any(a < y and x < b for x, y in taken):
                return
            taken.append((a, b))
            found.append(AmountMention(Span(sentence.start + a, sentence.start + b, sentence.index), amount, currency))

        for match in self.amount_symbol.finditer(sentence.text):
            amount = self._number(match.group("num"), match.group("scale"))
            if amount is not None:
                add(*match.span(), amount, self.currency_symbols.get(match.group("sym")))
        for match in self.amount_word.finditer(sentence.text):
            amount = self._number(match.group("num"), match.group("scale"))
            if amount is None:
                continue
            currency = None
            if match.group("cur"):
                currency = self.currency_words.get(match.group("cur").lower())
            elif match.group("demonym"):
                code = self.lexicon.demonyms.get(fold(match.group("demonym")))
                currency = self.lexicon.currencies.get(code) if code else None
            add(*match.span(), amount, currency)
        for match in self.amount_spelled.finditer(sentence.text):
            base = Decimal(str(self.number_words[match.group("word").lower()]))
            scale = self.scale_words.get(match.group("scale").lower(), 1)
            add(*match.span(), base * scale, self.currency_words.get(match.group("cur").lower()))
        return found

    def _number(self, digits: str, scale: str | None) -> Decimal | None:
        try:
            value = Decimal(digits.replace(",", ""))
        except InvalidOperation:
            return None
        if scale:
            value *= self.scale_words.get(scale.lower(), 1)
        return Decimal(int(value)) if value == value.to_integral() else value.normalize()


# ---------------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return [fold(t.bare) for t in tokenize(text)]


def _is_word(text: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_][\w'’\-]*", text))


def _phrase_index(entries: list[tuple[tuple[str, ...], object]]) -> dict[str, list[tuple[tuple[str, ...], object]]]:
    index: dict[str, list[tuple[tuple[str, ...], object]]] = {}
    for phrase, value in entries:
        if phrase:
            index.setdefault(phrase[0], []).append((phrase, value))
    return index


def _parse_anchor(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _resolve_date(kind: str, match: re.Match[str], anchor: date | None) -> tuple[str, str | None, str, bool] | None:
    """(expression, ISO value or None, precision, relative) for one date match, or None to ignore it."""
    text = match.group().strip()
    groups = match.groupdict()
    if kind == "iso":
        return text, f"{groups['year']}-{groups['mnum']}-{groups['day']}", "day", False
    if kind in ("mdy", "dmy"):
        month = MONTHS[groups["month"].rstrip(".").lower()]
        day = int(groups["day"])
        if not 1 <= day <= 31:
            return None
        if groups.get("year"):
            return text, _iso(int(groups["year"]), month, day), "day", False
        if anchor is None:
            return text, None, "day", True
        year = anchor.year if month <= anchor.month + 1 else anchor.year - 1
        return text, _iso(year, month, day), "day", True
    if kind == "my":
        month = MONTHS[groups["month"].rstrip(".").lower()]
        mod = (groups.get("mod") or "").strip().lower()
        if groups["month"] == "May" and not mod and not groups.get("year"):
            return None  # "may" the verb, capitalised at a sentence start
        if not mod and not groups.get("year"):
            return None
        if groups.get("year"):
            return text, f"{int(groups['year']):04d}-{month:02d}", "month", False
        if anchor is None:
            return text, None, "month", True
        if mod == "last":
            year = anchor.year if month < anchor.month else anchor.year - 1
        else:
            year = anchor.year if month <= anchor.month else anchor.year - 1
        return text, f"{year:04d}-{month:02d}", "month", True
    if kind == "weekday":
        mod = (groups.get("mod") or "").strip().lower()
        if anchor is None:
            return text, None, "day", True
        target = WEEKDAYS[groups["weekday"].lower()]
        back = (anchor.weekday() - target) % 7
        if mod == "next":
            return text, (anchor + timedelta(days=(target - anchor.weekday()) % 7 or 7)).isoformat(), "day", True
        if mod == "last" and back == 0:
            back = 7
        return text, (anchor - timedelta(days=back)).isoformat(), "day", True
    if kind == "relative":
        rel = groups["rel"].lower()
        if anchor is None:
            return text, None, "day", True
        if rel in ("today", "this morning", "this afternoon", "this evening", "tonight"):
            return text, anchor.isoformat(), "day", True
        if rel in ("yesterday",):
            return text, (anchor - timedelta(days=1)).isoformat(), "day", True
        if rel in ("last month",):
            prev = anchor.replace(day=1) - timedelta(days=1)
            return text, f"{prev.year:04d}-{prev.month:02d}", "month", True
        if rel in ("this month", "earlier this month"):
            return text, f"{anchor.year:04d}-{anchor.month:02d}", "month", True
        if rel in ("last year",):
            return text, f"{anchor.year - 1:04d}", "year", True
        if rel in ("this year", "earlier this year"):
            return text, f"{anchor.year:04d}", "year", True
        # "the previous day", "a day after", "last week": relative to another event, not the anchor.
        return text, None, "day", True
    if kind == "year":
        return text, groups["year"], "year", False
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_mentions(document: Document, sentences: Sequence[Sentence], lexicon: Lexicon) -> Mentions:
    """Stage function: every mention in the document's sentences."""
    return _finder(lexicon).find(document, sentences)


_FINDERS: dict[int, MentionFinder] = {}


def _finder(lexicon: Lexicon) -> MentionFinder:
    key = id(lexicon)
    if key not in _FINDERS:
        _FINDERS[key] = MentionFinder(lexicon)
    return _FINDERS[key]
