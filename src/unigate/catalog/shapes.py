"""The shape rules of spec/README.md: does an output have the canonical sample's shape?"""

from __future__ import annotations

from typing import Any


def shape_errors(value: Any, sample: Any, dynamic_keys: tuple[str, ...] = (), path: str = "") -> list[str]:
    """Return every place where `value` breaks the shape of `sample` (empty list: it conforms).

    Rules: same key sets; same JSON types (int and float interchangeable); null only for scalars;
    lists checked through their first element. Paths listed in `dynamic_keys` have free-form keys.
    """
    here = path or "$"
    if isinstance(sample, dict):
        if not isinstance(value, dict):
            return [f"{here}: expected object, got {_kind(value)}"]
        if path in dynamic_keys:
            return []
        errors: list[str] = []
        missing = sample.keys() - value.keys()
        extra = value.keys() - sample.keys()
        if missing:
            errors.append(f"{here}: missing keys {sorted(missing)}")
        if extra:
            errors.append(f"{here}: extra keys {sorted(extra)}")
        for key in sample.keys() & value.keys():
            errors += shape_errors(value[key], sample[key], dynamic_keys, f"{path}.{key}" if path else key)
        return errors
    if isinstance(sample, list):
        if not isinstance(value, list):
            return [f"{here}: expected list, got {_kind(value)}"]
        if sample and value:
            return shape_errors(value[0], sample[0], dynamic_keys, f"{path}[]")
        return []
    if value is None or sample is None:
        return []
    if _kind(value) != _kind(sample):
        return [f"{here}: expected {_kind(sample)}, got {_kind(value)}"]
    return []


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__
