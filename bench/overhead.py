"""Gateway overhead, job rates, idle memory and start time, against a zero-work provider.

    .venv/bin/python -m bench.overhead [--seconds 10] [--jobs 3000]

(a) sync requests through the server vs calling the same provider function directly, at
concurrency 1 and 32 (RPS, p50, p99); (b) async enqueue rate and completion rate; (c) idle RSS and
the time from process start to the first answer. The client runs in this process (aiohttp), the
server in its own (`unigate serve`, one process). Results are printed and written to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.procstats import free_port, rss_mb

ROOT = Path(__file__).resolve().parents[1]
KEY = "ug_benchmark_key_0123456789abcdefghijklmnopqrstuvwxyz"
BODY = {"model": "text/embeddings/zero", "input": {"texts": ["hello"]}}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def direct_baseline(n: int) -> dict[str, float]:
    """The provider function called directly with a minimal context: what a caller pays without us."""
    from bench.zero_provider import zero_embeddings
    from unigate.catalog import get_subfeature
    from unigate.providers.base import CallContext

    sub = get_subfeature("text", "embeddings")
    assert sub is not None

    async def no_files(ref: str) -> Any:
        raise RuntimeError

    ctx = CallContext(
        "zero", "zero", time.monotonic() + 60, {}, {}, no_files, lambda: None, asyncio.to_thread
    )  # type: ignore[arg-type,return-value]
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        inp = sub.input_model.model_validate(BODY["input"])
        await zero_embeddings(inp, ctx)
        lat.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": statistics.median(lat), "p99_ms": _pct(lat, 0.99)}


async def load(url: str, concurrency: int, seconds: float, body: dict[str, Any]) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {KEY}"}
    lat: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn, headers=headers) as session:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                async with session.post(url, json=body) as r:
                    await r.read()
                    if r.status >= 300:
                        errors += 1
                lat.append((time.perf_counter() - t0) * 1000)

        t0 = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - t0
    return {
        "rps": len(lat) / elapsed,
        "p50_ms": statistics.median(lat),
        "p99_ms": _pct(lat, 0.99),
        "requests": len(lat),
        "errors": errors,
    }


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
"""


