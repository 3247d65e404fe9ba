"""Stage 3, mentions -> entities: people with canonical names, posts and countries, and who each
sentence refers to (names, surnames, pronouns, role and group mentions)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from kg.lexicon import Lexicon, fold
from kg.pipeline.mentions import NAME_SUFFIXES
from kg.pipeline.model import Document, Entities, Mentions, NameMention, Person, Role, Sentence, TitleMention
from kg.pipeline.segment import tokenize

# A bare one-word title such as "Minister Tanaka" is a short form; it adds no post of its own when the
# person has a more specific one.
_GENERIC_TITLES = {"minister", "secretary"}


def canonical_name(tokens: Sequence[str]) -> tuple[str, str]:
    """(canonical name, key) for the tokens of a name as written.

    A word in capitals is the family name (the Japanese MOFA style "TANAKA Kenji"); the canonical
    name puts the given names first. Other names keep the order in which they are written.

    >>> canonical_name(["TANAKA", "Kenji"])
    ('Kenji Tanaka', 'Tanaka')
    >>> canonical_name(["Oyun", "DORJSUREN"])
    ('Oyun Dorjsuren', 'Dorjsuren')
    >>> canonical_name(["Park", "Min-jun"])
    ('Park Min-jun', 'Min-jun')
    """
    words = list(tokens)
    if any(w.endswith(".") or w in NAME_SUFFIXES for w in words):
        plain = [w for w in words if not (w.endswith(".") or w in NAME_SUFFIXES)]
        return " ".join(words), (plain[-1] if plain else words[-1])
    capitals = [w for w in words if w.isupper() and len(w) > 1 and w.isalpha()]
    if capitals and len(capitals) < len(words):
        family = [_title_case(w) for w in words if w in capitals]
        given = [w for w in words if w not in capitals]
        return " ".join([*given, *family]), family[-1]
    if capitals and len(words) == 1:
        return _title_case(words[0]), _title_case(words[0])
    return " ".join(words), words[-1]


def _title_case(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


class EntityResolver:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        patterns = lexicon.patterns
        self.particles = {fold(p) for p in patterns["particles"]}
        groups = sorted(patterns["group_references"], key=len, reverse=True)
        self.group_pattern = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(g) for g in groups) + r")(?!\S)")
        self.male = set(patterns["pronouns_male"])
        self.female = set(patterns["pronouns_female"])

    def resolve(self, document: Document, sentences: Sequence[Sentence], mentions: Mentions) -> Entities:
        home = self.home_country(document, sentences, mentions)
        first = self._resolve_names(Entities(home_country=home), mentions)
        # A capitalised name with no post and no honorific is more often a school, a slogan or a place than
        # a person the guidelines ask for: keep people the text gives a post or an honorific.
        kept = {i for i, p in enumerate(first.persons) if p.roles or p.honorific}
        names = [m for m in mentions.names if first.name_links.get(m.span.start) in kept]
        entities = self._resolve_names(Entities(home_country=home), mentions, names)
        self._byline_titles(entities, sentences, mentions)
        self._surnames(entities, sentences, mentions)
        self._countries(entities, mentions, document.meta.date)
        _merge_same_names(entities)
        self._pronouns_and_groups(entities, sentences, mentions)
        return entities

    def _resolve_names(
        self, entities: Entities, mentions: Mentions, names: list[NameMention] | None = None
    ) -> Entities:
        persons = entities.persons
        # Longer names first, so that a later "Tanaka" joins "Kenji Tanaka".
        ordered = sorted(
            mentions.names if names is None else names, key=lambda m: (-len(self._core(m.tokens)), m.span.start)
        )
        for mention in ordered:
            index = self._match(persons, mention.tokens)
            if index is None:
                if len(self._core(mention.tokens)) < 2 and mention.title is None and mention.honorific is None:
                    continue
                name, key = canonical_name(self._strip(mention.tokens))
                persons.append(Person(key=key, name=name, first_sentence=mention.span.sentence))
                index = len(persons) - 1
            person = persons[index]
            person.forms.add(mention.surface)
            if _plain_full_name(mention.tokens) and any(w.isupper() and len(w) > 1 for w in _raw_forms(person)):
                # The text also writes the name in its usual order ("Li Wei" beside "LI Wei"): keep that.
                person.name = " ".join(self._strip(mention.tokens))
            person.first_sentence = min(person.first_sentence, mention.span.sentence)
            if mention.female is not None:
                person.female = mention.female
            if mention.honorific is not None:
                person.honorific = True
            entities.name_links[mention.span.start] = index
            self._note(entities, mention.span.sentence, index, named=True)
        self._roles(entities, mentions)
        return entities

    # -- identity -----------------------------------------------------------------------------------------
    def _strip(self, tokens: Sequence[str]) -> list[str]:
        return [t for t in tokens if t]

    def _core(self, tokens: Sequence[str]) -> list[str]:
        """The distinctive tokens of a name: no particles, initials or suffixes."""
        return [
            fold(t) for t in tokens if fold(t) not in self.particles and not t.endswith(".") and t not in NAME_SUFFIXES
        ]

    def _match(self, persons: list[Person], tokens: Sequence[str]) -> int | None:
        core = set(self._core(tokens))
        if not core:
            return None
        candidates = []
        for index, person in enumerate(persons):
            known = set(self._core(person.name.split()))
            if core <= known:
                candidates.append(index)
        return candidates[0] if len(candidates) == 1 else None

    def _note(self, entities: Entities, sentence: int, index: int, *, named: bool) -> None:
        refs = entities.references.setdefault(sentence, [])
        if index not in refs:
            refs.append(index)
        if named:
            names = entities.named.setdefault(sentence, [])
            if index not in names:
                names.append(index)
        entities.persons[index].sentences.add(sentence)

    # -- posts ----------------------------------------------------------------------------------------------
    def _roles(self, entities: Entities, mentions: Mentions) -> None:
        persons = entities.persons
        linked: list[tuple[NameMention, int]] = [
            (m, entities.name_links[m.span.start]) for m in mentions.names if m.span.start in entities.name_links
        ]
        for mention, index in linked:
            for title in mention.titles or ((mention.title,) if mention.title else ()):
                kind: str | None = title.post_kind
                if title.relational:
                    kind = self._counterpart_post(linked, mention)
                if kind is None:
                    continue
                if fold(title.surface) in _GENERIC_TITLES:
                    kind = "minister"
                    if any(
                        r.post_kind in ("foreign-minister", "vice-minister", "minister") for r in persons[index].roles
                    ):
                        continue
                role = Role(kind, title.country, mention.span.sentence, title.surface)
                self._add_role(persons[index], role, generic=fold(title.surface))

    def _add_role(self, person: Person, role: Role, *, generic: str) -> None:
        specific = any(r.post_kind in ("foreign-minister", "vice-minister") for r in person.roles)
        if role.post_kind == "minister" and generic in _GENERIC_TITLES and specific:
            return
        if role.post_kind in ("foreign-minister", "vice-minister"):
            person.roles[:] = [
                r
                for r in person.roles
                if not (
                    r.post_kind == "minister" and r.country in (None, role.country) and fold(r.title) in _GENERIC_TITLES
                )
            ]
        for existing in person.roles:
            if existing.post_kind == role.post_kind and (existing.country == role.country or role.country is None):
                return
            if existing.post_kind == role.post_kind and existing.country is None:
                person.roles[person.roles.index(existing)] = role
                return
        person.roles.append(role)

    def _counterpart_post(self, linked: list[tuple[NameMention, int]], mention: NameMention) -> str | None:
        """A counterpart holds the post of the titled person it is a counterpart of: one named in the same
        sentence, else the nearest one named before it."""
        best: tuple[int, str] | None = None
        for other, _index in linked:
            if other is mention or other.title is None or other.title.relational:
                continue
            distance = mention.span.sentence - other.span.sentence
            if distance < 0:
                continue
            if best is None or distance < best[0]:
                best = (distance, other.title.post_kind)
        return best[1] if best else None

    def _byline_titles(self, entities: Entities, sentences: Sequence[Sentence], mentions: Mentions) -> None:
        """A byline's name on one line and its titles on the next lines ("Jane Doe / Minister for Foreign
        Affairs"): the titles are that person's posts."""
        titles_by_sentence: dict[int, list[TitleMention]] = {}
        for title in mentions.titles:
            titles_by_sentence.setdefault(title.span.sentence, []).append(title)
        for sentence in sentences[:10]:
            named = entities.named.get(sentence.index, [])
            if len(named) != 1 or len(sentence.text) > 60:
                continue
            person = entities.persons[named[0]]
            for following in sentences[sentence.index + 1 : sentence.index + 4]:
                found = titles_by_sentence.get(following.index, [])
                covered = sum(t.span.end - t.span.start for t in found)
                if not found or entities.named.get(following.index) or covered < 0.6 * len(following.text):
                    break
                for title in found:
                    self._add_role(
                        person,
                        Role(title.post_kind, title.country, following.index, title.surface),
                        generic=fold(title.surface),
                    )

    # -- surnames and role mentions -------------------------------------------------------------------------
    def _surnames(self, entities: Entities, sentences: Sequence[Sentence], mentions: Mentions) -> None:
        persons = entities.persons
        token_owner: dict[str, list[int]] = {}
        for index, person in enumerate(persons):
            for word in set(self._core(person.name.split())):
                if len(word) >= 3:
                    token_owner.setdefault(word, []).append(index)
        covered = {(m.span.start, m.span.end) for m in mentions.names}
        # "relations between Israel and ...", "since January": a country or a date, even when a person's
        # name shares the word.
        covered |= {(c.span.start, c.span.end) for c in mentions.countries}
        covered |= {(d.span.start, d.span.end) for d in mentions.dates}
        for sentence in sentences:
            for token in tokenize(sentence.text, sentence.start):
                word = token.bare
                if not word[:1].isupper():
                    continue
                owners = token_owner.get(fold(word), [])
                if len(owners) == 1 and not any(a <= token.start < b for a, b in covered):
                    self._note(entities, sentence.index, owners[0], named=True)
                    persons[owners[0]].forms.add(word)
        # "the Foreign Secretary said": a title with no name refers to the one person holding that post.
        named_titles = {id(m.title) for m in mentions.names if m.title is not None}
        for title in mentions.titles:
            if id(title) in named_titles or title.relational:
                continue
            holders = [
                i
                for i, p in enumerate(persons)
                if any(
                    r.post_kind == title.post_kind and (title.country is None or r.country == title.country)
                    for r in p.roles
                )
            ]
            if len(holders) > 1:
                # "the Foreign Minister" beside "the Secretary": the holder whose own title reads most alike.
                words = set(fold(title.surface).split())
                overlap = {i: max(len(words & set(fold(r.title).split())) for r in persons[i].roles) for i in holders}
                best = max(overlap.values())
                holders = [i for i in holders if overlap[i] == best]
            if len(holders) == 1:
                self._note(entities, title.span.sentence, holders[0], named=False)
                entities.title_links[title.span.start] = holders[0]
        # "The Secretary thanked ...": the head word of one person's title.
        for sentence in sentences:
            for match in _ROLE_NOUN.finditer(sentence.text):
                noun = fold(match.group(1))
                holders = [i for i, p in enumerate(persons) if any(noun in fold(r.title).split() for r in p.roles)]
                if len(holders) == 1:
                    self._note(entities, sentence.index, holders[0], named=False)

    # -- countries ------------------------------------------------------------------------------------------
    def home_country(self, document: Document, sentences: Sequence[Sentence], mentions: Mentions) -> str | None:
        """The country whose ministry or press publishes the document, when it can be told."""
        sources = [document.meta.publisher or ""]
        sources.extend(s.text for s in sentences[:8] if s.text.startswith(("From:", "Source:", "By ")))
        for source in sources:
            folded = fold(source)
            for pattern, code in self.lexicon.publishers:
                # A substring test first: the word-boundary regex runs only for the few that pass it.
                if pattern and pattern in folded and _whole_word(pattern, folded):
                    if code is None:
                        break
                    return code
            for name, code in self.lexicon.country_names.items():
                if len(name) > 3 and name in folded and _whole_word(name, folded):
                    return code
        # Otherwise the first country the first line names (not as an adjective of someone else).
        first_sentence_end = sentences[0].end if sentences else 0
        for country in mentions.countries:
            if country.span.start < first_sentence_end and not country.demonym:
                return country.code
        return None

    def _countries(self, entities: Entities, mentions: Mentions, anchor: str | None) -> None:
        in_play = Counter(c.code for c in mentions.countries)
        for person in entities.persons:
            known = self._office_holder(person, anchor)
            for position, role in enumerate(person.roles):
                if role.country is None:
                    guess = known or self._guess_country(entities, role, in_play)
                    person.roles[position] = Role(role.post_kind, guess, role.sentence, role.title)
            person.roles[:] = _dedupe([self._in_local_terms(role) for role in person.roles])
            ministerial = {"foreign-minister", "prime-minister", "president", "vice-minister"}
            if any(r.post_kind in ministerial for r in person.roles):
                # "Ambassador X" or "Minister X" beside a more specific post is a form of address.
                person.roles[:] = [
                    r
                    for r in person.roles
                    if not (
                        r.post_kind == "ambassador" or (r.post_kind == "minister" and fold(r.title) in _GENERIC_TITLES)
                    )
                ]
            countries = [r.country for r in person.roles if r.country]
            person.country = countries[0] if countries else known

    def _in_local_terms(self, role: Role) -> Role:
        """A title means what the post's country calls it: "Chancellor" heads Germany's government but is
        Brazil's foreign minister."""
        posts = self.lexicon.country_posts.get(role.country or "")
        if not posts or not role.title:
            return role
        title = fold(role.title)
        for kind, forms in posts.items():
            if kind != role.post_kind and any(fold(form) == title for form in forms):
                own = posts.get(role.post_kind, ())
                if not any(fold(form) == title for form in own):
                    return Role(
                        "president" if kind == "head-of-state" and "president" in title else kind,
                        role.country,
                        role.sentence,
                        role.title,
                    )
        return role

    def _office_holder(self, person: Person, anchor: str | None) -> str | None:
        """The country reference data says this person served at the document's date (a fallback only).

        A person the reference data knows takes the name it gives ("President Tanaka" -> "Kenji Tanaka"),
        so that every document names the same person with the same IRI and label.
        """
        core = set(self._core(person.name.split()))
        candidates = [
            holder
            for holder in self.lexicon.office_holders.get(sorted(core)[0] if core else "", [])
            if core <= holder.tokens
        ]
        # In office on the document's date; else ("then-President X") at any time, when that is unambiguous.
        matches = [holder for holder in candidates if holder.serves_on(anchor)] or candidates
        countries = {holder.country for holder in matches}
        names = {holder.name for holder in matches}
        if len(names) == 1:
            canonical = names.pop()
            if canonical != person.name:
                person.forms.add(person.name)
                person.name = canonical
        return countries.pop() if len(countries) == 1 else None

    def _fits(self, code: str, post_kind: str) -> bool:
        """Does the country have a post of this kind (Japan has no president)?"""
        posts = self.lexicon.country_posts.get(code)
        if posts is None:
            return True
        if post_kind == "president":
            return any(
                "president" in fold(f) for f in (*posts.get("head-of-state", ()), *posts.get("prime-minister", ()))
            )
        if post_kind == "head-of-state":
            return not any(fold(f) == "president" for f in posts.get("head-of-state", ()))
        return True

    def _guess_country(self, entities: Entities, role: Role, in_play: Counter[str]) -> str | None:
        # Sentence-level countries are too often someone else's ("urged his Peruvian counterpart"): the
        # publisher's country comes first, then the countries the document names most.
        home = entities.home_country
        candidates = [home] if home else []
        candidates += [code for code, _ in in_play.most_common() if code not in candidates]
        for code in candidates:
            if self._fits(code, role.post_kind):
                return code
        return candidates[0] if candidates else None

    # -- pronouns and groups ----------------------------------------------------------------------------------
    def _pronouns_and_groups(self, entities: Entities, sentences: Sequence[Sentence], mentions: Mentions) -> None:
        last: list[int] = []
        author = self._author(entities, sentences)
        lead: tuple[list[int], bool] | None = None
        for sentence in sentences:
            raw = [t.text for t in tokenize(sentence.text)]
            words = [w.lower() for w in raw]
            named = entities.named.get(sentence.index, [])
            group = self.group_pattern.search(" ".join(words))
            if group:
                entities.group_sentences.add(sentence.index)
                # "the two leaders", "they": the people the text last named together, when their number
                # and posts fit the phrase ("the three ministers" are not three heads of state).
                for earlier in range(sentence.index, max(-1, sentence.index - 4), -1):
                    together = entities.named.get(earlier, [])
                    if len(together) >= 2:
                        if self._group_fits(group.group(), [entities.persons[p] for p in together]):
                            for person in together:
                                self._note(entities, sentence.index, person, named=False)
                        break
            quoted = any(q in sentence.text for q in ('"', "“", "”"))
            if author is not None and not quoted:
                if "I" in raw or "my" in words or "me" in words:
                    self._note(entities, sentence.index, author, named=False)
                if "we" in words or "our" in words or "us" in words:
                    self._note(entities, sentence.index, author, named=False)
                    entities.group_sentences.add(sentence.index)
            # A list introduced by "At the meeting, the three Ministers:" speaks of the same people.
            if lead is not None and re.match(r"^(?:[-•*–—]|\d+[.)])\s", sentence.text):
                for person in lead[0]:
                    self._note(entities, sentence.index, person, named=False)
                if lead[1]:
                    entities.group_sentences.add(sentence.index)
            elif sentence.text.rstrip().endswith(":"):
                lead = (list(entities.references.get(sentence.index, [])), sentence.index in entities.group_sentences)
            else:
                lead = None
            if not named and last and words and words[0] in self.male | self.female:
                gender_female = words[0] in self.female
                match = [i for i in last if entities.persons[i].female in (None, gender_female)]
                if match:
                    self._note(entities, sentence.index, match[0], named=False)
            if named:
                last = named[:1]

    @staticmethod
    def _group_fits(phrase: str, people: list[Person]) -> bool:
        numbers = {"two": 2, "three": 3, "four": 4, "both": 2}
        count = next((n for word, n in numbers.items() if word in phrase.split()), None)
        if count is not None and count != len(people):
            return False
        kinds = {r.post_kind for p in people for r in p.roles}
        if "minister" in phrase and kinds and kinds <= {"president", "head-of-state", "prime-minister"}:
            return False
        return not ("leader" in phrase and kinds and not kinds & {"president", "head-of-state", "prime-minister"})

    def _author(self, entities: Entities, sentences: Sequence[Sentence]) -> int | None:
        """The person in a byline near the top (a short line naming one person): "I" in a media release."""
        for sentence in sentences[:8]:
            named = entities.named.get(sentence.index, [])
            if len(named) == 1 and len(sentence.text) < 60:
                return named[0]
        return None


