"""A loopback "vendor" of provider-side async jobs, shared by every unigate process of a test.

`POST /jobs {"client_token", "polls"}` launches a job, or returns the one already launched with
that client token (as vendors with idempotency tokens do: Textract's ClientRequestToken...);
`GET /jobs/{id}` says `running` until it has been polled `polls` times, then `done`. It counts
launch requests and real launches per token, so a test can prove nothing was launched twice.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeVendor:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_token: dict[str, str] = {}
        self.jobs: dict[str, dict[str, int]] = {}
        self.launch_requests: Counter[str] = Counter()
        self.launches: Counter[str] = Counter()  # real launches per client token
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeVendor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _launch(self, token: str | None, polls: int) -> str:
        with self.lock:
            key = token or f"anonymous-{len(self.jobs)}"
            self.launch_requests[key] += 1
            if key in self.by_token:
                return self.by_token[key]
            job_id = f"vendor-{len(self.jobs) + 1}"
            self.by_token[key] = job_id
            self.jobs[job_id] = {"polls": polls, "polled": 0}
            self.launches[key] += 1
            return job_id

    def _poll(self, job_id: str) -> dict[str, Any] | None:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            job["polled"] += 1
            return {"id": job_id, "status": "done" if job["polled"] >= job["polls"] else "running"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                job_id = vendor._launch(body.get("client_token"), int(body.get("polls", 2)))
                self._answer(200, {"id": job_id})

            def do_GET(self) -> None:
                status = vendor._poll(self.path.rsplit("/", 1)[-1])
                if status is None:
                    self._answer(404, {"error": "no such job"})
                else:
                    self._answer(200, status)

        return Handler
