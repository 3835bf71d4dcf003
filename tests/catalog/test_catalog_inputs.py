"""Input models: file references, aliases, strictness, and the validations that matter."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, RootModel, ValidationError

from unigate.catalog import all_subfeatures, get_subfeature
from unigate.catalog.common import file_fields


def _input(key: str) -> type[BaseModel]:
    feature, name = key.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    return sub.input_model


def _errors(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [dict(e) for e in info.value.errors()]


# --- files ---------------------------------------------------------------------------------------


def test_file_fields() -> None:
    assert list(file_fields(_input("ocr/ocr"))) == ["file"]
    assert list(file_fields(_input("image/face_compare"))) == ["file1", "file2"]
    assert list(file_fields(_input("text/embeddings"))) == []
    assert list(file_fields(_input("video/generation_async"))) == ["file"]  # optional file
    assert list(file_fields(_input("image/search"))) == ["file"]  # across the phases of a RootModel
    assert list(file_fields(_input("image/generation_fine_tuning"))) == ["files"]  # a list of refs


def test_every_file_like_param_is_a_file_ref() -> None:
    for sub in all_subfeatures():
        models = [inp for inp, _ in sub.phases.values()] or [sub.input_model]
        for model in models:
            names = {n for n in model.model_fields if n.startswith("file") and n not in ("file_type",)}
            assert names == set(file_fields(model)), f"{sub.key}: {model.__name__}"


@pytest.mark.parametrize("alias", ["file", "file_id", "file_url"])
def test_file_aliases(alias: str) -> None:
    model = _input("ocr/ocr")
    parsed = model.model_validate({alias: "https://example.com/a.pdf"})
    assert parsed.model_dump() == {"file": "https://example.com/a.pdf", "language": None}
    assert parsed.model_dump(by_alias=True)["file"] == "https://example.com/a.pdf"


def test_face_compare_aliases() -> None:
    parsed = _input("image/face_compare").model_validate(
        {"file1_id": "abc", "file2_url": "https://x.io/b.jpg"}
    )
    assert parsed.model_dump() == {"file1": "abc", "file2": "https://x.io/b.jpg"}


def test_two_aliases_of_one_file_are_rejected() -> None:
    errors = _errors(_input("ocr/ocr"), {"file": "a", "file_id": "b"})
    assert "file, file_id" in errors[0]["msg"]


@pytest.mark.parametrize("value", ["", "   ", "file:///etc/passwd", "ftp://host/a.pdf"])
def test_bad_file_refs_are_rejected(value: str) -> None:
    errors = _errors(_input("ocr/ocr"), {"file": value})
    assert errors[0]["loc"] == ("file",)


def test_file_ref_is_tagged_in_the_json_schema() -> None:
    schema = _input("ocr/ocr").model_json_schema()
    assert schema["properties"]["file"]["x-file-ref"] is True
    assert schema["required"] == ["file"]


# --- strictness ----------------------------------------------------------------------------------


def test_unknown_field_is_rejected_with_its_name() -> None:
    errors = _errors(_input("text/sentiment_analysis"), {"text": "ok", "langauge": "en"})
    assert [(e["loc"], e["type"]) for e in errors] == [(("langauge",), "extra_forbidden")]


@pytest.mark.parametrize("key", ["ocr/ocr", "text/generation", "llm/chat"])
def test_envelope_params_are_not_inputs(key: str) -> None:
    for name in ("model", "provider_params", "api_key", "timeout"):
        assert name not in _input(key).model_fields


def test_examples_in_schemas_are_valid_inputs() -> None:
    checked = 0
    for sub in all_subfeatures():
        for model in [sub.input_model, *(inp for inp, _ in sub.phases.values())]:
            extra = model.model_config.get("json_schema_extra")
            examples = extra.get("examples") if isinstance(extra, dict) else None
            for example in examples if isinstance(examples, list) else []:
                model.model_validate(example)
                checked += 1
    assert checked >= 30


# --- validations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("texts", [[], [""], "just a string", None])
def test_embeddings_need_non_empty_texts(texts: Any) -> None:
    errors = _errors(_input("text/embeddings"), {"texts": texts})
    assert errors[0]["loc"][0] == "texts"


def test_text_is_required_and_non_empty() -> None:
    assert _errors(_input("text/moderation"), {})[0]["loc"] == ("text",)
    assert _errors(_input("text/moderation"), {"text": ""})[0]["type"] == "string_too_short"


def test_language_is_optional_but_checked() -> None:
    model = _input("text/sentiment_analysis")
    assert model.model_validate({"text": "ok"}).model_dump()["language"] is None
    assert model.model_validate({"text": "ok", "language": "pt-BR"}).model_dump()["language"] == "pt-BR"
    assert _errors(model, {"text": "ok", "language": "english please"})[0]["loc"] == ("language",)


def test_translation_needs_a_target_language() -> None:
    model = _input("translation/automatic_translation")
    assert _errors(model, {"text": "hello"})[0]["loc"] == ("target_language",)
    parsed = model.model_validate({"text": "hello", "target_language": "fr"})
    assert parsed.model_dump()["source_language"] is None


def test_image_generation_resolution_and_count() -> None:
    model = _input("image/generation")
    assert model.model_validate({"text": "a cat"}).model_dump() == {
        "text": "a cat",
        "resolution": "512x512",
        "num_images": 1,
    }
    assert _errors(model, {"text": "a cat", "resolution": "500x500"})[0]["type"] == "literal_error"
    assert _errors(model, {"text": "a cat", "num_images": 0})[0]["loc"] == ("num_images",)
    assert _errors(model, {"text": "a cat", "num_images": 11})[0]["loc"] == ("num_images",)


def test_speech_to_text_bounds() -> None:
    model = _input("audio/speech_to_text_async")
    assert model.model_validate({"file": "abc"}).model_dump()["speakers"] is None
    assert _errors(model, {"file": "abc", "speakers": 0})[0]["loc"] == ("speakers",)


def test_custom_classification_examples_are_pairs() -> None:
    model = _input("text/custom_classification")
    ok = {"texts": ["a"], "labels": ["x", "y"], "examples": [["a", "x"]]}
    assert model.model_validate(ok).model_dump()["examples"] == [("a", "x")]
    assert _errors(model, {**ok, "examples": [["a"]]})[0]["loc"][0] == "examples"


# --- llm -----------------------------------------------------------------------------------------


def test_chat_messages() -> None:
    model = _input("llm/chat")
    parsed = model.model_validate(
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": "https://x.io/a.png", "detail": "low"}},
                    ],
                },
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "42"},
            ],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            "tool_choice": "auto",
            "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {}}},
        }
    )
    dumped = parsed.model_dump(exclude_none=True)
    assert dumped["response_format"]["json_schema"] == {"name": "answer", "schema": {}}
    assert len(dumped["messages"]) == 4


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "user"}],
        [{"role": "tool", "content": "42"}],
        [{"role": "robot", "content": "hi"}],
        [{"role": "user", "content": [{"type": "video", "video": "x"}]}],
    ],
)
def test_bad_chat_messages_are_rejected(messages: list[Any]) -> None:
    assert _errors(_input("llm/chat"), {"messages": messages})[0]["loc"][0] == "messages"


def test_chat_rejects_out_of_range_sampling() -> None:
    messages = [{"role": "user", "content": "hi"}]
    assert _errors(_input("llm/chat"), {"messages": messages, "temperature": 3})[0]["loc"] == ("temperature",)


def test_responses_input_forms() -> None:
    model = _input("llm/responses")
    assert model.model_validate({"input": "hello"}).model_dump(exclude_none=True) == {"input": "hello"}
    parsed = model.model_validate(
        {
            "input": [
                {"role": "user", "content": "hello"},
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
            ],
            "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}}},
        }
    )
    assert parsed.model_dump(exclude_none=True)["text"]["format"]["schema"] == {"type": "object"}
    assert _errors(model, {"input": ""})
    assert _errors(model, {"input": []})


# --- phases --------------------------------------------------------------------------------------


def test_phase_selects_the_model() -> None:
    model = _input("image/search")
    assert issubclass(model, RootModel)
    parsed = model.model_validate(
        {"phase": "launch_similarity", "project_id": "p1", "file_url": "https://x.io/a.jpg"}
    )
    assert type(parsed.root).__name__ == "SearchLaunchSimilarityInput"
    assert parsed.model_dump() == {
        "phase": "launch_similarity",
        "project_id": "p1",
        "file": "https://x.io/a.jpg",
        "n": 10,
    }


def test_unknown_or_missing_phase_is_rejected() -> None:
    model = _input("image/face_recognition")
    assert _errors(model, {"phase": "train", "collection_id": "c"})[0]["type"] == "union_tag_invalid"
    assert _errors(model, {"collection_id": "c"})[0]["type"] == "union_tag_not_found"
    assert model.model_validate({"phase": "list_collections"}).model_dump() == {"phase": "list_collections"}


def test_phase_inputs_forbid_fields_of_other_phases() -> None:
    model = _input("image/automl_classification")
    errors = _errors(model, {"phase": "train_async", "project_id": "p", "label": "cat"})
    assert errors[0]["type"] == "extra_forbidden"
