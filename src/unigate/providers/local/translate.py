"""translation/automatic_translation with Apertium, a rule-based translator from Debian packages
(`apertium` plus one `apertium-<pair>` package per language pair).

Apertium is GPL: it is run as a command-line subprocess, never imported. The language pairs are
discovered from the installed modes at run time; nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import (
    ProviderInvalidInput,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedLanguage,
)

MODEL = "apertium"
DATADIR_ENV = "APERTIUM_DATADIR"  # the apertium script reads it too
DEFAULT_DATADIR = "/usr/share/apertium"
MAX_CHARS = 100_000
TIMEOUT_S = 60.0
# ISO 639-3 codes in Debian's pair names -> ISO 639-1 where one exists (the API speaks 639-1).
ISO3 = {
    "afr": "af", "arg": "an", "bel": "be", "bre": "br", "bul": "bg", "cat": "ca", "dan": "da",
    "eng": "en", "epo": "eo", "eus": "eu", "fra": "fr", "glg": "gl", "hin": "hi", "ind": "id",
    "isl": "is", "ita": "it", "mkd": "mk", "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no",
    "oci": "oc", "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru", "slv": "sl", "spa": "es",
    "srd": "sc", "swe": "sv", "ukr": "uk", "urd": "ur", "zlm": "ms",
}  # fmt: skip

EXTRA = "local"  # no Python package: the Debian `apertium` and `apertium-*` packages
REQUIRES: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pair:
    mode: str  # "eng-spa", "es-pt_BR"
    source: str  # ISO 639-1 where one exists: "en"
    target: str
    variant: str | None  # "br", "valencia", ... lower case


def _code(raw: str) -> str:
    return ISO3.get(raw.lower(), raw.lower())


def datadir() -> Path:
    return Path(os.environ.get(DATADIR_ENV, "").strip() or DEFAULT_DATADIR)


@cache
def installed_pairs(directory: Path | None = None) -> tuple[Pair, ...]:
    """The translation modes installed: `<src>-<tgt>[_variant].mode` files. Other modes (analysers,
    "eco-*" helpers) do not have exactly two language codes and are skipped."""
    if shutil.which("apertium") is None:
        return ()
    pairs = []
    for path in sorted((directory or datadir()).glob("modes/*.mode")):
        langs, _, variant = path.stem.partition("_")
        parts = langs.split("-")
        if len(parts) != 2 or not all(p.isalpha() and 2 <= len(p) <= 3 for p in parts):
            continue
        pairs.append(Pair(path.stem, _code(parts[0]), _code(parts[1]), variant.lower() or None))
    return tuple(pairs)


def languages() -> frozenset[str]:
    return frozenset(lang for p in installed_pairs() for lang in (p.source, p.target))


def pair_names() -> str:
    names = sorted({f"{p.source}->{p.target}" for p in installed_pairs()})
    return ", ".join(names) or "none"


def _subtags(code: str) -> tuple[str, list[str]]:
    parts = code.replace("_", "-").lower().split("-")
    return parts[0], parts[1:]


def choose(source: str, target: str) -> Pair:
    """The mode for source -> target: the one whose variant matches a subtag of the target
    ("pt-BR" -> es-pt_BR), else the plain pair."""
    src, _ = _subtags(source)
    tgt, wanted = _subtags(target)
    src, tgt = _code(src), _code(tgt)
    candidates = [p for p in installed_pairs() if p.source == src and p.target == tgt]
    for pair in candidates:
        if pair.variant in wanted:
            return pair
    plain = [p for p in candidates if p.variant is None]
    if plain or candidates:
        return (plain or candidates)[0]
    raise UnsupportedLanguage(
        f"Apertium has no installed pair {src}->{tgt}; installed pairs: {pair_names()} "
        f"(more come as Debian packages apertium-<pair>)"
    )


async def translate(text: str, pair: Pair, timeout: float) -> str:
    proc = await asyncio.create_subprocess_exec(
        "apertium", "-u", "-f", "txt", pair.mode,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(timeout):
            out, err = await proc.communicate(text.encode("utf-8"))
    except TimeoutError:
        raise ProviderTimeout(f"apertium {pair.mode} took longer than {timeout:.0f} s") from None
    finally:
        if proc.returncode is None:  # timed out, or the job was cancelled: leave no process behind
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await asyncio.shield(proc.wait())
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip()[:500]
        raise ProviderServerError(f"apertium {pair.mode} failed (exit {proc.returncode}): {message}")
    result = out.decode("utf-8", "replace").rstrip("\n")
    if not text[:1].isspace():
        result = result.lstrip()  # a dropped subject pronoun ("She reads" -> " Lee") leaves a space
    # Apertium adds a final newline; keep the text's own ending.
    return result + ("\n" if text.endswith("\n") else "")


def _detect(text: str) -> str:
    """Blocking: the source language from the local fastText model (local-text extra)."""
    try:
        from unigate.providers.local import langdetect

        return str(langdetect.detect(text)[0]["language"])
    except ImportError:
        raise ProviderInvalidInput(
            "source_language is required (language detection needs the local-text extra)"
        ) from None


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    text = str(input.text or "")
    if not text.strip():
        raise ProviderInvalidInput("text is empty")
    source = input.source_language or await ctx.run_blocking(_detect, text)
    pair = choose(source, input.target_language)
    timeout = max(1.0, min(TIMEOUT_S, ctx.remaining()))
    translated = await translate(text, pair, timeout)
    raw = {
        "model": MODEL,
        "mode": pair.mode,
        "source_language": pair.source,
        "detected": not input.source_language,
    }
    return ProviderResult(output={"text": translated}, raw=raw, usage={"char": len(text)})


def offer() -> Offer:
    return Offer(
        subfeature="translation/automatic_translation",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=30,
                description="Apertium 3.8 rule-based translation (Debian packages); pairs: " + pair_names(),
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(languages=languages(), max_text_chars=MAX_CHARS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU: Apertium, a rule-based translator (no neural model), one "
        f"subprocess per request. Installed pairs: {pair_names()}; other pairs are refused. Best "
        "between closely related languages; literal and sometimes wrong on word senses between "
        "distant ones (English <-> Spanish is usable, not fluent). Unknown words are copied as they "
        "are. Without source_language the language is detected with the local fastText model.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),) if installed_pairs() else ()
