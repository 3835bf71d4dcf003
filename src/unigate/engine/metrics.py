"""Prometheus metrics of one process: requests and their cost, latency, circuit breakers, jobs.

Each `Gateway` has its own registry (several gateways in one process, as in the tests, never
clash). Counters are updated on the hot path (a dictionary lookup and an add: about a microsecond);
breaker states are read when scraped, and job counts are refreshed by the endpoint before it
renders (`set_jobs`), so nothing polls in the background.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from unigate.engine.breaker import Breakers

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_STATE_VALUE = {"closed": 0, "half_open": 1, "open": 2}
# Seconds: from sub-millisecond local models to minute-long transcriptions.
_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class _BreakerCollector(Collector):
    def __init__(self, breakers: Breakers) -> None:
        self.breakers = breakers

    def collect(self) -> Iterable[GaugeMetricFamily]:
        state = GaugeMetricFamily(
            "unigate_circuit_state",
            "Circuit breaker state per provider and model (0 closed, 1 half-open, 2 open), this process",
            labels=["provider", "model"],
        )
        failures = GaugeMetricFamily(
            "unigate_circuit_failures",
            "Transient failures counted in the breaker's current window",
            labels=["provider", "model"],
        )
        for c in self.breakers.snapshot():
            labels = [c["provider"], c["model"]]
            state.add_metric(labels, _STATE_VALUE.get(str(c["state"]), 0))
            failures.add_metric(labels, float(c.get("failures") or 0))
        yield state
        yield failures


class Metrics:
    def __init__(self, breakers: Breakers | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "unigate_requests",
            "Finished provider requests (sync calls and async jobs) by outcome",
            ["subfeature", "provider", "status"],
            registry=self.registry,
        )
        self.cost = Counter(
            "unigate_cost_usd",
            "Money spent at providers, as priced by the gateway",
            ["subfeature", "provider"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "unigate_request_duration_seconds",
            "Time from the first provider call to the outcome (fallbacks and retries included)",
            ["subfeature"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "unigate_cache_hits", "Sync answers served from the result cache", registry=self.registry
        )
        self.jobs = Gauge(
            "unigate_jobs_unfinished",
            "Async jobs not finished yet, by state (queued or running), whole database",
            ["state"],
            registry=self.registry,
        )
        if breakers is not None:
            self.registry.register(_BreakerCollector(breakers))
        self._children: dict[tuple[str, str, str], tuple[Any, Any, Any]] = {}

    def observe(self, subfeature: str, provider: str, status: str, cost: Decimal, seconds: float) -> None:
        key = (subfeature, provider, status)
        children = self._children.get(key)
        if children is None:  # `labels()` costs several microseconds: resolve each series once
            children = self._children[key] = (
                self.requests.labels(subfeature, provider, status),
                self.cost.labels(subfeature, provider),
                self.duration.labels(subfeature),
            )
        requests, spent, duration = children
        requests.inc()
        if cost:
            spent.inc(float(cost))
        duration.observe(seconds)

    def set_jobs(self, counts: Mapping[str, int]) -> None:
        for state in ("queued", "running"):
            self.jobs.labels(state).set(counts.get(state, 0))

    def render(self) -> bytes:
        return generate_latest(self.registry)
