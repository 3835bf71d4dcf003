"""Engine reliability options (retries, per-call timeouts, circuit breakers) from settings."""

from __future__ import annotations

from typing import Any

from unigate.engine.breaker import BreakerConfig, Breakers
from unigate.engine.retry import RetryPolicy
from unigate.settings import Settings


def reliability_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `Engine(...)`."""
    return {
        "retry": RetryPolicy(
            max_attempts=settings.retry_max_attempts,
            base_s=settings.retry_base_s,
            max_backoff_s=settings.retry_max_backoff_s,
        ),
        "breakers": Breakers(
            BreakerConfig(
                enabled=settings.breaker_enabled,
                failure_threshold=settings.breaker_failure_threshold,
                failure_rate=settings.breaker_failure_rate,
                min_calls=settings.breaker_min_calls,
                window_s=settings.breaker_window_s,
                cooldown_s=settings.breaker_cooldown_s,
            )
        ),
        "call_timeouts": dict(settings.call_timeouts_s),
    }
