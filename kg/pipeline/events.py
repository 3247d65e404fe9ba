"""Stage 4, entities -> events: meetings, partnerships and agreements, with what ties them to sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kg.lexicon import Lexicon, fold
from kg.pipeline.model import (
    Agreement,
    DateMention,
    Document,
    Entities,
    Events,
    Meeting,
    Mentions,
    Partnership,
    Sentence,
)

_CLAUSE_BREAK = re.compile(
    r';|:\s|[,"”]+\s+(?=(?:which|who|where|while|whereas|but|and\s+(?:the|he|she|they))\b)'
    r"|(?:\s+and|,)\s+(?=(?:then\s+)?(?:held|holds|met|meets|had|has|hosted|hosts|received|receives|paid|pays|spoke|"
    r"speaks|called|calls|sat)\b)"
)
_HEADS = {"president": "head", "head-of-state": "head", "prime-minister": "head", "foreign-minister": "fm"}
_DAY_OFFSETS = {
    "a day after": -1,
    "the previous day": -1,
    "the day before": -1,
    "a day earlier": -1,
    "the next day": 1,
    "the following day": 1,
    "a day later": 1,
    "earlier in the day": 0,
    "later in the day": 0,
    "the same day": 0,
    "earlier that day": 0,
    "later that day": 0,
}


@dataclass(frozen=True)
class Trigger:
    start: int  # absolute offset
    end: int
    phrase: str
    kind: str | None
    role: str | None
    weak: bool
    needs_object: bool


class EventExtractor:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        patterns = lexicon.patterns
        triggers = sorted(patterns["meeting_triggers"], key=lambda t: -len(t["phrase"]))
        self.trigger_specs = {t["phrase"].lower(): t for t in triggers}
        self.trigger_pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(t["phrase"]) for t in triggers) + r")(?![\w-])", re.IGNORECASE
        )
        self.modality = [
            re.compile(r"(?<![\w-])" + re.escape(c) + r"(?![\w-])", re.IGNORECASE) for c in patterns["modality_cues"]
        ]
        self.cancellation = [
            re.compile(r"(?<![\w-])" + re.escape(c) + r"(?![\w])", re.IGNORECASE) for c in patterns["cancellation_cues"]
        ]
        self.referral = [
            re.compile(r"(?<![\w-])" + re.escape(c) + r"(?![\w])", re.IGNORECASE) for c in patterns["referral_cues"]
        ]
        heads = "|".join(map(re.escape, patterns["occasion_heads"]))
        cues = "|".join(map(re.escape, sorted(patterns["occasion_cues"], key=len, reverse=True)))
        word = r"[A-Z0-9][\w’'\-]*"
        self.occasion = re.compile(
            rf"(?:{cues})\s+(?:the\s+)?(?P<occ>{word}(?:\s+(?:{word}|related|of|the|and|on|for|in)){{0,9}}\s+(?:{heads})\b)"
        )
        self.agreement = re.compile(
            r"\b(?P<trigger>"
            + "|".join(map(re.escape, patterns["agreement_triggers"]))
            + r")\b\s+(?P<np>(?:an?|the|two|three|several|\w+)?\s*(?:[\w\-]+\s+){0,3}?(?P<head>"
            + "|".join(sorted(map(re.escape, patterns["agreement_heads"]), key=len, reverse=True))
            + r")\b[^.;]*)",
            re.IGNORECASE,
        )
        heads_p = "|".join(map(re.escape, sorted(patterns["partnership_heads"], key=len, reverse=True)))
        cap = r"[A-Z][\w’'\-]*"
        self.partnership = re.compile(
            rf"(?P<name>(?:{cap}\s+){{0,6}}(?:{heads_p})(?:\s+(?:for|of|on)\s+{cap}(?:\s+(?:and|of|for|{cap}))*)?)"
        )
        self.change_cues = [c.lower() for c in patterns["partnership_change_cues"]]
        # Written in lower case ("lift the comprehensive strategic partnership", "a China-Malaysia community
        # with a shared future"): a known head with a qualifier or a country-pair prefix.
        modifiers = "|".join(map(re.escape, patterns["partnership_modifiers"]))
        lower_heads = "|".join(map(re.escape, sorted(patterns["partnership_lower_heads"], key=len, reverse=True)))
        self.partnership_lower = re.compile(
            rf"(?P<name>(?:[A-Z][\w]+(?:-[A-Z][\w]+)+\s+)?(?:(?:{modifiers})\s+)*(?:{lower_heads}))\b"
        )

    # ----------------------------------------------------------------------------------------------
    def extract(
        self, document: Document, sentences: Sequence[Sentence], mentions: Mentions, entities: Entities
    ) -> Events:
        events = Events()
        speech = re.compile(
            r"\b(?:" + "|".join(map(re.escape, self.lexicon.patterns["speech_verbs"])) + r")\b", re.IGNORECASE
        )
        self.speech_sentences = {s.index for s in sentences if speech.search(s.text)}
        by_sentence_dates: dict[int, list[DateMention]] = {}
        for mention in mentions.dates:
            by_sentence_dates.setdefault(mention.span.sentence, []).append(mention)
        meeting_sentences: dict[int, list[int]] = {}
        self.clauses: dict[int, list[tuple[int, int, int]]] = {}
        last: int | None = None
        for sentence in sentences:
            for meeting, (a, b) in self._meetings_in(sentence, mentions, entities, by_sentence_dates, events):
                previous = events.meetings[last] if last is not None else None
                if (
                    last is not None
                    and previous is not None
                    and (
                        meeting.anaphoric
                        or (len(previous.participants) < 2 and sentence.index - max(previous.sentences) <= 2)
                    )
                ):
                    # "X hosted the meeting ... The meeting, attended by Y and Z, ...": one encounter. "The
                    # meeting" speaks of the last meeting reported, and adds people only when it says they came.
                    if meeting.anaphoric and len(previous.participants) >= 2 and not previous.reported:
                        reported = [i for i, m in enumerate(events.meetings) if m.reported and len(m.participants) >= 2]
                        last = reported[-1] if reported else last
                        previous = events.meetings[last]
                    joined = re.search(r"attended by|joined|took part|participated", sentence.text, re.IGNORECASE)
                    index = last
                    _absorb(previous, meeting, union=len(previous.participants) < 2 or bool(joined))
                else:
                    index = self._merge(events.meetings, meeting)
                last = index
                self.clauses.setdefault(sentence.index, []).append((a, b, index))
                meeting_sentences.setdefault(sentence.index, [])
                if index not in meeting_sentences[sentence.index]:
                    meeting_sentences[sentence.index].append(index)
        meeting_sentences = self._drop_partial(events, meeting_sentences)
        self._agreements(sentences, mentions, entities, events, by_sentence_dates)
        self._signings(sentences, mentions, entities, events, meeting_sentences, by_sentence_dates)
        self._dates_and_reporting(document, sentences, events, mentions, entities, by_sentence_dates)
        for agreement in events.agreements:
            for meeting in events.meetings:
                # Signed at a meeting of the same people: the meeting's day, when the text gives no other.
                if (
                    agreement.date is None
                    and meeting.date_precision == "day"
                    and agreement.signed_by
                    and set(agreement.signed_by) <= set(meeting.participants)
                ):
                    agreement.date = meeting.date
        self._issues(document, sentences, mentions, entities, events, meeting_sentences)
        self._partnerships(sentences, mentions, entities, events, meeting_sentences, by_sentence_dates)
        return events

    def _signings(
        self,
        sentences: Sequence[Sentence],
        mentions: Mentions,
        entities: Entities,
        events: Events,
        meeting_sentences: dict[int, list[int]],
        dates: dict[int, list[DateMention]],
    ) -> None:
        """People who signed something together met to sign it ("he and President Y signed an agreement")."""
        for agreement in events.agreements:
            people = set(agreement.signed_by)
            if len(people) < 2 or any(people <= set(m.participants) for m in events.meetings):
                continue
            sentence = sentences[agreement.sentence]
            trigger = Trigger(sentence.start, sentence.start, "signed", None, None, False, False)
            kind = self._kind_from_posts(list(agreement.signed_by), entities, trigger)
            meeting = Meeting(kind=kind, participants=list(agreement.signed_by), sentences=[sentence.index])
            meeting.reported = not events.meetings
            self._place(meeting, sentence, mentions, trigger, kind)
            self._date(meeting, sentence, dates, trigger, sentence.start, sentence.end)
            events.meetings.append(meeting)
            index = len(events.meetings) - 1
            self.clauses.setdefault(sentence.index, []).append((sentence.start, sentence.end, index))
            meeting_sentences.setdefault(sentence.index, []).append(index)

    # -- meetings ------------------------------------------------------------------------------------------
    def _find_triggers(self, sentence: Sentence) -> list[Trigger]:
        found: list[Trigger] = []
        # One alternation, longest phrase first: at each place the longest trigger wins.
        for match in self.trigger_pattern.finditer(sentence.text):
            spec = self.trigger_specs[match.group().lower()]
            a, b = match.span()
            found.append(
                Trigger(
                    sentence.start + a,
                    sentence.start + b,
                    spec["phrase"],
                    spec.get("kind"),
                    spec.get("role"),
                    bool(spec.get("weak")),
                    bool(spec.get("needs_object")),
                )
            )
        return sorted(found, key=lambda t: t.start)

    def _modal(self, sentence: Sentence, trigger: Trigger) -> bool:
        """Is the trigger planned, hoped for, denied or cancelled rather than reported?"""
        rel_start = trigger.start - sentence.start
        before = _words_before(sentence.text, rel_start, 45)
        after = _words_after(sentence.text, trigger.end - sentence.start, 40)
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(before)), default=0)
        window_at_start = len(before) == rel_start and clause_start == 0
        before = before[clause_start:]
        if re.search(r"\b(?:at|during|in) (?:their|the|a|his|her)\s+(?:[\w-]+\s+){0,2}$", before):
            before = ""  # "agreed to launch at their summit meeting": the meeting itself took place
        if self._modal_cue(before, at_start=window_at_start):
            return True
        if any(p.search(sentence.text) for p in self.cancellation):
            return True  # "a meeting ..., which had been arranged for Thursday, was called off"
        after_clause = re.split(r"[,;.]", after)[0]
        return bool(
            re.search(
                r"\b(?:not|never|scheduled|planned|postponed|cancel+ed|next|later|upcoming)\b",
                after_clause,
                re.IGNORECASE,
            )
        )

    def _modal_cue(self, text: str, *, at_start: bool) -> bool:
        """Does ``text`` hold a modality cue? A capitalised cue inside a sentence is a month or a name
        ("On 9 May", "Prime Minister Theresa May"), not the verb; only the sentence's first word may be."""
        for pattern in self.modality:
            for match in pattern.finditer(text):
                if match.group()[:1].islower() or (at_start and not text[: match.start()].strip()):
                    return True
        return False

    def _clause(self, sentence: Sentence, trigger: Trigger) -> tuple[int, int]:
        """Absolute bounds of the clause holding the trigger."""
        rel = trigger.start - sentence.start
        start, end = 0, len(sentence.text)
        for match in _CLAUSE_BREAK.finditer(sentence.text):
            if match.end() <= rel:
                start = match.end()
            elif match.start() >= trigger.end - sentence.start:
                end = match.start()
                break
        return sentence.start + start, sentence.start + end

    def _meetings_in(
        self,
        sentence: Sentence,
        mentions: Mentions,
        entities: Entities,
        dates: dict[int, list[DateMention]],
        events: Events,
    ) -> list[tuple[Meeting, tuple[int, int]]]:
        triggers = [
            t
            for t in self._find_triggers(sentence)
            if not self._modal(sentence, t)
            and (not t.needs_object or self._has_object(sentence, t, mentions, entities))
        ]
        if not triggers:
            return []
        named = entities.named.get(sentence.index, [])
        refs = entities.references.get(sentence.index, [])
        name_spans = [
            (m.span.start, entities.name_links[m.span.start])
            for m in mentions.names
            if m.span.sentence == sentence.index and m.span.start in entities.name_links
        ]
        name_spans += self._surname_spans(sentence, entities)
        name_spans += [
            (start, person) for start, person in entities.title_links.items() if sentence.start <= start < sentence.end
        ]
        meetings: list[tuple[Meeting, tuple[int, int]]] = []
        strong = [t for t in triggers if not t.weak]
        fresh = [t for t in strong if not self._anaphoric(sentence, t)]
        if fresh:
            strong = fresh  # "The talks came a day after X's call with Y": the call is the news here
        first_trigger = (strong or triggers)[0].start
        subject = next((p for start, p in sorted(name_spans) if start < first_trigger), None)
        seen: list[set[int]] = []
        for trigger in strong or triggers:
            a, b = self._clause(sentence, trigger)
            in_clause = sorted({p for start, p in name_spans if a <= start < b})
            verb_first = trigger.start - a <= 6  # the clause opens with its verb: its subject came before
            if (
                subject is not None
                and subject not in in_clause
                and a > sentence.start
                and (len(in_clause) == 1 or verb_first)
            ):
                in_clause = [subject, *in_clause]  # "X paid a call on Y and held talks with Z": X is in both
            participants = in_clause if len(in_clause) >= 2 else list(dict.fromkeys([*named, *refs]))
            if set(participants) in seen:
                continue
            seen.append(set(participants))
            if len(participants) < 2 and sentence.index in entities.group_sentences and events.meetings:
                participants = list(dict.fromkeys([*participants, *events.meetings[0].participants]))
            if len(participants) < 2 and (trigger.weak or not participants):
                continue  # one named person and a strong trigger may still be completed by the next sentence
            if trigger.weak and not self._distinct_countries(participants, entities):
                continue
            kind = (
                trigger.kind
                if trigger.kind not in (None, "visit")
                else self._kind_from_posts(participants, entities, trigger)
            )
            meeting = Meeting(kind=kind, participants=participants, sentences=[sentence.index])
            meeting.explicit_kind = trigger.kind not in (None, "visit")
            meeting.anaphoric = self._anaphoric(sentence, trigger)
            meeting.weak = trigger.weak
            if trigger.role == "host":
                host = next((p for s, p in sorted(name_spans) if s < trigger.start and p in participants), None)
                if host is not None:
                    meeting.roles[host] = "host"
                    for p in participants:
                        meeting.roles.setdefault(p, "visitor")
            meeting.reported = not self._referred(sentence, trigger, a)
            self._place(meeting, sentence, mentions, trigger, kind)
            self._occasion(meeting, sentence)
            self._date(meeting, sentence, dates, trigger, a, b)
            meetings.append((meeting, (a, b)))
            if strong and b >= sentence.end:
                break  # the rest of the sentence is this meeting's clause
        return meetings

    @staticmethod
    def _has_object(sentence: Sentence, trigger: Trigger, mentions: Mentions, entities: Entities) -> bool:
        """ "Received the minister", "hosted the meeting": not "welcomed the growth of cooperation"."""
        window_end = trigger.end + 90
        people = [m.span for m in mentions.names if m.span.start in entities.name_links]
        spans = people + [t.span for t in mentions.titles]
        if any(s.sentence == sentence.index and trigger.end <= s.start < window_end for s in spans):
            return True
        after = sentence.text[trigger.end - sentence.start : window_end - sentence.start]
        return bool(
            re.match(
                r"\s*(?:(?:at|in) [^,]{0,60}?\s)?(?:today\s|yesterday\s)?(?:the\s|a\s|an\s|his\s|her\s|their\s)?"
                r"(?:[\w'’-]+\s){0,4}?(?:meeting|talks|summit|dialogue|call|conference|counterparts?|delegation|"
                r"minister|president|prime minister|his excellency|her excellency)\b",
                after,
                re.IGNORECASE,
            )
        )

    @staticmethod
    def _anaphoric(sentence: Sentence, trigger: Trigger) -> bool:
        """ "The meeting", "the talks": a reference back to an encounter already told."""
        rel = trigger.start - sentence.start
        return trigger.phrase.startswith("the ") or sentence.text[max(0, rel - 4) : rel].lower() == "the "

    def _surname_spans(self, sentence: Sentence, entities: Entities) -> list[tuple[int, int]]:
        spans = []
        for index in entities.named.get(sentence.index, []):
            person = entities.persons[index]
            for form in person.forms:
                for match in re.finditer(r"(?<!\w)" + re.escape(form) + r"(?!\w)", sentence.text):
                    spans.append((sentence.start + match.start(), index))
        return spans

    def _distinct_countries(self, participants: list[int], entities: Entities) -> bool:
        countries = {entities.persons[p].country for p in participants}
        return len(countries - {None}) >= 2

    def _kind_from_posts(self, participants: list[int], entities: Entities, trigger: Trigger) -> str:
        levels = []
        for p in participants:
            kinds = {_HEADS.get(r.post_kind, "other") for r in entities.persons[p].roles} or {"other"}
            levels.append("head" if "head" in kinds else "fm" if "fm" in kinds else "other")
        if all(level == "fm" for level in levels):
            return "foreign-ministers-meeting"
        if all(level == "head" for level in levels):
            return "summit"
        if "head" in levels and trigger.kind != "visit":
            return "courtesy-call"
        if trigger.kind == "visit":
            return "visit"
        return "other-meeting"

    def _referred(self, sentence: Sentence, trigger: Trigger, clause_start: int) -> bool:
        before = sentence.text[clause_start - sentence.start : trigger.start - sentence.start]
        window = before[-60:]
        if re.search(r"\b(?:in the|that|the same|the following|the next) day\b", window, re.IGNORECASE):
            return False  # "Earlier in the day, X held a meeting with Y": news of the same day
        if re.search(r"\b\w+(?:'s|’s)\s+(?:\w+\s+)?$", window) and trigger.kind in (
            "visit",
            "telephone-talk",
            "summit",
        ):
            return True
        return any(p.search(window) for p in self.referral)

    def _place(self, meeting: Meeting, sentence: Sentence, mentions: Mentions, trigger: Trigger, kind: str) -> None:
        if kind in ("telephone-talk", "video-conference"):
            return
        places = [p for p in mentions.places if p.span.sentence == sentence.index]
        if not places:
            return
        places.sort(key=lambda p: (not p.venue, not p.is_city, abs(p.span.start - trigger.start)))
        best = places[0]
        if best.is_city and best.name != "-":
            meeting.place_city = best.name
        meeting.place_country = best.country

    def _occasion(self, meeting: Meeting, sentence: Sentence) -> None:
        match = self.occasion.search(sentence.text)
        if match:
            meeting.occasion = match.group("occ")

    def _date(
        self,
        meeting: Meeting,
        sentence: Sentence,
        dates: dict[int, list[DateMention]],
        trigger: Trigger,
        a: int,
        b: int,
    ) -> None:
        # "since he took office in January" dates something else.
        candidates = [
            d
            for d in dates.get(sentence.index, [])
            if (d.precision != "year" or d.value)
            and not re.search(r"\b(?:since|until|by|from)\s*$", sentence.text[: d.span.start - sentence.start][-12:])
            and not d.expression.lower().startswith(("since", "until", "by ", "from"))
        ]
        # The date told before the verb ("On 18 February, X held ..."), else the first in its clause.
        before = [d for d in candidates if d.span.start < trigger.start]
        in_clause = [d for d in candidates if a <= d.span.start < b]
        if before:
            best = max(before, key=lambda d: d.span.start)
        elif in_clause or candidates:
            best = min(in_clause or candidates, key=lambda d: d.span.start)
        else:
            return
        meeting.date, meeting.date_precision, meeting.date_expression = best.value, best.precision, best.expression
        meeting.date_gap = best.span.start - trigger.end

    def _drop_partial(self, events: Events, meeting_sentences: dict[int, list[int]]) -> dict[int, list[int]]:
        """Forget meetings that never got two participants; renumber what points at meetings."""
        keep = [i for i, m in enumerate(events.meetings) if len(m.participants) >= 2]
        renumber = {old: new for new, old in enumerate(keep)}
        events.meetings[:] = [events.meetings[i] for i in keep]
        self.clauses = {
            s: [(a, b, renumber[i]) for a, b, i in spans if i in renumber] for s, spans in self.clauses.items()
        }
        return {s: [renumber[i] for i in found if i in renumber] for s, found in meeting_sentences.items()}

    def _merge(self, meetings: list[Meeting], new: Meeting) -> int:
        if len(new.participants) < 2:
            meetings.append(new)  # a partial meeting waits for the next sentence to name the others
            return len(meetings) - 1
        for index, old in enumerate(meetings):
            if new.weak and set(new.participants) <= set(old.participants):
                _absorb(old, new, union=False)  # "X is paying a visit to Y" around talks already told
                return index
            same = set(old.participants) == set(new.participants)
            # Fewer people of the same encounter ("A and B then ..."); a larger group is a new
            # encounter ("the two leaders held a three-way summit with ...").
            subset = set(new.participants) <= set(old.participants)
            dates_fit = old.date is None or new.date is None or old.date == new.date
            if (
                same
                and old.reported
                and new.reported
                and old.date_precision == "day"
                and new.date_precision != "day"
                and new.date_gap > 40
            ):
                dates_fit = True  # a coarser date far from the verb dates something else ("... the typhoon last month")
            # A subset told with its own trigger ("X held a bilateral meeting with Y") is a meeting of its own.
            if (same and dates_fit) or (subset and dates_fit and new.anaphoric):
                _absorb(old, new, union=False)
                return index
        meetings.append(new)
        return len(meetings) - 1

    def _dates_and_reporting(
        self,
        document: Document,
        sentences: Sequence[Sentence],
        events: Events,
        mentions: Mentions,
        entities: Entities,
        dates: dict[int, list[DateMention]],
    ) -> None:
        if not events.meetings:
            return
        main = events.meetings[0]
        main.reported = True
        if main.date is None:
            # The lead often dates the encounter ("on Sunday") in a sentence that names the same people.
            for sentence in sentences:
                if set(main.participants) <= set(entities.references.get(sentence.index, [])):
                    resolved = [d for d in dates.get(sentence.index, []) if d.value or d.relative]
                    if resolved:
                        d = resolved[0]
                        main.date, main.date_precision, main.date_expression = d.value, d.precision, d.expression
                        break
        if main.date is None:
            # A dateline: a line that is only a date at the head of the document, or "CITY, June 6 -".
            for sentence in sentences[:6]:
                opens_with_city = re.match(r"^[A-Z][A-Z .'-]{2,30}?\s*[,(]", sentence.text) is not None
                for d in dates.get(sentence.index, []):
                    at_head = opens_with_city and d.span.start - sentence.start < 40
                    if d.value and (len(sentence.text.strip()) - len(d.expression) < 16 or at_head):
                        main.date, main.date_precision, main.date_expression = d.value, d.precision, d.expression
                        break
                if main.date:
                    break
        self._cities(sentences, mentions, events)
        for position, meeting in enumerate(events.meetings[1:], start=1):
            expression = fold(meeting.date_expression or "")
            # "The following day", "a day after": counted from the meeting told just before.
            before = [m for m in events.meetings[:position] if m.date and m.date_precision == "day"]
            reference = before[-1] if before else None
            if meeting.date is None and reference is not None and reference.date is not None:
                for sentence_index in meeting.sentences:
                    text = fold(sentences[sentence_index].text)
                    for phrase, offset in _DAY_OFFSETS.items():
                        if phrase in text or phrase == expression:
                            day = date.fromisoformat(reference.date) + timedelta(days=offset)
                            meeting.date, meeting.date_precision = day.isoformat(), "day"
                            break
                    if meeting.date:
                        break
            undated = not any(dates.get(s) for s in meeting.sentences)
            if (
                meeting.date is None
                and undated
                and meeting.reported
                and main.date_precision == "day"
                and set(meeting.participants) & set(main.participants)
            ):
                # "While in Tokyo, the ministers also called on X": the same day's news, told without a date.
                meeting.date, meeting.date_precision = main.date, "day"
            same_day = any(
                re.search(r"\b(?:in the|that|the same) day\b", sentences[s].text, re.IGNORECASE)
                for s in meeting.sentences
            )
            same_venue = same_day or any("same venue" in sentences[s].text for s in meeting.sentences)
            if (
                same_venue
                and meeting.place_country is None
                and meeting.kind not in ("telephone-talk", "video-conference")
            ):
                meeting.place_city, meeting.place_country = main.place_city, main.place_country
            if meeting.date and meeting.date_precision != "day":
                meeting.reported = False  # "last November", "in 2019": an earlier encounter the text refers to
            if meeting.date and main.date and meeting.date[:4] < main.date[:4]:
                meeting.reported = False

    def _cities(self, sentences: Sequence[Sentence], mentions: Mentions, events: Events) -> None:
        """A meeting placed only in a country takes the one city of that country the document names (its
        dateline, say); a reported meeting with no place takes the dateline's city."""
        cities: dict[str, set[str]] = {}
        headline: dict[str, set[str]] = {}
        for place in mentions.places:
            if place.is_city:
                cities.setdefault(place.country, set()).add(place.name)
                if place.span.sentence == 0:
                    headline.setdefault(place.country, set()).add(place.name)
        for country, names in headline.items():
            if len(names) == 1:
                cities[country] = names  # the headline's city ("ministers meet in Madrid") wins
        dateline = self._dateline(sentences)
        if dateline is not None:
            cities.setdefault(dateline[1], set()).add(dateline[0])
        for meeting in events.meetings:
            if meeting.kind in ("telephone-talk", "video-conference") or meeting.place_city:
                continue
            if meeting.place_country and len(cities.get(meeting.place_country, ())) == 1:
                meeting.place_city = next(iter(cities[meeting.place_country]))
            elif meeting.place_country is None and meeting.reported and dateline is not None:
                meeting.place_city, meeting.place_country = dateline

    def _dateline(self, sentences: Sequence[Sentence]) -> tuple[str, str] | None:
        """ "CHISINAU, June 6 -", "LIMA (Kyodo) --": a city in capitals opening the story."""
        for sentence in sentences[:8]:
            match = re.match(r"^([A-Z][A-Z .'-]{2,30}?)\s*[,(]", sentence.text)
            if match:
                city = self.lexicon.cities.get(fold(match.group(1).strip()))
                if city is not None:
                    return match.group(1).strip().title(), city.country
        return None

    def _issues(
        self,
        document: Document,
        sentences: Sequence[Sentence],
        mentions: Mentions,
        entities: Entities,
        events: Events,
        meeting_sentences: dict[int, list[int]],
    ) -> None:
        if not events.meetings:
            return
        first_meeting_sentence = min(events.meetings[0].sentences)
        # Labels inside the name of an occasion or a framework are not topics ("on the margins of the United
        # Nations General Assembly", "the China-ASEAN Free Trade Area").
        names: list[tuple[int, int]] = []
        for sentence in sentences:
            for pattern, group in ((self.occasion, "occ"), (self.partnership, "name")):
                for match in pattern.finditer(sentence.text):
                    names.append((sentence.start + match.start(group), sentence.start + match.end(group)))
            for match in re.finditer(r"\b[A-Z][\w]+(?:-[A-Z][\w]+)+\b", sentence.text):
                head = fold(match.group().split("-")[0])
                if head in self.lexicon.country_names or head in self.lexicon.demonyms:
                    names.append((sentence.start + match.start(), sentence.start + match.end()))  # "China-ASEAN"
        for mention in mentions.issues:
            if any(a <= mention.span.start and mention.span.end <= b for a, b in names):
                continue
            target = self._meeting_at(
                mention.span.sentence, mention.span.start, entities, events, first_meeting_sentence
            )
            if target is None:
                continue
            meeting = events.meetings[target]
            surface = fold(document.text[mention.span.start : mention.span.end])
            party = self.lexicon.country_names.get(surface) or self.lexicon.demonyms.get(surface.removesuffix("'s"))
            if party is not None and party in {entities.persons[p].country for p in meeting.participants}:
                continue  # "China" is no topic of a meeting China takes part in
            if mention.issue not in meeting.issues:
                meeting.issues.append(mention.issue)

    def _meeting_at(
        self, sentence: int, position: int, entities: Entities, events: Events, first_meeting_sentence: int
    ) -> int | None:
        """The meeting a passage speaks about: the meeting whose trigger clause holds it, else the reported
        meeting whose people the sentence refers to."""
        for a, b, index in self.clauses.get(sentence, []):
            if a <= position < b:
                return index
        reported_here = [i for a, b, i in self.clauses.get(sentence, []) if events.meetings[i].reported]
        if reported_here:
            return reported_here[0]
        return self._meeting_for(sentence, entities, events, {}, first_meeting_sentence)

    def _meeting_for(
        self,
        sentence: int,
        entities: Entities,
        events: Events,
        meeting_sentences: dict[int, list[int]],
        first_meeting_sentence: int,
    ) -> int | None:
        """The meeting a sentence speaks about: its own trigger, else the one whose people it names."""
        if sentence in meeting_sentences:
            return meeting_sentences[sentence][0]
        refs = set(entities.references.get(sentence, []))
        if len(refs) == 1 and sentence not in self.speech_sentences and sentence not in entities.group_sentences:
            refs = set()  # one person doing something else ("X visited a school") is not the meeting
        ranked = []
        for index, meeting in enumerate(events.meetings):
            overlap = len(refs & set(meeting.participants))
            if overlap == 0 or not meeting.reported:
                continue
            distance = min(abs(sentence - s) for s in meeting.sentences)
            preceding = 0 if min(meeting.sentences) <= sentence else 1
            ranked.append(((-overlap, preceding, distance), index))
        if ranked:
            return min(ranked)[1]
        if sentence in entities.group_sentences and sentence >= first_meeting_sentence:
            preceding_meetings = [
                i for i, m in enumerate(events.meetings) if min(m.sentences) <= sentence and m.reported
            ]
            if preceding_meetings:
                return preceding_meetings[-1]
            return 0 if events.meetings else None  # "the two sides" with no meeting found: nothing to attach to
        return None

    # -- partnerships ------------------------------------------------------------------------------------------
    def _group_members(self, sentence: Sentence, entities: Entities, people: list[int]) -> list[int]:
        """ "The two ministers" among more people: those who hold ministerial posts, when that makes two."""
        text = sentence.text.lower()
        number = next((n for word, n in (("two", 2), ("three", 3), ("four", 4)) if f"the {word} " in text), None)
        if number is None or len(people) <= number:
            return list(people)
        ministers = [
            p
            for p in people
            if any(
                r.post_kind in ("foreign-minister", "minister", "prime-minister", "president", "head-of-state")
                for r in entities.persons[p].roles
            )
        ]
        return ministers if len(ministers) == number else list(people)

    def _partnerships(
        self,
        sentences: Sequence[Sentence],
        mentions: Mentions,
        entities: Entities,
        events: Events,
        meeting_sentences: dict[int, list[int]],
        dates: dict[int, list[DateMention]],
    ) -> None:
        seen: dict[str, Partnership] = {}
        for sentence in sentences:
            found = list(self.partnership.finditer(sentence.text))
            for match in self.partnership_lower.finditer(sentence.text):
                words = match.group("name").split()
                specific = "-" in words[0] or len(words) >= 3 or "community" in words
                if specific and not any(m.start() <= match.start() < m.end() for m in found):
                    found.append(match)
            for match in found:
                name = match.group("name").strip()
                if name == name.lower():
                    name = name.title()  # "comprehensive strategic partnership" -> its usual written name
                words = name.split()
                while words and (
                    words[0] in self.lexicon.non_name_words - {"Special", "Strategic", "Comprehensive"}
                    or words[0].lower() in ("a", "an", "the", "new")
                ):
                    words = words[1:]
                name = " ".join(words)
                if len(words) < 2:
                    continue
                if name.split()[0].lower() in ("partnership", "relationship"):
                    continue
                parties = self._parties(name, sentence, mentions, entities, events)
                key = fold(re.sub(r"^[\w\-]+-[\w\-]+\s+", "", name)) if "-" in words[0] else fold(name)
                partnership = seen.get(key)
                if partnership is None:
                    if len(parties) < 2:
                        continue
                    partnership = Partnership(name=name, parties=parties, sentence=sentence.index)
                    seen[key] = partnership
                    events.partnerships.append(partnership)
                self._establishment(partnership, sentence, match.start(), entities, events, meeting_sentences, dates)
                first = min(events.meetings[0].sentences) if events.meetings else 0
                targets = set(meeting_sentences.get(sentence.index, []))
                target = self._meeting_at(sentence.index, sentence.start + match.start(), entities, events, first)
                if target is not None:
                    targets.add(target)
                by_people = self._meeting_for(sentence.index, entities, events, {}, first)
                if by_people is not None:
                    targets.add(by_people)
                for index in targets:
                    if partnership.name not in events.meetings[index].partnerships:
                        events.meetings[index].partnerships.append(partnership.name)

    def _parties(
        self, name: str, sentence: Sentence, mentions: Mentions, entities: Entities, events: Events
    ) -> list[str]:
        first = name.split()[0]
        if "-" in first:
            codes = [
                self.lexicon.country_names.get(fold(part)) or self.lexicon.demonyms.get(fold(part))
                for part in first.split("-")
            ]
            if all(codes):
                return sorted({c for c in codes if c})
        found = {c.code for c in mentions.countries if c.span.sentence == sentence.index}
        found |= {c for p in entities.named.get(sentence.index, []) if (c := entities.persons[p].country)}
        if len(found) < 2 and events.meetings:
            found |= {c for p in events.meetings[0].participants if (c := entities.persons[p].country)}
        return sorted(found)

    def _establishment(
        self,
        partnership: Partnership,
        sentence: Sentence,
        position: int,
        entities: Entities,
        events: Events,
        meeting_sentences: dict[int, list[int]],
        dates: dict[int, list[DateMention]],
    ) -> None:
        text = sentence.text.lower()
        if not any(re.search(r"\b" + re.escape(cue) + r"\b", text) for cue in self.change_cues):
            return
        referred = [i for i in meeting_sentences.get(sentence.index, []) if not events.meetings[i].reported]
        if referred and partnership.established_at is None:
            meeting = events.meetings[referred[0]]
            partnership.established_at = referred[0]
            partnership.established_by = list(meeting.participants)
            if (meeting.date and meeting.date_precision != "day") or meeting.date:
                partnership.established = meeting.date
        if partnership.established is None:
            candidates = [d for d in dates.get(sentence.index, []) if d.value]
            if candidates:
                best = min(candidates, key=lambda d: abs(d.span.start - (sentence.start + position)))
                partnership.established = best.value

    # -- agreements -----------------------------------------------------------------------------------------------
    def _agreements(
        self,
        sentences: Sequence[Sentence],
        mentions: Mentions,
        entities: Entities,
        events: Events,
        dates: dict[int, list[DateMention]],
    ) -> None:
        for sentence in sentences:
            for match in self.agreement.finditer(sentence.text):
                before = _words_before(sentence.text, match.start(), 40)
                if self._modal_cue(before, at_start=len(before) == match.start()):
                    continue
                np = match.group("np").strip()
                np = re.split(r",\s+(?:and|while|which|as)\b|;", np)[0]
                title = np[:1].upper() + np[1:]
                title = re.sub(r"^(?:An?|The)\s+", "", title)
                title = title[:1].upper() + title[1:]
                # Who signed: the people named before the verb, and "signed with X".
                signatories = [
                    p
                    for p in entities.named.get(sentence.index, [])
                    if any(
                        m.start() < match.start() or sentence.text[match.start() : m.start()].endswith("with ")
                        for form in entities.persons[p].forms
                        for m in re.finditer(re.escape(form), sentence.text)
                    )
                ]
                if re.search(r"\bwitness(?:ed|es)?\b", sentence.text[: match.start()], re.IGNORECASE):
                    signatories = []  # "the two ministers witnessed the signing": others signed
                elif not signatories and sentence.index in entities.group_sentences and events.meetings:
                    signatories = self._group_members(sentence, entities, events.meetings[0].participants)
                amounts = [
                    a
                    for a in mentions.amounts
                    if a.span.sentence == sentence.index and a.span.start >= sentence.start + match.start()
                ]
                if not amounts and re.search(r"\b(?:funding|aid|loan|grant|money|assistance|support)\b", np):
                    # "signed a declaration of intent on the funding": the sum the text gave before.
                    earlier = [a for a in mentions.amounts if a.span.start < sentence.start and a.currency]
                    amounts = earlier[:1]
                agreement = Agreement(title=title, sentence=sentence.index, signed_by=signatories)
                if amounts:
                    agreement.amount, agreement.currency = amounts[0].amount, amounts[0].currency
                day_dates = [d for d in dates.get(sentence.index, []) if d.value and d.precision == "day"]
                if day_dates:
                    agreement.date = day_dates[0].value
                elif events.meetings and set(signatories) & set(events.meetings[0].participants):
                    main = events.meetings[0]
                    agreement.date = main.date if main.date_precision == "day" else None
                same = next(
                    (
                        a
                        for a in events.agreements
                        if a.signed_by
                        and set(a.signed_by) == set(agreement.signed_by)
                        and (a.amount is None or agreement.amount is None)
                    ),
                    None,
                )
                if same is None:
                    events.agreements.append(agreement)
                elif same.amount is None and agreement.amount is not None:
                    # "exchange the signed notes" and "the signing of the Exchange of Notes ... ¥46 billion": one.
                    same.title, same.amount, same.currency, same.sentence = (
                        agreement.title,
                        agreement.amount,
                        agreement.currency,
                        agreement.sentence,
                    )


