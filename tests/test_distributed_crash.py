"""Distributed mode under crashes: 2 API processes + 2 worker processes on one PostgreSQL database.

1,000 async jobs (fake provider with latency; a third of them provider-side jobs at a loopback
vendor); `kill -9` one API process while clients submit and one worker while it runs jobs; both
are restarted. Clients retry a failed submission on the other API with the same Idempotency-Key.
Every accepted job must end exactly once (`success`), none lost or duplicated, and the vendor must
never have launched a job twice. Skipped unless UNIGATE_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.fakevendor import FakeVendor
from tests.files.samples import pdf
from tests.pgtest import fresh_database, requires_pg
from tests.serverproc import ADMIN_KEY, FAKE_PROVIDERS, ServerProcess, run_cli, unigate_env
from unigate.db.database import sync_url

pytestmark = requires_pg

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
N_JOBS = 1000
WORKER_CONCURRENCY = "50"


@pytest.fixture
def pg() -> Iterator[tuple[str, Engine]]:
    with fresh_database() as url:
        engine = create_engine(sync_url(url))
        try:
            yield url, engine
        finally:
            engine.dispose()


# Log lines that mean a job or the recovery went wrong (a kill -9 itself leaves none).
_TROUBLE = ("handler crashed", "sweep failed", "recovering the stalled delivery")


def _trouble_in_logs(tmp: Path) -> list[str]:
    """Each troubled log line with the traceback that follows it (for the failure message)."""
    found = []
    for log in sorted(tmp.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if any(t in line for t in _TROUBLE):
                found.append(f"{log.name}: " + "\n".join(lines[i : i + 40]))
    return found


def _count(engine: Engine, query: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(query), params).scalar_one())


class Cluster:
    """The processes of the test, each with its own data folder (as on separate machines)."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.tmp = tmp
        self.secret = secrets.token_hex(32)  # shared, as the deployment guide says
        self.url = url
        self.procs: list[ServerProcess] = []
        self.n = 0

    def env(self, name: str) -> dict[str, str]:
        data = self.tmp / name
        data.mkdir(exist_ok=True)
        return unigate_env(
            data,
            UNIGATE_DATABASE_URL=self.url,
            UNIGATE_SECRET_KEY=self.secret,
            UNIGATE_ADMIN_KEY=ADMIN_KEY,
            UNIGATE_EXTRA_PROVIDERS=FAKE_PROVIDERS,
            UNIGATE_JOB_HEARTBEAT_S="0.5",
            UNIGATE_JOB_LEASE_S="2",
        )

    def start(self, name: str, *args: str) -> ServerProcess:
        self.n += 1
        proc = ServerProcess(
            self.tmp / name, self.env(name), self.tmp / f"{name}-{self.n}.log", args=tuple(args)
        )
        self.procs.append(proc)
        return proc

    def api(self, name: str) -> ServerProcess:
        proc = self.start(name, "serve", "--no-workers")
        proc.wait_ready(ADMIN_KEY, timeout_s=60.0)
        return proc

    def worker(self, name: str) -> ServerProcess:
        return self.start(name, "worker", "--concurrency", WORKER_CONCURRENCY)

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()


def _body(i: int, vendor: str, file_id: str) -> dict[str, Any]:
    if i % 3 == 0:  # a provider-side job: launch at the vendor, then polls
        return {
            "model": "ocr/ocr_async/fake",
            "input": {"file": file_id},
            "provider_params": {"vendor": vendor, "polls": 3, "retry_after": 0.2},
        }
    return {
        "model": "text/embeddings/fake",
        "input": {"texts": [f"job {i}"]},
        "provider_params": {"sleep": 0.05},
    }


class Submitter:
    """Clients that submit every job once, retrying on the other API (same key) when one fails."""

    def __init__(self, apis: list[ServerProcess], vendor: str, file_id: str) -> None:
        self.apis = apis
        self.vendor = vendor
        self.file_id = file_id
        self.accepted: dict[int, str] = {}
        self.retries = Counter[str]()
        self.lock = threading.Lock()
        self.local = threading.local()  # one keep-alive client per thread (a new one costs ~50 ms CPU)

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(headers=AUTH, timeout=30.0)
        client: httpx.Client = self.local.client
        return client

    def submit(self, i: int) -> None:
        body, key = _body(i, self.vendor, self.file_id), f"submit-{i}"
        deadline = time.monotonic() + 90.0
        attempt = 0
        while time.monotonic() < deadline:
            api = self.apis[(i + attempt) % len(self.apis)]
            attempt += 1
            try:
                r = self.client().post(
                    f"{api.base_url}/v3/universal-ai/async", json=body, headers={"Idempotency-Key": key}
                )
            except httpx.TransportError:
                with self.lock:
                    self.retries["transport error"] += 1
                time.sleep(0.05)
                continue
            if r.status_code == 202:
                with self.lock:
                    self.accepted[i] = r.json()["public_id"]
                return
            with self.lock:
                self.retries[f"http {r.status_code}"] += 1
            assert r.status_code in (409, 502, 503), r.text  # in progress elsewhere, or unavailable
            time.sleep(0.2)
        raise AssertionError(f"job {i} was never accepted")


