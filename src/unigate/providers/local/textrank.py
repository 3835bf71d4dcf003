"""Weighted PageRank over a dense similarity matrix, for the TextRank-based local models."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DAMPING = 0.85


def pagerank(weights: np.ndarray, damping: float = DAMPING) -> np.ndarray:
    """Scores summing to 1 over the linked nodes, by power iteration; unlinked nodes score 0."""
    import numpy as np

    out = weights.sum(axis=1)
    linked = out > 0
    scores = np.zeros(len(weights))
    if not linked.any():
        return scores
    sub = weights[np.ix_(linked, linked)] / out[linked][:, None]  # row-stochastic transitions
    n = len(sub)
    rank = np.full(n, 1.0 / n)
    for _ in range(200):
        new = (1 - damping) / n + damping * (sub.T @ rank)
        done = bool(np.abs(new - rank).max() < 1e-9)
        rank = new
        if done:
            break
    scores[linked] = rank
    return scores
