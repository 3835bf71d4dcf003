"""Closest valid choices for a mistyped name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(value: str, choices: Iterable[str], n: int = 5) -> list[str]:
    options = sorted(set(choices))
    found = difflib.get_close_matches(value, options, n=n, cutoff=0.5)
    return found or options[:n]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    options = closest(value, choices)
    return f"; valid choices closest to {value!r}: {', '.join(options)}" if options else ""
