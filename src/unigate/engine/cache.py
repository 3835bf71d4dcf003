"""The opt-in result cache (`X-Unigate-Cache: true`): an identical request (same subfeature,
provider routes and models, input, provider_params; file inputs by content hash) is answered
from memory at no cost, without calling a provider.

In-process and bounded (least recently used out first): each process keeps its own. Entries are
scoped per API key unless `cache_shared` is set. URL inputs are keyed by the URL (not fetched).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from unigate.catalog.common import file_fields
from unigate.engine.executor import Engine, Outcome, Prepared


class ResultCache:
    def __init__(
        self, ttl_s: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, Outcome]] = OrderedDict()

    def get(self, key: str) -> Outcome | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self.clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: str, outcome: Outcome) -> None:
        self._items[key] = (self.clock() + self.ttl_s, outcome)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)


async def result_key(engine: Engine, prepared: Prepared, owner: str, scope: str) -> str:
    """`scope` is the owner's key id, or "*" when the cache is shared across keys."""
    data = dict(prepared.input_data)
    for name in file_fields(type(prepared.input)):
        value = data.get(name)
        if isinstance(value, str):
            data[name] = await _content_id(engine, owner, value)
        elif isinstance(value, list):
            data[name] = [await _content_id(engine, owner, v) if isinstance(v, str) else v for v in value]
    material: dict[str, Any] = {
        "scope": scope,
        "subfeature": prepared.sub.key,
        "routes": [f"{r.provider.name}/{r.model.name}" for r in prepared.routes],
        "input": data,
        "provider_params": prepared.provider_params,
        "show_original_response": prepared.show_original_response,
    }
    return hashlib.sha256(orjson.dumps(material, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def _content_id(engine: Engine, owner: str, ref: str) -> str:
    if ref.startswith(("http://", "https://")):
        return ref
    loaded = await engine.files.load(owner, ref)
    return "sha256:" + hashlib.sha256(loaded.data).hexdigest()
