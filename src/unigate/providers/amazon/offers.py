"""What Amazon serves: one Offer per subfeature, priced from prices.json."""

from __future__ import annotations

from functools import cache

from unigate.providers.amazon import (
    aws,
    bedrock,
    comprehend,
    converse,
    expense,
    identity,
    polly,
    rekognition,
    textract,
    transcribe,
    translate,
)
from unigate.providers.base import Constraints, ModelSpec, Offer
from unigate.providers.pricedata import PriceEntry, load_prices, prices_for

PACKAGE = "unigate.providers.amazon"


@cache
def price_table() -> tuple[PriceEntry, ...]:
    return tuple(load_prices(PACKAGE))


def model(
    subfeature: str, name: str, description: str = "", constraints: Constraints | None = None
) -> ModelSpec:
    return ModelSpec(
        name,
        prices=prices_for(list(price_table()), subfeature, name),
        constraints=constraints,
        description=description,
    )


def _textract_offers() -> list[Offer]:
    detect = "detect-document-text"
    tables = "analyze-document-tables"
    sync_docs = Constraints(
        languages=textract.LANGUAGES,
        mime_types=textract.DOCUMENT_MIME_TYPES,
        max_file_bytes=textract.SYNC_MAX_BYTES,
        max_pages=1,
    )
    one_page = Constraints(
        mime_types=textract.DOCUMENT_MIME_TYPES, max_file_bytes=textract.SYNC_MAX_BYTES, max_pages=1
    )
    async_docs = Constraints(
        mime_types=textract.DOCUMENT_MIME_TYPES,
        max_file_bytes=textract.ASYNC_MAX_BYTES,
        max_pages=textract.ASYNC_MAX_PAGES,
    )
    return [
        Offer(
            subfeature="ocr/ocr",
            models=(model("ocr/ocr", detect, "Textract DetectDocumentText"),),
            default_model=detect,
            constraints=sync_docs,
            run=textract.run_ocr,
            notes="Textract DetectDocumentText on one image or a one-page PDF/TIFF. One box per line; "
            "boxes are ratios (0-1) of the page's width and height, as Textract gives them.",
        ),
        Offer(
            subfeature="ocr/ocr_async",
            models=(model("ocr/ocr_async", detect, "Textract Start/GetDocumentTextDetection"),),
            default_model=detect,
            constraints=async_docs,
            launch=textract.launch_ocr_async,
            poll=textract.poll_ocr_async,
            unavailable_reason=aws.missing_bucket,
            notes="Textract asynchronous text detection; the document is staged in the S3 bucket "
            "AWS_S3_BUCKET and deleted when the job ends. Boxes are ratios (0-1) of the page.",
        ),
        Offer(
            subfeature="ocr/ocr_tables_async",
            models=(model("ocr/ocr_tables_async", tables, "Textract Start/GetDocumentAnalysis, TABLES"),),
            default_model=tables,
            constraints=async_docs,
            launch=textract.launch_tables,
            poll=textract.poll_tables,
            unavailable_reason=aws.missing_bucket,
            notes="Textract document analysis with the TABLES feature; staged in AWS_S3_BUCKET. Row and "
            "column indexes count from 0; merged cells carry their spans.",
        ),
        Offer(
            subfeature="ocr/invoice_parser",
            models=(model("ocr/invoice_parser", "analyze-expense", "Textract AnalyzeExpense"),),
            default_model="analyze-expense",
            constraints=one_page,
            run=expense.run_invoice,
            notes="Textract AnalyzeExpense on one image or one-page PDF/TIFF; one entry per invoice found. "
            "Amounts are parsed from the printed text; dates are ISO when unambiguous, else as printed.",
        ),
        Offer(
            subfeature="ocr/receipt_parser",
            models=(model("ocr/receipt_parser", "analyze-expense", "Textract AnalyzeExpense"),),
            default_model="analyze-expense",
            constraints=one_page,
            run=expense.run_receipt,
            notes="Textract AnalyzeExpense on one image or one-page PDF/TIFF; one entry per receipt found. "
            "receipt_infos holds the other fields Textract found (by type, or by printed label).",
        ),
        Offer(
            subfeature="ocr/identity_parser",
            models=(model("ocr/identity_parser", "analyze-id", "Textract AnalyzeID"),),
            default_model="analyze-id",
            constraints=one_page,
            run=identity.run_identity,
            notes="Textract AnalyzeID: US driver's licences and US passports (and the MRZ of other "
            "passports). No photo or signature crops.",
        ),
    ]


