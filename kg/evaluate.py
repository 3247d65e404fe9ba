"""Score the converter against gold annotations (NAME.gold.json beside NAME.txt; docs/gold-format.md).

Persons, roles, meetings, partnerships and agreements are scored with precision, recall and F1; issues
with P/R/F1 over matched meetings, both sets extended with their broader concepts as the guidelines say;
date, place, kind and reported with accuracy over matched meetings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kg.convert import convert_file
from kg.errors import DocumentError
from kg.lexicon import fold, load_lexicon
from kg.pipeline.model import Extraction

GOLD_SUFFIX = ".gold.json"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Accuracy:
    correct: int = 0
    total: int = 0

    def add(self, other: Accuracy) -> None:
        self.correct += other.correct
        self.total += other.total

    def score(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 1.0


F1_FIELDS = ("persons", "roles", "meetings", "issues", "partnerships", "agreements")
ACCURACY_FIELDS = ("date", "place", "kind", "reported")


@dataclass
class Scores:
    counts: dict[str, Counts] = field(default_factory=lambda: {name: Counts() for name in F1_FIELDS})
    accuracy: dict[str, Accuracy] = field(default_factory=lambda: {name: Accuracy() for name in ACCURACY_FIELDS})
    errors: list[str] = field(default_factory=list)

    def add(self, other: Scores) -> None:
        for name in F1_FIELDS:
            self.counts[name].add(other.counts[name])
        for name in ACCURACY_FIELDS:
            self.accuracy[name].add(other.accuracy[name])

    def as_dict(self) -> dict[str, Any]:
        return {
            **{
                name: {"precision": c.precision, "recall": c.recall, "f1": c.f1, "tp": c.tp, "fp": c.fp, "fn": c.fn}
                for name, c in self.counts.items()
            },
            **{
                f"{name}_accuracy": {"value": a.value, "correct": a.correct, "total": a.total}
                for name, a in self.accuracy.items()
            },
        }


@dataclass
class Evaluation:
    total: Scores
    documents: dict[str, Scores]

    def as_dict(self, *, verbose: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"documents": len(self.documents), "total": self.total.as_dict()}
        if verbose:
            data["per_document"] = {
                name: {**scores.as_dict(), "errors": scores.errors} for name, scores in self.documents.items()
            }
        return data


def _names_match(key: str, gold_name: str, predicted: str) -> bool:
    tokens = set(fold(predicted).replace("-", " ").split())
    return fold(gold_name) == fold(predicted) or fold(key) in tokens or fold(key) in fold(predicted).split()


def _ancestors(issue: str, broader: dict[str, str | None]) -> set[str]:
    found = set()
    parent = broader.get(issue)
    while parent:
        found.add(parent)
        parent = broader.get(parent)
    return found


def extend_issues(issues: Iterable[str], broader: dict[str, str | None]) -> set[str]:
    """Issues plus their broader concepts; top concepts only where the set names them itself."""
    named = set(issues)
    extended = set(named)
    for issue in named:
        for ancestor in _ancestors(issue, broader):
            if broader.get(ancestor) is not None or ancestor in named:
                extended.add(ancestor)
    return extended


def score_document(extraction: Extraction, gold: dict[str, Any]) -> Scores:
    """Compare one document's extraction with its gold annotation."""
    scores = Scores()
    persons = extraction.entities.persons
    gold_persons = gold.get("persons", [])
    # persons: one-to-one, gold key or full name
    person_map: dict[int, str] = {}
    used: set[str] = set()
    for index, person in enumerate(persons):
        for g in gold_persons:
            if g["key"] not in used and _names_match(g["key"], g["name"], person.name):
                person_map[index] = g["key"]
                used.add(g["key"])
                break
    c = scores.counts["persons"]
    c.tp = len(person_map)
    c.fp = len(persons) - len(person_map)
    c.fn = len(gold_persons) - len(person_map)
    for index, person in enumerate(persons):
        if index not in person_map:
            scores.errors.append(f"extra person {person.name!r}")
    for g in gold_persons:
        if g["key"] not in used:
            scores.errors.append(f"missed person {g['name']!r}")

    def pid(index: int) -> str:
        return person_map.get(index, f"?{persons[index].name}")

    # roles
    predicted_roles = {(pid(i), r.post_kind, r.country) for i, p in enumerate(persons) for r in p.roles}
    gold_roles = {(g["key"], r["post"], r.get("country")) for g in gold_persons for r in g.get("roles", [])}
    _set_counts(scores.counts["roles"], predicted_roles, gold_roles, scores.errors, "role")
    # meetings: match by participants
    meetings = extraction.events.meetings
    gold_meetings = gold.get("meetings", [])
    predicted_sets = [{pid(i) for i in m.participants} for m in meetings]
    pairs: list[tuple[float, int, int]] = []
    for i, pset in enumerate(predicted_sets):
        for j, gm in enumerate(gold_meetings):
            gset = set(gm["participants"])
            overlap = len(pset & gset)
            if overlap >= 2 or (overlap and pset == gset):
                jaccard = overlap / len(pset | gset)
                date_bonus = 0.01 if meetings[i].date == gm.get("date") else 0.0
                pairs.append((jaccard + date_bonus, i, j))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _score, i, j in sorted(pairs, reverse=True):
        if i not in matched and j not in taken:
            matched[i] = j
            taken.add(j)
    mc = scores.counts["meetings"]
    mc.tp, mc.fp, mc.fn = len(matched), len(meetings) - len(matched), len(gold_meetings) - len(matched)
    for i, m in enumerate(meetings):
        if i not in matched:
            scores.errors.append(f"extra meeting {sorted(predicted_sets[i])} {m.date}")
    for j, gm in enumerate(gold_meetings):
        if j not in taken:
            scores.errors.append(f"missed meeting {gm['participants']} {gm.get('date')}")
    broader = load_lexicon().issue_broader
    for i, j in matched.items():
        m, gm = meetings[i], gold_meetings[j]
        label = f"meeting {sorted(gm['participants'])}"
        _check(scores, "date", m.date, gm.get("date"), label)
        city_ok = fold(m.place_city or "") == fold(gm.get("place_city") or "")
        _check(
            scores,
            "place",
            (city_ok, m.place_country),
            (True, gm.get("place_country")),
            label,
            shown=(m.place_city, m.place_country),
            expected=(gm.get("place_city"), gm.get("place_country")),
        )
        _check(scores, "kind", m.kind, gm.get("kind"), label)
        _check(scores, "reported", m.reported, gm.get("reported"), label)
        _set_counts(
            scores.counts["issues"],
            extend_issues(m.issues, broader),
            extend_issues(gm.get("issues", []), broader),
            scores.errors,
            f"issue of {label}",
        )
    # partnerships
    predicted_partnerships = {
        (_partnership_key(p.name), tuple(sorted(p.parties))) for p in extraction.events.partnerships
    }
    gold_partnerships = {
        (_partnership_key(p["name"]), tuple(sorted(p.get("parties", [])))) for p in gold.get("partnerships", [])
    }
    _set_counts(scores.counts["partnerships"], predicted_partnerships, gold_partnerships, scores.errors, "partnership")
    # agreements: amount, currency and signatories
    predicted_agreements = {
        (_amount(a.amount), a.currency, frozenset(pid(i) for i in a.signed_by)) for a in extraction.events.agreements
    }
    gold_agreements = {
        (_amount(a.get("amount")), a.get("currency"), frozenset(a.get("signed_by", [])))
        for a in gold.get("agreements", [])
    }
    _set_counts(scores.counts["agreements"], predicted_agreements, gold_agreements, scores.errors, "agreement")
    return scores


