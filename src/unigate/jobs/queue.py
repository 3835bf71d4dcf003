"""The `JobQueue` interface: how async jobs are enqueued, claimed, re-run later and cancelled.

The task code (`JobHandler`) is the same whatever backend runs it. The embedded backend
(`SqliteJobQueue`) uses the job table itself as the queue; a distributed backend implements the
same interface.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from unigate.jobs.store import Job

JobHandler = Callable[[Job], Awaitable[None]]
CancelResult = Literal["cancelled", "cancelling", "finished", "not_found"]

# The errors every backend records when it ends a job itself rather than through the handler.
CANCELLED_ERROR = {"message": "the job was cancelled", "error_code": "cancelled"}
INTERNAL_ERROR = {"message": "internal error while running the job", "error_code": "internal_error"}


def interrupted_error(attempts: int) -> dict[str, str]:
    """A job claimed more times than allowed: each earlier run died (crash, kill, lease timeout)."""
    return {
        "message": f"the job was interrupted {attempts - 1} times (crashes or timeouts)",
        "error_code": "job_interrupted",
    }


@dataclass(slots=True)
class NewJob:
    id: str
    owner_key_id: str
    feature: str
    subfeature: str
    provider: str
    model: str | None
    request: dict[str, Any]
    queue: str
    created_at: float
    webhook_receiver: str | None = None
    user_webhook_parameters: Any = None


class JobQueue(abc.ABC):
    @abc.abstractmethod
    async def enqueue(self, job: NewJob) -> None:
        """Persist the job and make it due; committed when this returns."""

    @abc.abstractmethod
    async def reschedule(
        self,
        job_id: str,
        *,
        delay_s: float,
        provider_job_id: str | None = None,
        provider_state: dict[str, Any] | None = None,
        reset_attempts: bool = True,
    ) -> bool:
        """Run the job again after `delay_s` (a provider re-poll or a retry) as a new short run."""

    @abc.abstractmethod
    async def request_cancel(self, job_id: str, owner_id: str) -> CancelResult:
        """Cancel a queued job at once, or flag a running one for its worker to stop."""

    @abc.abstractmethod
    async def run(self, handler: JobHandler) -> None:
        """Claim and run due jobs until cancelled."""

    async def close(self) -> None:  # noqa: B027  (optional hook)
        """Stop background tasks."""
