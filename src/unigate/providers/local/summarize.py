"""text/summarize with TextRank (`summa`): extractive, the most central sentences in reading order."""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, UnsupportedLanguage
from unigate.providers.local.textrank import pagerank

MODEL = "textrank"
MAX_CHARS = 200_000  # the sentence graph is dense: n² weights for n sentences
DEFAULT_RATIO = 0.2  # summa's own default: a fifth of the sentences, at least one
# ISO 639-1 -> summa's Snowball stemmer names. summa ships stop words for only some of them; the
# others get spaCy's list for that language (pure data, no model).
LANGUAGES = {
    "ar": "arabic", "da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish",
    "fr": "french", "hu": "hungarian", "it": "italian", "nb": "norwegian", "nl": "dutch",
    "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sv": "swedish",
}  # fmt: skip
SUMMA_STOPWORDS = frozenset({"arabic", "danish", "english", "german", "italian", "polish", "portuguese",
                             "spanish", "swedish"})  # fmt: skip

EXTRA = "local-nlp"
REQUIRES = ("summa", "scipy", "numpy")


# Dense word-presence matrices up to this many cells (8 bytes each); sparse beyond.
DENSE_CELLS = 1_000_000


def base_language(code: str | None) -> str:
    return (code or "en").replace("_", "-").split("-")[0].lower()


@cache
def extra_stopwords(iso: str) -> frozenset[str]:
    """spaCy's stop words for a language summa has none for (empty if spaCy lacks it too). The
    file is pure data, read without importing spaCy (whose import takes seconds)."""
    if LANGUAGES[iso] in SUMMA_STOPWORDS:
        return frozenset()
    spacy = importlib.util.find_spec("spacy")
    if spacy is None or not spacy.submodule_search_locations:
        return frozenset()
    iso = "nb" if iso == "no" else iso
    path = Path(next(iter(spacy.submodule_search_locations))) / "lang" / iso / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_unigate_stop_words_{iso}", path)
    if spec is None or spec.loader is None or not path.is_file():
        return frozenset()
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


@cache
def _cleaner(iso: str) -> tuple[Callable[[str], str], frozenset[str]]:
    """(stem, stop words) of a language, built once. summa's `clean_text_by_sentences` rebuilds both
    on every call and keeps them in module globals (so calls had to be serialised); its filters are
    applied here in the same order with the same functions, so the tokens are the same."""
    from summa.preprocessing.snowball import SnowballStemmer
    from summa.preprocessing.stopwords import get_stopwords_by_language

    language = LANGUAGES[iso]
    stop = frozenset(w for w in get_stopwords_by_language(language).split() if w) | extra_stopwords(iso)
    stem: Callable[[str], str] = SnowballStemmer(language).stem
    return stem, stop


def sentence_tokens(text: str, iso: str) -> list[tuple[str, list[str]]]:
    """Blocking: (sentence, its stemmed content words) for every sentence that keeps any, in reading
    order: summa's sentence splitting and filters (lower case, no digits, no punctuation, no stop
    words, Snowball stems)."""
    from summa.preprocessing.textcleaner import split_sentences, strip_numeric, strip_punctuation

    stem, stop = _cleaner(iso)
    out = []
    for sentence in split_sentences(text):
        lowered = strip_punctuation(strip_numeric(sentence.lower()))
        words = [t for t in (stem(w) for w in lowered.split() if w not in stop) if t]
        if words:
            out.append((sentence, words))
    return out


def ranked_sentences(text: str, iso: str) -> list[tuple[str, float]]:
    """Blocking: every sentence with its TextRank score, in reading order. summa splits, stems and
    drops stop words; the graph (summa's overlap similarity) and PageRank are computed here with
    numpy, because summa's pure-Python graph and dense eigendecomposition take ~25 s for 700
    sentences."""
    import numpy as np

    units = sentence_tokens(text, iso)
    if not units:
        return []
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, (_, words) in enumerate(units):
        for word in set(words):
            rows.append(i)
            cols.append(vocab.setdefault(word, len(vocab)))
    n = len(units)
    if n * len(vocab) <= DENSE_CELLS:  # a short text: scipy's sparse set-up costs more than it saves
        present = np.zeros((n, len(vocab)))
        present[rows, cols] = 1.0
        common = present @ present.T
    else:
        from scipy import sparse

        matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(vocab)))
        common = (matrix @ matrix.T).toarray()
    # summa's similarity: shared words / (log10 |s1| + log10 |s2|), 0 on the diagonal.
    logs = np.log10([len(words) for _, words in units])
    denom = logs[:, None] + logs[None, :]
    weights = np.divide(common, denom, out=np.zeros_like(common), where=denom > 0)
    np.fill_diagonal(weights, 0.0)
    if not weights.any():  # no shared words at all: summa links every pair equally
        weights = np.ones_like(weights) - np.eye(n)
    scores = pagerank(weights)
    return [(sentence, float(score)) for (sentence, _), score in zip(units, scores, strict=True)]


def summarize(text: str, iso: str, count: int | None) -> tuple[str, list[dict[str, Any]]]:
    """Blocking: (summary, raw sentence scores). `count` sentences, or a fifth of them."""
    scored = ranked_sentences(text, iso)
    if not scored:
        return "", []
    wanted = count if count is not None else max(1, math.floor(len(scored) * DEFAULT_RATIO + 0.5))
    best = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))[:wanted]
    chosen = sorted(best)
    raw = [
        {"sentence": s, "score": round(score, 6), "chosen": i in best} for i, (s, score) in enumerate(scored)
    ]
    return " ".join(scored[i][0] for i in chosen), raw


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    iso = base_language(getattr(input, "language", None))
    if iso not in LANGUAGES:
        raise UnsupportedLanguage(f"no stemmer for {iso!r}; supported: {', '.join(sorted(LANGUAGES))}")
    count = getattr(input, "output_sentences", None)
    summary, sentences = await ctx.run_blocking(summarize, text, iso, count)
    raw = {"model": MODEL, "language": LANGUAGES[iso], "sentences": sentences}
    return ProviderResult(output={"result": summary}, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="text/summarize",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=40,
                description="TextRank sentence extraction (summa 1.2.0) with Snowball stemmers",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=frozenset(LANGUAGES), max_text_chars=MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. Extractive: the summary is made of the text's own most "
        "central sentences (TextRank over word overlap), in reading order; nothing is rewritten. "
        "output_sentences sets how many (default: a fifth of the sentences, at least one). Without "
        "`language` the text is treated as English; give it for other languages.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