def _comprehend_offers() -> list[Offer]:
    cm = comprehend
    table = (
        (
            "text/sentiment_analysis",
            cm.run_sentiment,
            cm.MAIN_LANGUAGES,
            cm.SENTIMENT_MAX,
            "DetectSentiment",
            "Whole-text sentiment (no per-sentence items); MIXED is reported as Neutral.",
        ),
        (
            "text/named_entity_recognition",
            cm.run_entities,
            cm.MAIN_LANGUAGES,
            cm.DOCUMENT_MAX,
            "DetectEntities",
            "Types: PERSON, LOCATION, ORGANIZATION, COMMERCIAL_ITEM, EVENT, DATE, QUANTITY, TITLE, OTHER.",
        ),
        (
            "text/keyword_extraction",
            cm.run_keywords,
            cm.MAIN_LANGUAGES,
            cm.DOCUMENT_MAX,
            "DetectKeyPhrases",
            "Key noun phrases with their confidence as importance.",
        ),
        (
            "text/syntax_analysis",
            cm.run_syntax,
            cm.SYNTAX_LANGUAGES,
            cm.SYNTAX_MAX,
            "DetectSyntax",
            "Universal part-of-speech tags; Comprehend gives no lemmas.",
        ),
        (
            "text/anonymization",
            cm.run_anonymization,
            cm.PII_LANGUAGES,
            cm.DOCUMENT_MAX,
            "DetectPiiEntities",
            "Each PII span is replaced by as many '*' as it has characters.",
        ),
    )
    offers = [
        Offer(
            subfeature=key,
            models=(model(key, "comprehend", f"Comprehend {operation}"),),
            default_model="comprehend",
            constraints=Constraints(languages=languages, max_text_chars=limit),
            run=run,
            notes=f"Comprehend {operation}. {note} Without a language, DetectDominantLanguage runs first "
            "(billed as a second request).",
        )
        for key, run, languages, limit, operation, note in table
    ]
    return [
        *offers,
        Offer(
            subfeature="translation/language_detection",
            models=(
                model("translation/language_detection", "comprehend", "Comprehend DetectDominantLanguage"),
            ),
            default_model="comprehend",
            constraints=Constraints(max_text_chars=cm.DOCUMENT_MAX),
            run=cm.run_language_detection,
            notes="Comprehend DetectDominantLanguage: RFC 5646 codes, about 100 languages, best first.",
        ),
        Offer(
            subfeature="text/moderation",
            models=(model("text/moderation", "comprehend", "Comprehend DetectToxicContent"),),
            default_model="comprehend",
            constraints=Constraints(languages=cm.TOXICITY_LANGUAGES),
            run=cm.run_moderation,
            notes="Comprehend DetectToxicContent (English): the text is cut into 1 KB segments, 10 a "
            "request; each label's score is its highest over the segments.",
        ),
    ]


def _translate_offers() -> list[Offer]:
    key = "translation/automatic_translation"
    return [
        Offer(
            subfeature=key,
            models=(model(key, "translate", "Amazon Translate TranslateText"),),
            default_model="translate",
            constraints=Constraints(languages=translate.LANGUAGES, max_text_chars=translate.MAX_BYTES),
            run=translate.run_translation,
            notes="Amazon Translate TranslateText, real time, up to 10,000 bytes; the source language is "
            "detected when not given. Regional variants: zh-TW, fr-CA, pt-PT, es-MX, fa-AF.",
        )
    ]