def wrk(url: str, concurrency: int, seconds: float) -> dict[str, float] | None:
    """Load from wrk (a C client) when installed: the client then costs far less CPU than ours."""
    exe = shutil.which("wrk")
    if exe is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % (json.dumps(BODY), KEY))
        script = f.name
    out = subprocess.run(
        [exe, "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script)
    result: dict[str, float] = {}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            result[f"p{parts[0][:-1]}_ms"] = _ms(parts[1])
        elif "Non-2xx" in line:
            result["errors"] = float(parts[-1])
    result.setdefault("errors", 0.0)
    return result


def _ms(value: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * scale
    return float(value)


async def jobs_with_wrk(base: str, seconds: float) -> dict[str, float]:
    """Submissions from wrk for `seconds` while the in-process workers drain the queue, then the
    time until every job has ended: enqueue rate and completion rate on one process."""
    t0 = time.monotonic()
    submitted = wrk(f"{base}/v3/universal-ai/async", 32, seconds)
    assert submitted is not None
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {KEY}"}) as s:
        while True:
            async with s.get(
                f"{base}/v3/universal-ai/async", params={"status": "processing", "limit": 1}
            ) as r:
                if not (await r.json())["items"]:
                    break
            await asyncio.sleep(0.02)
        total_s = time.monotonic() - t0
        async with s.get(f"{base}/v3/universal-ai/async", params={"status": "fail", "limit": 1}) as r:
            failed = len((await r.json())["items"])
    n = submitted["rps"] * int(seconds)
    return {
        "jobs": round(n),
        "enqueue_per_s": submitted["rps"],
        "enqueue_p99_ms": submitted["p99_ms"],
        "completed_per_s": n / total_s,
        "any_failed": failed,
    }


async def jobs(base: str, n: int, concurrency: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {KEY}"}
    ids: list[str] = []
    async with aiohttp.ClientSession(headers=headers, connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        queue = list(range(n))

        async def submit() -> None:
            while queue:
                queue.pop()
                async with s.post(f"{base}/v3/universal-ai/async", json=BODY) as r:
                    assert r.status == 202, await r.text()
                    ids.append((await r.json())["public_id"])

        t0 = time.monotonic()
        await asyncio.gather(*(submit() for _ in range(concurrency)))
        enqueue_s = time.monotonic() - t0
        # Completion: poll the list until no job is processing.
        while True:
            async with s.get(
                f"{base}/v3/universal-ai/async", params={"status": "processing", "limit": 1}
            ) as r:
                if not (await r.json())["items"]:
                    break
            await asyncio.sleep(0.02)
        total_s = time.monotonic() - t0
        async with s.get(f"{base}/v3/universal-ai/async/{ids[-1]}") as r:
            last = await r.json()
    return {
        "jobs": n,
        "enqueue_per_s": n / enqueue_s,
        "completed_per_s": n / total_s,
        "last_status": last["status"],
    }


async def _enqueue_without_workers(exe: str, env: dict[str, str], seconds: float) -> dict[str, float] | None:
    """The enqueue path alone: an API-only server (`--no-workers`) taking async submissions."""
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="unigate-bench-")
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--no-workers"],
        env={**env, "UNIGATE_DATA_DIR": data_dir},
        stdout=subprocess.DEVNULL,
    )
    try:
        await _wait_ready(f"http://127.0.0.1:{port}", proc)
        return wrk(f"http://127.0.0.1:{port}/v3/universal-ai/async", 32, seconds)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


async def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {KEY}"}) as s:
        while True:
            try:
                async with s.post(f"{base}/v3/universal-ai", json=BODY) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if proc.poll() is not None:
                raise SystemExit("server exited")
            await asyncio.sleep(0.01)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--jobs", type=int, default=3000)
    args = ap.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="unigate-bench-")
    env = {
        **os.environ,
        "UNIGATE_DATA_DIR": data_dir,
        "UNIGATE_ADMIN_KEY": KEY,
        "UNIGATE_EXTRA_PROVIDERS": '["bench.zero_provider:ZeroProvider"]',
        "PYTHONPATH": str(ROOT),
    }
    exe = str(Path(sys.executable).with_name("unigate"))
    t_start = time.monotonic()
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    try:
        await _wait_ready(base, proc)
        start_s = time.monotonic() - t_start
        await asyncio.sleep(1.0)
        idle_rss = rss_mb(proc.pid)

        direct = await direct_baseline(20000)
        await load(f"{base}/v3/universal-ai", 1, 1.0, BODY)  # warm-up
        c1 = await load(f"{base}/v3/universal-ai", 1, args.seconds, BODY)
        c32 = wrk(f"{base}/v3/universal-ai", 32, args.seconds) or await load(
            f"{base}/v3/universal-ai", 32, args.seconds, BODY
        )
        job = (
            await jobs_with_wrk(base, args.seconds)
            if shutil.which("wrk")
            else await jobs(base, args.jobs, 32)
        )
        rss_after = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)
    enqueue_only = await _enqueue_without_workers(exe, env, args.seconds)

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "start_to_first_answer_s": round(start_s, 3),
        "idle_rss_mb": round(idle_rss, 1),
        "rss_after_load_mb": round(rss_after, 1),
        "direct_call": direct,
        "http_c1": c1,
        "http_c32": c32,
        "overhead_p50_ms_c1": c1["p50_ms"] - direct["p50_ms"],
        "jobs": job,
        "enqueue_only_no_workers": enqueue_only,
        "client": "wrk" if shutil.which("wrk") else "aiohttp",
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"overhead-{int(time.time())}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
