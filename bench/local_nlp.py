"""The local-nlp models (and Apertium): load time, warm latency and resident memory, one fresh
process per model.

    PYTHONPATH=src python -m bench.local_nlp [--runs 20] [--only sentiment,ner,...]

Load is the first call (imports + model load + one inference); memory is the RSS growth from
"module imported" to "model loaded and used", the figure behind each offer's memory_mb.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.procstats import rss_mb

SENTENCE = "Apple is looking at buying a U.K. startup for $1 billion, Tim Cook said in London on Monday."
ARTICLE = " ".join(
    [
        "The city council approved a plan on Tuesday to build three new tram lines across the city.",
        "The project will cost 450 million euros and take six years to complete.",
        "Council members said the tram lines would reduce traffic and air pollution in the city centre.",
        "The plan also includes buying 120 electric buses to replace the oldest diesel buses.",
        "Funding will come from national grants and a small increase in the local tax.",
        "Some residents opposed the plan because of the noise from construction work.",
        "The mayor promised that construction would stop at night and on weekends.",
    ]
)


def _call(name: str) -> Callable[[], Any]:
    """A blocking call of the model under test on a fixed input."""
    if name == "sentiment":
        from unigate.providers.local import sentiment

        return lambda: sentiment.analyse(SENTENCE)
    if name == "moderation":
        from unigate.providers.local import moderation

        return lambda: moderation.score(SENTENCE)
    if name == "ner":
        from unigate.providers.local import ner

        return lambda: ner.entities(SENTENCE)
    if name == "keywords":
        from unigate.providers.local import keywords

        return lambda: keywords.extract(ARTICLE)
    if name == "summarize":
        from unigate.providers.local import summarize

        return lambda: summarize.summarize(ARTICLE, "en", 2)
    if name == "spelling":
        from unigate.providers.local import spelling

        return lambda: spelling.check("Ths sentnce has severl speling erors.", "en")
    if name == "e5":
        from unigate.providers.local import embeddings

        return lambda: embeddings.embed_e5([SENTENCE])
    if name == "apertium":
        from unigate.providers.local import translate

        pair = translate.choose("en", "es")
        return lambda: asyncio.run(translate.translate(SENTENCE, pair, 60))
    raise SystemExit(f"unknown model {name}")


NAMES = ("sentiment", "moderation", "ner", "keywords", "summarize", "spelling", "e5", "apertium")


def measure(name: str, runs: int) -> dict[str, Any]:
    call = _call(name)
    base = rss_mb()
    started = time.perf_counter()
    call()
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return {
        "model": name,
        "load_and_first_call_s": round(load_s, 3),
        "latency_ms_median": round(statistics.median(times) * 1000, 2),
        "rss_growth_mb": round(loaded - base),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default=",".join(NAMES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.runs)))
        return
    for name in args.only.split(","):
        out = subprocess.run(
            [sys.executable, "-m", "bench.local_nlp", "--child", name, "--runs", str(args.runs)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
