"""Crash and restart of a real `unigate serve` process: no accepted job is ever lost.

"kill -9 the server process while jobs are queued and running, start it again: every job ends
success or fail, none lost." And a graceful stop (SIGTERM) hands running jobs back at once.
The database is read directly with sqlite3, so the assertions do not depend on the server's view.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.files.samples import pdf
from tests.serverproc import ADMIN_KEY, FAKE_PROVIDERS, ServerProcess, db_rows, unigate_env

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
N_JOBS = 200


def _env(data: Path, *, lease_s: str, heartbeat_s: str, io_concurrency: str) -> dict[str, str]:
    return unigate_env(
        data,
        UNIGATE_ADMIN_KEY=ADMIN_KEY,
        UNIGATE_EXTRA_PROVIDERS=FAKE_PROVIDERS,
        UNIGATE_JOB_LEASE_S=lease_s,
        UNIGATE_JOB_HEARTBEAT_S=heartbeat_s,
        UNIGATE_IO_CONCURRENCY=io_concurrency,
    )


def _submit_all(base_url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    with (
        httpx.Client(base_url=base_url, headers=AUTH, timeout=30.0) as client,
        ThreadPoolExecutor(16) as pool,
    ):
        return list(pool.map(lambda body: client.post("/v3/universal-ai/async", json=body), bodies))


def _count(data: Path, where: str) -> int:
    return int(db_rows(data, f"SELECT count(*) FROM jobs WHERE {where}")[0][0])


def _wait_all_done(server: ServerProcess, data: Path, timeout_s: float) -> None:
    server.wait_until(lambda: _count(data, "status = 'processing'") == 0, timeout_s, "every job to end")


def test_kill_9_while_jobs_queued_and_running_loses_none(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env = _env(data, lease_s="2", heartbeat_s="0.5", io_concurrency="20")
    servers: list[ServerProcess] = []
    try:
        first = ServerProcess(data, env, tmp_path / "first.log")
        servers.append(first)
        first.wait_ready(ADMIN_KEY)

        up = httpx.post(
            f"{first.base_url}/v3/upload", headers=AUTH, files={"file": ("doc.pdf", pdf(2))}, timeout=30.0
        )
        assert up.status_code == 200, up.text
        file_id = up.json()["file_id"]

        kinds: list[str] = []
        bodies: list[dict[str, Any]] = []
        for i in range(N_JOBS):
            kind = ("quick", "slow", "ocr_async", "slow", "quick")[i % 5]
            kinds.append(kind)
            if kind == "quick":
                bodies.append({"model": "text/embeddings/fake", "input": {"texts": [f"q{i}"]}})
            elif kind == "slow":
                bodies.append(
                    {
                        "model": "text/embeddings/fake",
                        "input": {"texts": [f"s{i}"]},
                        "provider_params": {"sleep": 1.5},
                    }
                )
            else:
                bodies.append(
                    {
                        "model": "ocr/ocr_async/fake",
                        "input": {"file": file_id},
                        "provider_params": {"polls": 3, "retry_after": 0.3},
                    }
                )

        responses = _submit_all(first.base_url, bodies)
        assert [r.status_code for r in responses] == [202] * N_JOBS, [r.text for r in responses[:3]]
        submitted = {r.json()["public_id"]: kind for r, kind in zip(responses, kinds, strict=True)}
        assert len(submitted) == N_JOBS  # distinct ids

        # Kill while some jobs run (slow ones hold all 20 slots for 1.5 s each) and others wait.
        first.wait_until(
            lambda: _count(data, "state = 'running'") > 0 and _count(data, "state = 'queued'") > 0,
            15.0,
            "jobs both running and queued",
        )
        first.kill()

        at_kill = {
            row[0]: row[1:] for row in db_rows(data, "SELECT id, state, status, provider_job_id FROM jobs")
        }
        assert set(at_kill) == set(submitted)  # every 202 was committed first
        states_at_kill = Counter(state for state, _, _ in at_kill.values())
        assert states_at_kill["running"] > 0 and states_at_kill["queued"] > 0, states_at_kill
        assert sum(1 for _, status, _ in at_kill.values() if status == "processing") > 0
        running_at_kill = {jid for jid, (state, _, _) in at_kill.items() if state == "running"}
        launched_at_kill = {
            jid: pjid for jid, (_, status, pjid) in at_kill.items() if pjid and status == "processing"
        }
        assert launched_at_kill, "no provider-side job was mid-way at kill time"

        second = ServerProcess(data, env, tmp_path / "second.log")
        servers.append(second)
        second.wait_ready(ADMIN_KEY)
        _wait_all_done(second, data, 60.0)

        rows = db_rows(data, "SELECT id, status, state, attempts, subfeature, output, error FROM jobs")
        assert len(rows) == N_JOBS  # none lost, none duplicated
        assert {r[0] for r in rows} == set(submitted)
        by_id = {r[0]: r for r in rows}
        for job_id, kind in submitted.items():
            _, status, state, attempts, subfeature, output, error = by_id[job_id]
            assert state == "done", (job_id, kind, state)
            assert status in ("success", "fail"), (job_id, kind, status)
            # The fake provider never fails these, and a crash is not a reason to fail them.
            assert status == "success", (job_id, kind, error)
            assert subfeature == ("ocr_async" if kind == "ocr_async" else "embeddings")
            if job_id in running_at_kill and kind == "slow":
                assert attempts >= 2, (job_id, attempts)  # interrupted, then re-claimed and re-run
            if job_id in launched_at_kill:
                # Resumed polling the provider job launched before the crash; never launched again.
                raw_text = json.loads(output)["raw_text"]
                assert raw_text.startswith(f"done {launched_at_kill[job_id]} after"), raw_text

        # The HTTP API tells the same story.
        with httpx.Client(base_url=second.base_url, headers=AUTH, timeout=30.0) as client:
            for job_id in submitted:
                body = client.get(f"/v3/universal-ai/async/{job_id}").json()
                assert (body["public_id"], body["status"]) == (job_id, "success"), body
        assert "Traceback" not in second.output(), second.output()
    finally:
        for server in servers:
            server.stop()


def test_sigterm_hands_running_jobs_back_and_restart_completes_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # A long lease: if shutdown did not hand the jobs back, the restart could not take them for 60 s.
    env = _env(data, lease_s="60", heartbeat_s="1", io_concurrency="4")
    servers: list[ServerProcess] = []
    try:
        first = ServerProcess(data, env, tmp_path / "first.log")
        servers.append(first)
        first.wait_ready(ADMIN_KEY)
        body = {
            "model": "text/embeddings/fake",
            "input": {"texts": ["slow"]},
            "provider_params": {"sleep": 2},
        }
        responses = _submit_all(first.base_url, [body] * 10)
        assert [r.status_code for r in responses] == [202] * 10
        ids = {r.json()["public_id"] for r in responses}

        first.wait_until(lambda: _count(data, "state = 'running'") == 4, 15.0, "4 jobs running")
        # uvicorn shuts down gracefully, then re-raises the signal it caught: -SIGTERM (or 0).
        assert first.terminate(timeout_s=20.0) in (0, -signal.SIGTERM), first.output()

        rows = db_rows(data, "SELECT id, status, state, lease_owner, attempts FROM jobs")
        assert {r[0] for r in rows} == ids
        # Nothing left "running" under a lease: the interrupted jobs are queued again, unowned.
        assert {(r[1], r[2], r[3]) for r in rows} == {("processing", "queued", None)}
        assert sorted(r[4] for r in rows) == [0] * 6 + [1] * 4

        second = ServerProcess(data, env, tmp_path / "second.log")
        servers.append(second)
        second.wait_ready(ADMIN_KEY)
        _wait_all_done(second, data, 30.0)  # well under the 60 s lease
        final = db_rows(data, "SELECT status, state, error FROM jobs")
        assert len(final) == 10
        assert {(r[0], r[1]) for r in final} == {("success", "done")}, final
    finally:
        for server in servers:
            server.stop()
