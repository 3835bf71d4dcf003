"""Unit rules of retries, per-call timeouts and circuit breakers (the fault tests drive them end to end)."""

from __future__ import annotations

import pytest

from unigate.engine.breaker import BUCKETS, BreakerConfig, Breakers, CircuitOpen
from unigate.engine.retry import RetryPolicy, may_retry
from unigate.engine.timeouts import call_timeout
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderConnectError,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
)


def test_backoff_is_full_jitter_capped_and_floored_by_retry_after() -> None:
    p = RetryPolicy(max_attempts=5, base_s=1.0, max_backoff_s=3.0)
    assert p.backoff(1, None, rand=lambda: 0.999) == pytest.approx(0.999)
    assert p.backoff(2, None, rand=lambda: 0.5) == pytest.approx(1.0)
    assert p.backoff(6, None, rand=lambda: 1.0) == 3.0  # capped
    assert p.backoff(1, None, rand=lambda: 0.0) == 0.0  # full jitter reaches zero
    assert p.backoff(1, 7.5, rand=lambda: 0.5) == 7.5  # Retry-After is a floor


def test_what_may_be_retried() -> None:
    assert may_retry(ProviderServerError("x", status=500), "run")
    assert may_retry(ProviderTimeout("x"), "poll")
    assert not may_retry(ProviderAuthError("x", status=401), "run")
    # A launch is repeated only when the vendor provably did not take it.
    assert not may_retry(ProviderServerError("x", status=500), "launch")
    assert not may_retry(ProviderServerError("reset"), "launch")
    assert not may_retry(ProviderTimeout("x"), "launch")
    assert may_retry(ProviderRateLimited("x", status=429), "launch")
    assert may_retry(ProviderServerError("x", status=503), "launch")
    assert may_retry(ProviderConnectError("refused"), "launch")


def test_call_timeouts_most_specific_first_with_modality_defaults() -> None:
    over = {"audio/text_to_speech": 60, "openai": 30, "text/embeddings": 10, "text/embeddings/openai": 5}
    assert call_timeout(over, "text/embeddings", "openai", "small") == 5
    assert call_timeout(over, "text/embeddings", "google", "g") == 10
    assert call_timeout(over, "audio/text_to_speech", "google", "g") == 60
    assert call_timeout(over, "text/chat", "openai", "gpt") == 30
    assert call_timeout({}, "text/moderation", "x", "m") == 15
    assert call_timeout({}, "ocr/ocr", "x", "m") == 120
    assert call_timeout({}, "text/embeddings", "local", "m", local=True) is None
    assert call_timeout({"local": 5}, "text/embeddings", "local", "m", local=True) == 5


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_breaker_opens_on_failure_rate_and_forgets_outside_the_window() -> None:
    clock = Clock()
    cfg = BreakerConfig(failure_threshold=100, failure_rate=0.5, min_calls=4, window_s=10, cooldown_s=5)
    circuit = Breakers(cfg, clock).get("p", "m")
    for ok in (True, False, True):
        circuit.record(ok)
    assert circuit.state == "closed"  # 3 calls: below min_calls
    circuit.record(False)
    assert circuit.state == "open"  # 2 of 4 failed
    with pytest.raises(CircuitOpen) as refused:
        circuit.before_call()
    assert refused.value.retry_after == pytest.approx(5)
    clock.t += 5
    circuit.before_call()  # the probe
    assert circuit.state == "half_open"
    with pytest.raises(CircuitOpen):
        circuit.before_call()  # one probe at a time
    circuit.record(True)
    assert circuit.state == "closed" and circuit.failures == 0

    counted = Breakers(BreakerConfig(failure_threshold=2, window_s=10), clock).get("p", "m")
    counted.record(False)
    clock.t += 11  # the first failure leaves the window
    counted.record(False)
    assert counted.state == "closed" and counted.failures == 1


def test_disabled_breaker_never_refuses() -> None:
    circuit = Breakers(BreakerConfig(enabled=False, failure_threshold=1)).get("p", "m")
    circuit.record(False)
    circuit.before_call()


def test_breaker_memory_is_bounded_whatever_the_call_rate() -> None:
    """Outcomes are counted per slice of the window, not kept one per call: 200,000 calls within
    one window hold at most BUCKETS + 1 slices, and the counts stay exact."""
    clock = Clock()
    cfg = BreakerConfig(failure_threshold=10**9, failure_rate=0.9, min_calls=10, window_s=60)
    circuit = Breakers(cfg, clock).get("p", "m")
    for i in range(200_000):
        clock.t += 0.0003  # about 3,300 calls per second, for a minute
        circuit.record(i % 10 != 0)
    assert len(circuit._buckets) <= BUCKETS + 1
    assert circuit.failures == 20_000 and circuit.state == "closed"
    clock.t += 30  # half the window later: the first half's outcomes are gone
    assert 9_000 <= circuit.failures <= 11_000 and len(circuit._buckets) <= BUCKETS + 1
    clock.t += 61
    assert circuit.failures == 0 and not circuit._buckets


def test_breaker_never_forgets_an_outcome_inside_the_window() -> None:
    clock = Clock()
    clock.t = 1000.15  # near the end of a slice (window_s / BUCKETS wide)
    circuit = Breakers(BreakerConfig(failure_threshold=3, window_s=10), clock).get("p", "m")
    circuit.record(False)
    clock.t += 5
    circuit.record(False)
    clock.t += 4.99  # the first failure is 9.99 s old: still inside the window
    circuit.record(False)
    assert circuit.state == "open"

    later = Breakers(BreakerConfig(failure_threshold=3, window_s=10), clock).get("p", "m")
    for _ in range(3):
        later.record(False)
        clock.t += 5.2  # never three failures within 10 s
        later.record(True)
    assert later.state == "closed" and later.failures == 1
