"""Provider discovery: built-in and third-party providers register the same way (entry points)."""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from importlib.metadata import entry_points

from unigate.providers.base import Offer, Provider

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "unigate.providers"


class ProviderRegistry:
    def __init__(self, providers: list[Provider]) -> None:
        self.providers: dict[str, Provider] = {p.name: p for p in providers}
        self._offers: dict[tuple[str, str], Offer] = {}
        for p in providers:
            for offer in p.offers():
                self._offers[(offer.subfeature, p.name)] = offer

    def offer(self, subfeature_key: str, provider: str) -> Offer | None:
        return self._offers.get((subfeature_key, provider))

    def providers_for(self, subfeature_key: str) -> list[str]:
        return sorted(p for (s, p) in self._offers if s == subfeature_key)

    def offers_of(self, provider: str) -> list[Offer]:
        return [o for (s, p), o in sorted(self._offers.items()) if p == provider]

    def add(self, provider: Provider) -> None:
        """Register a provider at run time (tests, embedding applications)."""
        self.providers[provider.name] = provider
        for offer in provider.offers():
            self._offers[(offer.subfeature, provider.name)] = offer


def _instantiate(obj: object) -> list[Provider]:
    """Entry points may name a provider class, an instance, or a factory returning one provider or a
    list of them (e.g. one per OpenAI-compatible server named in the configuration)."""
    made = obj() if isinstance(obj, type) or (callable(obj) and not isinstance(obj, Provider)) else obj
    items: list[Provider] = []
    for item in made if isinstance(made, (list, tuple)) else [made]:
        if not isinstance(item, Provider):
            raise TypeError(f"{obj!r} made {item!r}, which is not a unigate provider")
        items.append(item)
    return items


def load_entry_point_providers() -> list[Provider]:
    found: list[Provider] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            found.extend(_instantiate(obj))
        except Exception:  # a broken plugin must not take the gateway down
            log.exception("provider plugin %s failed to load", ep.name)
            continue
    return found


def load_by_path(path: str) -> list[Provider]:
    """Load `package.module:Attr` (a provider instance, or a class/factory that makes them)."""
    module_name, _, attr = path.partition(":")
    if not attr:
        raise ValueError(f"provider path {path!r} must look like 'package.module:Attr'")
    return _instantiate(getattr(importlib.import_module(module_name), attr))


@lru_cache(maxsize=8)
def default_registry(extra: tuple[str, ...] = ()) -> ProviderRegistry:
    providers = load_entry_point_providers()
    for path in extra:
        providers += load_by_path(path)
    return ProviderRegistry(providers)
