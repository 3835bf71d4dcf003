"""`unigate serve --no-workers` + `unigate worker`: the API accepts, a separate process runs the jobs.

Embedded database here (SQLite in WAL mode is shared by processes on one machine); the same on
PostgreSQL with several machines is in tests/test_distributed_crash.py.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from tests.serverproc import (
    ADMIN_KEY,
    FAKE_PROVIDERS,
    ServerProcess,
    db_rows,
    free_port,
    run_cli,
    unigate_env,
)

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _env(data: Path) -> dict[str, str]:
    return unigate_env(
        data,
        UNIGATE_ADMIN_KEY=ADMIN_KEY,
        UNIGATE_EXTRA_PROVIDERS=FAKE_PROVIDERS,
        UNIGATE_JOB_HEARTBEAT_S="0.5",
        UNIGATE_JOB_LEASE_S="5",
    )


def test_api_only_server_and_a_separate_worker_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = _env(data)
    api = ServerProcess(data, env, tmp_path / "api.log", args=("serve", "--no-workers"))
    procs = [api]
    try:
        api.wait_ready(ADMIN_KEY)
        with httpx.Client(base_url=api.base_url, headers=AUTH, timeout=30.0) as client:
            ids = []
            for i in range(20):
                r = client.post(
                    "/v3/universal-ai/async",
                    json={"model": "text/embeddings/fake", "input": {"texts": [f"t{i}"]}},
                )
                assert r.status_code == 202, r.text
                ids.append(r.json()["public_id"])
            # No worker yet: the API-only server leaves them queued.
            assert {row[0] for row in db_rows(data, "SELECT state FROM jobs")} == {"queued"}

            metrics_port = free_port()
            worker = ServerProcess(
                data,
                env,
                tmp_path / "worker.log",
                args=("worker", "--queue", "io", "--concurrency", "4", "--metrics-port", str(metrics_port)),
            )
            procs.append(worker)

            def all_done() -> bool:
                return all(
                    client.get(f"/v3/universal-ai/async/{i}").json()["status"] == "success" for i in ids
                )

            worker.wait_until(all_done, 30.0, "the worker to run every job")
        assert "serving io (4 at once)" in worker.output()
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10.0).text
        ok = 'unigate_requests_total{provider="fake",status="success",subfeature="text/embeddings"} 20.0'
        assert ok in scraped, scraped
        assert worker.terminate() == 0, worker.output()
        assert "unigate worker stopped" in worker.output()
        assert "Traceback" not in worker.output() + api.output()
    finally:
        for p in procs:
            p.stop()


def test_sigterm_hands_a_running_job_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = _env(data)
    api = ServerProcess(data, env, tmp_path / "api.log", args=("serve", "--no-workers"))
    worker = ServerProcess(data, env, tmp_path / "worker.log", args=("worker", "-q", "io"))
    try:
        api.wait_ready(ADMIN_KEY)
        r = httpx.post(
            f"{api.base_url}/v3/universal-ai/async",
            json={
                "model": "text/embeddings/fake",
                "input": {"texts": ["x"]},
                "provider_params": {"sleep": 30},
            },
            headers=AUTH,
            timeout=30.0,
        )
        assert r.status_code == 202, r.text
        worker.wait_until(
            lambda: db_rows(data, "SELECT state FROM jobs")[0][0] == "running", 20.0, "the job to start"
        )
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=20) == 0, worker.output()
        # Handed back at once (not left under a lease until it expires).
        assert db_rows(data, "SELECT state, status, lease_owner FROM jobs") == [
            ("queued", "processing", None)
        ]
    finally:
        api.stop()
        worker.stop()


def test_worker_rejects_an_unknown_queue(tmp_path: Path) -> None:
    result = run_cli(["worker", "--queue", "gpus"], _env(tmp_path / "data"))
    assert result.returncode == 2
    assert "unknown queue 'gpus'" in result.stderr and "io, cpu, gpu" in result.stderr
