"""Real `unigate` processes for the process-level tests (restart, CLI): start, wait, stop, clean up.

Everything binds 127.0.0.1. Output goes to a file (never a pipe that could fill up and block the
child); tests read it back with `ServerProcess.output()`.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
UNIGATE = Path(sys.executable).with_name("unigate")
FAKE_PROVIDERS = '["tests.fakes:FakeProvider"]'
ADMIN_KEY = "ug_test_admin_key_0123456789abcdefghijklmnop"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def unigate_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child `unigate`: this one without any UNIGATE_* leaking in, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIGATE_")}
    env["UNIGATE_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


def run_cli(
    args: list[str], env: Mapping[str, str], *, timeout_s: float = 60.0, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UNIGATE), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


class ServerProcess:
    """`unigate serve --port N` as a child process; always call `stop()` (e.g. in `finally`)."""

    def __init__(
        self,
        data_dir: Path,
        env: Mapping[str, str],
        log_path: Path,
        *,
        args: tuple[str, ...] = ("serve",),
    ) -> None:
        """`args`: the command (`serve` gets `--host/--port` added; e.g. ("serve", "--no-workers"),
        or ("worker", "--queue", "io") for a process without a port)."""
        self.data_dir = data_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("ab")
        command = [*args, "--host", "127.0.0.1", "--port", str(self.port)] if args[0] == "serve" else [*args]
        self.proc = subprocess.Popen(
            [str(UNIGATE), *command],
            env=dict(env),
            cwd=str(data_dir.parent),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_until(self, ready: Any, timeout_s: float = 30.0, what: str = "the server") -> None:
        """Poll `ready()` (truthy when done) until it is, the process dies, or time runs out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(
                    f"unigate exited ({self.proc.returncode}) waiting for {what}:\n" + self.output()
                )
            try:
                if ready():
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout_s} s waiting for {what}:\n" + self.output())

    def wait_ready(self, key: str, timeout_s: float = 30.0) -> None:
        """Until a sync request through the fake provider succeeds (the app and database are up)."""

        def ready() -> bool:
            r = httpx.post(
                f"{self.base_url}/v3/universal-ai",
                json={"model": "text/embeddings/fake", "input": {"texts": ["ready?"]}},
                headers={"Authorization": f"Bearer {key}"},
                timeout=5.0,
            )
            return r.status_code == 200 and r.json()["status"] == "success"

        self.wait_until(ready, timeout_s, "the first successful request")

    def wait_health(self, timeout_s: float = 30.0) -> None:
        self.wait_until(
            lambda: httpx.get(f"{self.base_url}/health", timeout=5.0).status_code == 200,
            timeout_s,
            "/health",
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def terminate(self, timeout_s: float = 20.0) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout_s)
        finally:
            self.stop()
        return code

    def stop(self) -> None:
        """Make sure the process is gone (idempotent; for `finally` blocks)."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        finally:
            if not self._log.closed:
                self._log.close()


def db_rows(data_dir: Path, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the embedded database directly (WAL mode: fine while a server writes to it)."""
    conn = sqlite3.connect(data_dir / "unigate.db", timeout=10.0)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()
