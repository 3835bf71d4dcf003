"""Output models reproduce the canonical samples' shapes exactly (spec/README.md shape rules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from unigate.catalog import all_subfeatures, get_subfeature
from unigate.catalog.registry import Subfeature
from unigate.catalog.shapes import shape_errors

from .specdata import SPEC, load, sample_files

SAMPLES = sample_files()


def _target(path: Path) -> tuple[Subfeature, type[BaseModel]]:
    """The subfeature and output model a sample file describes."""
    feature = path.parent.name
    name, _, phase = path.stem.partition("__")
    sub = get_subfeature(feature, name)
    if sub is None and name.startswith("a"):
        sub = get_subfeature(feature, name[1:])  # e.g. llm/achat is checked against llm/chat
    assert sub is not None, f"no subfeature for {path}"
    if phase:
        return sub, sub.phases[phase][1]
    return sub, sub.output_model


def test_every_sample_has_a_target() -> None:
    assert len(SAMPLES) >= 74
    for path in SAMPLES:
        _target(path)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sample_round_trips_with_its_shape(path: Path) -> None:
    sub, model = _target(path)
    sample = load(path)
    dumped = model.model_validate(sample).model_dump(mode="json")
    assert shape_errors(dumped, sample, sub.dynamic_keys) == []
    # The same keys by alias: field names are the JSON keys.
    assert model.model_validate(sample).model_dump(mode="json", by_alias=True) == dumped


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_minimal_instance_has_the_shape(path: Path) -> None:
    sub, model = _target(path)
    sample = load(path)
    assert shape_errors(model().model_dump(mode="json"), sample, sub.dynamic_keys) == []


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sample_with_extra_key_is_rejected(path: Path) -> None:
    _, model = _target(path)
    sample = load(path)
    with pytest.raises(ValidationError):
        model.model_validate({**sample, "unexpected": 1})


def test_tts_output_matches_text_to_speech_sample() -> None:
    sub = get_subfeature("audio", "tts")
    assert sub is not None
    sample = load(SPEC / "outputs" / "audio" / "text_to_speech.json")
    assert shape_errors(sub.output_model.model_validate(sample).model_dump(mode="json"), sample) == []


def _all_output_models() -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = []
    for sub in all_subfeatures():
        for model in [sub.output_model, *(out for _, out in sub.phases.values())]:
            if model not in models:
                models.append(model)
    return models


@pytest.mark.parametrize("model", _all_output_models(), ids=lambda m: m.__name__)
def test_every_output_model_builds_empty_and_dumps_its_fields(model: type[BaseModel]) -> None:
    empty = model()
    dumped = empty.model_dump(mode="json")
    assert list(dumped) == list(model.model_fields)
    assert empty.model_dump(mode="json", by_alias=True) == dumped
    # Lists default to [] and objects to a default instance, never to null.
    for key, value in dumped.items():
        if value is None:
            assert model.model_fields[key].default is None
        else:
            assert model.model_fields[key].default_factory is not None or not isinstance(value, list | dict)
    assert model.model_validate(dumped) == empty
