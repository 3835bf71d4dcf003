"""text/spell_check with `pyspellchecker` (word-frequency dictionaries for 12 languages in the wheel)."""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, UnsupportedLanguage
from unigate.providers.local.models import LazyModel
from unigate.providers.local.textsplit import Span, sentences, words

MODEL = "pyspellchecker"
LANGUAGES = ("ar", "de", "en", "es", "eu", "fa", "fr", "it", "lv", "nl", "pt", "ru")
MAX_CHARS = 100_000
MAX_SUGGESTIONS = 5
# Only one edit away: pyspellchecker's two-edit search generates every string two edits away in
# Python, measured at 5-13 s for one unknown 9-14 letter word. Most typos are one edit.
DISTANCE = 1
CAPITALISED_NOUNS = frozenset({"de"})  # German capitalises every noun: capitals are no sign of a name

EXTRA = "local-nlp"
REQUIRES = ("spellchecker",)


def _loader(language: str) -> Any:
    def load() -> Any:
        from spellchecker import SpellChecker

        return SpellChecker(language=language, distance=DISTANCE)

    return load


CHECKERS: dict[str, LazyModel[Any]] = {
    lang: LazyModel(f"{MODEL}-{lang}", _loader(lang)) for lang in LANGUAGES
}


def base_language(code: str | None) -> str:
    return (code or "en").replace("_", "-").split("-")[0].lower()


def _skipped(word: Span, sentence_starts: set[int], language: str) -> bool:
    """Acronyms, mixed case ("iPhone") and, outside German, capitalised words inside a sentence
    (most likely names, which no word list holds)."""
    text = word.text
    if len(text) > 1 and text.isupper():
        return True
    if any(c.isupper() for c in text[1:]):
        return True
    return text[0].isupper() and word.start not in sentence_starts and language not in CAPITALISED_NOUNS


def _known(checker: Any, word: str) -> bool:
    if word in checker:
        return True
    # Elisions and clitics ("s'il", "l'été", "dell'anno"): each part known, or a one-letter elision.
    parts = word.split("'")
    return len(parts) > 1 and all(len(p) <= 1 or p in checker for p in parts)


def _candidates(checker: Any, word: str) -> set[str]:
    """`checker.candidates(word)` (distance 1) for a word not in the dictionary: the library's own
    edits and its `known` filter, with the dictionary lookup of the ~50 x len(word) edits done as one
    set intersection in C. `known` on every edit cost ~1 ms per unknown word (a Python call each)."""
    edits: set[str] = checker.edit_distance_1(word)
    found: set[str] = checker.known(edits & checker.word_frequency.dictionary.keys())
    return found


def _cased(suggestion: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return suggestion.upper()
    if original[0].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


def check(text: str, language: str) -> list[dict[str, Any]]:
    """Blocking: the unknown words with their offsets and up to MAX_SUGGESTIONS corrections; a
    suggestion's score is its share of the candidates' corpus frequency."""
    checker = CHECKERS[language].get()
    starts = set()
    for sentence in sentences(text):
        first = words(sentence.text)
        if first:
            starts.add(sentence.start + first[0].start)
    items = []
    for word in words(text):
        lookup = word.text.replace("’", "'").lower()
        if _known(checker, lookup) or _skipped(word, starts, language):
            continue
        found = _candidates(checker, lookup)
        counts = {c: int(checker.word_frequency[c]) for c in found if c != lookup}
        total = sum(counts.values()) or 1
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SUGGESTIONS]
        items.append(
            {
                "text": word.text,
                "type": "misspelled",
                "offset": word.start,
                "length": word.end - word.start,
                "suggestions": [
                    {"suggestion": _cased(c, word.text), "score": round(n / total, 4)} for c, n in best
                ],
            }
        )
    return items


def corrected(text: str, items: list[dict[str, Any]]) -> str:
    """`text` with each misspelling replaced by its best suggestion (kept when there is none)."""
    out = []
    last = 0
    for item in items:
        if item["suggestions"]:
            out += [text[last : item["offset"]], item["suggestions"][0]["suggestion"]]
            last = item["offset"] + item["length"]
    return "".join([*out, text[last:]])


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    language = base_language(getattr(input, "language", None))
    if language not in CHECKERS:
        raise UnsupportedLanguage(f"no dictionary for {language!r}; supported: {', '.join(LANGUAGES)}")
    items = await ctx.run_blocking(check, text, language)
    raw = {"model": MODEL, "language": language, "corrected": corrected(text, items)}
    return ProviderResult(output={"text": text, "items": items}, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="text/spell_check",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=30,
                description="pyspellchecker 0.9.1: Norvig-style checker over word-frequency lists "
                "for ar, de, en, es, eu, fa, fr, it, lv, nl, pt, ru",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=frozenset(LANGUAGES), max_text_chars=MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. Flags words missing from the language's word list (English "
        "when `language` is omitted) and suggests known words one edit away (insert, delete, replace "
        "or swap two letters), most frequent first; a score is the suggestion's share of the "
        "candidates' frequency. Word by word: no grammar, no real-word errors (their/there). Acronyms "
        "and, except in German, capitalised words inside a sentence are taken as names and not checked. "
        "The raw response carries the text with the best suggestions applied. Each language's "
        "dictionary loads on its first use (about 1 s and 25-30 MB each).",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
