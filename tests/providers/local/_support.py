"""Helpers for the local provider's tests: a minimal CallContext, input models, the spec samples."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from unigate.catalog.registry import get_subfeature
from unigate.catalog.shapes import shape_errors
from unigate.providers.base import CallContext, LoadedFile, ProviderResult
from unigate.providers.errors import ProviderInvalidInput

SPEC = Path(__file__).parents[3] / "spec"
DATA = Path(__file__).parents[2] / "data"


# Input models with the field names of spec/inputs.json (the catalog's real models validate more).
class TextsInput(BaseModel):
    texts: list[str]


class TextInput(BaseModel):
    text: str


class FileInput(BaseModel):
    file: str
    language: str | None = None


class SpeechInput(BaseModel):
    file: str
    language: str | None = None
    speakers: int | None = None
    profanity_filter: bool = False
    vocabulary: list[str] | None = None


class DictFiles:
    """A FileResolver over in-memory files keyed by id."""

    def __init__(self, files: Mapping[str, LoadedFile]) -> None:
        self.files = dict(files)

    async def __call__(self, ref: str) -> LoadedFile:
        try:
            return self.files[ref]
        except KeyError:
            raise ProviderInvalidInput(f"unknown file {ref}") from None


def _no_http() -> Any:
    raise AssertionError("local models must not use the network")


def make_ctx(files: Mapping[str, LoadedFile] | None = None, timeout_s: float = 600.0) -> CallContext:
    return CallContext(
        provider="local",
        model="",
        deadline=time.monotonic() + timeout_s,
        credentials={},
        provider_params={},
        files=DictFiles(files or {}),
        http_factory=_no_http,
        run_blocking=asyncio.to_thread,
    )


def loaded(data: bytes, mime: str, name: str = "file") -> LoadedFile:
    return LoadedFile(data=data, mime=mime, name=name)


def sample(subfeature: str) -> Any:
    return json.loads((SPEC / "outputs" / f"{subfeature}.json").read_text(encoding="utf-8"))


def assert_shape(output: Any, subfeature: str) -> None:
    """The spec's shape rules, and the catalog's output model accepts it too."""
    assert shape_errors(output, sample(subfeature)) == []
    feature, name = subfeature.split("/")
    sub = get_subfeature(feature, name)
    assert sub is not None
    sub.output_model.model_validate(output)


def output(result: ProviderResult) -> dict[str, Any]:
    """The normalized output; local adapters return plain dicts."""
    assert isinstance(result.output, dict)
    return result.output
