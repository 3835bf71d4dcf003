"""Procrastinate's retry decision for our runs: transient failures are retried for as long as they
last (a bounded count would strand the job row), with a capped backoff; nothing else is."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("procrastinate", reason="the postgres extra is not installed")

from procrastinate.jobs import Job

from unigate.jobs.procrastinate_queue import TASK_NAME, TransientFailure
from unigate.jobs.procrastinate_retry import MAX_WAIT_S, UntilTheDatabaseIsBack


def _delivery(attempts: int) -> Job:
    return Job(id=1, queue="io", lock=None, queueing_lock="job-1", task_name=TASK_NAME, attempts=attempts)


def _retry_in_s(exception: BaseException, attempts: int) -> float | None:
    decision = UntilTheDatabaseIsBack().get_retry_decision(exception=exception, job=_delivery(attempts))
    if decision is None:
        return None
    assert decision.retry_at is not None
    return (decision.retry_at - dt.datetime.now(dt.UTC)).total_seconds()


@pytest.mark.parametrize(
    ("attempts", "wait"), [(0, 2), (1, 4), (3, 16), (4, 32), (5, MAX_WAIT_S), (500, MAX_WAIT_S)]
)
def test_a_transient_failure_is_retried_however_long_it_lasts(attempts: int, wait: float) -> None:
    retry_in = _retry_in_s(TransientFailure("connection refused"), attempts)
    assert retry_in is not None and wait - 1 < retry_in <= wait


def test_other_errors_are_not_retried() -> None:
    assert _retry_in_s(ValueError("a bug"), 0) is None
