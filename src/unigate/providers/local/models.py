"""Shared runtime for the local models: lazy thread-safe loading and the thread-count knob.

Models are loaded on first use, inside the blocking call (a worker thread), never at import time
and never on the event loop, so the server idles small until a local subfeature is used.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from unigate.providers.base import CallContext

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

THREADS_ENV = "UNIGATE_LOCAL_THREADS"


def threads() -> int:
    """Intra-op threads for every local model: `UNIGATE_LOCAL_THREADS`, default all cores."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            log.warning("%s=%r is not an integer; using all cores", THREADS_ENV, raw)
        else:
            if value > 0:
                return value
    return os.cpu_count() or 1


class LazyModel(Generic[T]):
    """A model built once per process by `loader`, on the first `get()` (double-checked lock)."""

    def __init__(self, name: str, loader: Callable[[], T]) -> None:
        self.name = name
        self._loader = loader
        self._lock = threading.Lock()
        self._value: T | None = None
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        value = self._value
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                started = time.perf_counter()
                self._value = self._loader()
                self.load_seconds = time.perf_counter() - started
                log.info("local model %s loaded in %.2f s", self.name, self.load_seconds)
            return self._value


async def run_small(
    ctx: CallContext, model: LazyModel[Any], inline: bool, fn: Callable[..., R], *args: Any
) -> R:
    """Run `fn(*args)` on the event loop when `inline` (the caller's judgement that this input is
    small: the work takes about as long as the hop to the CPU pool, ~0.1-0.3 ms) and the model is
    already loaded; else in the CPU pool like any other local call.

    Why inline is safe for such inputs: the hop costs more than the work, and the work it would move
    is pure Python or holds the GIL anyway, so the thread would not let the loop run meanwhile either.
    The model's first load (seconds) always happens in the pool, never on the loop.
    """
    if inline and model.loaded:
        return fn(*args)
    result: R = await ctx.run_blocking(fn, *args)
    return result