_ROLE_NOUN = re.compile(r"\b[Tt]he (Secretary|President|Premier|Chancellor|Ambassador|Emir|King)\b(?! of)")


def _merge_same_names(entities: Entities) -> None:
    """Join people who ended up with the same name (two partial forms that reference data completes to one
    "Alain Claude Bilie By Nze"): one name is one person, never two participants of a meeting."""
    first: dict[str, int] = {}
    renumber: dict[int, int] = {}
    persons: list[Person] = []
    for index, person in enumerate(entities.persons):
        if person.name in first:
            target = persons[first[person.name]]
            target.forms |= person.forms
            target.sentences |= person.sentences
            target.first_sentence = min(target.first_sentence, person.first_sentence)
            target.roles[:] = _dedupe([*target.roles, *person.roles])
            target.country = target.country or person.country
            target.female = target.female if target.female is not None else person.female
            target.honorific = target.honorific or person.honorific
            renumber[index] = first[person.name]
        else:
            first[person.name] = len(persons)
            renumber[index] = len(persons)
            persons.append(person)
    if len(persons) == len(entities.persons):
        return
    entities.persons[:] = persons
    for table in (entities.references, entities.named):
        for sentence, people in table.items():
            table[sentence] = list(dict.fromkeys(renumber[p] for p in people))
    entities.name_links = {start: renumber[p] for start, p in entities.name_links.items()}
    entities.title_links = {start: renumber[p] for start, p in entities.title_links.items()}


def _whole_word(phrase: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def _plain_full_name(tokens: Sequence[str]) -> bool:
    words = [t for t in tokens if t]
    return len(words) >= 2 and not any(w.isupper() and len(w) > 1 and w.isalpha() for w in words)


def _raw_forms(person: Person) -> list[str]:
    return [w for form in person.forms for w in form.split()]


def _dedupe(roles: list[Role]) -> list[Role]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for role in roles:
        if (role.post_kind, role.country) not in seen:
            seen.add((role.post_kind, role.country))
            out.append(role)
    return out


def resolve_entities(
    document: Document, sentences: Sequence[Sentence], mentions: Mentions, lexicon: Lexicon
) -> Entities:
    """Stage function: the people of the document and who each sentence refers to."""
    key = id(lexicon)
    if key not in _RESOLVERS:
        _RESOLVERS[key] = EntityResolver(lexicon)
    return _RESOLVERS[key].resolve(document, sentences, mentions)


_RESOLVERS: dict[int, EntityResolver] = {}


__all__ = ["EntityResolver", "TitleMention", "canonical_name", "resolve_entities"]
