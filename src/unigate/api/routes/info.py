"""GET /v3/info: the catalogue, generated from the subfeature and provider registries."""

from __future__ import annotations

import os

from fastapi import APIRouter, HTTPException, Request, Response

from unigate.api.responses import json_response
from unigate.catalog import all_subfeatures, get_subfeature
from unigate.engine.info import catalog_info, subfeature_info
from unigate.engine.suggest import did_you_mean
from unigate.gateway import Gateway

router = APIRouter(prefix="/v3/info", tags=["info"])


def _gw(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gateway
    return gw


@router.get("", summary="Every subfeature with its providers, models, prices and schemas")
async def info(request: Request) -> Response:
    return json_response(
        catalog_info(_gw(request).registry, os.environ, breakers=_gw(request).engine.breakers)
    )


@router.get(
    "/{feature}",
    summary="The subfeatures of one feature",
    responses={404: {"description": "Unknown feature"}},
)
async def feature_info(feature: str, request: Request) -> Response:
    features = {s.feature for s in all_subfeatures()}
    if feature not in features:
        raise HTTPException(404, f"unknown feature {feature!r}" + did_you_mean(feature, features))
    return json_response(
        catalog_info(_gw(request).registry, os.environ, feature, _gw(request).engine.breakers)
    )


@router.get(
    "/{feature}/{subfeature}",
    summary="One subfeature: providers, models, input and output schemas",
    responses={404: {"description": "Unknown feature or subfeature"}},
)
async def one_subfeature(feature: str, subfeature: str, request: Request) -> Response:
    sub = get_subfeature(feature, subfeature)
    if sub is None:
        keys = [s.key for s in all_subfeatures()]
        raise HTTPException(
            404, f"unknown subfeature {feature}/{subfeature}" + did_you_mean(f"{feature}/{subfeature}", keys)
        )
    return json_response(
        subfeature_info(sub, _gw(request).registry, os.environ, breakers=_gw(request).engine.breakers)
    )