def _partnership_key(name: str) -> str:
    words = name.split()
    if len(words) > 1 and "-" in words[0]:
        words = words[1:]
    return fold(" ".join(words))


def _amount(value: object) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).normalize())


def _check(
    scores: Scores,
    name: str,
    predicted: object,
    gold: object,
    label: str,
    *,
    shown: object = None,
    expected: object = None,
) -> None:
    ok = predicted == gold
    scores.accuracy[name].score(ok)
    if not ok:
        scores.errors.append(
            f"{name} of {label}: got {shown if shown is not None else predicted!r}, "
            f"expected {expected if expected is not None else gold!r}"
        )


def _set_counts(counts: Counts, predicted: set[Any], gold: set[Any], errors: list[str], what: str) -> None:
    counts.tp += len(predicted & gold)
    counts.fp += len(predicted - gold)
    counts.fn += len(gold - predicted)
    errors.extend(f"extra {what} {item}" for item in sorted(predicted - gold, key=str))
    errors.extend(f"missed {what} {item}" for item in sorted(gold - predicted, key=str))


def gold_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob(f"*{GOLD_SUFFIX}"))


def evaluate(directories: Iterable[Path | str]) -> Evaluation:
    """Convert every NAME.txt that has a NAME.gold.json under the directories and score it."""
    total = Scores()
    documents: dict[str, Scores] = {}
    found = False
    for directory in directories:
        directory = Path(directory)
        if not directory.exists():
            raise DocumentError("no such folder; pass a folder holding NAME.txt and NAME.gold.json", path=directory)
        for gold_path in gold_files(directory):
            found = True
            text_path = gold_path.with_name(gold_path.name[: -len(GOLD_SUFFIX)] + ".txt")
            try:
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise DocumentError(
                    f"gold file is not valid JSON: {error.msg}", path=gold_path, line=error.lineno, column=error.colno
                ) from error
            extraction = convert_file(text_path).extraction
            scores = score_document(extraction, gold)
            documents[text_path.stem] = scores
            total.add(scores)
    if not found:
        raise DocumentError("no NAME.gold.json files found", path=", ".join(str(d) for d in directories))
    return Evaluation(total, documents)
