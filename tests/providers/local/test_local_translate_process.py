"""The Apertium subprocess never outlives its call: killed on timeout and when the job is cancelled.

A stand-in `apertium` on PATH (a shell script that records its pid and hangs) makes this independent
of the Debian package."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import pytest

from unigate.providers.errors import ProviderTimeout
from unigate.providers.local import translate

PAIR = translate.Pair(mode="eng-spa", source="en", target="es", variant=None)


@pytest.fixture
def hanging_apertium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pid_file = tmp_path / "pid"
    script = tmp_path / "apertium"
    script.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 60\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return pid_file


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _pid(pid_file: Path) -> int:
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline, "the stand-in apertium never started"
        await asyncio.sleep(0.01)
    return int(pid_file.read_text())


async def test_timeout_kills_the_process(hanging_apertium: Path) -> None:
    with pytest.raises(ProviderTimeout, match="took longer than"):
        await translate.translate("hello", PAIR, timeout=0.5)
    assert not _alive(await _pid(hanging_apertium))


async def test_cancelled_call_kills_the_process(hanging_apertium: Path) -> None:
    task = asyncio.create_task(translate.translate("hello", PAIR, timeout=30))
    pid = await _pid(hanging_apertium)
    assert _alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _alive(pid)
