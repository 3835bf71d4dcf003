"""Job queue backends side by side: SQLite (the job table is the queue) and PostgreSQL + Procrastinate.

    .venv/bin/python -m bench.queue_backends [--jobs 2000] [--concurrency 50 200 500]
        [--clients 64] [--latency-ms 50] [--backends sqlite postgres] [--pg-url URL]
        [--worker-procs 1] [--env UNIGATE_X=VALUE ...]

For each backend and worker concurrency N, on loopback, the deployment shape of the distributed
mode: one API process (`unigate serve --no-workers`) and one worker process
(`unigate worker --queue io --concurrency N`), on a fresh database (PostgreSQL: a new database on
the server named by --pg-url, UNIGATE_TEST_POSTGRES_URL or /tmp/pgurl; SQLite: a new data folder,
shared by the two processes), after `unigate migrate`. The provider sleeps --latency-ms per call
(a cloud call's wait, no CPU), so N bounds completions at N / latency jobs/s.

After a warm-up (50 jobs, not counted), `--clients` concurrent HTTP clients submit `--jobs` async
jobs (POST /v3/universal-ai/async). Reported per case:
- enqueue_per_s: 202s per second, first submission to last 202;
- completed_per_s: jobs per second from the first submission to the last job's `finished_at`
  (read from the jobs table), every job `success` (any failure fails the run);
- submit latency p50/p99, queue wait (started_at - created_at) and end-to-end job time p50/p99;
- CPU seconds used by the API and the worker process(es) (from /proc), per 1,000 jobs.
Ratios are PostgreSQL over SQLite at the same concurrency. Everything shares this machine's cores
(clients, API, worker, PostgreSQL), so absolute numbers are a floor, not a capacity.
Results are printed and written to bench/results/queue-backends-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.procstats import free_port

ROOT = Path(__file__).resolve().parents[1]
KEY = "ug_queue_bench_key_0123456789abcdefghijklmnopqrstuvwxyz"
AUTH = {"Authorization": f"Bearer {KEY}"}
LATENCY_ENV = "QUEUE_BENCH_LATENCY_MS"  # read by SleepProvider inside the unigate processes
BODY = {"model": "text/embeddings/sleep", "input": {"texts": ["hello"]}}
WARMUP_JOBS = 50


# --------------------------------------------------------------------------- the provider
# Loaded by the unigate processes through UNIGATE_EXTRA_PROVIDERS="bench.queue_backends:SleepProvider";
# only light imports at module level for that reason.


async def _sleep_embeddings(inp: Any, ctx: Any) -> Any:
    from unigate.providers.base import ProviderResult

    await asyncio.sleep(float(os.environ.get(LATENCY_ENV, "50")) / 1000.0)
    items = [{"embedding": [float(len(t)), 0.1, 0.2]} for t in inp.texts]
    return ProviderResult(output={"items": items}, usage={"char": sum(len(t) for t in inp.texts)})


class SleepProvider:
    """text/embeddings that waits QUEUE_BENCH_LATENCY_MS (default 50) and answers: an I/O-bound
    cloud call without the network. Its offer is on the `io` queue (the default)."""

    name = "sleep"
    display_name = "Fixed-latency provider (queue benchmark)"

    def offers(self) -> Sequence[Any]:
        from unigate.providers.base import ModelSpec, Offer

        return [
            Offer(
                "text/embeddings", models=(ModelSpec("sleep"),), default_model="sleep", run=_sleep_embeddings
            )
        ]

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return None

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {}


# --------------------------------------------------------------------------- helpers


def _cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _pg_url(cli: str | None) -> str | None:
    if cli:
        return cli
    env = os.environ.get("UNIGATE_TEST_POSTGRES_URL", "").strip()
    if env:
        return env
    p = Path("/tmp/pgurl")
    return p.read_text().strip() if p.exists() and p.read_text().strip() else None


class PgDatabase:
    """A throwaway database on the PostgreSQL server (created now, dropped by `drop()`)."""

    def __init__(self, server_url: str) -> None:
        from sqlalchemy import create_engine, make_url, text

        from unigate.db.database import sync_url

        base = make_url(sync_url(server_url))
        self.name = f"qb_{uuid.uuid4().hex[:16]}"
        self._admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = base.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


class Proc:
    """A `unigate` child process with its output in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("ab")
        exe = str(Path(sys.executable).with_name("unigate"))
        self.proc = subprocess.Popen([exe, *args], env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def check_alive(self, what: str) -> None:
        if self.proc.poll() is not None:
            raise SystemExit(f"{what} exited ({self.proc.returncode}):\n{self.output()[-3000:]}")

    def stop(self, timeout_s: float = 20.0) -> float:
        """SIGTERM (graceful), then SIGKILL if needed; returns the seconds the graceful stop took."""
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        return time.monotonic() - t0


# --------------------------------------------------------------------------- one case


class Case:
    def __init__(
        self, backend: str, concurrency: int, args: argparse.Namespace, pg_server: str | None
    ) -> None:
        self.backend = backend
        self.concurrency = concurrency
        self.args = args
        self.pg_server = pg_server
        self.tmp = Path(tempfile.mkdtemp(prefix=f"unigate-qb-{backend}-"))
        self.pg: PgDatabase | None = None
        self.engine: Any = None

    def env(self, name: str) -> dict[str, str]:
        data = self.tmp / name if self.backend == "postgres" else self.tmp / "shared"
        data.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNIGATE_")}
        env.update(
            UNIGATE_DATA_DIR=str(data),
            UNIGATE_ADMIN_KEY=KEY,
            UNIGATE_EXTRA_PROVIDERS='["bench.queue_backends:SleepProvider"]',
            UNIGATE_SECRET_KEY=self.secret,
            UNIGATE_WEBHOOK_KEY_FILE=str(self.tmp / "webhook_key.pem"),
            PYTHONPATH=str(ROOT),
            **{LATENCY_ENV: str(self.args.latency_ms)},
        )
        if self.pg is not None:
            env["UNIGATE_DATABASE_URL"] = self.pg.url
        env.update(self.args.env)
        return env

    async def run(self) -> dict[str, Any]:
        from sqlalchemy import create_engine

        self.secret = secrets.token_hex(32)
        if self.backend == "postgres":
            assert self.pg_server
            self.pg = PgDatabase(self.pg_server)
        procs: list[Proc] = []
        try:
            migrated = subprocess.run(
                [str(Path(sys.executable).with_name("unigate")), "migrate"],
                env=self.env("migrate"),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if migrated.returncode != 0:
                raise SystemExit(f"unigate migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
            db_url = self.pg.url if self.pg else f"sqlite:///{self.tmp / 'shared' / 'unigate.db'}"
            from unigate.db.database import sync_url

            self.engine = create_engine(sync_url(db_url))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            api = Proc(
                ["serve", "--no-workers", "--host", "127.0.0.1", "--port", str(port)],
                self.env("api"),
                self.tmp / "api.log",
            )
            procs.append(api)
            workers = [
                Proc(
                    ["worker", "--queue", "io", "--concurrency", str(self.concurrency)],
                    self.env(f"worker{i}"),
                    self.tmp / f"worker{i}.log",
                )
                for i in range(self.args.worker_procs)
            ]
            procs.extend(workers)
            for w in workers:
                await self._wait_ready(base, api, w)
            await self._warm_up(base, workers[0])
            result = await self._measure(base, api, workers)
            result["worker_sigterm_stop_s"] = [round(w.stop(), 2) for w in workers]
            logs = api.output() + "".join(w.output() for w in workers)
            result["tracebacks_in_logs"] = logs.count("Traceback")
            return result
        finally:
            for p in procs:
                p.stop()
            if self.engine is not None:
                self.engine.dispose()
            if self.pg is not None:
                self.pg.drop()
            if not self.args.keep:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def _count_done(self) -> tuple[int, int]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) FROM jobs"
                )
            ).one()
        return int(row[0]), int(row[1])

    async def _wait_all_done(self, total: int, worker: Proc, limit_s: float) -> None:
        deadline = time.monotonic() + limit_s
        while True:
            n, done = await asyncio.to_thread(self._count_done)
            if n >= total and done >= n:
                return
            worker.check_alive("the worker")
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{self.backend} c={self.concurrency}: {done}/{n} jobs done after {limit_s} s"
                )
            await asyncio.sleep(0.05)

    async def _wait_ready(self, base: str, api: Proc, worker: Proc) -> None:
        import aiohttp

        deadline = time.monotonic() + 90
        async with aiohttp.ClientSession(base, headers=AUTH) as s:
            while time.monotonic() < deadline:
                api.check_alive("the API process")
                worker.check_alive("the worker")
                try:
                    async with s.post("/v3/universal-ai", json=BODY) as r:
                        if r.status == 200 and "unigate worker serving" in worker.output():
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise SystemExit("API or worker not ready in 90 s")

    async def _submit(self, base: str, n: int, clients: int) -> dict[str, Any]:
        import aiohttp

        lat: list[float] = []
        statuses: dict[int, int] = {}
        remaining = [n]
        last_ok = [0.0]
        timeout = aiohttp.ClientTimeout(total=60)
        connector = aiohttp.TCPConnector(limit=clients)
        async with aiohttp.ClientSession(base, headers=AUTH, connector=connector, timeout=timeout) as s:

            async def client() -> None:
                while remaining[0] > 0:
                    remaining[0] -= 1
                    t = time.perf_counter()
                    async with s.post("/v3/universal-ai/async", json=BODY) as r:
                        await r.read()
                        statuses[r.status] = statuses.get(r.status, 0) + 1
                        if r.status == 202:
                            last_ok[0] = time.time()
                    lat.append((time.perf_counter() - t) * 1000)

            t0 = time.time()
            await asyncio.gather(*(client() for _ in range(clients)))
        return {"t0": t0, "t_last_202": last_ok[0], "statuses": statuses, "lat_ms": lat}

    async def _warm_up(self, base: str, worker: Proc) -> None:
        await self._submit(base, WARMUP_JOBS, min(WARMUP_JOBS, self.args.clients))
        await self._wait_all_done(WARMUP_JOBS, worker, 60)

    async def _measure(self, base: str, api: Proc, workers: list[Proc]) -> dict[str, Any]:
        from sqlalchemy import text

        j = self.args.jobs
        worker = workers[0]
        cpu0 = (_cpu_s(api.pid), sum(_cpu_s(w.pid) for w in workers))
        sub = await self._submit(base, j, self.args.clients)
        accepted = sub["statuses"].get(202, 0)
        if accepted != j:
            raise SystemExit(
                f"{self.backend} c={self.concurrency}: only {accepted}/{j} accepted: {sub['statuses']}"
            )
        await self._wait_all_done(WARMUP_JOBS + j, worker, self.args.drain_limit_s)
        cpu1 = (_cpu_s(api.pid), sum(_cpu_s(w.pid) for w in workers))
        t0 = sub["t0"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT status, created_at, started_at, finished_at FROM jobs WHERE created_at >= :t0"),
                {"t0": t0 - 0.001},
            ).all()
        if len(rows) != j:
            raise SystemExit(
                f"{self.backend} c={self.concurrency}: {len(rows)} timed jobs in the table, want {j}"
            )
        failed = sum(1 for r in rows if r.status != "success")
        last_finish = max(r.finished_at for r in rows)
        enqueue_s = sub["t_last_202"] - t0
        total_s = last_finish - t0
        waits = [(r.started_at - r.created_at) * 1000 for r in rows if r.started_at is not None]
        e2e = [(r.finished_at - r.created_at) * 1000 for r in rows]
        per_k = 1000.0 / j
        return {
            "backend": self.backend,
            "concurrency": self.concurrency,
            "worker_processes": len(workers),
            "jobs": j,
            "failed": failed,
            "enqueue_per_s": round(j / enqueue_s, 1),
            "completed_per_s": round(j / total_s, 1),
            "enqueue_s": round(enqueue_s, 2),
            "all_done_s": round(total_s, 2),
            "ceiling_per_s": round(len(workers) * self.concurrency / (self.args.latency_ms / 1000.0)),
            "submit_ms": {
                "p50": round(_pct(sub["lat_ms"], 0.5), 1),
                "p99": round(_pct(sub["lat_ms"], 0.99), 1),
            },
            "queue_wait_ms": {"p50": round(_pct(waits, 0.5), 1), "p99": round(_pct(waits, 0.99), 1)},
            "job_end_to_end_ms": {"p50": round(_pct(e2e, 0.5), 1), "p99": round(_pct(e2e, 0.99), 1)},
            "cpu_s_per_1000_jobs": {
                "api": round((cpu1[0] - cpu0[0]) * per_k, 2),
                "worker": round((cpu1[1] - cpu0[1]) * per_k, 2),
            },
        }


