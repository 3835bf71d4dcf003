"""Score scales: AWS confidences are percentages; our outputs use 0-1 and 1-5 likelihoods."""

from __future__ import annotations

from typing import Any


def ratio(percent: Any) -> float | None:
    """0-100 -> 0-1 (None when absent)."""
    if isinstance(percent, bool) or not isinstance(percent, (int, float)):
        return None
    return round(float(percent) / 100.0, 6)


def likelihood(score: float) -> int:
    """0-1 -> 1 (very unlikely) .. 5 (very likely), in even fifths."""
    return min(5, max(1, int(score * 5) + 1))
