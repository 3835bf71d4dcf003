"""The subfeature registry: each subfeature is data (input model, output model, mode)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

Mode = Literal["sync", "async"]


@dataclass(frozen=True)
class Subfeature:
    feature: str
    name: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    mode: Mode = "sync"
    description: str = ""
    # Paths (dotted, `[]` for list items) inside the output whose key set is free-form.
    dynamic_keys: tuple[str, ...] = ()
    # Named phases of multi-step subfeatures (e.g. image/search: create_project, upload_image...).
    phases: dict[str, tuple[type[BaseModel], type[BaseModel]]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.feature}/{self.name}"


_REGISTRY: dict[str, Subfeature] = {}


def register(sub: Subfeature) -> Subfeature:
    if sub.key in _REGISTRY:
        raise ValueError(f"subfeature {sub.key} registered twice")
    _REGISTRY[sub.key] = sub
    return sub


FEATURES = ("audio", "image", "llm", "multimodal", "ocr", "text", "translation", "video")
_loaded: set[str] = set()


def _load(feature: str) -> None:
    """Import one feature's schema module (it registers its subfeatures): a server answering its
    first text request does not pay for building the video models."""
    if feature in _loaded or feature not in FEATURES:
        return
    importlib.import_module(f"unigate.catalog.schemas.{feature}")
    _loaded.add(feature)


def all_subfeatures() -> Iterable[Subfeature]:
    for feature in FEATURES:
        _load(feature)
    return sorted(_REGISTRY.values(), key=lambda s: s.key)


def get_subfeature(feature: str, subfeature: str) -> Subfeature | None:
    _load(feature)
    return _REGISTRY.get(f"{feature}/{subfeature}")
