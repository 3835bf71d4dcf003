"""Load test: 1,000 concurrent clients for 60 s against a real server on loopback, with a provider
that has latency (bench/latency_provider.py). Not part of pytest.

    .venv/bin/python -m bench.load [--clients 1000] [--seconds 60]

Each client holds one connection and loops until the deadline over a seeded mix of sync calls
(POST /v3/universal-ai), async submissions (POST /v3/universal-ai/async) and polls of its own jobs
(GET /v3/universal-ai/async/{id}). Then it waits (bounded) until no job is processing. Reported:
requests by kind, server errors (5xx, transport errors; must be 0), jobs left processing or failed,
server RSS at start and end, p50/p99 latency by kind. Results are printed and written to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench.overhead import _pct
from bench.procstats import free_port, rss_mb

ROOT = Path(__file__).resolve().parents[1]
KEY = "ug_load_test_key_0123456789abcdefghijklmnopqrstuvwxyz0123"
AUTH = {"Authorization": f"Bearer {KEY}"}
SYNC = {"model": "text/embeddings/slow", "input": {"texts": ["hello"]}}
ASYNC = {"model": "audio/text_to_speech_async/slow", "input": {"text": "hello"}}
DRAIN_LIMIT_S = 120.0


class Stats:
    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        self.status: Counter[str] = Counter()
        self.lat: dict[str, list[float]] = {"sync": [], "submit": [], "poll": []}
        self.server_errors = 0
        self.transport_errors = 0
        self.submitted: list[str] = []


async def client(n: int, base: str, stop: float, stats: Stats) -> None:
    rng = random.Random(n)
    mine: list[str] = []
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=1)  # one connection per client
    async with aiohttp.ClientSession(base, connector=connector, headers=AUTH, timeout=timeout) as s:
        while time.monotonic() < stop:
            roll = rng.random()
            kind = "sync" if roll < 0.5 else "submit" if roll < 0.7 or not mine else "poll"
            t0 = time.perf_counter()
            try:
                if kind == "sync":
                    r = await s.post("/v3/universal-ai", json=SYNC)
                elif kind == "submit":
                    r = await s.post("/v3/universal-ai/async", json=ASYNC)
                else:
                    r = await s.get(f"/v3/universal-ai/async/{rng.choice(mine)}")
                async with r:
                    body = await r.read()
            except (aiohttp.ClientError, TimeoutError):
                stats.transport_errors += 1
                continue
            stats.lat[kind].append((time.perf_counter() - t0) * 1000)
            stats.done[kind] += 1
            stats.status[f"{kind} {r.status}"] += 1
            if r.status >= 500:
                stats.server_errors += 1
            elif kind == "submit" and r.status == 202:
                job_id = json.loads(body)["public_id"]
                mine.append(job_id)
                stats.submitted.append(job_id)


async def drain(base: str) -> dict[str, Any]:
    """Wait (bounded) until no job is processing; then count the failed ones."""
    t0 = time.monotonic()
    async with aiohttp.ClientSession(base, headers=AUTH) as s:
        processing = True
        while time.monotonic() - t0 < DRAIN_LIMIT_S:
            async with s.get("/v3/universal-ai/async", params={"status": "processing", "limit": 1}) as r:
                processing = bool((await r.json())["items"])
            if not processing:
                break
            await asyncio.sleep(0.1)
        failed = 0
        cursor = None
        while True:
            params: dict[str, Any] = {"status": "fail", "limit": 100}
            if cursor:
                params["cursor"] = cursor
            async with s.get("/v3/universal-ai/async", params=params) as r:
                page = await r.json()
            failed += len(page["items"])
            cursor = page["next_cursor"]
            if not cursor or failed >= 10_000:
                break
    return {"drain_s": round(time.monotonic() - t0, 2), "still_processing": processing, "failed": failed}


async def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession(base, headers=AUTH) as s:
        while time.monotonic() < deadline:
            try:
                async with s.post("/v3/universal-ai", json=SYNC) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if proc.poll() is not None:
                raise SystemExit("server exited")
            await asyncio.sleep(0.05)
    raise SystemExit("server not ready in 60 s")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="load the same server this many times (RSS after each: leak or plateau)",
    )
    args = ap.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="unigate-load-")
    env = {
        **os.environ,
        "UNIGATE_DATA_DIR": data_dir,
        "UNIGATE_ADMIN_KEY": KEY,
        "UNIGATE_EXTRA_PROVIDERS": '["bench.latency_provider:LatencyProvider"]',
        "PYTHONPATH": str(ROOT),
    }
    exe = str(Path(sys.executable).with_name("unigate"))
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    stats = Stats()
    try:
        await _wait_ready(base, proc)
        await asyncio.sleep(1.0)
        rss_start = rss_mb(proc.pid)
        rss_rounds: list[float] = []
        elapsed = 0.0
        for _ in range(args.rounds):
            t0 = time.monotonic()
            stop = t0 + args.seconds
            await asyncio.wait_for(
                asyncio.gather(*(client(n, base, stop, stats) for n in range(args.clients))),
                timeout=args.seconds + 60,
            )
            elapsed += time.monotonic() - t0
            drained = await drain(base)
            rss_rounds.append(round(rss_mb(proc.pid), 1))
        rss_end = rss_rounds[-1]
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
        tracebacks = (Path(data_dir) / "server.log").read_text(errors="replace").count("Traceback")
        shutil.rmtree(data_dir, ignore_errors=True)

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": dict(stats.done),
        "requests_per_s": round(sum(stats.done.values()) / elapsed, 1),
        "statuses": dict(stats.status),
        "server_errors_5xx": stats.server_errors,
        "transport_errors": stats.transport_errors,
        "server_log_tracebacks": tracebacks,
        "jobs_submitted": len(stats.submitted),
        "jobs": drained,
        "rss_mb": {"start": round(rss_start, 1), "after_each_round": rss_rounds, "end": round(rss_end, 1)},
        "latency_ms": {
            kind: {"p50": round(_pct(v, 0.5), 1), "p99": round(_pct(v, 0.99), 1)}
            for kind, v in stats.lat.items()
            if v
        },
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"load-{int(time.time())}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    if stats.server_errors or stats.transport_errors or drained["still_processing"]:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