def _speech_offers() -> list[Offer]:
    def engines(key: str, by_language: bool) -> tuple[ModelSpec, ...]:
        return tuple(
            model(
                key,
                engine,
                f"Polly {engine} voices",
                Constraints(
                    languages=polly.languages(engine) if by_language else None, max_text_chars=polly.MAX_CHARS
                ),
            )
            for engine in polly.ENGINES
        )

    stt = "audio/speech_to_text_async"
    return [
        Offer(
            subfeature="audio/text_to_speech",
            models=engines("audio/text_to_speech", by_language=True),
            default_model=polly.DEFAULT_ENGINE,
            constraints=Constraints(max_text_chars=polly.MAX_CHARS),
            run=polly.run_text_to_speech,
            notes="Polly SynthesizeSpeech; the model is the engine. Without voice_id a voice is picked from "
            "language (default en-US) and option. Formats: mp3 (default), ogg, pcm, wav. Rate and volume "
            "(and pitch, standard engine only) are applied with SSML. No audio_resource_url is hosted.",
        ),
        Offer(
            subfeature="audio/tts",
            models=engines("audio/tts", by_language=False),
            default_model=polly.DEFAULT_ENGINE,
            constraints=Constraints(max_text_chars=polly.MAX_CHARS),
            run=polly.run_tts,
            notes="Polly SynthesizeSpeech with a Polly voice id (default Joanna); the model is the engine.",
        ),
        Offer(
            subfeature=stt,
            models=(model(stt, "transcribe", "Amazon Transcribe batch transcription"),),
            default_model="transcribe",
            constraints=Constraints(mime_types=transcribe.MIME_TYPES, max_file_bytes=transcribe.MAX_BYTES),
            launch=transcribe.launch,
            poll=transcribe.poll,
            unavailable_reason=aws.missing_bucket,
            notes="Transcribe StartTranscriptionJob with speaker labels; the media is staged in "
            "AWS_S3_BUCKET and deleted with the job when it ends. Without a language Transcribe "
            "identifies it. Custom vocabularies and profanity filters must exist at AWS: "
            "provider_params vocabulary_name, vocabulary_filter_name. Billed seconds are the "
            "transcript's last word end (trailing silence is not counted).",
        ),
    ]


def _rekognition_offers() -> list[Offer]:
    rk = rekognition
    images = Constraints(mime_types=rk.MIME_TYPES, max_file_bytes=rk.MAX_BYTES)
    table = (
        ("image/object_detection", rk.run_objects, "DetectLabels",
         "One item per located instance (box corners 0-1); labels without instances have a null box."),
        ("image/face_detection", rk.run_faces, "DetectFaces",
         "All attributes; landmarks and boxes 0-1, emotions as 1-5 likelihoods, other scores 0-1."),
        ("image/explicit_content", rk.run_explicit, "DetectModerationLabels",
         "Labels of the moderation taxonomy at 50% confidence or more, mapped to our categories."),
        ("image/face_compare", rk.run_compare, "CompareFaces",
         "Every face of file2 with its similarity (0-1) to the largest face of file1; boxes 0-1."),
    )  # fmt: skip
    return [
        Offer(
            subfeature=key,
            models=(model(key, "rekognition", f"Rekognition {operation}"),),
            default_model="rekognition",
            constraints=images,
            run=run,
            notes=f"Rekognition {operation} on a JPEG or PNG image (5 MB at most). {note}",
        )
        for key, run, operation, note in table
    ]


def _bedrock_offers() -> list[Offer]:
    chat_models = tuple(
        model("llm/chat", e.model, f"Bedrock Converse, {e.model}")
        for e in price_table()
        if e.subfeature == "llm/chat" and e.price.unit == "token_in"
    )
    images = tuple(
        model(
            "image/generation",
            name,
            f"Bedrock InvokeModel, {name}",
            Constraints(max_text_chars=bedrock.PROMPT_MAX[name]),
        )
        for name in bedrock.IMAGE_MODELS
    )
    return [
        Offer(
            subfeature="llm/chat",
            models=chat_models,
            default_model=converse.DEFAULT_MODEL,
            run=converse.run_chat,
            notes="Bedrock Converse (the model must be enabled in the account; us.* ids are cross-region "
            "inference profiles). Text, images and documents in; text and tool calls out. One choice, "
            "no log probabilities; JSON response formats are asked for in the system prompt; a streamed "
            "request is answered whole.",
        ),
        Offer(
            subfeature="text/embeddings",
            models=(model("text/embeddings", bedrock.EMBED_MODEL, "Titan Text Embeddings V2"),),
            default_model=bedrock.EMBED_MODEL,
            constraints=Constraints(max_text_chars=bedrock.EMBED_MAX_CHARS),
            run=bedrock.run_embeddings,
            notes="Titan Text Embeddings V2 through InvokeModel, one request per text (8 at a time). "
            "provider_params: dimensions (256, 512, 1024; default 1024), normalize (default true).",
        ),
        Offer(
            subfeature="image/generation",
            models=images,
            default_model=bedrock.NOVA_CANVAS,
            run=bedrock.run_generation,
            notes="Nova Canvas or Titan Image Generator v2 through InvokeModel (TEXT_IMAGE); 512x512 or "
            "1024x1024. provider_params: quality (standard, premium), negative_text, seed, cfg_scale.",
        ),
    ]


@cache
def all_offers() -> tuple[Offer, ...]:
    return (
        *_textract_offers(),
        *_comprehend_offers(),
        *_translate_offers(),
        *_speech_offers(),
        *_rekognition_offers(),
        *_bedrock_offers(),
    )
