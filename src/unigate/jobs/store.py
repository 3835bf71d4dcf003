"""The job table: reads, and the one place a job's completion is recorded (exactly once)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection

from unigate.db.database import Database
from unigate.db.tables import jobs
from unigate.engine.envelope import envelope

# Only the first completion counts: a job that ran twice (lease expired) is recorded once.
_COMPLETE = (
    update(jobs)
    .where(jobs.c.id == bindparam("job_id"), jobs.c.state != "done")
    .values(
        status=bindparam("status"),
        state="done",
        provider=bindparam("provider"),
        model=bindparam("model"),
        output=bindparam("output", type_=jobs.c.output.type),
        original_response=bindparam("original_response", type_=jobs.c.original_response.type),
        error=bindparam("error", type_=jobs.c.error.type),
        cost=bindparam("cost"),
        finished_at=bindparam("finished_at"),
        lease_owner=None,
        lease_until=None,
        # The webhook is due in the same commit that records the end: it cannot be lost in between.
        webhook_status=case((jobs.c.webhook_receiver.is_not(None), "pending"), else_=None),
        webhook_next_at=case((jobs.c.webhook_receiver.is_not(None), bindparam("finished_at")), else_=None),
    )
)

PROCESSING = "processing"
SUCCESS = "success"
FAIL = "fail"


@dataclass(slots=True)
class Job:
    id: str
    owner_key_id: str
    feature: str
    subfeature: str
    provider: str
    model: str | None
    request: dict[str, Any]
    status: str
    state: str
    queue: str
    run_at: float
    attempts: int
    cancel_requested: bool
    provider_job_id: str | None
    provider_state: dict[str, Any] | None
    output: Any
    original_response: Any
    error: dict[str, Any] | None
    cost: str
    webhook_receiver: str | None
    user_webhook_parameters: Any
    created_at: float
    started_at: float | None
    finished_at: float | None
    lease_owner: str | None = None
    webhook_status: str | None = None
    webhook_attempts: int = 0

    @classmethod
    def from_row(cls, row: Any) -> Job:
        m = row._mapping
        return cls(**{name: m[name] for name in cls.__dataclass_fields__})

    def envelope(self, *, with_output: bool = True) -> dict[str, Any]:
        show = bool(self.request.get("show_original_response"))
        body = envelope(
            public_id=self.id,
            status=self.status,
            cost=self.cost,
            provider=self.provider,
            feature=self.feature,
            subfeature=self.subfeature,
            created_at=self.created_at,
            output=self.output if with_output else None,
            error=self.error,
            model=self.model,
            original_response=self.original_response,
            show_original_response=show and with_output,
        )
        if self.webhook_receiver:  # beyond the reference: where the completion webhook stands
            body["webhook"] = {"status": self.webhook_status or "waiting", "attempts": self.webhook_attempts}
        return body


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def unfinished_counts(self) -> dict[str, int]:
        """Jobs queued and running, whole database (served by the (state, lease_until) index)."""
        query = (
            select(jobs.c.state, func.count())
            .where(jobs.c.state.in_(("queued", "running")))
            .group_by(jobs.c.state)
        )
        rows = await self.db.read(lambda conn: conn.execute(query).all())
        return {str(state): int(n) for state, n in rows}

    async def get(self, job_id: str, owner_id: str | None = None) -> Job | None:
        query = select(jobs).where(jobs.c.id == job_id)
        if owner_id is not None:
            query = query.where(jobs.c.owner_key_id == owner_id)
        row = await self.db.read(lambda conn: conn.execute(query).first())
        return Job.from_row(row) if row is not None else None

    async def list(
        self,
        owner_id: str,
        *,
        status: str | None = None,
        subfeature: str | None = None,
        limit: int = 20,
        before: tuple[float, str] | None = None,
    ) -> list[Job]:
        """The owner's jobs, newest first; `before` is the (created_at, id) of the last item seen."""
        query = select(jobs).where(jobs.c.owner_key_id == owner_id)
        if status is not None:
            query = query.where(jobs.c.status == status)
        if subfeature is not None:
            if "/" in subfeature:
                feature, _, sub = subfeature.partition("/")
                query = query.where(jobs.c.feature == feature, jobs.c.subfeature == sub)
            else:
                query = query.where(jobs.c.subfeature == subfeature)
        if before is not None:
            ts, jid = before
            query = query.where(or_(jobs.c.created_at < ts, and_(jobs.c.created_at == ts, jobs.c.id < jid)))
        query = query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
        rows = await self.db.read(lambda conn: conn.execute(query).all())
        return [Job.from_row(r) for r in rows]

    async def complete(
        self,
        job_id: str,
        *,
        status: str,
        provider: str,
        model: str | None,
        output: Any,
        original_response: Any,
        error: dict[str, Any] | None,
        cost: str,
    ) -> bool:
        """Record the end of a job. Only the first completion counts (a job may run twice)."""

        params = {
            "job_id": job_id,
            "status": status,
            "provider": provider,
            "model": model,
            "output": output,
            "original_response": original_response,
            "error": error,
            "cost": cost,
            "finished_at": time.time(),
        }

        def do(conn: Connection) -> int:
            return int(conn.execute(_COMPLETE, params).rowcount)

        return await self.db.write(do) == 1

    async def fail(self, job: Job, error: dict[str, Any]) -> bool:
        """End a job with `fail` and `error`, keeping what it had cost so far."""
        return await self.complete(
            job.id,
            status=FAIL,
            provider=job.provider,
            model=job.model,
            output=None,
            original_response=None,
            error=error,
            cost=job.cost,
        )


def requeue_values(
    delay_s: float, provider_job_id: str | None, provider_state: dict[str, Any] | None, reset_attempts: bool
) -> dict[str, Any]:
    """Column values that hand a running job back to the queue, due in `delay_s` (any backend)."""
    values: dict[str, Any] = {
        "state": "queued",
        "run_at": time.time() + max(0.0, delay_s),
        "lease_owner": None,
        "lease_until": None,
    }
    if provider_job_id is not None:
        values["provider_job_id"] = provider_job_id
    if provider_state is not None:
        values["provider_state"] = provider_state
    if reset_attempts:
        values["attempts"] = 0
    return values
