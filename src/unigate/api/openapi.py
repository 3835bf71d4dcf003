"""The OpenAPI document, plus the input schema of every subfeature.

`input` is validated per subfeature (the model string picks the schema), which plain OpenAPI
cannot express on one field; so each subfeature's input model is published under
`components/schemas` and the request bodies carry `x-unigate-input-schemas`, a map from
`feature/subfeature` to its schema, beside the prose that says how it is chosen.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from unigate.catalog import all_subfeatures


def get_openapi_base(app: FastAPI) -> dict[str, Any]:
    return get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)


def with_subfeature_inputs(doc: dict[str, Any]) -> dict[str, Any]:
    subs = list(all_subfeatures())
    _, defs = models_json_schema(
        [(s.input_model, "validation") for s in subs], ref_template="#/components/schemas/{model}"
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in defs.get("$defs", {}).items():
        components.setdefault(name, schema)
    mapping = {s.key: {"$ref": f"#/components/schemas/{s.input_model.__name__}"} for s in subs}
    for body in ("UniversalAIRequest", "UniversalAIAsyncRequest"):
        if body in components:
            components[body]["properties"]["input"]["x-unigate-input-schemas"] = mapping
    return doc
