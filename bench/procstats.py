"""What the benchmarks read of a process (Linux /proc) and the measurement they share."""

from __future__ import annotations

import resource
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (this one by default); NaN when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_then_time(load: Callable[[], Any], call: Callable[[], Any], runs: int) -> dict[str, Any]:
    """Load a model, call it once (first call), then `runs` more times: timings and memory.

    Memory is the RSS growth from before the load, the figure behind an offer's memory_mb.
    """
    base = rss_mb()
    started = time.perf_counter()
    load()
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    started = time.perf_counter()
    call()
    first_s = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return {
        "load_s": round(load_s, 2),
        "first_call_s": round(first_s, 3),
        "latency_s": round(statistics.median(times), 4),
        **memory_since(base, loaded),
    }


def memory_since(base: float, loaded: float) -> dict[str, int]:
    return {
        "rss_base_mb": round(base),
        "rss_loaded_delta_mb": round(loaded - base),
        "rss_after_use_delta_mb": round(rss_mb() - base),
        "peak_rss_mb": peak_rss_mb(),
    }