def test_two_apis_two_workers_kill_9_loses_nothing_and_launches_once(
    tmp_path: Path, pg: tuple[str, Engine]
) -> None:
    url, engine = pg
    cluster = Cluster(tmp_path, url)
    migrated = run_cli(["migrate"], cluster.env("migrate"))
    assert migrated.returncode == 0, migrated.stderr
    with FakeVendor() as vendor:
        try:
            api_a, api_b = cluster.api("api-a"), cluster.api("api-b")
            worker_1, _worker_2 = cluster.worker("worker-1"), cluster.worker("worker-2")
            # The provider-side jobs name an upload (its record is in the shared database; the
            # fake vendor never reads the bytes, so per-machine disk storage is fine here).
            up = httpx.post(
                f"{api_b.base_url}/v3/upload", headers=AUTH, files={"file": ("doc.pdf", pdf(1))}, timeout=30.0
            )
            assert up.status_code == 200, up.text
            submitter = Submitter([api_a, api_b], vendor.url, up.json()["file_id"])
            started = time.monotonic()
            pool = ThreadPoolExecutor(24)
            futures = [pool.submit(submitter.submit, i) for i in range(N_JOBS)]

            # Kill API A while clients are submitting; restart it.
            api_a.wait_until(lambda: len(submitter.accepted) >= N_JOBS // 4, 60.0, "a quarter submitted")
            api_a.kill()
            killed_api_at = len(submitter.accepted)
            api_a2 = cluster.api("api-a")
            submitter.apis[0] = api_a2

            # Kill worker 1 while it runs jobs; restart it.
            mine = f"%:{worker_1.pid}:%"
            worker_1.wait_until(
                lambda: _count(engine, "SELECT count(*) FROM jobs WHERE state = 'running' "
                               "AND lease_owner LIKE :o", o=mine) >= 5,
                60.0,
                "worker 1 to run jobs",
            )  # fmt: skip
            running_on_killed = _count(
                engine, "SELECT count(*) FROM jobs WHERE state = 'running' AND lease_owner LIKE :o", o=mine
            )
            worker_1.kill()
            cluster.worker("worker-1")

            for f in futures:
                f.result()
            pool.shutdown()
            submitted_s = time.monotonic() - started
            deadline = time.monotonic() + 180.0
            while _count(engine, "SELECT count(*) FROM jobs WHERE state <> 'done'") > 0:
                assert time.monotonic() < deadline, "jobs still unfinished after 180 s"
                time.sleep(0.2)
            finished_s = time.monotonic() - started

            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT id, status, state, attempts, subfeature, provider_job_id, output, error "
                        "FROM jobs"
                    )
                ).all()
                waiting = conn.execute(
                    text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
                ).scalar_one()
        finally:
            cluster.stop()

    trouble = _trouble_in_logs(tmp_path)
    assert not trouble, f"{len(trouble)} errors logged; the first:\n{trouble[0]}"
    accepted = submitter.accepted
    assert len(accepted) == N_JOBS and len(set(accepted.values())) == N_JOBS  # one job per key
    assert len(rows) == N_JOBS and {r.id for r in rows} == set(accepted.values())  # none lost, no extra
    failed = [(r.id, r.attempts, r.error) for r in rows if r.status != "success"]
    assert not failed, (failed[:5], f"submitted in {submitted_s:.1f} s, finished in {finished_s:.1f} s")
    assert Counter((r.state, r.status) for r in rows) == {("done", "success"): N_JOBS}
    assert waiting == 0
    reruns = sum(1 for r in rows if r.attempts > 1)

    # The vendor launched each provider-side job exactly once, and each ended with that launch.
    ocr = {r.id: r for r in rows if r.subfeature == "ocr_async"}
    assert len(ocr) == len([i for i in range(N_JOBS) if i % 3 == 0])
    assert set(vendor.launches) == {f"{job_id}-0" for job_id in ocr}
    assert set(vendor.launches.values()) == {1}
    for job_id, row in ocr.items():
        launched = vendor.by_token[f"{job_id}-0"]
        assert row.provider_job_id == launched
        assert row.output["raw_text"].startswith(f"done {launched} after")  # JSON column: a dict
    repeated_launches = sum(vendor.launch_requests.values()) - len(vendor.launches)

    print(
        "\ndistributed crash test:",
        json.dumps(
            {
                "jobs": N_JOBS,
                "accepted_before_api_kill": killed_api_at,
                "running_on_killed_worker": running_on_killed,
                "client_retries": dict(submitter.retries),
                "jobs_run_more_than_once": reruns,
                "provider_side_jobs": len(ocr),
                "vendor_launch_requests": sum(vendor.launch_requests.values()),
                "vendor_launches": sum(vendor.launches.values()),
                "repeated_launch_requests_deduplicated": repeated_launches,
                "final": {"success": N_JOBS},
                "all_submitted_s": round(submitted_s, 1),
                "all_finished_s": round(finished_s, 1),
            }
        ),
    )
