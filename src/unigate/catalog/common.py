"""Building blocks shared by the per-feature input and output models.

Conventions the engine relies on:

* Output models: every field name equals its JSON key (all sample keys are valid identifiers), so a
  plain ``model_dump(mode="json")`` gives the canonical shape; no aliases are involved. Scalars
  default to ``None``, lists to ``[]`` and nested objects to a default instance, so every output
  model can be built with no arguments and filled in place by a provider.
* Input models forbid unknown keys (a typo is a 422 naming the field). File-like fields are typed
  :data:`FileRef` and accept the aliases ``<name>_id`` and ``<name>_url`` on input; they always
  dump under their own name (``model_dump()``, aliases or not, gives ``file``).
* :func:`file_fields` lists the FileRef fields of an input model (or of every phase of a phased
  RootModel) so the engine can resolve uploaded ids and URLs generically. A field listed there holds
  a ``str``, ``None`` (optional files) or a ``list[str]`` (e.g. ``files``).
"""

from __future__ import annotations

import functools
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    RootModel,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticUndefined

__all__ = [
    "AnswersOutput",
    "Box",
    "Embedding",
    "EmbeddingsOutput",
    "FileRef",
    "FileRefMarker",
    "GeneratedImage",
    "InputModel",
    "LanguageCode",
    "NonEmptyStr",
    "OutputModel",
    "Resolution",
    "file_field",
    "file_fields",
]


class FileRefMarker:
    """Annotation marker: the string is an uploaded file id or an http(s) URL.

    It also tags the field's JSON schema with ``"x-file-ref": true`` so API clients can tell.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "FileRefMarker()"

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["x-file-ref"] = True
        return json_schema


_FILE_REF = FileRefMarker()


def _check_file_ref(value: str) -> str:
    if "://" in value and not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an uploaded file id or an http(s) URL")
    return value


FileRef = Annotated[
    str,
    _FILE_REF,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4096),
    AfterValidator(_check_file_ref),
]
"""An uploaded file id (from ``POST /v3/upload``) or an http(s) URL."""

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
"""A string with at least one character."""

LanguageCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
]
"""A BCP-47-like language code: ``en``, ``fr``, ``en-US``, ``zh-Hans``, ``pt_BR``."""

Resolution = Literal["256x256", "512x512", "1024x1024"]
"""Image sizes the generation subfeatures accept."""


def file_field(
    description: str,
    *,
    name: str = "file",
    default: Any = PydanticUndefined,
    aliases: tuple[str, ...] | None = None,
) -> Any:
    """A ``Field`` for a FileRef parameter named `name`, also accepting ``<name>_id``/``<name>_url``."""
    choices = aliases if aliases is not None else (f"{name}_id", f"{name}_url")
    return Field(
        default,
        validation_alias=AliasChoices(name, *choices),
        serialization_alias=name,
        description=description,
    )


class InputModel(BaseModel):
    """Base of every input model: unknown keys are rejected, one alias per file field."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _one_alias_per_field(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for info in cls.model_fields.values():
                alias = info.validation_alias
                if isinstance(alias, AliasChoices):
                    given = [c for c in alias.choices if isinstance(c, str) and c in data]
                    if len(given) > 1:
                        raise ValueError(f"give only one of {', '.join(given)}")
        return data


class OutputModel(BaseModel):
    """Base of every output model: exactly the canonical keys, nothing else."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- output pieces shared by several features -------------------------------------------------


class Box(OutputModel):
    """A rectangle: position and size, normalised (0-1) or in pixels depending on the provider."""

    left: float | None = None
    top: float | None = None
    width: float | None = None
    height: float | None = None


class Embedding(OutputModel):
    """One embedding vector."""

    embedding: list[float] = Field(default_factory=list)


class EmbeddingsOutput(OutputModel):
    """The embedding vectors, in input order."""

    items: list[Embedding] = Field(default_factory=list)


class AnswersOutput(OutputModel):
    """The answers to a question."""

    answers: list[str] = Field(default_factory=list)


class GeneratedImage(OutputModel):
    """One generated image: base64 content and a temporary URL."""

    image: str | None = None
    image_resource_url: str | None = None


# --- introspection -----------------------------------------------------------------------------


def _has_file_ref(annotation: Any) -> bool:
    """Whether `annotation` is FileRef or wraps it (optional, list, union...)."""
    if get_origin(annotation) is Annotated:
        if any(isinstance(m, FileRefMarker) for m in annotation.__metadata__):
            return True
        return _has_file_ref(get_args(annotation)[0])
    return any(_has_file_ref(arg) for arg in get_args(annotation))


def _union_members(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Annotated:
        return _union_members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _union_members(arg)]
    return [annotation]


@functools.cache
def file_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Names of the FileRef fields of `model`; for a RootModel union, those of all its members.

    Cached: models are immutable once defined, and the engine asks on every request."""
    if issubclass(model, RootModel):
        names: list[str] = []
        for member in _union_members(model.model_fields["root"].annotation):
            if isinstance(member, type) and issubclass(member, BaseModel):
                names += [n for n in file_fields(member) if n not in names]
        return tuple(names)
    return tuple(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(m, FileRefMarker) for m in info.metadata) or _has_file_ref(info.annotation)
    )
