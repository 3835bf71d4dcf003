"""Circuit breakers per provider/model: after too many transient failures in a window the circuit
opens and calls are refused at once (`circuit_open`, no vendor call); after a cool-down one probe
goes through (half-open): success closes the circuit, failure opens it again.

State lives in the process: each server or worker process keeps its own breakers (no shared
store, so no extra round trip on the hot path); N processes may each send a probe.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from unigate.providers.errors import ProviderError

State = Literal["closed", "open", "half_open"]


class CircuitOpen(ProviderError):
    error_code = "circuit_open"
    transient = True  # try later, or another provider; never retried on the same route


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    enabled: bool = True
    failure_threshold: int = 5  # transient failures within the window that open the circuit
    failure_rate: float | None = None  # or this failure ratio, once min_calls calls were seen
    min_calls: int = 10
    window_s: float = 60.0
    cooldown_s: float = 30.0


BUCKETS = 64  # time slices per window


class Circuit:
    def __init__(self, config: BreakerConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self.state: State = "closed"
        self.opened_at: float | None = None  # wall time, for display
        self._opened_mono = 0.0
        self._probe = False
        # Outcomes within the window, counted per time slice ([slice, calls, failures]): memory and
        # work stay bounded by BUCKETS whatever the call rate (one entry per call held 60 s of
        # outcomes, megabytes at a few thousand calls per second). A slice leaves the window once
        # its end is older than window_s, so an outcome is kept up to one slice (window_s / BUCKETS)
        # longer than the window, never forgotten early.
        self._width = max(config.window_s / BUCKETS, 1e-9)
        self._buckets: deque[list[int]] = deque()
        self._calls = 0
        self._failed = 0

    def _prune(self, now: float) -> None:
        oldest = (now - self.config.window_s) / self._width
        buckets = self._buckets
        while buckets and buckets[0][0] + 1 <= oldest:
            _, calls, failed = buckets.popleft()
            self._calls -= calls
            self._failed -= failed

    def _clear(self) -> None:
        self._buckets.clear()
        self._calls = self._failed = 0

    @property
    def failures(self) -> int:
        self._prune(self.clock())
        return self._failed

    def before_call(self) -> None:
        """Raise CircuitOpen when the call must not be made."""
        if not self.config.enabled:
            return
        now = self.clock()
        if self.state == "open":
            wait = self.config.cooldown_s - (now - self._opened_mono)
            if wait > 0:
                raise CircuitOpen("circuit open after repeated provider failures", retry_after=wait)
            self.state = "half_open"
            self._probe = False
        if self.state == "half_open":
            if self._probe:
                raise CircuitOpen("circuit half-open: a probe call is in flight", retry_after=1.0)
            self._probe = True

    def record(self, ok: bool) -> None:
        if not self.config.enabled:
            return
        now = self.clock()
        if self.state == "half_open":
            self._probe = False
            if ok:
                self.state, self.opened_at = "closed", None
                self._clear()
            else:
                self._open(now)
            return
        index = int(now // self._width)
        buckets = self._buckets
        if buckets and buckets[-1][0] == index:
            bucket = buckets[-1]
        else:
            bucket = [index, 0, 0]
            buckets.append(bucket)
        bucket[1] += 1
        self._calls += 1
        if not ok:
            bucket[2] += 1
            self._failed += 1
        self._prune(now)
        if not ok and self.state == "closed" and self._should_open():
            self._open(now)

    def abandon(self) -> None:
        """A call ended without a verdict (cancelled): free the probe slot."""
        self._probe = False

    def _should_open(self) -> bool:
        c = self.config
        failed = self._failed
        if failed >= c.failure_threshold:
            return True
        total = self._calls
        return c.failure_rate is not None and total >= c.min_calls and failed / total >= c.failure_rate

    def _open(self, now: float) -> None:
        self.state, self._opened_mono, self.opened_at = "open", now, time.time()

    def snapshot(self) -> dict[str, Any]:
        if self.state == "open" and self.clock() - self._opened_mono >= self.config.cooldown_s:
            state: State = "half_open"  # what the next call will find
        else:
            state = self.state
        return {"state": state, "failures": self.failures, "opened_at": self.opened_at}


class Breakers:
    """The circuits of one process, keyed by (provider, model)."""

    def __init__(
        self, config: BreakerConfig | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config or BreakerConfig()
        self.clock = clock
        self._circuits: dict[tuple[str, str], Circuit] = {}

    def get(self, provider: str, model: str) -> Circuit:
        circuit = self._circuits.get((provider, model))
        if circuit is None:
            circuit = self._circuits[(provider, model)] = Circuit(self.config, self.clock)
        return circuit

    def state(self, provider: str, model: str) -> dict[str, Any]:
        circuit = self._circuits.get((provider, model))
        return circuit.snapshot() if circuit else {"state": "closed", "failures": 0, "opened_at": None}

    def snapshot(self) -> list[dict[str, Any]]:
        """Every circuit that has seen a call, for a metrics endpoint."""
        return [{"provider": p, "model": m, **c.snapshot()} for (p, m), c in sorted(self._circuits.items())]