# --------------------------------------------------------------------------- main


def _table(results: list[dict[str, Any]]) -> str:
    by = {(r["backend"], r["concurrency"]): r for r in results}
    head = (
        f"{'backend':<9} {'conc':>5} {'enqueued/s':>11} {'completed/s':>12} {'ceiling/s':>10} "
        f"{'wait p50/p99 ms':>17} {'cpu s/1k api+wrk':>17} {'enq x':>6} {'done x':>7} failed"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        base = by.get(("sqlite", r["concurrency"]))
        ratio_e = ratio_c = "   -"
        if base and r["backend"] != "sqlite":
            ratio_e = f"{r['enqueue_per_s'] / base['enqueue_per_s']:.2f}"
            ratio_c = f"{r['completed_per_s'] / base['completed_per_s']:.2f}"
        wait = f"{r['queue_wait_ms']['p50']:.0f}/{r['queue_wait_ms']['p99']:.0f}"
        cpu = f"{r['cpu_s_per_1000_jobs']['api']:.2f}+{r['cpu_s_per_1000_jobs']['worker']:.2f}"
        lines.append(
            f"{r['backend']:<9} {r['concurrency']:>5} "
            f"{r['enqueue_per_s']:>11.1f} {r['completed_per_s']:>12.1f} "
            f"{r['ceiling_per_s']:>10} {wait:>17} {cpu:>17} {ratio_e:>6} {ratio_c:>7} {r['failed']}"
        )
    return "\n".join(lines)


async def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.queue_backends",
        description="Async job throughput, SQLite queue vs PostgreSQL + Procrastinate, "
        "one API process + one worker process per case.",
    )
    ap.add_argument("--jobs", type=int, default=2000, help="timed jobs per case (default 2000)")
    ap.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[50, 200, 500],
        help="worker concurrencies (default 50 200 500)",
    )
    ap.add_argument(
        "--worker-procs", type=int, default=1, help="worker processes per case, each at --concurrency"
    )
    ap.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients submitting (default 64)")
    ap.add_argument("--latency-ms", type=float, default=50.0, help="provider latency per job (default 50)")
    ap.add_argument(
        "--backends",
        nargs="+",
        choices=["sqlite", "postgres"],
        default=["sqlite", "postgres"],
        help="default both",
    )
    ap.add_argument(
        "--pg-url", help="PostgreSQL server URL (default: UNIGATE_TEST_POSTGRES_URL, then /tmp/pgurl)"
    )
    ap.add_argument(
        "--drain-limit-s", type=float, default=180.0, help="give up waiting for the jobs after this"
    )
    ap.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="UNIGATE_X=VALUE",
        help="extra setting for the API and worker processes (repeat), e.g. UNIGATE_JOB_HEARTBEAT_S=2",
    )
    ap.add_argument("--keep", action="store_true", help="keep each case's data folder and logs")
    ap.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = ap.parse_args(argv)
    try:
        args.env = dict(item.split("=", 1) for item in args.env)
    except ValueError:
        ap.error("--env takes NAME=VALUE")

    pg_server = _pg_url(args.pg_url)
    if "postgres" in args.backends and not pg_server:
        ap.error("no PostgreSQL URL: pass --pg-url, set UNIGATE_TEST_POSTGRES_URL, or --backends sqlite")

    results: list[dict[str, Any]] = []
    started = time.monotonic()
    load0 = os.getloadavg()
    for conc in args.concurrency:  # backends interleaved, so load drifts hit both alike
        for backend in args.backends:
            print(f"[{backend} c={conc}] ...", flush=True)
            r = await Case(backend, conc, args, pg_server).run()
            results.append(r)
            print(
                f"[{backend} c={conc}] enqueued {r['enqueue_per_s']}/s, completed {r['completed_per_s']}/s, "
                f"failed {r['failed']}",
                flush=True,
            )
    table = _table(results)
    out = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in load0],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.monotonic() - started, 1),
        "setup": {
            "jobs_per_case": args.jobs,
            "warmup_jobs": WARMUP_JOBS,
            "clients": args.clients,
            "provider_latency_ms": args.latency_ms,
            "processes": f"1 x `unigate serve --no-workers` + {args.worker_procs} x `unigate worker "
            "--queue io --concurrency N`, fresh database per case, all on this machine",
            "extra_env": args.env,
            "postgres_server": pg_server.rsplit("@", 1)[-1] if pg_server else None,
        },
        "results": results,
        "ratios_postgres_over_sqlite": {
            str(c): {
                "enqueue": round(p["enqueue_per_s"] / s["enqueue_per_s"], 2),
                "completed": round(p["completed_per_s"] / s["completed_per_s"], 2),
            }
            for c in args.concurrency
            for s in results
            for p in results
            if s["backend"] == "sqlite"
            and p["backend"] == "postgres"
            and s["concurrency"] == p["concurrency"] == c
        },
        "table": table.splitlines(),
    }
    if not args.no_save:
        path = ROOT / "bench" / "results" / f"queue-backends-{int(time.time())}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(out, indent=2))
        print(f"written {path.relative_to(ROOT)}")
    print(table)
    return 1 if any(r["failed"] or r["tracebacks_in_logs"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
