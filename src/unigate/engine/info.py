"""The catalogue document behind /v3/info: subfeatures, providers, models, schemas, prices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from unigate.catalog import Subfeature, all_subfeatures
from unigate.engine.breaker import Breakers
from unigate.providers.base import Constraints, Offer, Price
from unigate.providers.registry import ProviderRegistry


def _price(p: Price) -> dict[str, Any]:
    return {
        "unit": p.unit,
        "amount": str(p.amount),
        "per": p.per,
        "step": p.step,
        "currency": "USD",
        **({"min_units": p.min_units} if p.min_units else {}),
        **({"note": p.note} if p.note else {}),
    }


def _constraints(c: Constraints) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in asdict(c).items():
        if value is None:
            continue
        out[key] = sorted(value) if isinstance(value, (set, frozenset)) else value
    return out


def _provider_entry(
    registry: ProviderRegistry,
    name: str,
    offer: Offer,
    env: Mapping[str, str],
    breakers: Breakers | None = None,
) -> dict[str, Any]:
    provider = registry.providers[name]
    reason = provider.unavailable_reason(env)
    if reason is None and offer.unavailable_reason is not None:
        reason = offer.unavailable_reason(env)
    return {
        "name": name,
        "display_name": provider.display_name,
        "available": reason is None,
        "unavailable_reason": reason,
        "default_model": offer.default_model,
        "execution": "provider_async_job" if offer.launch is not None else "call",
        "compute": offer.compute,
        "notes": offer.notes or None,
        "constraints": _constraints(offer.constraints),
        "models": [
            {
                "name": m.name,
                "model_string": f"{offer.subfeature}/{name}/{m.name}",
                "default": m.name == offer.default_model,
                "prices": [_price(p) for p in m.prices],
                "free": not m.prices,
                "memory_mb": m.memory_mb,
                "description": m.description or None,
                **({"constraints": _constraints(m.constraints)} if m.constraints else {}),
                # This process's circuit breaker (each process keeps its own).
                **({"circuit": breakers.state(name, m.name)} if breakers is not None else {}),
            }
            for m in offer.models
        ],
    }


def subfeature_info(
    sub: Subfeature,
    registry: ProviderRegistry,
    env: Mapping[str, str],
    *,
    schemas: bool = True,
    breakers: Breakers | None = None,
) -> dict[str, Any]:
    providers = []
    for name in registry.providers_for(sub.key):
        offer = registry.offer(sub.key, name)
        assert offer is not None
        providers.append(_provider_entry(registry, name, offer, env, breakers))
    entry: dict[str, Any] = {
        "feature": sub.feature,
        "subfeature": sub.name,
        "mode": sub.mode,
        "endpoint": "/v3/universal-ai/async" if sub.mode == "async" else "/v3/universal-ai",
        "description": sub.description or None,
        "providers": providers,
    }
    if sub.phases:
        entry["phases"] = sorted(sub.phases)
    if schemas:
        entry["input_schema"] = sub.input_model.model_json_schema()
        entry["output_schema"] = sub.output_model.model_json_schema()
        if sub.dynamic_keys:
            entry["dynamic_keys"] = list(sub.dynamic_keys)
    return entry


def catalog_info(
    registry: ProviderRegistry,
    env: Mapping[str, str],
    feature: str | None = None,
    breakers: Breakers | None = None,
) -> dict[str, Any]:
    features: dict[str, list[dict[str, Any]]] = {}
    for sub in all_subfeatures():
        if feature is None or sub.feature == feature:
            features.setdefault(sub.feature, []).append(
                subfeature_info(sub, registry, env, breakers=breakers)
            )
    return {
        "features": [{"feature": f, "subfeatures": subs} for f, subs in sorted(features.items())],
        "providers": [
            {
                "name": p.name,
                "display_name": p.display_name,
                "available": p.unavailable_reason(env) is None,
                "unavailable_reason": p.unavailable_reason(env),
                "subfeatures": [o.subfeature for o in registry.offers_of(p.name)],
            }
            for p in sorted(registry.providers.values(), key=lambda p: p.name)
            if feature is None
        ],
    }
