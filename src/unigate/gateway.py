"""The facade: everything the HTTP API, the CLI and Python users do goes through `Gateway`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from unigate.accounts.keys import ApiKey, KeyStore
from unigate.catalog.common import file_fields
from unigate.db.database import Database
from unigate.db.migrate import check_current, upgrade
from unigate.engine.cache import ResultCache, result_key
from unigate.engine.envelope import envelope
from unigate.engine.errors import NotFound, RequestError
from unigate.engine.executor import Engine, Outcome, close_shared_http_session
from unigate.engine.reliability import reliability_options
from unigate.files.signing import UrlSigner, load_or_create_secret
from unigate.files.storage import storage_from_url
from unigate.files.uploads import FileRecord, FileService
from unigate.files.urlguard import FetchPolicy, UrlRefused
from unigate.jobs.handler import JobRunner
from unigate.jobs.queue import CancelResult, JobQueue, NewJob
from unigate.jobs.sqlite_queue import SqliteJobQueue
from unigate.jobs.store import Job, JobStore
from unigate.jobs.webhooks import WebhookSender, WebhookSigner
from unigate.providers.registry import ProviderRegistry, default_registry
from unigate.settings import Settings, get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

LIBRARY_KEY_NAME = "__library__"
STOP_TIMEOUT_S = 10.0  # the most `aclose` waits for the job runner (and its worker) to stop
PROCRASTINATE_WIRED = True  # see _make_queue


class Gateway:
    """unigate without a server.

    Async use: ``async with Gateway() as gw: await gw.arun("text/embeddings/local", {"texts": ["a"]})``.
    Sync use: ``gw = Gateway(); gw.run("ocr/ocr/local", file="scan.png"); gw.close()``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        registry: ProviderRegistry | None = None,
        run_workers: bool = True,
        concurrency: Mapping[str, int] | None = None,
    ) -> None:
        """`concurrency`: jobs run at once per queue (default: io, cpu and gpu from the settings);
        `unigate worker --queue` passes only the queues that process serves."""
        self.settings = settings or get_settings()
        self.registry = registry or default_registry(tuple(self.settings.extra_providers))
        self.run_workers = run_workers
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.settings.resolved_database_url)
        self.keys = KeyStore(self.db)
        policy = FetchPolicy(
            max_bytes=self.settings.url_fetch_max_bytes,
            timeout_s=self.settings.url_fetch_timeout_s,
            allow=tuple(self.settings.url_allow),
        )
        secret = (
            bytes.fromhex(self.settings.secret_key)
            if self.settings.secret_key
            else load_or_create_secret(self.settings.data_dir / "secret.key")
        )
        public_url = self.settings.public_url or f"http://{self.settings.host}:{self.settings.port}"
        signer = UrlSigner(secret, public_url, self.settings.resource_url_ttl_s)
        self.files = FileService(
            self.db, storage_from_url(self.settings.resolved_storage_url, self._storage_key()), policy, signer
        )
        self.engine = Engine(
            self.registry,
            self.files,
            cpu_workers=self.settings.cpu_concurrency,
            allowed_local_models=self.settings.local_models,
            **reliability_options(self.settings),
        )
        self.result_cache = ResultCache(self.settings.cache_ttl_s)
        self.jobs = JobStore(self.db)
        self.queue: JobQueue = self._make_queue(
            dict(concurrency)
            if concurrency is not None
            else {
                "io": self.settings.io_concurrency,
                "cpu": self.settings.cpu_concurrency,
                "gpu": self.settings.gpu_concurrency,
            }
        )
        self.webhook_signer = WebhookSigner(
            self.settings.webhook_key_file or self.settings.data_dir / "webhook_key.pem"
        )
        self.webhooks = WebhookSender(self.db, self.webhook_signer, policy)
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner_task: asyncio.Task[None] | None = None
        self._janitor_task: asyncio.Task[None] | None = None
        self._library_key: ApiKey | None = None
        self._started = False
        self._loop_thread: _LoopThread | None = None

    def _storage_key(self) -> tuple[str, str] | None:
        key_id, secret = self.settings.storage_access_key_id, self.settings.storage_secret_access_key
        if bool(key_id) != bool(secret):
            raise ValueError(
                "set both UNIGATE_STORAGE_ACCESS_KEY_ID and UNIGATE_STORAGE_SECRET_ACCESS_KEY, or neither"
            )
        return (key_id, secret.get_secret_value()) if key_id and secret else None

    def _make_queue(self, concurrency: dict[str, int]) -> JobQueue:
        if self.db.is_postgres:
            # Distributed mode: Procrastinate delivers the jobs (any number of worker processes on
            # any machines); the job table stays the record of each job.
            from unigate.jobs.procrastinate_queue import ProcrastinateJobQueue

            return ProcrastinateJobQueue(
                self.db,
                self.jobs,
                concurrency=concurrency,
                max_attempts=self.settings.job_max_attempts,
                heartbeat_s=self.settings.job_heartbeat_s,
                stalled_after_s=max(self.settings.job_lease_s, 3 * self.settings.job_heartbeat_s),
                sweep_s=self.settings.job_heartbeat_s,
                poll_s=self.settings.job_poll_interval_s,
            )
        return SqliteJobQueue(
            self.db,
            self.jobs,
            concurrency=concurrency,
            lease_s=self.settings.job_lease_s,
            heartbeat_s=self.settings.job_heartbeat_s,
            max_attempts=self.settings.job_max_attempts,
            max_idle_sleep_s=self.settings.job_poll_interval_s,
        )

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._started:
            return
        if self.db.is_postgres:
            # Distributed mode: several processes share the schema; `unigate migrate` owns it.
            await asyncio.to_thread(check_current, self.db)
            from unigate.jobs.procrastinate_queue import check_schema

            await asyncio.to_thread(check_schema, self.db)
            if self.settings.webhook_key_file is None or not self.settings.secret_key:
                log.warning(
                    "distributed mode: set UNIGATE_SECRET_KEY and UNIGATE_WEBHOOK_KEY_FILE to the same "
                    "values on every process, or file URLs and webhook signatures made by one "
                    "process will not verify on another"
                )
        else:
            await upgrade(self.db)
        await self.db.start()
        if self.settings.admin_key:
            await self.keys.ensure_secret(self.settings.admin_key)
        if self.run_workers:
            runner = JobRunner(
                self.engine,
                self.jobs,
                self.queue,
                timeout_s=self.settings.async_timeout_s,
                on_finished=self.webhooks.wake.set,
            )
            self._runner_task = asyncio.create_task(self.queue.run(runner), name="unigate-job-runner")
            self._janitor_task = asyncio.create_task(self._janitor(), name="unigate-janitor")
            self._webhook_task = asyncio.create_task(self.webhooks.run(), name="unigate-webhooks")
        self._started = True

    async def aclose(self) -> None:
        # Cancel the background tasks and wait for them, but never longer than STOP_TIMEOUT_S: a
        # worker hands its running jobs back on the way out, which is a few short writes.
        tasks = [t for t in (self._runner_task, self._janitor_task, self._webhook_task) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
            for task in pending:
                log.warning("%s did not stop within %g s; leaving it", task.get_name(), STOP_TIMEOUT_S)
            for task in tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    log.error("%s ended with an error", task.get_name(), exc_info=task.exception())
        self._runner_task = self._janitor_task = self._webhook_task = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.queue.close(), STOP_TIMEOUT_S)
        await self.engine.close()
        await close_shared_http_session()
        if "unigate.files.fetch" in sys.modules:
            from unigate.files.fetch import close_fetch_session

            await close_fetch_session()
        await self.db.close()
        self._started = False

    async def __aenter__(self) -> Gateway:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _janitor(self) -> None:
        while True:
            try:
                await self.files.purge_expired()
            except Exception:
                log.exception("purging expired files failed")
            await asyncio.sleep(3600)

    async def ensure_first_key(self) -> str | None:
        """On a fresh install with no key, create an admin key and return its secret (shown once)."""
        if await self.keys.count_active() > 0:
            return None
        _, secret = await self.keys.create("admin", is_admin=True)
        return secret

    # ------------------------------------------------------------------ universal AI

    async def execute(
        self,
        owner_id: str,
        *,
        model: str,
        input: Mapping[str, Any],
        provider_params: Mapping[str, Any] | None = None,
        fallbacks: Sequence[str] = (),
        show_original_response: bool = False,
    ) -> dict[str, Any]:
        """Run one sync request; returns the envelope. Client errors raise `RequestError`."""
        result, _ = await self.execute_cached(
            owner_id,
            model=model,
            input=input,
            provider_params=provider_params,
            fallbacks=fallbacks,
            show_original_response=show_original_response,
        )
        return result

    async def execute_cached(
        self,
        owner_id: str,
        *,
        model: str,
        input: Mapping[str, Any],
        provider_params: Mapping[str, Any] | None = None,
        fallbacks: Sequence[str] = (),
        show_original_response: bool = False,
        use_cache: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """`execute`, answered from the result cache when asked and allowed: (envelope, cache hit)."""
        created = time.time()
        prepared = await self.engine.prepare(
            model=model,
            input=input,
            owner_id=owner_id,
            provider_params=provider_params,
            fallbacks=fallbacks,
            show_original_response=show_original_response,
        )
        allowed = use_cache and (
            self.settings.cache_key_ids is None or owner_id in self.settings.cache_key_ids
        )
        cache_key = ""
        cached: Outcome | None = None
        if allowed:
            scope = "*" if self.settings.cache_shared else owner_id
            cache_key = await result_key(self.engine, prepared, owner_id, scope)
            cached = self.result_cache.get(cache_key)
        if cached is not None:
            outcome = cached
            self.engine.metrics.cache_hits.inc()
        else:
            result = await self.engine.execute(prepared, owner_id, timeout_s=self.settings.default_timeout_s)
            assert isinstance(result, Outcome)
            outcome = result
            if allowed and outcome.status == "success":
                self.result_cache.put(cache_key, outcome)
        return envelope(
            status=outcome.status,
            cost="0" if cached is not None else outcome.cost_str,  # a hit calls no provider
            provider=outcome.provider,
            feature=prepared.sub.feature,
            subfeature=prepared.sub.name,
            created_at=created,
            output=outcome.output,
            error=outcome.error,
            model=outcome.model,
            original_response=outcome.original_response,
            show_original_response=show_original_response,
        ), cached is not None

    async def metrics_text(self) -> bytes:
        """Prometheus text: this process's counters and breakers, and the database's unfinished jobs."""
        self.engine.metrics.set_jobs(await self.jobs.unfinished_counts())
        return self.engine.metrics.render()

    async def submit(
        self,
        owner_id: str,
        *,
        model: str,
        input: Mapping[str, Any],
        provider_params: Mapping[str, Any] | None = None,
        fallbacks: Sequence[str] = (),
        show_original_response: bool = False,
        webhook_receiver: str | None = None,
        user_webhook_parameters: Any = None,
        job_id: str | None = None,
    ) -> Job:
        """Validate and enqueue an async job; the row is committed when this returns. `job_id`:
        an id chosen beforehand (an idempotent submission records it before the job exists)."""
        prepared = await self.engine.prepare(
            model=model,
            input=input,
            owner_id=owner_id,
            provider_params=provider_params,
            fallbacks=fallbacks,
            show_original_response=show_original_response,
            asynchronous=True,
        )
        if webhook_receiver:
            try:
                await self.files.check_url(webhook_receiver)
            except UrlRefused as exc:
                raise RequestError.field(("body", "webhook_receiver"), str(exc), "url_refused") from None
        primary = prepared.routes[0]
        new = NewJob(
            id=job_id or str(uuid.uuid4()),
            owner_key_id=owner_id,
            feature=prepared.sub.feature,
            subfeature=prepared.sub.name,
            provider=primary.provider.name,
            model=prepared.requested_model,
            request={
                "model": model,
                "input": prepared.input_data,
                "provider_params": prepared.provider_params,
                "fallbacks": list(fallbacks),
                "show_original_response": show_original_response,
            },
            queue=primary.offer.compute,  # the `io`, `cpu` or `gpu` queue
            created_at=time.time(),
            webhook_receiver=webhook_receiver,
            user_webhook_parameters=user_webhook_parameters,
        )
        await self.queue.enqueue(new)
        return Job(
            id=new.id,
            owner_key_id=owner_id,
            feature=new.feature,
            subfeature=new.subfeature,
            provider=new.provider,
            model=new.model,
            request=new.request,
            status="processing",
            state="queued",
            queue=new.queue,
            run_at=new.created_at,
            attempts=0,
            cancel_requested=False,
            provider_job_id=None,
            provider_state=None,
            output=None,
            original_response=None,
            error=None,
            cost="0.000",
            webhook_receiver=webhook_receiver,
            user_webhook_parameters=user_webhook_parameters,
            created_at=new.created_at,
            started_at=None,
            finished_at=None,
        )

    async def job(self, owner_id: str, job_id: str) -> Job:
        job = await self.jobs.get(job_id, owner_id)
        if job is None:
            raise NotFound(f"job {job_id!r}")
        return job

    async def cancel(self, owner_id: str, job_id: str) -> CancelResult:
        result = await self.queue.request_cancel(job_id, owner_id)
        if result == "not_found":
            raise NotFound(f"job {job_id!r}")
        return result

    async def wait(
        self, owner_id: str, job_id: str, *, timeout_s: float = 600.0, interval_s: float = 0.1
    ) -> Job:
        """Poll until the job ends (library and CLI convenience); TimeoutError if it does not in time."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = await self.job(owner_id, job_id)
            if job.status != "processing":
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still processing after {timeout_s:g} s; poll it later")
            await asyncio.sleep(interval_s)

    # ------------------------------------------------------------------ library convenience

    async def library_owner(self) -> str:
        """The key that owns work done through the Python library (created on first use)."""
        if self._library_key is None:
            for key in await self.keys.list():
                if key.name == LIBRARY_KEY_NAME and key.revoked_at is None:
                    self._library_key = key
                    break
            else:
                self._library_key, _ = await self.keys.create(LIBRARY_KEY_NAME)
        return self._library_key.id

    async def _library_input(self, owner_id: str, model: str, data: dict[str, Any]) -> dict[str, Any]:
        """Upload local paths given as file inputs, so `file="scan.png"` just works."""
        _, sub = self.engine.resolve_subfeature(model)
        for name in file_fields(sub.input_model):
            for key in (name, f"{name}_id"):
                value = data.get(key)
                if isinstance(value, (str, Path)) and not str(value).startswith(("http://", "https://")):
                    path = Path(value)
                    if path.is_file():
                        rec = await self.files.upload(owner_id, path.read_bytes(), path.name)
                        data[key] = rec.id
        return data

    async def arun(self, model: str, input: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Run any subfeature from Python; async subfeatures are submitted and awaited."""
        await self.start()
        owner = await self.library_owner()
        options = {
            k: fields.pop(k)
            for k in ("provider_params", "fallbacks", "show_original_response")
            if k in fields
        }
        data = await self._library_input(owner, model, {**(input or {}), **fields})
        _, sub = self.engine.resolve_subfeature(model)
        if sub.mode == "async":
            job = await self.submit(owner, model=model, input=data, **options)
            if not self.run_workers:
                raise RuntimeError("this Gateway runs no workers; the job was queued: " + job.id)
            return (await self.wait(owner, job.id)).envelope()
        return await self.execute(owner, model=model, input=data, **options)

    async def aupload(self, path: str | Path, *, purpose: str = "general") -> FileRecord:
        await self.start()
        p = Path(path)
        return await self.files.upload(await self.library_owner(), p.read_bytes(), p.name, purpose=purpose)

    def _sync(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop_thread is None:
            self._loop_thread = _LoopThread()
        return self._loop_thread.run(coro)

    def run(self, model: str, input: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        return self._sync(self.arun(model, input, **fields))

    def upload(self, path: str | Path, *, purpose: str = "general") -> FileRecord:
        return self._sync(self.aupload(path, purpose=purpose))

    def close(self) -> None:
        if self._loop_thread is not None:
            self._loop_thread.run(self.aclose())
            self._loop_thread.stop()
            self._loop_thread = None

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LoopThread:
    """An event loop in a daemon thread, so sync methods work even inside a running loop (notebooks)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="unigate-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()
