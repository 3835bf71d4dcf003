"""Print docs/providers.md: every (provider, subfeature) pair the cloud providers serve, from the code.

    .venv/bin/python scripts/provider_table.py > docs/providers.md

Offers (subfeature, models, default model, run or launch + poll, prices) come from the live provider
registry; prices are matched back to the vendors' `prices.json` entries to tell verified from
unverified amounts. The only hand-kept fact is which vendor API (and version) each adapter speaks,
`API` below, written from the adapters' module docstrings and built from their constants where they
have one; the script fails when an offer has no entry there or an entry matches no offer, so the
table cannot silently drift from the code. No credentials and no network are needed.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unigate.providers import llmtasks
from unigate.providers.amazon import aws
from unigate.providers.base import ModelSpec, Offer, Price
from unigate.providers.google import translation as g_translation
from unigate.providers.microsoft import content_safety, documents, language, transcription, translator
from unigate.providers.microsoft import vision as ms_vision
from unigate.providers.openai import CompatibleProvider
from unigate.providers.openai.client import DEFAULT_BASE_URL
from unigate.providers.openai.config import COMPATIBLE_ENV, parse_server
from unigate.providers.pricedata import PriceEntry, load_prices
from unigate.providers.registry import default_registry

VENDORS = ("openai", "google", "amazon", "microsoft")

# ---------------------------------------------------------------------- the vendor APIs (hand-kept)

_OA = urlsplit(DEFAULT_BASE_URL).path  # "/v1"
OPENAI_CHAT = f"OpenAI Chat Completions `POST {_OA}/chat/completions`"

# AWS API versions (amazon/__init__.py docstring); JSON 1.1 target prefixes from amazon/aws.py.
AWS_VERSION = {
    "Textract": "2018-06-27",
    "Comprehend": "2017-11-27",
    "Translate": "2017-07-01",
    "Polly": "2016-06-10",
    "Transcribe": "2017-10-26",
    "Rekognition": "2016-06-27",
    "Bedrock": "2023-09-30",
}


def _textract(ops: str) -> str:
    return f"Textract {ops} ({AWS_VERSION['Textract']}, target `{aws.TEXTRACT.target_prefix}`)"


def _comprehend(op: str) -> str:
    return f"Comprehend {op} ({AWS_VERSION['Comprehend']}, target `{aws.COMPREHEND.target_prefix}`)"


def _rekognition(op: str) -> str:
    return f"Rekognition {op} ({AWS_VERSION['Rekognition']}, target `{aws.REKOGNITION.target_prefix}`)"


def _gvision(feature: str) -> str:
    return f"Cloud Vision v1 `images:annotate` ({feature})"


def _gnl(method: str) -> str:
    return f"Cloud Natural Language v1 `documents:{method}`"


def _docai(processor: str) -> str:
    return f"Document AI v1 `processors/{{id}}:process` (online; {processor} processor)"


def _di(model: str) -> str:
    return (
        f"Azure AI Document Intelligence v4.0 `documentModels/{model}:analyze` "
        f"+ `analyzeResults/{{id}}` ({documents.API_VERSION})"
    )


def _lang(kind: str) -> str:
    return f"Azure AI Language `:analyze-text` {kind} ({language.API_VERSION})"


API: dict[tuple[str, str], str] = {
    # openai (openai/*.py docstrings; base URL openai/client.py DEFAULT_BASE_URL)
    ("openai", "llm/chat"): OPENAI_CHAT,
    ("openai", "text/chat"): OPENAI_CHAT,
    ("openai", "image/question_answer"): f"{OPENAI_CHAT} (`image_url` content part)",
    ("openai", "text/embeddings"): f"OpenAI Embeddings `POST {_OA}/embeddings`",
    ("openai", "text/moderation"): f"OpenAI Moderations `POST {_OA}/moderations`",
    ("openai", "image/explicit_content"): f"OpenAI Moderations `POST {_OA}/moderations` (`image_url` input)",
    ("openai", "image/generation"): f"OpenAI Images `POST {_OA}/images/generations`",
    ("openai", "audio/text_to_speech"): f"OpenAI Audio `POST {_OA}/audio/speech`",
    ("openai", "audio/tts"): f"OpenAI Audio `POST {_OA}/audio/speech`",
    ("openai", "audio/speech_to_text_async"): f"OpenAI Audio `POST {_OA}/audio/transcriptions`",
    # google (google/__init__.py and the adapters' docstrings; base URLs google/config.py)
    ("google", "ocr/ocr"): "Cloud Vision v1 `images:annotate` / `files:annotate` (TEXT_DETECTION, "
    "DOCUMENT_TEXT_DETECTION)",
    ("google", "image/object_detection"): _gvision("OBJECT_LOCALIZATION"),
    ("google", "image/face_detection"): _gvision("FACE_DETECTION"),
    ("google", "image/explicit_content"): _gvision("SAFE_SEARCH_DETECTION"),
    ("google", "image/landmark_detection"): _gvision("LANDMARK_DETECTION"),
    ("google", "image/logo_detection"): _gvision("LOGO_DETECTION"),
    ("google", "text/sentiment_analysis"): _gnl("analyzeSentiment"),
    ("google", "text/named_entity_recognition"): _gnl("analyzeEntities"),
    ("google", "text/syntax_analysis"): _gnl("analyzeSyntax"),
    ("google", "text/entity_sentiment"): _gnl("analyzeEntitySentiment"),
    ("google", "text/topic_extraction"): _gnl("classifyText") + " (V2 content categories)",
    ("google", "text/moderation"): _gnl("moderateText"),
    ("google", "translation/automatic_translation"): f"Cloud Translation v2 (Basic) `{g_translation.V2}`",
    ("google", "translation/language_detection"): f"Cloud Translation v2 `{g_translation.V2}/detect`",
    ("google", "translation/document_translation"): "Cloud Translation v3 "
    "`projects/{p}/locations/{l}:translateDocument`",
    ("google", "audio/speech_to_text_async"): "Speech-to-Text v1 `speech:longrunningrecognize` + "
    "`operations/{name}` (v1p1beta1 for MP3)",
    ("google", "audio/text_to_speech"): "Cloud Text-to-Speech v1 `text:synthesize` (+ `voices`)",
    ("google", "audio/tts"): "Cloud Text-to-Speech v1 `text:synthesize` (+ `voices`)",
    ("google", "ocr/ocr_async"): _docai("Enterprise Document OCR"),
    ("google", "ocr/ocr_tables_async"): _docai("Form Parser"),
    ("google", "ocr/invoice_parser"): _docai("Invoice Parser"),
    ("google", "ocr/receipt_parser"): _docai("Expense Parser"),
    ("google", "llm/chat"): "Gemini API v1beta `models/{model}:generateContent` (`:streamGenerateContent`)",
    # amazon (amazon/*.py docstrings; target prefixes amazon/aws.py)
    ("amazon", "ocr/ocr"): _textract("DetectDocumentText"),
    ("amazon", "ocr/ocr_async"): _textract("StartDocumentTextDetection / GetDocumentTextDetection"),
    ("amazon", "ocr/ocr_tables_async"): _textract("StartDocumentAnalysis (TABLES) / GetDocumentAnalysis"),
    ("amazon", "ocr/invoice_parser"): _textract("AnalyzeExpense"),
    ("amazon", "ocr/receipt_parser"): _textract("AnalyzeExpense"),
    ("amazon", "ocr/identity_parser"): _textract("AnalyzeID"),
    ("amazon", "text/sentiment_analysis"): _comprehend("DetectSentiment"),
    ("amazon", "text/named_entity_recognition"): _comprehend("DetectEntities"),
    ("amazon", "text/keyword_extraction"): _comprehend("DetectKeyPhrases"),
    ("amazon", "text/syntax_analysis"): _comprehend("DetectSyntax"),
    ("amazon", "text/anonymization"): _comprehend("DetectPiiEntities"),
    ("amazon", "translation/language_detection"): _comprehend("DetectDominantLanguage"),
    ("amazon", "text/moderation"): _comprehend("DetectToxicContent"),
    ("amazon", "translation/automatic_translation"): f"Translate TranslateText ({AWS_VERSION['Translate']}, "
    f"target `{aws.TRANSLATE.target_prefix}`)",
    ("amazon", "audio/text_to_speech"): f"Polly SynthesizeSpeech `POST /v1/speech` ({AWS_VERSION['Polly']})",
    ("amazon", "audio/tts"): f"Polly SynthesizeSpeech `POST /v1/speech` ({AWS_VERSION['Polly']})",
    ("amazon", "audio/speech_to_text_async"): f"Transcribe StartTranscriptionJob / GetTranscriptionJob "
    f"({AWS_VERSION['Transcribe']}, target `{aws.TRANSCRIBE.target_prefix}`)",
    ("amazon", "image/object_detection"): _rekognition("DetectLabels"),
    ("amazon", "image/face_detection"): _rekognition("DetectFaces"),
    ("amazon", "image/explicit_content"): _rekognition("DetectModerationLabels"),
    ("amazon", "image/face_compare"): _rekognition("CompareFaces"),
    (
        "amazon",
        "llm/chat",
    ): f"Bedrock runtime Converse `POST /model/{{modelId}}/converse` ({AWS_VERSION['Bedrock']})",
    ("amazon", "text/embeddings"): f"Bedrock runtime InvokeModel `POST /model/{{modelId}}/invoke` "
    f"({AWS_VERSION['Bedrock']}; Titan Text Embeddings V2)",
    ("amazon", "image/generation"): f"Bedrock runtime InvokeModel `POST /model/{{modelId}}/invoke` "
    f"({AWS_VERSION['Bedrock']}; TEXT_IMAGE)",
    # microsoft (microsoft/*.py docstrings and API_VERSION constants)
    ("microsoft", "ocr/ocr_async"): _di("prebuilt-read"),
    ("microsoft", "ocr/ocr_tables_async"): _di("prebuilt-layout"),
    ("microsoft", "ocr/invoice_parser"): _di("prebuilt-invoice"),
    ("microsoft", "ocr/receipt_parser"): _di("prebuilt-receipt"),
    ("microsoft", "ocr/identity_parser"): _di("prebuilt-idDocument"),
    ("microsoft", "text/sentiment_analysis"): _lang("SentimentAnalysis"),
    ("microsoft", "text/named_entity_recognition"): _lang("EntityRecognition"),
    ("microsoft", "text/keyword_extraction"): _lang("KeyPhraseExtraction"),
    ("microsoft", "text/anonymization"): _lang("PiiEntityRecognition"),
    ("microsoft", "text/summarize"): f"Azure AI Language `analyze-text/jobs` (Extractive/Abstractive "
    f"summarization, {language.API_VERSION})",
    ("microsoft", "translation/language_detection"): f"`language`: {_lang('LanguageDetection')}; "
    f"`translator`: Azure AI Translator v3 `/detect` (api-version {translator.API_VERSION})",
    ("microsoft", "translation/automatic_translation"): f"Azure AI Translator v3 `/translate` "
    f"(api-version {translator.API_VERSION})",
    ("microsoft", "ocr/ocr"): f"`image-analysis-4.0`: Azure AI Vision Image Analysis 4.0 "
    f"`imageanalysis:analyze` read ({ms_vision.IA_VERSION}); `prebuilt-read`: {_di('prebuilt-read')}",
    ("microsoft", "image/object_detection"): f"Azure AI Vision Image Analysis 4.0 `imageanalysis:analyze` "
    f"objects ({ms_vision.IA_VERSION})",
    ("microsoft", "image/explicit_content"): "`vision-v3.2`: Azure AI Vision Analyze Image v3.2 "
    f"`/vision/v3.2/analyze` (Adult); `content-safety`: Azure AI Content Safety `image:analyze` "
    f"({content_safety.API_VERSION})",
    (
        "microsoft",
        "text/moderation",
    ): f"Azure AI Content Safety `text:analyze` ({content_safety.API_VERSION})",
    (
        "microsoft",
        "audio/text_to_speech",
    ): "Azure AI Speech text to speech REST `POST /cognitiveservices/v1` (SSML)",
    ("microsoft", "audio/speech_to_text_async"): f"Azure AI Speech batch transcription "
    f"`speechtotext/{transcription.STT_VERSION}/transcriptions` "
    f"(Speech to text REST {transcription.STT_VERSION})",
}

# Offers served by `run` whose vendor call is itself a job, launched and polled inside the request.
POLLED_IN_RUN = {
    ("microsoft", "ocr/invoice_parser"): "vendor job polled within the request",
    ("microsoft", "ocr/receipt_parser"): "vendor job polled within the request",
    ("microsoft", "ocr/identity_parser"): "vendor job polled within the request",
    ("microsoft", "text/summarize"): "vendor job polled within the request",
    ("microsoft", "ocr/ocr"): "model prebuilt-read: vendor job polled within the request",
}

# ---------------------------------------------------------------------- helpers


def via_structured_output(offer: Offer) -> bool:
    """Whether the offer is one made by llmtasks.make_llm_task_offers (the structured-output path)."""
    fn = offer.run
    return fn is not None and fn.__module__ == llmtasks.__name__


def mode(vendor: str, offer: Offer) -> str:
    if offer.launch is not None:
        return "**yes** (launch + poll)"
    if (vendor, offer.subfeature) in POLLED_IN_RUN:
        return f"no (run; {POLLED_IN_RUN[(vendor, offer.subfeature)]})"
    return "no (run)"


def models_cell(offer: Offer) -> str:
    return ", ".join(f"**{m.name}**" if m.name == offer.default_model else m.name for m in offer.models)


def price_text(p: Price) -> str:
    per = "" if p.per == 1 else f" per {p.per:,}"
    return f"${p.amount}{per} {p.unit}"


class PriceBook:
    """A vendor's prices.json entries, and which of them the offers' models use."""

    def __init__(self, vendor: str) -> None:
        self.entries: list[PriceEntry] = load_prices(f"unigate.providers.{vendor}")
        self.used: set[int] = set()

    def match(self, subfeature: str, model: ModelSpec) -> list[PriceEntry | None]:
        out: list[PriceEntry | None] = []
        for price in model.prices:
            found = [i for i, e in enumerate(self.entries) if e.model == model.name and e.price == price]
            same = [i for i in found if self.entries[i].subfeature == subfeature]
            picks = same or found
            if picks:
                self.used.add(picks[0])
            out.append(self.entries[picks[0]] if picks else None)
        return out

    def cell(self, offer: Offer) -> str:
        units: list[str] = []
        verified = unverified = unmatched = 0
        unpriced = [m.name for m in offer.models if not m.prices]
        for m in offer.models:
            for p, e in zip(m.prices, self.match(offer.subfeature, m), strict=True):
                if p.unit not in units:
                    units.append(p.unit)
                if e is None:
                    unmatched += 1
                elif e.verified:
                    verified += 1
                else:
                    unverified += 1
        if not units:
            return "none (served free)"
        parts = [f"{verified} verified", f"{unverified} unverified"]
        if unmatched:
            parts.append(f"{unmatched} not in prices.json")
        text = ", ".join(f"`{u}`" for u in units) + " (" + ", ".join(parts) + ")"
        if unpriced:
            text += "; no price: " + ", ".join(unpriced)
        return text


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return lines


# ---------------------------------------------------------------------- sections


def cloud_section(registry_offers: Callable[[str], list[Offer]]) -> tuple[list[str], Counter[str], list[str]]:
    out: list[str] = []
    counts: Counter[str] = Counter()
    problems: list[str] = []
    books = {v: PriceBook(v) for v in VENDORS}
    seen: set[tuple[str, str]] = set()
    detail: list[str] = []
    for vendor in VENDORS:
        offers = registry_offers(vendor)
        rows = []
        for offer in offers:
            key = (vendor, offer.subfeature)
            seen.add(key)
            counts[vendor] += 1
            if via_structured_output(offer):
                api = f"{OPENAI_CHAT}, structured output (`json_schema`, strict)"
            elif key in API:
                api = API[key]
            else:
                problems.append(f"no API entry for {vendor} {offer.subfeature}")
                api = "?"
            rows.append(
                [offer.subfeature, api, models_cell(offer), mode(vendor, offer), books[vendor].cell(offer)]
            )
        out += [f"### {vendor} ({len(offers)} subfeatures)", ""]
        out += table(
            [
                "subfeature",
                "vendor API (version)",
                "models (**default**)",
                "provider-side async job",
                "price units (prices.json entries)",
            ],
            rows,
        )
        out.append("")
    for key in sorted(set(API) - seen):
        problems.append(f"API entry {key} matches no offer")
    # Every prices.json entry, verified or not.
    detail += [
        "## Price entries",
        "",
        "Every entry of the vendors' `prices.json` (USD). *verified*: the entry carries `verified_from` "
        "(the published material its amount was checked against, with `verified_on` and "
        "`snapshot_date`); *unverified*: it carries `unverified: true` and an `unverified_reason`. "
        "*used* says whether an offer's model bills with it.",
        "",
    ]
    for vendor in VENDORS:
        book = books[vendor]
        n_ver = sum(e.verified for e in book.entries)
        detail += [
            f"### {vendor} prices.json: {len(book.entries)} entries, {n_ver} verified, "
            f"{len(book.entries) - n_ver} unverified",
            "",
        ]
        rows = []
        for i, e in enumerate(book.entries):
            status = f"verified ({e.verified_on}; snapshot {e.snapshot_date})" if e.verified else "unverified"
            rows.append(
                [
                    e.subfeature,
                    e.model,
                    f"`{e.price.unit}`",
                    price_text(e.price),
                    status,
                    "yes" if i in book.used else "**no**",
                ]
            )
            if i not in book.used:
                problems.append(
                    f"{vendor} prices.json entry {e.subfeature} {e.model} {e.price.unit} is used by no offer"
                )
        detail += table(["subfeature", "model", "unit", "amount", "status", "used"], rows)
        detail.append("")
    return out + detail, counts, problems


EXAMPLES = [
    {"name": "azure-openai", "display_name": "Azure OpenAI",
     "base_url": "https://<resource>.openai.azure.com/openai/deployments/<deployment>",
     "api_key_env": "AZURE_OPENAI_API_KEY", "auth": "api-key", "api_version": "2024-10-21",
     "models": ["gpt-4o-mini"]},
    {"name": "ollama", "base_url": "http://127.0.0.1:11434/v1", "models": ["llama3.2"],
     "embedding_models": ["nomic-embed-text"]},
    {"name": "vllm", "base_url": "http://127.0.0.1:8000/v1", "base_url_env": "VLLM_BASE_URL",
     "models": ["Qwen/Qwen2.5-7B-Instruct"]},
    {"name": "llamacpp", "base_url": "http://127.0.0.1:8080/v1", "models": ["default"]},
]  # fmt: skip


def compatible_section() -> list[str]:
    import json

    out = [
        "## OpenAI-compatible servers (configured)",
        "",
        "Any server speaking OpenAI's API becomes one more provider when it is named in "
        f"`{COMPATIBLE_ENV}`, a "
        "JSON list (parsed by `providers/openai/config.py`; a bad entry is logged and skipped). Each entry "
        "gives `name` (the provider name in model strings), `base_url`, optionally `base_url_env`, "
        "`api_key_env` (the variable holding its key; the provider is unavailable while it is unset), "
        "`auth` (`bearer`, or `api-key` for Azure OpenAI's header), `api_version` (sent as the `api-version` "
        "query parameter, for Azure OpenAI), `models` (chat models, the first is the default), "
        "`embedding_models` and `display_name`. They share the OpenAI adapters and are served free "
        "(no prices are known for self-hosted or negotiated models). For example:",
        "",
        "```json",
        json.dumps(EXAMPLES, indent=1),
        "```",
        "",
    ]
    made = [CompatibleProvider(parse_server(entry)) for entry in EXAMPLES]
    offers = {p.name: {o.subfeature: o for o in p.offers()} for p in made}
    subs = list(dict.fromkeys(s for p in made for s in offers[p.name]))
    rows = []
    for sub in subs:
        some = next(offers[p.name][sub] for p in made if sub in offers[p.name])
        row = [sub, "structured output" if via_structured_output(some) else "direct", mode("", some)]
        row += [models_cell(offers[p.name][sub]) if sub in offers[p.name] else "-" for p in made]
        rows.append(row)
    out += [
        "What these example servers serve (every chat server serves the same list with its `models`; "
        "`text/embeddings` only with `embedding_models`):",
        "",
    ]
    out += table(["subfeature", "path", "provider-side async job", *(f"`{p.name}`" for p in made)], rows)
    out.append("")
    return out


def structured_section(registry_offers: Callable[[str], list[Offer]]) -> list[str]:
    subs = [t.subfeature for t in llmtasks.TASKS]
    users = [v for v in VENDORS if any(via_structured_output(o) for o in registry_offers(v))]
    return [
        "## The structured-output LLM path",
        "",
        "`providers/llmtasks.py` turns any chat model into a provider of the text subfeatures below: a "
        'system prompt, a JSON Schema the answer must follow (`response_format: {"type": "json_schema", '
        '..., "strict": true}`, Chat Completions\' structured output) and a normalizer to the canonical '
        "output; offsets are computed from the quoted strings. It is billed by the chat model's tokens "
        "(the `llm/chat` prices). `make_llm_task_offers(chat, models, default)` makes the offers; "
        "`chat_based_offers` in `providers/openai/provider.py` gives them to OpenAI and to every "
        "OpenAI-compatible server.",
        "",
        f"Subfeatures ({len(subs)}): " + ", ".join(f"`{s}`" for s in subs) + ".",
        "",
        "Cloud providers in the registry serving them this way: " + ", ".join(users) + " (Gemini and "
        "Bedrock serve `llm/chat` only).",
        "",
    ]


def local_section() -> list[str]:
    from unigate.providers.local import _families, _missing

    rows = []
    for extra, modules, make in _families():
        installed = not _missing(modules)
        for offer in make():
            models = ", ".join(
                (f"**{m.name}**" if m.name == offer.default_model else m.name)
                + (f" (~{m.memory_mb} MB)" if m.memory_mb else "")
                for m in offer.models
            )
            rows.append([offer.subfeature, models, f"`{extra}`", offer.compute, "yes" if installed else "no"])
    rows.sort()
    return [
        "## The local provider",
        "",
        "Open models run by this server (`providers/local/`, one module per model family; free). "
        "Memory is the approximate resident size once loaded. *installed* is whether the extra's "
        "packages were importable where this file was generated.",
        "",
        *table(["subfeature", "models (**default**)", "extra", "compute", "installed"], rows),
        "",
    ]


def main() -> int:
    registry = default_registry()

    def registry_offers(vendor: str) -> list[Offer]:
        return list(registry.providers[vendor].offers())

    cloud, counts, problems = cloud_section(registry_offers)
    lines = [
        "# Providers",
        "",
        "Generated from the code by `python scripts/provider_table.py > docs/providers.md` (do not edit by "
        "hand): offers, models, defaults, job modes and prices come from the provider registry and the "
        "vendors' `prices.json`; the vendor API names and versions from a small mapping in the script, "
        "taken from the adapters' docstrings and constants (`src/unigate/providers/<vendor>/`).",
        "",
        "*Provider-side async job*: **yes** when the offer launches a job at the vendor and the gateway "
        "polls "
        "it (`Offer.launch` + `poll`); `*_async` subfeatures served by `run` still run as gateway jobs, "
        "with one vendor call inside.",
        "",
        "## Cloud providers",
        "",
    ]
    lines += cloud[: cloud.index("## Price entries")]
    lines += structured_section(registry_offers)
    lines += compatible_section()
    lines += local_section()
    lines += cloud[cloud.index("## Price entries") :]
    lines += ["## Counts", ""]
    lines += table(
        ["vendor", "(provider, subfeature) pairs"],
        [[v, str(counts[v])] for v in VENDORS] + [["total", str(sum(counts.values()))]],
    )
    lines.append("")
    if problems:
        lines += ["## Checks", "", *(f"- {p}" for p in problems), ""]
    print("\n".join(lines))
    for p in problems:
        print(f"provider_table: {p}", file=sys.stderr)
    return 1 if any(p.startswith(("no API entry", "API entry")) for p in problems) else 0


if __name__ == "__main__":
    raise SystemExit(main())
