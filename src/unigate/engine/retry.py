"""Retries of transient provider failures: exponential backoff with full jitter, honouring the
vendor's `retry_after`, bounded by an attempt count and by the request's deadline.

What is never retried blindly: a provider-side `launch` whose failure may have happened after the
vendor accepted the job (a timeout, a reset mid-response, a 5xx). Repeating it could start, and
bill, the same job twice, and the job runner only persists the provider job id once `launch`
returns. Such a launch moves on to the fallbacks (or fails) instead; the trade-off is that a job
the vendor did start is abandoned. A launch is retried only when the vendor provably refused it:
429 / 503, or a connection that never opened (nothing was sent).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from unigate.providers.errors import ProviderConnectError, ProviderError

Phase = Literal["run", "launch", "poll"]

# Statuses by which a vendor says "not accepted, try later": the request had no effect.
_REFUSED = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3  # per route, the first call included
    base_s: float = 0.25
    max_backoff_s: float = 8.0

    def backoff(
        self, attempt: int, retry_after: float | None, rand: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        Full jitter (uniform in [0, min(cap, base * 2^(attempt-1))]) spreads retries of many
        clients apart; a vendor's Retry-After is a floor, never shortened by the jitter."""
        delay = rand() * min(self.max_backoff_s, self.base_s * 2.0 ** (attempt - 1))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def may_retry(exc: ProviderError, phase: Phase) -> bool:
    if not exc.transient:
        return False
    if phase != "launch":
        return True  # one-shot calls and polls have no effect a repeat could duplicate
    return exc.status in _REFUSED or isinstance(exc, ProviderConnectError)
