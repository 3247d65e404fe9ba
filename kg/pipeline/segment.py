"""Stage 1, text -> sentences: split on line breaks and sentence ends, keeping character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.lexicon import Lexicon
from kg.pipeline.model import Sentence

_END = re.compile(r"[.!?][\"'”’)]*\s+")
_PREFIXED = re.compile(r"([a-z]+-)(?=[A-Z])")
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[\w][\w'’\-]*\.?|[$€£¥₩₹]|[^\w\s]")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    bare: str = ""  # the token without a trailing full stop or possessive (set by ``tokenize``)


def _bare(text: str) -> str:
    if text.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", text):
        text = text[:-1]
    for suffix in ("'s", "’s"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Word tokens with absolute offsets; a trailing full stop stays on abbreviations like "U.S."."""
    return list(_tokenize(text, offset))


@lru_cache(maxsize=4096)
def _tokenize(text: str, offset: int) -> tuple[Token, ...]:
    # Several stages read the same sentences; tokens are immutable, so one tokenisation serves them all.
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        start = match.start() + offset
        if word.endswith(".") and len(word) > 1 and not re.fullmatch(r"(?:[A-Z]\.)+|[A-Z][a-z]{0,3}\.", word):
            tokens.append(Token(word[:-1], start, start + len(word) - 1))
            tokens.append(Token(".", start + len(word) - 1, start + len(word)))
        elif (split := _PREFIXED.match(word)) is not None:
            # "then-President", "ex-Premier": the prefix is not part of the title.
            cut = split.end(1)
            tokens.append(Token(word[:cut], start, start + cut))
            tokens.append(Token(word[cut:], start + cut, start + len(word)))
        else:
            tokens.append(Token(word, start, start + len(word)))
    return tuple(Token(t.text, t.start, t.end, _bare(t.text)) for t in tokens)


def split_sentences(text: str, lexicon: Lexicon) -> list[Sentence]:
    """Sentences of ``text`` in order; each keeps its offsets so that ``text[start:end] == sentence.text``.

    >>> from kg.lexicon import load_lexicon
    >>> [s.text for s in split_sentences("Mr. Tanaka met Ms. Lee. They talked.\\nNext", load_lexicon())]
    ['Mr. Tanaka met Ms. Lee.', 'They talked.', 'Next']
    """
    abbreviations = set(lexicon.patterns["abbreviations"])
    sentences: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        chunk = line.group()
        cut = 0
        for end in _END.finditer(chunk):
            before = chunk[cut : end.start() + 1]
            last_word = before.split()[-1] if before.split() else ""
            if last_word in abbreviations or re.fullmatch(r"(?:[A-Z]\.)+", last_word):
                continue
            if re.fullmatch(r"\d{1,2}\.", last_word) and before.strip() == last_word:
                continue  # a list number such as "1."
            following = chunk[end.end() : end.end() + 1]
            if following and following.islower():
                continue
            _add(sentences, text, base + cut, base + end.end())
            cut = end.end()
        _add(sentences, text, base + cut, base + len(chunk))
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(len(sentences), start, end, text[start:end]))