def _words_before(text: str, end: int, size: int) -> str:
    """About ``size`` characters of ``text`` before ``end``, starting on a whole word: a window cut inside
    "Magno" must not read as the cue "no"."""
    start = max(0, end - size)
    while 0 < start < end and (text[start - 1].isalnum() or text[start - 1] in "'’-"):
        start += 1
    return text[start:end]


def _words_after(text: str, start: int, size: int) -> str:
    """About ``size`` characters of ``text`` from ``start``, ending on a whole word ("notably" is not "not")."""
    end = min(len(text), start + size)
    while start < end < len(text) and (text[end].isalnum() or text[end] in "'’-"):
        end -= 1
    return text[start:end]


def _absorb(old: Meeting, new: Meeting, *, union: bool) -> None:
    """Fold what ``new`` says about the same encounter into ``old``."""
    if union:
        old.participants = list(dict.fromkeys([*old.participants, *new.participants]))
    elif len(new.participants) > len(old.participants):
        old.participants = new.participants
    old.sentences.extend(s for s in new.sentences if s not in old.sentences)
    # A kind the text names ("paid a courtesy call", "by telephone") wins over one read off the posts.
    if (new.explicit_kind and not old.explicit_kind) or (
        not old.explicit_kind and old.kind in ("other-meeting", "visit") and new.kind not in ("other-meeting", "visit")
    ):
        old.kind = new.kind
        old.explicit_kind = new.explicit_kind
    if old.date is None and new.date is not None:
        old.date, old.date_precision, old.date_expression = new.date, new.date_precision, new.date_expression
    old.place_city = old.place_city or new.place_city
    old.place_country = old.place_country or new.place_country
    old.occasion = old.occasion or new.occasion
    for person, role in new.roles.items():
        old.roles.setdefault(person, role)


def extract_events(
    document: Document, sentences: Sequence[Sentence], mentions: Mentions, entities: Entities, lexicon: Lexicon
) -> Events:
    """Stage function: meetings, partnerships and agreements of one document."""
    key = id(lexicon)
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = EventExtractor(lexicon)
    return _EXTRACTORS[key].extract(document, sentences, mentions, entities)


_EXTRACTORS: dict[int, EventExtractor] = {}
