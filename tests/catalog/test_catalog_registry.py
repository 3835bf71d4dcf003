"""Every subfeature and phase of the spec is registered, with the right mode and parameters."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel, RootModel

from unigate.catalog import all_subfeatures, get_subfeature
from unigate.catalog.common import InputModel, OutputModel

from .specdata import expected_subfeatures

EXPECTED = expected_subfeatures()
REGISTERED = {sub.key: sub for sub in all_subfeatures()}


def test_registered_set_matches_spec() -> None:
    assert len(EXPECTED) == 75
    assert sorted(REGISTERED) == sorted(EXPECTED)


def test_skipped_copies_and_kept_a_names() -> None:
    for copy in ("ocr/aocr", "image/aembeddings", "llm/achat", "llm/aresponses", "video/ageneration_async"):
        assert copy not in REGISTERED
    for real in (
        "image/ai_detection",
        "image/anonymization",
        "image/automl_classification",
        "text/ai_detection",
        "text/anonymization",
        "ocr/anonymization_async",
        "translation/automatic_translation",
    ):
        assert real in REGISTERED


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_mode_and_phases(key: str) -> None:
    expected = EXPECTED[key]
    sub = REGISTERED[key]
    assert (sub.feature, sub.name) == (expected.feature, expected.name)
    assert get_subfeature(sub.feature, sub.name) is sub
    assert sub.mode == expected.mode
    assert sorted(sub.phases) == sorted(expected.phases)
    assert sub.description


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_input_fields_cover_spec_params(key: str) -> None:
    expected = EXPECTED[key]
    sub = REGISTERED[key]
    if sub.phases:
        for phase, params in expected.phases.items():
            model = sub.phases[phase][0]
            assert set(params) <= set(model.model_fields), f"{key}:{phase}"
    else:
        assert set(expected.params) <= set(sub.input_model.model_fields), key


@pytest.mark.parametrize("key", sorted(k for k, s in EXPECTED.items() if s.phases))
def test_phased_input_is_a_discriminated_union(key: str) -> None:
    sub = REGISTERED[key]
    assert issubclass(sub.input_model, RootModel)
    root = sub.input_model.model_fields["root"]
    assert root.discriminator == "phase"
    assert set(typing.get_args(root.annotation)) == {inp for inp, _ in sub.phases.values()}
    for phase, (inp, _) in sub.phases.items():
        assert typing.get_args(inp.model_fields["phase"].annotation) == (phase,)
    # The subfeature's output is one of its phases' outputs.
    assert sub.output_model in {out for _, out in sub.phases.values()}


def test_dynamic_keys_are_few_and_documented() -> None:
    declared = {key: sub.dynamic_keys for key, sub in REGISTERED.items() if sub.dynamic_keys}
    assert declared == {
        "image/automl_classification": ("original_response",),
        "ocr/receipt_parser": ("extracted_data[].receipt_infos",),
        "text/syntax_analysis": ("items[].others",),
    }


def _models(sub_key: str) -> list[type[BaseModel]]:
    sub = REGISTERED[sub_key]
    models: list[type[BaseModel]] = [sub.input_model, sub.output_model]
    for inp, out in sub.phases.values():
        models += [inp, out]
    return models


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_models_have_json_schemas_and_forbid_extras(key: str) -> None:
    for model in _models(key):
        schema = model.model_json_schema()
        assert schema
        if issubclass(model, RootModel):
            continue
        assert issubclass(model, InputModel | OutputModel)
        assert model.model_config.get("extra") == "forbid"
    # Output schemas in serialization mode too (what /openapi.json documents for responses).
    assert REGISTERED[key].output_model.model_json_schema(mode="serialization")


def test_model_names_are_unique_across_features() -> None:
    """OpenAPI components are named after classes: two models must not share a name."""
    import importlib
    import inspect

    import unigate.catalog.common as common
    from unigate.catalog.registry import FEATURES

    seen: dict[str, str] = {}
    modules = [importlib.import_module(f"unigate.catalog.schemas.{f}") for f in FEATURES]
    for module in [common, *modules]:
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__:
                assert name not in seen, f"{name} defined in {seen.get(name)} and {module.__name__}"
                seen[name] = module.__name__
