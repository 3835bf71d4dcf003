"""SmolLM2-135M on llama.cpp: load time, prompt and generation speed, resident memory.

    PYTHONPATH=src python -m bench.local_chat [--threads N] [--runs 3]

Run in a fresh process (the model loads once per process). Memory is the RSS growth from
"provider imported" to "model loaded and used", the figure behind the offer's memory_mb.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from bench.procstats import memory_since, rss_mb


def measure(runs: int, max_tokens: int) -> dict[str, Any]:
    from unigate.providers.local import chat

    base = rss_mb()
    started = time.perf_counter()
    chat.ENGINE.get()
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    short = chat.ChatRequest(
        messages=[{"role": "user", "content": "What is the capital of France?"}], temperature=0, max_tokens=64
    )
    story = chat.ChatRequest(
        messages=[{"role": "user", "content": "Write a long story about a dragon and a knight."}],
        temperature=0,
        max_tokens=max_tokens,
    )
    started = time.perf_counter()
    first = chat.complete(short)
    first_s = time.perf_counter() - started
    answer_s, gen_rates = [], []
    for _ in range(runs):
        started = time.perf_counter()
        chat.complete(short)
        answer_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        out = chat.complete(story)
        gen_rates.append(out["usage"]["completion_tokens"] / (time.perf_counter() - started))
    return {
        "model": chat.MODEL,
        "threads": chat.threads(),
        "load_s": round(load_s, 2),
        "first_call_s": round(first_s, 3),
        "answer": first["choices"][0]["message"]["content"],
        "short_answer_s": round(statistics.median(answer_s), 3),
        "generation_tokens_per_s": round(statistics.median(gen_rates), 1),
        "generated_tokens": out["usage"]["completion_tokens"],
        **memory_since(base, loaded),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    if args.threads:
        os.environ["UNIGATE_LOCAL_THREADS"] = str(args.threads)
    print(json.dumps(measure(args.runs, args.max_tokens)))


if __name__ == "__main__":
    main()
