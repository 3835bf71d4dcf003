"""When Procrastinate runs a job again after a transient failure (imported only with the
`postgres` extra's Procrastinate installed)."""

from __future__ import annotations

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job

from unigate.jobs.procrastinate_queue import TransientFailure

MAX_WAIT_S = 60


def wait_s(attempts: int) -> int:
    """2, 4, 8, ... seconds, then every minute."""
    return min(MAX_WAIT_S, 1 << min(attempts + 1, 6))


class UntilTheDatabaseIsBack(BaseRetryStrategy):
    """Transient failures are retried with a capped backoff for as long as they last.

    A bounded number of retries would end the delivery while the job row is still `queued` or
    `running`: nothing would ever run or end that job. Nothing else is retried here: other errors
    end the job `fail` inside the run and never reach Procrastinate.
    """

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, TransientFailure):
            return None
        return RetryDecision(retry_in={"seconds": wait_s(job.attempts)})
