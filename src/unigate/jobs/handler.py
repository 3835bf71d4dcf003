"""The task code of an async job, the same for every queue backend.

A job either runs to its end in one go (local models, one-call providers), or it is a chain of
short runs: launch a provider-side job, persist the provider's job id, then re-poll as new runs
deferred by the provider's `retry_after`. A run that finds a provider job id resumes polling, so
a restart never launches (and pays) twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unigate.engine.errors import RequestError
from unigate.engine.executor import Deferred, Engine, Outcome
from unigate.jobs.queue import JobQueue
from unigate.jobs.store import Job, JobStore


class JobRunner:
    def __init__(
        self,
        engine: Engine,
        store: JobStore,
        queue: JobQueue,
        *,
        timeout_s: float,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.queue = queue
        self.timeout_s = timeout_s
        self.on_finished = on_finished

    async def __call__(self, job: Job) -> None:
        req = job.request
        try:
            prepared = await self.engine.prepare(
                model=req["model"],
                input=req["input"],
                owner_id=job.owner_key_id,
                provider_params=req.get("provider_params") or {},
                fallbacks=req.get("fallbacks") or [],
                show_original_response=bool(req.get("show_original_response")),
                asynchronous=True,
            )
        except RequestError as exc:  # e.g. the uploaded file was deleted after submission
            await self.store.fail(job, {"message": str(exc), "error_code": exc.error_code})
            return
        state: dict[str, Any] = job.provider_state or {}
        result = await self.engine.execute(
            prepared,
            job.owner_key_id,
            timeout_s=self.timeout_s,
            start_index=int(state.get("route_index", 0)),
            provider_job_id=job.provider_job_id,
            provider_state=state.get("state"),
            inline_poll=False,
            job_id=job.id,
        )
        if isinstance(result, Deferred):
            await self.queue.reschedule(
                job.id,
                delay_s=result.retry_after,
                provider_job_id=result.provider_job_id,
                provider_state={"route_index": result.route_index, "state": result.state},
            )
            return
        await self._finish(job, result)

    async def _finish(self, job: Job, outcome: Outcome) -> None:
        await self.store.complete(
            job.id,
            status=outcome.status,
            provider=outcome.provider,
            model=outcome.model,
            output=outcome.output,
            original_response=outcome.original_response,
            error=outcome.error,
            cost=outcome.cost_str,
        )
        if job.webhook_receiver and self.on_finished is not None:
            self.on_finished()
