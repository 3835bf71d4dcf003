"""Sentence and word splitting with character offsets, shared by the local text models.

Pure Python and regex only (no NLTK data: nothing may be downloaded at run time). Good enough for
prose in Latin, Cyrillic and Greek scripts; it does not segment Chinese/Japanese/Thai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? … (closing quotes/brackets kept with it), or at a blank line.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)|\n[ \t]*\n")
_WORD_BEFORE = re.compile(r"(\S+)[.]$")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)*[^\W\d_]$")  # "U.K", "J" (an initial)
_ABBREVIATED = (
    "mr mrs ms dr prof st sr jr vs etc inc ltd co corp no nr fig approx dept est gen gov mt rev sgt "
    "jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e cf al"
)
ABBREVIATIONS = frozenset(_ABBREVIATED.split())
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    start: int
    end: int


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period ending at `end` closes an abbreviation or an initial, not a sentence."""
    m = _WORD_BEFORE.search(text, max(0, end - 12), end)
    if m is None:
        return False
    word = m.group(1).lower().lstrip("(\"'“‘")
    return word in ABBREVIATIONS or bool(_INITIALS.match(word))


def sentences(text: str) -> list[Span]:
    """The sentences of `text`, stripped, with their offsets in `text`."""
    spans: list[Span] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        rest = text[end:].lstrip()
        if m.group().strip():  # punctuation, not a blank line
            if rest and rest[0].islower():
                continue  # "U.K. startup", "e.g. this": the sentence goes on
            if rest and m.group() == "." and _is_abbreviation(text, end):
                continue
        _add(spans, text, start, end)
        start = end
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        spans.append(Span(stripped, start + lead, start + lead + len(stripped)))


def words(text: str) -> list[Span]:
    """Words (letters, with inner apostrophes), without digits or punctuation, with their offsets."""
    return [Span(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
